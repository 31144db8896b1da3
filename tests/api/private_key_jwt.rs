//! `private_key_jwt` at the token endpoint through the real server
//! (OpenID Connect Core §9, RFC 7523 §2.2 and §3): clients sign assertions
//! with their own RS256 / ES256 keys, registered inline or served from a
//! `jwks_uri` on a loopback HTTP server started by the test.

use oxidp::flows::admin::NewClient;
use serde_json::{Value, json};

use crate::helpers::*;

const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
const REDIRECT_URI: &str = "https://rp.example/cb";

/// RFC 7523 §3 claims for `client_id`, addressed to the token endpoint,
/// valid for one minute, with a fresh `jti`.
fn assertion_claims(app: &TestApp, client_id: &str) -> Value {
    let now = now();
    json!({
        "iss": client_id,
        "sub": client_id,
        "aud": format!("{}/token", app.issuer),
        "iat": now,
        "exp": now + 60,
        "jti": random_token(16),
    })
}

/// `claims` with `name` set to `value`.
fn with(mut claims: Value, name: &str, value: Value) -> Value {
    claims[name] = value;
    claims
}

/// Registers a `private_key_jwt` client with an inline JWK Set or a `jwks_uri`.
async fn register(app: &TestApp, client_id: &str, keys: KeySource, grant_types: &[&str]) -> TestClient {
    let (jwks, jwks_uri) = match keys {
        KeySource::Inline(jwks) => (Some(jwks), None),
        KeySource::Uri(uri) => (None, Some(uri)),
    };
    app.with_client(NewClient {
        client_id: client_id.into(),
        redirect_uris: vec![REDIRECT_URI.into()],
        public: false,
        token_endpoint_auth_method: Some("private_key_jwt".into()),
        jwks,
        jwks_uri,
        grant_types: grant_types.iter().map(|g| g.to_string()).collect(),
        scopes: if grant_types.contains(&"client_credentials") { vec!["api.read".into()] } else { vec![] },
        ..NewClient::default()
    })
    .await
}

enum KeySource {
    Inline(String),
    Uri(String),
}

/// authorize → login, returning the code and the PKCE verifier.
async fn code_for(app: &TestApp, client: &TestClient, user: &TestUser) -> (String, String) {
    let req = AuthRequest::new(client);
    let callback = app.browser().authorize_and_login(&req, user).await;
    (callback.code, req.pkce.expect("PKCE").verifier)
}

/// POST /token (authorization_code) authenticated by `assertion` only.
async fn exchange(app: &TestApp, code: &str, verifier: &str, assertion: &str) -> reqwest::Response {
    let params = [
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", REDIRECT_URI),
        ("code_verifier", verifier),
        ("client_assertion_type", JWT_BEARER),
        ("client_assertion", assertion),
    ];
    app.token(&ClientAuth::Nothing, &params).await
}

async fn assert_invalid_client(resp: reqwest::Response, case: &str) {
    let (status, code, body) = oauth_error(resp).await;
    assert_eq!((status, code.as_str()), (401, "invalid_client"), "{case}: {body}");
}

/// A code-flow client and user; `bad` is refused with 401 invalid_client,
/// and the very same code is then redeemed with a valid assertion, so the
/// refusal was about the assertion alone.
async fn refused_then_accepted(app: &TestApp, case: &str, bad: impl FnOnce(&ClientKey, Value) -> String) {
    let key = ClientKey::es256("k1");
    let client = register(app, "pkjwt-app", KeySource::Inline(key.jwks()), &["authorization_code"]).await;
    let user = app.with_user("alice", "correct horse battery staple").await;
    let (code, verifier) = code_for(app, &client, &user).await;

    let bad_assertion = bad(&key, assertion_claims(app, &client.client_id));
    assert_invalid_client(exchange(app, &code, &verifier, &bad_assertion).await, case).await;

    let good = key.sign(&assertion_claims(app, &client.client_id));
    Tokens::from_response(exchange(app, &code, &verifier, &good).await).await;
}

backend_test!(rs256_assertion_redeems_a_code, |app| async move {
    let key = ClientKey::rs256("rsa-1");
    let client = register(&app, "pkjwt-rsa", KeySource::Inline(key.jwks()), &["authorization_code"]).await;
    let user = app.with_user("alice", "correct horse battery staple").await;
    let (code, verifier) = code_for(&app, &client, &user).await;

    let assertion = key.sign(&assertion_claims(&app, &client.client_id));
    let tokens = Tokens::from_response(exchange(&app, &code, &verifier, &assertion).await).await;
    let id_token = verify_jwt(&app.jwks().await, tokens.id_token());
    assert_eq!(audiences(&id_token.claims), vec![client.client_id.clone()]);
});

backend_test!(es256_assertion_jti_is_single_use, |app| async move {
    let key = ClientKey::es256("ec-1");
    let client = register(&app, "pkjwt-ec", KeySource::Inline(key.jwks()), &["authorization_code"]).await;
    let user = app.with_user("alice", "correct horse battery staple").await;

    // The issuer itself is an accepted audience too.
    let claims = with(assertion_claims(&app, &client.client_id), "aud", json!(app.issuer));
    let assertion = key.sign(&claims);
    let (code, verifier) = code_for(&app, &client, &user).await;
    Tokens::from_response(exchange(&app, &code, &verifier, &assertion).await).await;

    // Same assertion, fresh code: the jti was spent.
    let (code, verifier) = code_for(&app, &client, &user).await;
    assert_invalid_client(exchange(&app, &code, &verifier, &assertion).await, "replayed jti").await;
});

backend_test!(wrong_audience_is_refused, |app| async move {
    refused_then_accepted(&app, "wrong aud", |key, claims| {
        key.sign(&with(claims, "aud", json!("https://other-idp.example/token")))
    })
    .await;
});

backend_test!(expired_assertion_is_refused, |app| async move {
    refused_then_accepted(&app, "expired", |key, claims| {
        let past = now() - 600;
        key.sign(&with(with(claims, "iat", json!(past - 60)), "exp", json!(past)))
    })
    .await;
});

backend_test!(assertion_signed_with_another_key_is_refused, |app| async move {
    refused_then_accepted(&app, "wrong key", |key, claims| {
        // Same kid and algorithm, different private key.
        ClientKey::es256(&key.kid).sign(&claims)
    })
    .await;
});

backend_test!(jwks_uri_keys_are_fetched, |app| async move {
    let key = ClientKey::rs256("served-1");
    let jwks_uri = serve_once_per_request(key.jwks()).await;
    // The key cache is process-wide and keyed by client id: keep ids unique.
    let client_id = format!("pkjwt-uri-{}", random_token(6));
    let client = register(&app, &client_id, KeySource::Uri(jwks_uri), &["authorization_code"]).await;
    let user = app.with_user("alice", "correct horse battery staple").await;
    let (code, verifier) = code_for(&app, &client, &user).await;

    let assertion = key.sign(&assertion_claims(&app, &client_id));
    Tokens::from_response(exchange(&app, &code, &verifier, &assertion).await).await;
});

backend_test!(client_credentials_with_private_key_jwt, |app| async move {
    let key = ClientKey::es256("svc-1");
    let client = register(&app, "pkjwt-svc", KeySource::Inline(key.jwks()), &["client_credentials"]).await;
    let assertion = key.sign(&assertion_claims(&app, &client.client_id));
    let params = [
        ("grant_type", "client_credentials"),
        ("client_id", client.client_id.as_str()),
        ("client_assertion_type", JWT_BEARER),
        ("client_assertion", assertion.as_str()),
    ];
    let tokens = Tokens::from_response(app.token(&ClientAuth::Nothing, &params).await).await;
    let access = decode_jwt(&tokens.access_token);
    assert_eq!(access.claims["sub"], client.client_id.as_str());

    // A secret is no substitute for the assertion.
    let resp = app
        .token(
            &ClientAuth::Basic { id: client.client_id.clone(), secret: "guess".into() },
            &[("grant_type", "client_credentials")],
        )
        .await;
    assert_invalid_client(resp, "secret for a private_key_jwt client").await;
});
