//! POST /token error responses (RFC 6749 §5.2, RFC 7636 §4.6).

use crate::authorize::CB;
use crate::helpers::*;
use oxidp::flows::admin::NewClient;
use reqwest::header::{CACHE_CONTROL, WWW_AUTHENTICATE};

const PASSWORD: &str = "correct horse battery";

/// Asserts an RFC 6749 §5.2 JSON error with `no-store`.
async fn assert_error(resp: reqwest::Response, status: u16, error: &str) -> reqwest::header::HeaderMap {
    let headers = resp.headers().clone();
    let cache = header(&resp, CACHE_CONTROL).unwrap_or_default();
    let (got_status, code, body) = oauth_error(resp).await;
    assert_eq!((got_status, code.as_str()), (status, error), "{body}");
    assert!(body.get("access_token").is_none(), "{body}");
    assert!(cache.contains("no-store"), "Cache-Control: {cache}");
    headers
}

/// 401 invalid_client with a Basic challenge (RFC 6749 §5.2, RFC 7235 §3.1).
async fn assert_invalid_client(resp: reqwest::Response) {
    let headers = assert_error(resp, 401, "invalid_client").await;
    let challenge = headers
        .get(WWW_AUTHENTICATE)
        .map(|v| v.to_str().unwrap().to_string())
        .expect("401 carries WWW-Authenticate");
    assert!(challenge.starts_with("Basic"), "WWW-Authenticate: {challenge}");
}

/// invalid_client without Basic auth: RFC 6749 §5.2 allows 400 or 401, and a
/// 401 needs a challenge (RFC 9110 §15.5.2).
async fn assert_invalid_client_any(resp: reqwest::Response) {
    let status = resp.status().as_u16();
    let challenge = header(&resp, WWW_AUTHENTICATE);
    let (_, code, body) = oauth_error(resp).await;
    assert_eq!(code, "invalid_client", "{body}");
    assert!(status == 400 || status == 401, "status {status}: {body}");
    if status == 401 {
        assert!(challenge.is_some(), "401 without WWW-Authenticate");
    }
}

struct Fixture {
    app: TestApp,
    user: TestUser,
    client: TestClient,
    browser: Browser,
}

impl Fixture {
    async fn new(app: TestApp) -> Fixture {
        let user = app.with_user("alice", PASSWORD).await;
        let client = app.with_confidential_client("app1", &[CB]).await;
        let browser = app.browser();
        Fixture { app, user, client, browser }
    }

    /// A fresh code for `req` (logging in the first time only).
    async fn code(&self, req: &AuthRequest) -> String {
        self.browser.code_for(req, &self.user).await.code
    }

    async fn exchange(&self, code: &str, verifier: Option<&str>) -> reqwest::Response {
        self.app.exchange_code(&self.client, code, CB, verifier).await
    }
}

fn verifier(req: &AuthRequest) -> String {
    req.pkce.as_ref().unwrap().verifier.clone()
}

backend_test!(code_cannot_be_replayed, |app| async move {
    let f = Fixture::new(app).await;
    let req = AuthRequest::new(&f.client);
    let code = f.code(&req).await;
    let v = verifier(&req);
    assert_eq!(f.exchange(&code, Some(&v)).await.status(), 200);
    assert_error(f.exchange(&code, Some(&v)).await, 400, "invalid_grant").await;
});

backend_test!(unknown_code, |app| async move {
    let f = Fixture::new(app).await;
    let resp = f.exchange("this-code-was-never-issued-0123456789", None).await;
    assert_error(resp, 400, "invalid_grant").await;
});

backend_test!(wrong_code_verifier, |app| async move {
    let f = Fixture::new(app).await;
    let req = AuthRequest::new(&f.client);
    let code = f.code(&req).await;
    let other = Pkce::new().verifier;
    assert_error(f.exchange(&code, Some(&other)).await, 400, "invalid_grant").await;
});

backend_test!(missing_code_verifier, |app| async move {
    // RFC 7636 §4.6: a challenge was sent, so the verifier is required.
    let f = Fixture::new(app).await;
    let req = AuthRequest::new(&f.client);
    let code = f.code(&req).await;
    assert_error(f.exchange(&code, None).await, 400, "invalid_grant").await;
});

backend_test!(verifier_without_challenge, |app| async move {
    // PKCE downgrade (RFC 9700 §2.1.1): no challenge at authorize, verifier at token.
    let f = Fixture::new(app).await;
    let client = f
        .app
        .with_client(NewClient { pkce: Some("optional".into()), ..new_client("opt", &[CB], false) })
        .await;
    let req = AuthRequest::new(&client).without_pkce();
    let code = f.browser.code_for(&req, &f.user).await.code;
    let v = Pkce::new().verifier;
    assert_error(f.app.exchange_code(&client, &code, CB, Some(&v)).await, 400, "invalid_grant").await;
});

backend_test!(redirect_uri_mismatch, |app| async move {
    let f = Fixture::new(app).await;
    let other = "http://127.0.0.1:9999/other";
    let client = f.app.with_confidential_client("app2", &[CB, other]).await;
    let req = AuthRequest::new(&client);
    let code = f.code(&req).await;
    let resp = f.app.exchange_code(&client, &code, other, Some(&verifier(&req))).await;
    assert_error(resp, 400, "invalid_grant").await;

    // RFC 6749 §4.1.3: redirect_uri is required when it was in the request.
    let req = AuthRequest::new(&client);
    let code = f.code(&req).await;
    let v = verifier(&req);
    let resp = f
        .app
        .token(
            &client.auth(),
            &[("grant_type", "authorization_code"), ("code", &code), ("code_verifier", &v)],
        )
        .await;
    let (status, error, body) = oauth_error(resp).await;
    assert_eq!(status, 400, "{body}");
    assert!(["invalid_request", "invalid_grant"].contains(&error.as_str()), "{body}");
});

backend_test!(code_bound_to_client, |app| async move {
    // RFC 6749 §4.1.3: the code was issued to another client.
    let f = Fixture::new(app).await;
    let other = f.app.with_confidential_client("app2", &[CB]).await;
    let req = AuthRequest::new(&f.client);
    let code = f.code(&req).await;
    let resp = f.app.exchange_code(&other, &code, CB, Some(&verifier(&req))).await;
    assert_error(resp, 400, "invalid_grant").await;

    // Public client stealing a confidential client's code.
    let spa = f.app.with_public_client("spa", &[CB]).await;
    let req = AuthRequest::new(&f.client);
    let code = f.code(&req).await;
    let resp = f.app.exchange_code(&spa, &code, CB, Some(&verifier(&req))).await;
    assert_error(resp, 400, "invalid_grant").await;
});

backend_test!(wrong_secret_or_unknown_client, |app| async move {
    let f = Fixture::new(app).await;
    let req = AuthRequest::new(&f.client);
    let code = f.code(&req).await;
    let v = verifier(&req);
    let params = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", CB),
        ("code_verifier", v.as_str()),
    ];
    let wrong =
        ClientAuth::Basic { id: "app1".into(), secret: "not-the-secret-not-the-secret-0123456789".into() };
    assert_invalid_client(f.app.token(&wrong, &params).await).await;
    let unknown = ClientAuth::Basic { id: "ghost".into(), secret: f.client.secret().into() };
    assert_invalid_client(f.app.token(&unknown, &params).await).await;
    let wrong_post =
        ClientAuth::Post { id: "app1".into(), secret: "not-the-secret-not-the-secret-0123456789".into() };
    assert_invalid_client_any(f.app.token(&wrong_post, &params).await).await;
    // A confidential client must authenticate.
    let id_only = ClientAuth::PublicId("app1".into());
    assert_invalid_client_any(f.app.token(&id_only, &params).await).await;
    let nothing = ClientAuth::Nothing;
    assert_invalid_client_any(f.app.token(&nothing, &params).await).await;
});

backend_test!(two_auth_methods_at_once, |app| async move {
    // RFC 6749 §2.3: a client MUST NOT use more than one method per request.
    let f = Fixture::new(app).await;
    let req = AuthRequest::new(&f.client);
    let code = f.code(&req).await;
    let v = verifier(&req);
    let resp = f
        .app
        .token(
            &f.client.auth(),
            &[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("redirect_uri", CB),
                ("code_verifier", &v),
                ("client_id", "app1"),
                ("client_secret", f.client.secret()),
            ],
        )
        .await;
    assert_error(resp, 400, "invalid_request").await;
});

backend_test!(unsupported_grant_type, |app| async move {
    let f = Fixture::new(app).await;
    let resp = f
        .app
        .token(&f.client.auth(), &[("grant_type", "password"), ("username", "alice"), ("password", PASSWORD)])
        .await;
    assert_error(resp, 400, "unsupported_grant_type").await;
});

backend_test!(missing_parameters, |app| async move {
    let f = Fixture::new(app).await;
    let resp =
        f.app.token(&f.client.auth(), &[("grant_type", "authorization_code"), ("redirect_uri", CB)]).await;
    assert_error(resp, 400, "invalid_request").await;

    let resp = f.app.token(&f.client.auth(), &[("redirect_uri", CB)]).await;
    assert_error(resp, 400, "invalid_request").await;
});

backend_test!(repeated_token_parameter, |app| async move {
    // RFC 6749 §3.2: parameters MUST NOT be included more than once.
    let f = Fixture::new(app).await;
    let req = AuthRequest::new(&f.client);
    let code = f.code(&req).await;
    let v = verifier(&req);
    let resp = f
        .app
        .token(
            &f.client.auth(),
            &[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("code", &code),
                ("redirect_uri", CB),
                ("code_verifier", &v),
            ],
        )
        .await;
    assert_error(resp, 400, "invalid_request").await;
});
