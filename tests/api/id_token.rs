//! ID token (OIDC Core §2, §3.1.3.6-3.1.3.7) and JWT access token
//! (RFC 9068 §2) contents.

use crate::authorize::CB;
use crate::helpers::*;
use serde_json::Value;

const PASSWORD: &str = "correct horse battery";

fn int(claims: &Value, name: &str) -> i64 {
    claims[name].as_i64().unwrap_or_else(|| panic!("{name} must be a number: {claims}"))
}

backend_test!(id_token_claims, |app| async move {
    let user = app.with_user("alice", PASSWORD).await;
    let client = app.with_confidential_client("app1", &[CB]).await;
    let req = AuthRequest::new(&client);
    let before = now();
    let tokens = app.tokens_with(&app.browser(), &user, &client, &req).await;
    let jwks = app.jwks().await;
    let id = verify_jwt(&jwks, tokens.id_token());

    assert_eq!(id.header["alg"], "RS256");
    assert_eq!(id.header["typ"], "JWT");
    let kid = id.header["kid"].as_str().expect("kid");
    assert_eq!(find_jwk(&jwks, kid)["alg"], "RS256");

    let c = &id.claims;
    assert_eq!(c["iss"], app.issuer.as_str());
    assert_eq!(c["sub"], user.sub());
    assert!(audiences(c).contains(&"app1".to_string()), "{c}");
    assert_eq!(c["azp"], "app1");
    assert_eq!(c["nonce"], req.nonce.as_str());
    let (iat, exp, auth_time) = (int(c, "iat"), int(c, "exp"), int(c, "auth_time"));
    assert!(exp > iat, "{c}");
    // Seconds since the epoch (same machine's clock; loose bounds only).
    let after = now();
    assert!(iat >= before - 60 && iat <= after + 60, "{c}");
    assert!(auth_time >= before - 60, "{c}");
    assert!(auth_time <= iat, "{c}");
    assert_eq!(c["at_hash"], at_hash(&tokens.access_token), "{c}");
    assert!(c["sid"].as_str().is_some_and(|s| !s.is_empty()), "{c}");

    // profile + email scopes.
    assert_eq!(c["preferred_username"], "alice");
    assert_eq!(c["name"], "alice Example");
    assert_eq!(c["email"], "alice@example.com");
    assert!(c["email_verified"].is_boolean(), "{c}");
});

backend_test!(scope_controls_claims, |app| async move {
    let user = app.with_user("alice", PASSWORD).await;
    let client = app.with_confidential_client("app1", &[CB]).await;
    let browser = app.browser();

    let req = AuthRequest::new(&client).scope("openid");
    let tokens = app.tokens_with(&browser, &user, &client, &req).await;
    let c = decode_jwt(tokens.id_token()).claims;
    for claim in ["email", "email_verified", "name", "preferred_username"] {
        assert!(c.get(claim).is_none(), "{claim} without its scope: {c}");
    }

    let req = AuthRequest::new(&client).scope("openid profile");
    let code = browser.code_for(&req, &user).await.code;
    let resp = app.exchange_code(&client, &code, CB, Some(&req.pkce.as_ref().unwrap().verifier)).await;
    let c = decode_jwt(Tokens::from_response(resp).await.id_token()).claims;
    assert_eq!(c["preferred_username"], "alice");
    assert!(c.get("email").is_none(), "email without the email scope: {c}");
});

backend_test!(sid_is_stable_within_a_session, |app| async move {
    let user = app.with_user("alice", PASSWORD).await;
    let a = app.with_confidential_client("app1", &[CB]).await;
    let b = app.with_public_client("spa", &[CB]).await;
    let browser = app.browser();
    let first = app.tokens_with(&browser, &user, &a, &AuthRequest::new(&a)).await;
    let req = AuthRequest::new(&b);
    let code = browser.code_for(&req, &user).await.code;
    let resp = app.exchange_code(&b, &code, CB, Some(&req.pkce.as_ref().unwrap().verifier)).await;
    let second = Tokens::from_response(resp).await;
    let (c1, c2) = (decode_jwt(first.id_token()).claims, decode_jwt(second.id_token()).claims);
    assert_eq!(c1["sid"], c2["sid"]);
    // auth_time is the time of the authentication, not of the token.
    assert_eq!(c1["auth_time"], c2["auth_time"]);
    assert_eq!(c2["nonce"], req.nonce.as_str());
    assert_eq!(audiences(&c2), ["spa"]);
});

backend_test!(access_token_is_rfc9068_jwt, |app| async move {
    let user = app.with_user("alice", PASSWORD).await;
    let client = app.with_confidential_client("app1", &[CB]).await;
    let tokens = app.tokens_for(&user, &client).await;
    let jwks = app.jwks().await;
    let at = verify_jwt(&jwks, &tokens.access_token);

    let typ = at.header["typ"].as_str().expect("typ").to_ascii_lowercase();
    assert!(typ == "at+jwt" || typ == "application/at+jwt", "typ {typ}");
    assert_eq!(at.header["alg"], "RS256");

    let c = &at.claims;
    assert_eq!(c["iss"], app.issuer.as_str());
    assert_eq!(c["sub"], user.sub());
    assert_eq!(c["client_id"], "app1");
    assert!(!audiences(c).is_empty(), "{c}");
    assert!(c["jti"].as_str().is_some_and(|j| !j.is_empty()), "{c}");
    assert!(int(c, "exp") > int(c, "iat"), "{c}");
    let mut scopes: Vec<&str> = c["scope"].as_str().expect("scope").split(' ').collect();
    scopes.sort();
    assert_eq!(scopes, ["email", "openid", "profile"]);
});

backend_test!(access_tokens_are_distinct, |app| async move {
    let user = app.with_user("alice", PASSWORD).await;
    let client = app.with_confidential_client("app1", &[CB]).await;
    let a = app.tokens_for(&user, &client).await;
    let b = app.tokens_for(&user, &client).await;
    assert_ne!(a.access_token, b.access_token);
    let (ja, jb) = (decode_jwt(&a.access_token), decode_jwt(&b.access_token));
    assert_ne!(ja.claims["jti"], jb.claims["jti"]);
});
