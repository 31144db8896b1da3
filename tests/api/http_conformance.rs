//! HTTP semantics (RFC 9110) every resource keeps: 405 with `Allow` for a
//! known path asked with another method (§15.5.6), HEAD wherever GET works
//! (§9.3.2), 414 for an overlong request target (§15.5.15); plus the bare
//! bearer challenge at UserInfo (RFC 6750 §3) and RFC 8414 metadata.

use reqwest::Method;
use reqwest::header::{ALLOW, CONTENT_LENGTH, CONTENT_TYPE, WWW_AUTHENTICATE};

use crate::helpers::*;

fn allowed(resp: &reqwest::Response) -> Vec<String> {
    let allow = header(resp, ALLOW).unwrap_or_else(|| panic!("405 without Allow ({})", resp.url()));
    let mut methods: Vec<String> = allow.split(',').map(|m| m.trim().to_string()).collect();
    methods.sort();
    methods
}

backend_test!(a_wrong_method_on_a_known_path_is_405_with_allow, |app| async move {
    let cases: [(&str, Method, &[&str]); 7] = [
        ("/token", Method::GET, &["OPTIONS", "POST"]),
        ("/token", Method::DELETE, &["OPTIONS", "POST"]),
        ("/authorize", Method::PUT, &["GET", "HEAD", "POST"]),
        ("/userinfo", Method::DELETE, &["GET", "HEAD", "OPTIONS", "POST"]),
        ("/healthz", Method::POST, &["GET", "HEAD"]),
        ("/.well-known/jwks.json", Method::POST, &["GET", "HEAD", "OPTIONS"]),
        ("/introspect", Method::GET, &["POST"]),
    ];
    for (path, method, expected) in cases {
        let resp = app.api.request(method.clone(), app.url(path)).send().await.unwrap();
        assert_eq!(resp.status(), 405, "{method} {path}");
        assert_eq!(allowed(&resp), expected, "{method} {path}");
    }
    assert_eq!(app.api.get(app.url("/no/such/path")).send().await.unwrap().status(), 404);
    assert_eq!(app.api.delete(app.url("/no/such/path")).send().await.unwrap().status(), 404);
});

backend_test!(head_answers_wherever_get_does, |app| async move {
    let client = app.with_confidential_client("web", &["http://127.0.0.1:9000/cb"]).await;
    let authorize = {
        let params = AuthRequest::new(&client).params();
        let query = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(params).finish();
        format!("/authorize?{query}")
    };
    let paths = [
        "/.well-known/openid-configuration",
        "/.well-known/oauth-authorization-server",
        "/.well-known/jwks.json",
        "/healthz",
        "/static/style.css",
        "/account",
        "/logout",
        "/userinfo",
        authorize.as_str(),
    ];
    for path in paths {
        let get = app.api.get(app.url(path)).send().await.unwrap();
        let head = app.api.head(app.url(path)).send().await.unwrap();
        assert_eq!(head.status(), get.status(), "HEAD {path}");
        assert_ne!(head.status(), 405, "HEAD {path}");
        assert_eq!(header(&head, CONTENT_TYPE), header(&get, CONTENT_TYPE), "HEAD {path}");
        let get_len = header(&get, CONTENT_LENGTH);
        if let Some(len) = &get_len
            && len != "0"
        {
            assert_eq!(header(&head, CONTENT_LENGTH).as_ref(), Some(len), "HEAD {path}");
        }
        assert!(head.bytes().await.unwrap().is_empty(), "HEAD {path} has a body");
    }
});

backend_test!(an_overlong_request_target_is_414, |app| async move {
    let long = "a".repeat(9000);
    let resp = app.api.get(app.url(&format!("/authorize?state={long}"))).send().await.unwrap();
    assert_eq!(resp.status(), 414);
    let resp = app.api.post(app.url(&format!("/token?{long}"))).send().await.unwrap();
    assert_eq!(resp.status(), 414);
    // Just under the limit is served as usual (the page says what is wrong).
    let fits = "a".repeat(8000);
    let resp = app.api.get(app.url(&format!("/authorize?state={fits}"))).send().await.unwrap();
    assert_eq!(resp.status(), 400);
});

backend_test!(userinfo_with_another_scheme_gets_a_bare_challenge, |app| async move {
    for scheme in ["Basic dXNlcjpwYXNz", "Digest username=\"x\"", "Bearer"] {
        for method in [Method::GET, Method::POST] {
            let resp = app
                .api
                .request(method.clone(), app.url("/userinfo"))
                .header("Authorization", scheme)
                .send()
                .await
                .unwrap();
            assert_eq!(resp.status(), 401, "{method} {scheme}");
            let challenge = header(&resp, WWW_AUTHENTICATE).expect("challenge");
            assert!(challenge.starts_with("Bearer"), "{challenge}");
            assert!(!challenge.contains("error"), "RFC 6750 §3: no error code: {challenge}");
        }
    }
});

backend_test!(rfc8414_metadata_matches_openid_discovery, |app| async move {
    let oidc = app.discovery().await;
    let resp = app.get("/.well-known/oauth-authorization-server").await;
    assert_eq!(resp.status(), 200);
    assert!(header(&resp, CONTENT_TYPE).unwrap().starts_with("application/json"));
    let oauth: serde_json::Value = resp.json().await.unwrap();
    // RFC 8414 §3.3: the issuer is the one the metadata was asked for.
    assert_eq!(oauth["issuer"], app.issuer.as_str());
    for member in [
        "authorization_endpoint",
        "token_endpoint",
        "jwks_uri",
        "response_types_supported",
        "response_modes_supported",
        "grant_types_supported",
        "token_endpoint_auth_methods_supported",
        "revocation_endpoint",
        "introspection_endpoint",
        "code_challenge_methods_supported",
        "scopes_supported",
    ] {
        assert!(!oauth[member].is_null(), "{member} missing");
    }
    assert_eq!(oauth, oidc, "the two documents disagree");
});
