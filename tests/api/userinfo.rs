//! UserInfo endpoint (OIDC Core §5.3) and bearer token validation
//! (RFC 6750 §3, RFC 8725 §2.1/§3.1: no `none`, no algorithm confusion).

use crate::authorize::CB;
use crate::helpers::*;
use reqwest::header::WWW_AUTHENTICATE;
use serde_json::{Value, json};

const PASSWORD: &str = "correct horse battery";

async fn assert_invalid_token(resp: reqwest::Response, what: &str) {
    assert_eq!(resp.status(), 401, "{what}");
    let challenge =
        header(&resp, WWW_AUTHENTICATE).unwrap_or_else(|| panic!("{what}: 401 without WWW-Authenticate"));
    assert!(challenge.starts_with("Bearer"), "{what}: {challenge}");
    assert!(challenge.contains(r#"error="invalid_token""#), "{what}: {challenge}");
}

async fn setup(app: &TestApp, scope: &str) -> (TestUser, Tokens) {
    let user = app.with_user("alice", PASSWORD).await;
    let client = app.with_confidential_client("app1", &[CB]).await;
    let req = AuthRequest::new(&client).scope(scope);
    let tokens = app.tokens_with(&app.browser(), &user, &client, &req).await;
    (user, tokens)
}

backend_test!(returns_claims_for_scope, |app| async move {
    let (user, tokens) = setup(&app, "openid profile email").await;
    let resp = app.userinfo(&tokens.access_token).await;
    assert_eq!(resp.status(), 200);
    let ct = header(&resp, reqwest::header::CONTENT_TYPE).unwrap_or_default();
    assert!(ct.starts_with("application/json"), "content-type {ct}");
    let info: Value = resp.json().await.unwrap();
    let id = decode_jwt(tokens.id_token()).claims;
    assert_eq!(info["sub"], id["sub"]);
    assert_eq!(info["sub"], user.sub());
    assert_eq!(info["preferred_username"], "alice");
    assert_eq!(info["name"], "alice Example");
    assert_eq!(info["email"], "alice@example.com");
    assert!(info["email_verified"].is_boolean(), "{info}");
});

backend_test!(openid_scope_alone_gives_only_sub, |app| async move {
    let (user, tokens) = setup(&app, "openid").await;
    let info: Value = app.userinfo(&tokens.access_token).await.json().await.unwrap();
    assert_eq!(info["sub"], user.sub());
    for claim in ["email", "email_verified", "name", "preferred_username"] {
        assert!(info.get(claim).is_none(), "{claim} without its scope: {info}");
    }
});

backend_test!(post_is_supported, |app| async move {
    let (user, tokens) = setup(&app, "openid email").await;
    let resp = app.api.post(app.url("/userinfo")).bearer_auth(&tokens.access_token).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    let info: Value = resp.json().await.unwrap();
    assert_eq!(info["sub"], user.sub());
    assert_eq!(info["email"], "alice@example.com");
    assert!(info.get("name").is_none(), "{info}");
});

backend_test!(missing_token_is_challenged, |app| async move {
    // RFC 6750 §3.1: no credentials → no error code in the challenge.
    for resp in [app.get("/userinfo").await, app.api.post(app.url("/userinfo")).send().await.unwrap()] {
        assert_eq!(resp.status(), 401);
        let challenge = header(&resp, WWW_AUTHENTICATE).expect("WWW-Authenticate");
        assert!(challenge.starts_with("Bearer"), "{challenge}");
        assert!(!challenge.contains("error="), "{challenge}");
    }
});

backend_test!(garbage_tokens_are_rejected, |app| async move {
    for token in ["x", "a.b.c", "eyJhbGciOiJSUzI1NiJ9.e30.", "...."] {
        assert_invalid_token(app.userinfo(token).await, token).await;
    }
});

backend_test!(tampered_token_is_rejected, |app| async move {
    let (_user, tokens) = setup(&app, "openid profile email").await;
    let jwt = decode_jwt(&tokens.access_token);
    let [h, p, s] = &jwt.segments;

    let flipped = format!("{h}.{}.{s}", flip_char(p));
    assert_invalid_token(app.userinfo(&flipped).await, "flipped payload char").await;

    let mut claims = jwt.claims.clone();
    claims["sub"] = json!("someone-else");
    let edited = format!("{h}.{}.{s}", segment(&claims));
    assert_invalid_token(app.userinfo(&edited).await, "edited sub").await;

    let truncated = format!("{h}.{p}.{}", &s[..s.len() - 4]);
    assert_invalid_token(app.userinfo(&truncated).await, "truncated signature").await;
});

backend_test!(alg_none_is_rejected, |app| async move {
    let (_user, tokens) = setup(&app, "openid").await;
    let jwt = decode_jwt(&tokens.access_token);
    let kid = jwt.header["kid"].clone();
    for alg in ["none", "None", "NONE"] {
        let header = json!({"alg": alg, "typ": "at+jwt", "kid": kid});
        let forged = format!("{}.{}.", segment(&header), jwt.segments[1]);
        assert_invalid_token(app.userinfo(&forged).await, alg).await;
    }
});

backend_test!(hs256_with_public_key_is_rejected, |app| async move {
    // Algorithm confusion: HMAC keyed with the server's public key.
    let (_user, tokens) = setup(&app, "openid").await;
    let jwt = decode_jwt(&tokens.access_token);
    let jwks = app.jwks().await;
    let jwk = find_jwk(&jwks, jwt.header["kid"].as_str().unwrap()).clone();
    let mut keys = rsa_public_pems(&jwk);
    keys.push(serde_json::to_vec(&jwk).unwrap());
    for key in keys {
        let header = json!({"alg": "HS256", "typ": "at+jwt", "kid": jwt.header["kid"]});
        let input = format!("{}.{}", segment(&header), jwt.segments[1]);
        let forged = format!("{input}.{}", hs256(&key, &input));
        assert_invalid_token(app.userinfo(&forged).await, "HS256 confusion").await;
    }
});

backend_test!(foreign_key_signature_is_rejected, |app| async move {
    let (_user, tokens) = setup(&app, "openid").await;
    let jwt = decode_jwt(&tokens.access_token);
    let rsa = openssl::rsa::Rsa::generate(2048).unwrap();
    let key = openssl::pkey::PKey::from_rsa(rsa).unwrap();
    let input = format!("{}.{}", jwt.segments[0], jwt.segments[1]);
    let mut signer = openssl::sign::Signer::new(openssl::hash::MessageDigest::sha256(), &key).unwrap();
    signer.update(input.as_bytes()).unwrap();
    let forged = format!("{input}.{}", b64url(signer.sign_to_vec().unwrap()));
    assert_invalid_token(app.userinfo(&forged).await, "foreign key").await;
});

backend_test!(id_token_is_not_an_access_token, |app| async move {
    // RFC 9068 §4: the `typ` header keeps other JWTs out.
    let (_user, tokens) = setup(&app, "openid profile").await;
    assert_invalid_token(app.userinfo(tokens.id_token()).await, "ID token").await;
});

backend_test!(wrong_scheme_is_rejected, |app| async move {
    let (_user, tokens) = setup(&app, "openid").await;
    let resp = app
        .api
        .get(app.url("/userinfo"))
        .header("Authorization", format!("Basic {}", tokens.access_token))
        .send()
        .await
        .unwrap();
    // RFC 6750 §3: a request without bearer credentials gets a bare
    // challenge, no error code.
    assert_eq!(resp.status(), 401);
    let challenge = header(&resp, WWW_AUTHENTICATE).expect("WWW-Authenticate");
    assert!(challenge.starts_with("Bearer"), "{challenge}");
    assert!(!challenge.contains("error="), "{challenge}");
});
