//! OAuth 2.0 Form Post Response Mode: the authorization response (code or
//! error, after the redirect URI was validated) as a self-submitting form
//! that works without JavaScript, under a CSP that allows only its own
//! script (by hash) and posts only to the client.

use std::collections::HashMap;

use reqwest::header::{CONTENT_SECURITY_POLICY, CONTENT_TYPE, LOCATION};

use crate::helpers::*;

/// The form page: its action and hidden fields, after checking the CSP.
async fn form_post_page(resp: reqwest::Response, redirect_uri: &str) -> HashMap<String, String> {
    assert_eq!(resp.status(), 200, "form_post answers with a page");
    assert!(header(&resp, LOCATION).is_none());
    assert!(header(&resp, CONTENT_TYPE).unwrap().starts_with("text/html"));
    let csp = header(&resp, CONTENT_SECURITY_POLICY).expect("CSP");
    let origin = url::Url::parse(redirect_uri).unwrap().origin().ascii_serialization();
    assert!(csp.contains(&format!("form-action {origin}")), "{csp}");
    assert!(csp.contains("script-src 'sha256-"), "{csp}");
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    let html = resp.text().await.unwrap();
    let action = html.split(r#"<form method="post" action=""#).nth(1).and_then(|s| s.split('"').next());
    assert_eq!(action.map(decode_entities).as_deref(), Some(redirect_uri), "{html}");
    assert!(html.contains("<noscript>") && html.contains(r#"<button type="submit">"#), "{html}");
    // The inline script is exactly the one the CSP hash allows.
    let script = html.split("<script>").nth(1).and_then(|s| s.split("</script>").next()).expect("script");
    let hash = {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD.encode(openssl::sha::sha256(script.as_bytes()))
    };
    assert!(csp.contains(&format!("'sha256-{hash}'")), "script {script:?} is not the one allowed: {csp}");
    parse_inputs(&html)
        .into_iter()
        .filter(|i| i.get("type").map(String::as_str) == Some("hidden"))
        .map(|i| (i["name"].clone(), i["value"].clone()))
        .collect()
}

backend_test!(the_code_is_posted_to_the_client_and_works, |app| async move {
    let client = app.with_confidential_client("web", &["http://127.0.0.1:9000/cb?tenant=a&x=1"]).await;
    let user = app.with_user("alice", "correct horse battery").await;
    let req = AuthRequest::new(&client).param("response_mode", "form_post");
    let browser = app.browser();
    let form = browser.login_page(&req).await;
    let resp = browser.submit_login(&form, &user.username(), &user.password).await;
    let fields = form_post_page(resp, client.redirect_uri()).await;
    assert_eq!(fields.get("state"), Some(&req.state));
    assert_eq!(fields.get("iss"), Some(&app.issuer));
    let code = fields.get("code").expect("code");
    let verifier = req.pkce.as_ref().map(|p| p.verifier.as_str());
    let resp = app.exchange_code(&client, code, client.redirect_uri(), verifier).await;
    Tokens::from_response(resp).await;

    // With the SSO session, /authorize answers the form page at once.
    let again = AuthRequest::new(&client).param("response_mode", "form_post");
    let fields = form_post_page(browser.authorize(&again).await, client.redirect_uri()).await;
    assert_eq!(fields.get("state"), Some(&again.state));
    assert!(fields.contains_key("code"));
});

backend_test!(errors_after_the_redirect_uri_check_are_posted_too, |app| async move {
    let client = app.with_confidential_client("web", &["http://127.0.0.1:9000/cb"]).await;
    let req = AuthRequest::new(&client).param("response_mode", "form_post").param("prompt", "none");
    let fields = form_post_page(app.browser().authorize(&req).await, client.redirect_uri()).await;
    assert_eq!(fields.get("error").map(String::as_str), Some("login_required"));
    assert_eq!(fields.get("state"), Some(&req.state));
    assert!(!fields.contains_key("code"));

    let params: Vec<(String, String)> = AuthRequest::new(&client)
        .param("response_mode", "form_post")
        .params()
        .into_iter()
        .map(|(k, v)| if k == "response_type" { (k, "token".to_string()) } else { (k, v) })
        .collect();
    let fields = form_post_page(app.browser().get_authorize(&params).await, client.redirect_uri()).await;
    assert_eq!(fields.get("error").map(String::as_str), Some("unsupported_response_type"));

    // An untrusted redirect URI still gets the error page, never a form.
    let bad =
        AuthRequest::new(&client).redirect_uri("http://evil.example/cb").param("response_mode", "form_post");
    let resp = app.browser().authorize(&bad).await;
    assert_eq!(resp.status(), 400);
    assert!(!resp.text().await.unwrap().contains("<form method=\"post\" action=\"http://evil"));
});

backend_test!(query_is_explicit_and_unknown_modes_are_refused_in_the_query, |app| async move {
    let client = app.with_confidential_client("web", &["http://127.0.0.1:9000/cb"]).await;
    let user = app.with_user("alice", "correct horse battery").await;
    let req = AuthRequest::new(&client).param("response_mode", "query");
    let browser = app.browser();
    browser.authorize_and_login(&req, &user).await;

    for mode in ["fragment", "jwt", "FORM_POST"] {
        let req = AuthRequest::new(&client).param("response_mode", mode);
        let resp = browser.authorize(&req).await;
        assert_eq!(resp.status(), 302, "{mode}");
        let query = query_map(&redirect_target(&resp, client.redirect_uri()));
        assert_eq!(query.get("error").map(String::as_str), Some("invalid_request"), "{mode}");
        assert_eq!(query.get("state"), Some(&req.state));
        assert!(!query.contains_key("code"));
    }
});

backend_test!(discovery_advertises_both_modes, |app| async move {
    let d = app.discovery().await;
    assert_eq!(d["response_modes_supported"], serde_json::json!(["query", "form_post"]));
});
