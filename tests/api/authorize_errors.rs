//! Authorization errors once redirect_uri is trusted: a 302 back to the
//! client carrying `error`, `error_description`, `state` and `iss`
//! (RFC 6749 §4.1.2.1, OIDC Core §3.1.2.6, RFC 7636 §4.4.1, RFC 9207 §2).

use crate::authorize::CB;
use crate::helpers::*;

/// Asserts a redirect to `CB` with `error` and returns its query.
async fn expect_error(
    app: &TestApp,
    resp: reqwest::Response,
    error: &str,
    state: Option<&str>,
) -> std::collections::HashMap<String, String> {
    let status = resp.status();
    assert_eq!(
        status,
        302,
        "expected an error redirect ({error}), body: {}",
        resp.text().await.unwrap_or_default()
    );
    let url = redirect_target(&resp, CB);
    let q = query_map(&url);
    assert_eq!(q.get("error").map(String::as_str), Some(error), "{url}");
    assert!(q.get("error_description").is_some_and(|d| !d.is_empty()), "{url}");
    assert!(!q.contains_key("code"), "no code on an error: {url}");
    if let Some(state) = state {
        assert_eq!(q.get("state").map(String::as_str), Some(state), "{url}");
    }
    // RFC 9207 §2: iss is included in error responses too.
    assert_eq!(q.get("iss"), Some(&app.issuer), "{url}");
    q
}

fn replace(params: Vec<(String, String)>, key: &str, value: &str) -> Vec<(String, String)> {
    let mut out: Vec<_> = params.into_iter().filter(|(k, _)| k != key).collect();
    out.push((key.into(), value.into()));
    out
}

backend_test!(missing_response_type, |app| async move {
    let client = app.with_confidential_client("app1", &[CB]).await;
    let req = AuthRequest::new(&client);
    let resp = app.browser().get_authorize(&req.params_without(&["response_type"])).await;
    expect_error(&app, resp, "invalid_request", Some(&req.state)).await;
});

backend_test!(unsupported_response_types, |app| async move {
    let client = app.with_confidential_client("app1", &[CB]).await;
    let browser = app.browser();
    for rt in ["token", "id_token", "code token", "code id_token", "bogus"] {
        let req = AuthRequest::new(&client);
        let resp = browser.get_authorize(&replace(req.params(), "response_type", rt)).await;
        expect_error(&app, resp, "unsupported_response_type", Some(&req.state)).await;
    }
});

backend_test!(scope_of_which_nothing_is_allowed, |app| async move {
    let client = app.with_confidential_client("app1", &[CB]).await;
    let req = AuthRequest::new(&client).scope("admin:all unknown");
    let resp = app.browser().authorize(&req).await;
    expect_error(&app, resp, "invalid_scope", Some(&req.state)).await;
});

backend_test!(confidential_clients_require_pkce_by_default, |app| async move {
    let client = app.with_confidential_client("web", &[CB]).await;
    let req = AuthRequest::new(&client).without_pkce();
    let resp = app.browser().authorize(&req).await;
    expect_error(&app, resp, "invalid_request", Some(&req.state)).await;
});

backend_test!(public_client_requires_pkce, |app| async move {
    let client = app.with_public_client("spa", &[CB]).await;
    let req = AuthRequest::new(&client).without_pkce();
    let resp = app.browser().authorize(&req).await;
    expect_error(&app, resp, "invalid_request", Some(&req.state)).await;
});

backend_test!(plain_pkce_is_rejected, |app| async move {
    let client = app.with_public_client("spa", &[CB]).await;
    let browser = app.browser();

    let req = AuthRequest::new(&client);
    let plain = replace(req.params(), "code_challenge_method", "plain");
    let resp = browser.get_authorize(&plain).await;
    expect_error(&app, resp, "invalid_request", Some(&req.state)).await;

    // Without a method the default is `plain` (RFC 7636 §4.3), also unsupported.
    let req = AuthRequest::new(&client);
    let resp = browser.get_authorize(&req.params_without(&["code_challenge_method"])).await;
    expect_error(&app, resp, "invalid_request", Some(&req.state)).await;

    // A confidential client cannot use plain either.
    let conf = app.with_confidential_client("app1", &[CB]).await;
    let req = AuthRequest::new(&conf);
    let resp = browser.get_authorize(&replace(req.params(), "code_challenge_method", "plain")).await;
    expect_error(&app, resp, "invalid_request", Some(&req.state)).await;
});

backend_test!(repeated_parameter, |app| async move {
    // RFC 6749 §3.1: request parameters MUST NOT be included more than once.
    let client = app.with_confidential_client("app1", &[CB]).await;
    let req = AuthRequest::new(&client).param("state", "second");
    let resp = app.browser().authorize(&req).await;
    expect_error(&app, resp, "invalid_request", None).await;

    let req = AuthRequest::new(&client).param("scope", "openid");
    let resp = app.browser().authorize(&req).await;
    expect_error(&app, resp, "invalid_request", None).await;
});

backend_test!(prompt_none_without_session, |app| async move {
    let client = app.with_confidential_client("app1", &[CB]).await;
    let req = AuthRequest::new(&client).prompt("none");
    let resp = app.browser().authorize(&req).await;
    expect_error(&app, resp, "login_required", Some(&req.state)).await;
});

backend_test!(prompt_none_with_other_values, |app| async move {
    // OIDC Core §3.1.2.1: `none` with any other value is an error.
    let client = app.with_confidential_client("app1", &[CB]).await;
    let req = AuthRequest::new(&client).prompt("none login");
    let resp = app.browser().authorize(&req).await;
    expect_error(&app, resp, "invalid_request", Some(&req.state)).await;
});

backend_test!(state_is_echoed_exactly, |app| async move {
    let user = app.with_user("alice", "correct horse battery").await;
    let client = app.with_confidential_client("app1", &[CB]).await;
    let odd = "a b&c=d/é+%20~";
    let req = AuthRequest::new(&client).state(odd);
    let cb = app.browser().authorize_and_login(&req, &user).await;
    assert_eq!(cb.state.as_deref(), Some(odd));

    let req = AuthRequest::new(&client).state(odd).prompt("none");
    let resp = app.browser().authorize(&req).await;
    expect_error(&app, resp, "login_required", Some(odd)).await;
});

backend_test!(metadata_advertises_iss_parameter, |app| async move {
    // RFC 9207 §2.3: servers that send `iss` MUST advertise it.
    let m = app.discovery().await;
    assert_eq!(m["authorization_response_iss_parameter_supported"], true);
});
