//! The authorization endpoint before any error redirect: the login page, its
//! security headers, and requests whose client or redirect_uri cannot be
//! trusted (RFC 6749 §3.1.2.4, §4.1.2.1; RFC 9700 §4.1: exact matching).

use crate::helpers::*;
use reqwest::header::{CACHE_CONTROL, CONTENT_TYPE, LOCATION};

pub const CB: &str = "http://127.0.0.1:9999/cb";
pub const CB_NAMED: &str = "https://app.example.com/cb";

/// Asserts the anti-framing / no-sniff / no-store headers on an HTML page.
pub fn assert_page_headers(resp: &reqwest::Response) {
    let h = |name: &str| {
        resp.headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_else(|| panic!("missing header {name}"))
    };
    let csp = h("content-security-policy");
    assert!(csp.contains("frame-ancestors 'none'"), "CSP: {csp}");
    assert!(h("x-frame-options").eq_ignore_ascii_case("DENY"));
    assert!(h("x-content-type-options").eq_ignore_ascii_case("nosniff"));
    assert!(h(CACHE_CONTROL.as_str()).contains("no-store"));
}

fn assert_html(resp: &reqwest::Response) {
    let ct = header(resp, CONTENT_TYPE).unwrap_or_default();
    assert!(ct.starts_with("text/html"), "content-type {ct}");
}

/// 400 HTML page, and never a redirect.
async fn assert_not_redirected(resp: reqwest::Response, what: &str) {
    assert_eq!(resp.status(), 400, "{what}: status");
    assert!(
        resp.headers().get(LOCATION).is_none(),
        "{what}: must not redirect to an untrusted URI, got Location {:?}",
        resp.headers().get(LOCATION)
    );
    assert_html(&resp);
    assert_page_headers(&resp);
}

backend_test!(login_page_without_session, |app| async move {
    let client = app.with_confidential_client("app1", &[CB]).await;
    let browser = app.browser();
    let resp = browser.authorize(&AuthRequest::new(&client)).await;
    assert_eq!(resp.status(), 200);
    assert_html(&resp);
    assert_page_headers(&resp);

    let csrf = set_cookie(&resp, CSRF_COOKIE).expect("oxidp_csrf cookie set");
    assert!(csrf.has("httponly"), "{}", csrf.raw);
    assert!(csrf.attr("samesite").is_some_and(|v| v.eq_ignore_ascii_case("lax")), "{}", csrf.raw);
    assert_eq!(csrf.attr("path"), Some("/"), "{}", csrf.raw);
    assert!(set_cookie(&resp, SESSION_COOKIE).is_none(), "no session yet");

    let html = resp.text().await.unwrap();
    assert!(html.contains(r#"<form method="post" action="/login""#), "{html}");
    let form = LoginForm::parse(&html);
    assert!(!form.challenge.is_empty());
    assert!(!form.csrf_token.is_empty());
    let inputs = parse_inputs(&html);
    let named = |n: &str| inputs.iter().any(|i| i.get("name").map(String::as_str) == Some(n));
    assert!(named("username") && named("password"), "{html}");
    let hidden = |n: &str| {
        inputs.iter().any(|i| {
            i.get("name").map(String::as_str) == Some(n)
                && i.get("type").map(String::as_str) == Some("hidden")
        })
    };
    assert!(hidden("challenge") && hidden("csrf_token"), "{html}");
});

backend_test!(post_authorize_works_like_get, |app| async move {
    let user = app.with_user("alice", "correct horse battery").await;
    let client = app.with_confidential_client("app1", &[CB]).await;
    let browser = app.browser();
    let req = AuthRequest::new(&client);
    let resp = browser.post_authorize(&req.params()).await;
    let form = LoginForm::from_response(resp).await;
    let resp = browser.submit_login(&form, "alice", &user.password).await;
    assert_eq!(resp.status(), 303);
    let cb = Callback::from_redirect(&resp, CB);
    assert_eq!(cb.state.as_deref(), Some(req.state.as_str()));
});

backend_test!(fresh_login_page_each_time, |app| async move {
    let client = app.with_confidential_client("app1", &[CB]).await;
    let browser = app.browser();
    let a = browser.login_page(&AuthRequest::new(&client)).await;
    let b = browser.login_page(&AuthRequest::new(&client)).await;
    assert_ne!(a.challenge, b.challenge, "each request gets its own challenge");
});

backend_test!(unknown_or_missing_client_is_not_redirected, |app| async move {
    let client = app.with_confidential_client("app1", &[CB]).await;
    let browser = app.browser();
    let req = AuthRequest::new(&client);

    let mut unknown = req.params_without(&["client_id"]);
    unknown.push(("client_id".into(), "nope".into()));
    assert_not_redirected(browser.get_authorize(&unknown).await, "unknown client_id").await;

    let missing = req.params_without(&["client_id"]);
    assert_not_redirected(browser.get_authorize(&missing).await, "missing client_id").await;
});

backend_test!(redirect_uri_must_match_exactly, |app| async move {
    let client = app.with_confidential_client("app1", &[CB, CB_NAMED]).await;
    let browser = app.browser();
    let variants = [
        ("unregistered host", "http://evil.example/cb"),
        ("extra path segment", "http://127.0.0.1:9999/cb/x"),
        ("extra query", "http://127.0.0.1:9999/cb?a=b"),
        ("different port, not loopback", "https://app.example.com:8443/cb"),
        ("localhost for a loopback IP", "http://localhost:9999/cb"),
        ("trailing slash", "http://127.0.0.1:9999/cb/"),
        ("uppercase host", "http://APP.example.com/cb"),
        ("https instead of http", "https://127.0.0.1:9999/cb"),
        ("userinfo trick", "http://127.0.0.1:9999@evil.example/cb"),
        ("fragment", "http://127.0.0.1:9999/cb#x"),
        ("relative", "/cb"),
    ];
    for (what, uri) in variants {
        let req = AuthRequest::new(&client).redirect_uri(uri);
        assert_not_redirected(browser.authorize(&req).await, what).await;
        // Errors found after the redirect_uri check must not leak either.
        let mut params = AuthRequest::new(&client).redirect_uri(uri).params_without(&["response_type"]);
        params.push(("response_type".into(), "token".into()));
        assert_not_redirected(browser.get_authorize(&params).await, what).await;
    }
    let missing = AuthRequest::new(&client).params_without(&["redirect_uri"]);
    assert_not_redirected(browser.get_authorize(&missing).await, "missing redirect_uri").await;

    // Both registered URIs are accepted exactly as registered.
    for uri in [CB, CB_NAMED] {
        let req = AuthRequest::new(&client).redirect_uri(uri);
        browser.login_page(&req).await;
    }
});

backend_test!(missing_redirect_uri_single_registration, |app| async move {
    // OIDC Core §3.1.2.1 makes redirect_uri REQUIRED even with one registration.
    let client = app.with_public_client("spa", &[CB]).await;
    let params = AuthRequest::new(&client).params_without(&["redirect_uri"]);
    let resp = app.browser().get_authorize(&params).await;
    assert_not_redirected(resp, "missing redirect_uri").await;
});

backend_test!(pages_escape_request_input, |app| async move {
    let client = app.with_confidential_client("app1", &[CB]).await;
    let browser = app.browser();
    let evil = r#""><script>alert(1)</script>"#;

    let mut params = AuthRequest::new(&client).params_without(&["client_id"]);
    params.push(("client_id".into(), evil.into()));
    let html = browser.get_authorize(&params).await.text().await.unwrap();
    assert!(!html.contains("<script>alert(1)"), "error page reflects raw input: {html}");

    let req = AuthRequest::new(&client).param("login_hint", evil);
    let resp = browser.authorize(&req).await;
    assert_eq!(resp.status(), 200);
    let html = resp.text().await.unwrap();
    assert!(!html.contains("<script>alert(1)"), "login page reflects raw input: {html}");
});

backend_test!(ambiguous_client_or_redirect_is_not_redirected, |app| async move {
    // RFC 6749 §4.1.2.1: an invalid redirection URI or client identifier
    // MUST NOT cause an automatic redirect; a repeated one is invalid (§3.1).
    let client = app.with_confidential_client("app1", &[CB]).await;
    let _other = app.with_confidential_client("app2", &["http://127.0.0.1:9998/cb"]).await;
    let browser = app.browser();

    let mut params = AuthRequest::new(&client).params();
    params.push(("redirect_uri".into(), "http://evil.example/cb".into()));
    assert_not_redirected(browser.get_authorize(&params).await, "two redirect_uris").await;

    let mut params = AuthRequest::new(&client).params();
    params.push(("client_id".into(), "app2".into()));
    assert_not_redirected(browser.get_authorize(&params).await, "two client_ids").await;
});
