//! POST /token, authorization_code grant: successful exchanges with each
//! client authentication method (RFC 6749 §2.3, §4.1.3-4.1.4, §5.1).

use crate::authorize::CB;
use crate::helpers::*;
use oxidp::flows::admin::NewClient;
use reqwest::header::{CACHE_CONTROL, CONTENT_TYPE, PRAGMA};

/// RFC 6749 §5.1 response shape and headers.
pub async fn assert_token_success(resp: reqwest::Response, scope_has_openid: bool) -> Tokens {
    let cache = header(&resp, CACHE_CONTROL).unwrap_or_default();
    assert!(cache.contains("no-store"), "Cache-Control: {cache}");
    let pragma = header(&resp, PRAGMA).unwrap_or_default();
    assert!(pragma.contains("no-cache"), "Pragma: {pragma}");
    let ct = header(&resp, CONTENT_TYPE).unwrap_or_default();
    assert!(ct.starts_with("application/json"), "content-type {ct}");
    let tokens = Tokens::from_response(resp).await;
    let j = &tokens.json;
    assert!(j["token_type"].as_str().is_some_and(|t| t.eq_ignore_ascii_case("bearer")), "{j}");
    assert!(j["expires_in"].as_i64().is_some_and(|e| e > 0), "{j}");
    assert!(!tokens.access_token.is_empty());
    assert_eq!(tokens.id_token.is_some(), scope_has_openid, "{j}");
    tokens
}

fn scope_set(j: &serde_json::Value) -> Vec<String> {
    let mut v: Vec<String> = j["scope"]
        .as_str()
        .unwrap_or_else(|| panic!("scope in token response: {j}"))
        .split(' ')
        .map(str::to_string)
        .collect();
    v.sort();
    v
}

backend_test!(confidential_client_basic_auth, |app| async move {
    let user = app.with_user("alice", "correct horse battery").await;
    let client = app.with_confidential_client("app1", &[CB]).await;
    let browser = app.browser();
    let req = AuthRequest::new(&client);
    let cb = browser.authorize_and_login(&req, &user).await;
    let pkce = req.pkce.as_ref().unwrap();
    let resp = app
        .token(
            &client.auth(),
            &[
                ("grant_type", "authorization_code"),
                ("code", &cb.code),
                ("redirect_uri", CB),
                ("code_verifier", &pkce.verifier),
            ],
        )
        .await;
    let tokens = assert_token_success(resp, true).await;
    assert_eq!(scope_set(&tokens.json), ["email", "openid", "profile"]);
    let id = decode_jwt(tokens.id_token());
    assert_eq!(id.claims["sub"], user.sub());
});

backend_test!(confidential_client_secret_post, |app| async move {
    let user = app.with_user("alice", "correct horse battery").await;
    let client = app.with_confidential_client("app1", &[CB]).await;
    let req = AuthRequest::new(&client);
    let cb = app.browser().authorize_and_login(&req, &user).await;
    let resp = app
        .token(
            &client.post_auth(),
            &[
                ("grant_type", "authorization_code"),
                ("code", &cb.code),
                ("redirect_uri", CB),
                ("code_verifier", &req.pkce.as_ref().unwrap().verifier),
            ],
        )
        .await;
    assert_token_success(resp, true).await;
});

backend_test!(confidential_client_that_opted_out_of_pkce, |app| async move {
    let user = app.with_user("alice", "correct horse battery").await;
    let client = app
        .with_client(NewClient { pkce: Some("optional".into()), ..new_client("app1", &[CB], false) })
        .await;
    let req = AuthRequest::new(&client).without_pkce();
    let cb = app.browser().authorize_and_login(&req, &user).await;
    let resp = app.exchange_code(&client, &cb.code, CB, None).await;
    assert_token_success(resp, true).await;
});

backend_test!(public_client_with_pkce, |app| async move {
    let user = app.with_user("alice", "correct horse battery").await;
    let client = app.with_public_client("spa", &[CB]).await;
    assert!(client.is_public());
    let req = AuthRequest::new(&client);
    let cb = app.browser().authorize_and_login(&req, &user).await;
    let verifier = req.pkce.as_ref().unwrap().verifier.clone();
    let resp = app.exchange_code(&client, &cb.code, CB, Some(&verifier)).await;
    let tokens = assert_token_success(resp, true).await;
    assert_eq!(audiences(&decode_jwt(tokens.id_token()).claims), ["spa"]);
});

backend_test!(narrower_scope_is_granted, |app| async move {
    let user = app.with_user("alice", "correct horse battery").await;
    let client = app.with_confidential_client("app1", &[CB]).await;
    let req = AuthRequest::new(&client).scope("openid");
    let tokens = app.tokens_with(&app.browser(), &user, &client, &req).await;
    assert_eq!(scope_set(&tokens.json), ["openid"]);
});

backend_test!(basic_auth_credentials_are_form_urlencoded, |app| async move {
    // RFC 6749 §2.3.1: id and secret are form-urlencoded before Basic encoding.
    let user = app.with_user("alice", "correct horse battery").await;
    let secret = "s3cr3t:with/special+chars&=and%percent-0123456789";
    let client = app
        .with_client(NewClient {
            client_id: "app1".into(),
            redirect_uris: vec![CB.into()],
            post_logout_redirect_uris: vec![],
            grant_types: vec![],
            scopes: vec![],
            public: false,
            secret: Some(secret.into()),
            ..NewClient::default()
        })
        .await;
    let client = TestClient { secret: Some(secret.into()), ..client };
    let tokens = app.tokens_for(&user, &client).await;
    assert!(tokens.id_token.is_some());
});

backend_test!(codes_are_unique, |app| async move {
    let user = app.with_user("alice", "correct horse battery").await;
    let client = app.with_confidential_client("app1", &[CB]).await;
    let browser = app.browser();
    let mut codes = std::collections::HashSet::new();
    for _ in 0..3 {
        let cb = browser.code_for(&AuthRequest::new(&client), &user).await;
        assert!(cb.code.len() >= 22, "code has too little entropy: {}", cb.code);
        assert!(codes.insert(cb.code));
    }
});
