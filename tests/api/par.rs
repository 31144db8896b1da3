//! Pushed authorization requests (RFC 9126): `/par` takes an authenticated
//! client's request and answers a one-time `request_uri`; `/authorize`
//! uses only what was pushed, once, for the client that pushed it.

use crate::authorize::CB;
use crate::helpers::*;
use oxidp::flows::admin::NewClient;
use reqwest::header::{CACHE_CONTROL, LOCATION, RETRY_AFTER};

const URN: &str = "urn:ietf:params:oauth:request_uri:";

fn pairs(params: &[(String, String)]) -> Vec<(&str, &str)> {
    params.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

/// Pushes `req` as `auth`; the raw answer.
async fn push(app: &TestApp, auth: &ClientAuth, params: &[(String, String)]) -> reqwest::Response {
    app.post_form("/par", auth, &pairs(params)).await
}

/// Pushes `req` and returns its `request_uri`, checking the 201 answer.
async fn pushed_uri(app: &TestApp, client: &TestClient, req: &AuthRequest) -> String {
    let resp = push(app, &client.auth(), &req.params()).await;
    assert_eq!(resp.status(), 201, "pushed");
    assert_eq!(header(&resp, CACHE_CONTROL).as_deref(), Some("no-store"));
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(body["expires_in"], 60, "{body}");
    let uri = body["request_uri"].as_str().expect("request_uri").to_string();
    assert!(uri.starts_with(URN) && uri.len() > URN.len() + 20, "{uri}");
    uri
}

fn by_reference(client_id: &str, request_uri: &str) -> Vec<(String, String)> {
    vec![("client_id".into(), client_id.into()), ("request_uri".into(), request_uri.into())]
}

/// A 400 page, never a redirect (the pushed redirect URI is not known).
async fn assert_refused_page(resp: reqwest::Response, what: &str) {
    assert_eq!(resp.status(), 400, "{what}");
    assert!(resp.headers().get(LOCATION).is_none(), "{what}: no redirect");
    let page = resp.text().await.unwrap();
    assert!(page.contains("invalid_request_uri"), "{what}: {page}");
}

backend_test!(a_pushed_request_signs_in_once_with_only_its_own_parameters, |app| async move {
    let user = app.with_user("alice", "correct horse battery").await;
    let client = app.with_confidential_client("app1", &[CB, "http://127.0.0.1:9999/other"]).await;
    let req = AuthRequest::new(&client).state("pushed-state");
    let request_uri = pushed_uri(&app, &client, &req).await;

    // What the browser adds besides client_id and request_uri is ignored
    // (RFC 9126 §4): the redirect URI and state are the pushed ones.
    let browser = app.browser();
    let mut query = by_reference("app1", &request_uri);
    query.push(("state".into(), "tampered".into()));
    query.push(("redirect_uri".into(), "http://127.0.0.1:9999/other".into()));
    let form = LoginForm::from_response(browser.get_authorize(&query).await).await;
    let resp = browser.submit_login(&form, "alice", &user.password).await;
    assert_eq!(resp.status(), 303);
    let cb = Callback::from_redirect(&resp, CB);
    assert_eq!(cb.state.as_deref(), Some("pushed-state"));
    let verifier = req.pkce.as_ref().map(|p| p.verifier.as_str());
    let tokens = Tokens::from_response(app.exchange_code(&client, &cb.code, CB, verifier).await).await;
    assert!(tokens.id_token.is_some());

    // Used once: the same request_uri again, even with a session, is refused.
    assert_refused_page(browser.get_authorize(&by_reference("app1", &request_uri)).await, "reused").await;
});

backend_test!(a_request_uri_works_only_for_the_client_that_pushed_it, |app| async move {
    let app1 = app.with_confidential_client("app1", &[CB]).await;
    app.with_confidential_client("app2", &[CB]).await;
    let request_uri = pushed_uri(&app, &app1, &AuthRequest::new(&app1)).await;
    let browser = app.browser();
    assert_refused_page(browser.get_authorize(&by_reference("app2", &request_uri)).await, "other client")
        .await;
    for bad in [format!("{URN}made-up"), "https://app.example.com/request.jwt".into()] {
        assert_refused_page(browser.get_authorize(&by_reference("app1", &bad)).await, &bad).await;
    }
});

backend_test!(a_push_is_checked_like_an_authorization_request, |app| async move {
    let client = app.with_confidential_client("app1", &[CB]).await;
    app.with_confidential_client("app2", &[CB]).await;
    let public = app.with_public_client("spa", &[CB]).await;
    let req = AuthRequest::new(&client);

    let wrong = ClientAuth::Basic { id: "app1".into(), secret: "not the secret".into() };
    let (status, error, _) = oauth_error(push(&app, &wrong, &req.params()).await).await;
    assert_eq!((status, error.as_str()), (401, "invalid_client"));

    let cases: Vec<(&str, Vec<(String, String)>)> = vec![
        (
            "unregistered redirect_uri",
            AuthRequest::new(&client).redirect_uri("https://evil.example/cb").params(),
        ),
        ("request_uri inside", AuthRequest::new(&client).param("request_uri", &format!("{URN}x")).params()),
        (
            "another client_id",
            AuthRequest::new(&client)
                .params_without(&["client_id"])
                .into_iter()
                .chain([("client_id".to_string(), "app2".to_string())])
                .collect(),
        ),
        ("no response_type", req.params_without(&["response_type"])),
    ];
    for (what, params) in cases {
        let (status, error, body) = oauth_error(push(&app, &client.auth(), &params).await).await;
        assert_eq!((status, error.as_str()), (400, "invalid_request"), "{what}: {body}");
    }

    // A public client pushes with its client_id alone, and must use PKCE.
    let spa = AuthRequest::new(&public);
    let resp = push(&app, &ClientAuth::Nothing, &spa.params()).await;
    assert_eq!(resp.status(), 201, "public client");
    let (status, error, _) =
        oauth_error(push(&app, &ClientAuth::Nothing, &spa.clone().without_pkce().params()).await).await;
    assert_eq!((status, error.as_str()), (400, "invalid_request"), "public client without PKCE");
});

backend_test!(
    where_pushing_is_required_a_plain_request_goes_back_with_an_error,
    options = SpawnOptions::default().settings(|s| s.par.required = true),
    |app| async move {
        assert_eq!(app.discovery().await["require_pushed_authorization_requests"], true);
        let client = app.with_confidential_client("app1", &[CB]).await;
        let req = AuthRequest::new(&client);
        let resp = app.browser().authorize(&req).await;
        assert_eq!(resp.status(), 302, "to the client, whose redirect URI is registered");
        let target = redirect_target(&resp, CB);
        let query = query_map(&target);
        assert_eq!(query.get("error").map(String::as_str), Some("invalid_request"), "{target}");
        assert_eq!(query.get("state"), Some(&req.state));

        let request_uri = pushed_uri(&app, &client, &req).await;
        let resp = app.browser().get_authorize(&by_reference("app1", &request_uri)).await;
        LoginForm::from_response(resp).await;
    }
);

backend_test!(
    switched_off_there_is_no_endpoint_and_no_request_uri,
    options = SpawnOptions::default().settings(|s| s.par.enabled = false),
    |app| async move {
        let discovery = app.discovery().await;
        assert!(discovery.get("pushed_authorization_request_endpoint").is_none(), "{discovery}");
        let client = app.with_confidential_client("app1", &[CB]).await;
        let req = AuthRequest::new(&client);
        assert_eq!(push(&app, &client.auth(), &req.params()).await.status(), 404);
        let resp = app.browser().authorize(&req.clone().param("request_uri", &format!("{URN}x"))).await;
        let query = query_map(&redirect_target(&resp, CB));
        assert_eq!(query.get("error").map(String::as_str), Some("request_uri_not_supported"));
        // A client that must push is refused, not let through unpushed.
        let strict = app
            .with_client(NewClient { require_pushed_requests: true, ..new_client("strict", &[CB], false) })
            .await;
        let query =
            query_map(&redirect_target(&app.browser().authorize(&AuthRequest::new(&strict)).await, CB));
        assert_eq!(
            query.get("error").map(String::as_str),
            Some("invalid_request"),
            "fails closed: {query:?}"
        );
    }
);

backend_test!(a_client_can_be_required_to_push_on_its_own, |app| async move {
    let strict = app
        .with_client(NewClient { require_pushed_requests: true, ..new_client("strict", &[CB], false) })
        .await;
    let relaxed = app.with_confidential_client("relaxed", &[CB]).await;
    assert_eq!(app.discovery().await["require_pushed_authorization_requests"], false);

    let resp = app.browser().authorize(&AuthRequest::new(&strict)).await;
    let query = query_map(&redirect_target(&resp, CB));
    assert_eq!(query.get("error").map(String::as_str), Some("invalid_request"), "{query:?}");
    let request_uri = pushed_uri(&app, &strict, &AuthRequest::new(&strict)).await;
    LoginForm::from_response(app.browser().get_authorize(&by_reference("strict", &request_uri)).await).await;

    let resp = app.browser().authorize(&AuthRequest::new(&relaxed)).await;
    LoginForm::from_response(resp).await;
});

backend_test!(
    anonymous_pushes_count_as_pending_sign_ins,
    options = SpawnOptions::default().settings(|s| s.login.max_pending_per_address = 2),
    |app| async move {
        let public = app.with_public_client("spa", &[CB]).await;
        let confidential = app.with_confidential_client("app1", &[CB]).await;
        for _ in 0..2 {
            assert_eq!(
                push(&app, &ClientAuth::Nothing, &AuthRequest::new(&public).params()).await.status(),
                201
            );
        }
        // RFC 9126 §2.3: 429 for the requests of one address.
        let resp = push(&app, &ClientAuth::Nothing, &AuthRequest::new(&public).params()).await;
        assert!(resp.headers().get(RETRY_AFTER).is_some(), "Retry-After");
        let (status, error, _) = oauth_error(resp).await;
        assert_eq!((status, error.as_str()), (429, "temporarily_unavailable"));
        // An authenticated client's pushes are its own: not capped this way.
        pushed_uri(&app, &confidential, &AuthRequest::new(&confidential)).await;
    }
);

backend_test!(a_push_over_the_size_bound_is_payload_too_large, |app| async move {
    let client = app.with_confidential_client("app1", &[CB]).await;
    let padding = "x".repeat(4000);
    let mut req = AuthRequest::new(&client);
    for i in 0..5 {
        req = req.param(&format!("ext{i}"), &padding);
    }
    let (status, error, _) = oauth_error(push(&app, &client.auth(), &req.params()).await).await;
    assert_eq!((status, error.as_str()), (413, "invalid_request"), "RFC 9126 §2.3");
    let fits = (0..3).fold(AuthRequest::new(&client), |req, i| req.param(&format!("ext{i}"), &padding));
    pushed_uri(&app, &client, &fits).await;
});
