//! OpenID Connect Discovery 1.0 §3-4 and the JWKS (RFC 7517).

use crate::helpers::*;
use serde_json::Value;

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap_or_else(|| panic!("expected a JSON array, got {v}"))
        .iter()
        .map(|s| s.as_str().expect("string member").to_string())
        .collect()
}

backend_test!(metadata_describes_the_server, |app| async move {
    let resp = app.get("/.well-known/openid-configuration").await;
    assert_eq!(resp.status(), 200);
    let ct = header(&resp, reqwest::header::CONTENT_TYPE).unwrap_or_default();
    assert!(ct.starts_with("application/json"), "content-type {ct}");
    let m: Value = resp.json().await.unwrap();
    let iss = app.issuer.as_str();

    // Discovery §4.3: the issuer must be identical to the one configured.
    assert_eq!(m["issuer"], iss);
    assert_eq!(m["authorization_endpoint"], format!("{iss}/authorize"));
    assert_eq!(m["token_endpoint"], format!("{iss}/token"));
    assert_eq!(m["userinfo_endpoint"], format!("{iss}/userinfo"));
    assert_eq!(m["jwks_uri"], format!("{iss}/.well-known/jwks.json"));
    // RFC 8414 §2 (RFC 7009, RFC 7662 endpoints).
    assert_eq!(m["revocation_endpoint"], format!("{iss}/revoke"));
    assert_eq!(m["introspection_endpoint"], format!("{iss}/introspect"));

    assert_eq!(strings(&m["response_types_supported"]), ["code"]);
    let grants = strings(&m["grant_types_supported"]);
    for grant in [
        "authorization_code",
        "refresh_token",
        "client_credentials",
        "urn:ietf:params:oauth:grant-type:token-exchange",
    ] {
        assert!(grants.contains(&grant.into()), "{grant} missing: {grants:?}");
    }
    assert_eq!(strings(&m["subject_types_supported"]), ["public", "pairwise"]);
    assert_eq!(m["claims_parameter_supported"], true);
    assert_eq!(strings(&m["id_token_signing_alg_values_supported"]), ["RS256"]);
    assert_eq!(strings(&m["code_challenge_methods_supported"]), ["S256"]);

    let mut auth_methods = strings(&m["token_endpoint_auth_methods_supported"]);
    auth_methods.sort();
    assert_eq!(auth_methods, ["client_secret_basic", "client_secret_post", "none", "private_key_jwt"]);
    // RFC 7662 §2.1: introspection requires authentication.
    let mut introspection = strings(&m["introspection_endpoint_auth_methods_supported"]);
    introspection.sort();
    assert_eq!(introspection, ["client_secret_basic", "client_secret_post", "private_key_jwt"]);
    let scopes = strings(&m["scopes_supported"]);
    for scope in ["openid", "profile", "email", "phone", "address"] {
        assert!(scopes.contains(&scope.into()), "{scope} missing: {scopes:?}");
    }
});

backend_test!(jwks_publishes_only_public_rsa_keys, |app| async move {
    let resp = app.get("/.well-known/jwks.json").await;
    assert_eq!(resp.status(), 200);
    let ct = header(&resp, reqwest::header::CONTENT_TYPE).unwrap_or_default();
    assert!(ct.starts_with("application/"), "content-type {ct}");
    let jwks: Value = resp.json().await.unwrap();
    let keys = signing_keys(&jwks);
    assert!(!keys.is_empty(), "no signing key published");
    encryption_key(&jwks);
    for key in keys {
        assert_eq!(key["kty"], "RSA", "{key}");
        assert_eq!(key["use"], "sig", "{key}");
        assert_eq!(key["alg"], "RS256", "{key}");
        assert!(key["kid"].as_str().is_some_and(|k| !k.is_empty()), "{key}");
        assert!(key["n"].as_str().is_some_and(|n| n.len() >= 342), "2048-bit n: {key}");
        assert!(key["e"].as_str().is_some(), "{key}");
        for private in ["d", "p", "q", "dp", "dq", "qi", "oth", "k"] {
            assert!(key.get(private).is_none(), "private member {private} leaked: {key}");
        }
    }
});

backend_test!(jwks_is_stable_across_requests, |app| async move {
    let first = app.jwks().await;
    let second = app.jwks().await;
    assert_eq!(first, second);
});
