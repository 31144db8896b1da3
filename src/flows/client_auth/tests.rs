//! `extract` and `ClientAuthenticator` end to end on real stores (temp
//! SQLite, memory ephemeral store): the method rules, and assertion
//! acceptance and replay. Nothing else of the server is built.

use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

use super::*;
use crate::protocol::client_assertion::test_support::*;
use crate::protocol::{ClientAuthMethod, GrantType};

const BASIC_SECRET: &str = "a-very-long-client-secret-of-40-characters";
const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

fn basic(id: &str, secret: &str) -> String {
    format!("Basic {}", STANDARD.encode(format!("{id}:{secret}")))
}

fn form(pairs: &[(&str, &str)]) -> Params {
    let mut s = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        s.append_pair(k, v);
    }
    Params::parse(&s.finish()).expect("params")
}

fn assertion_form<'a>(token: &'a str, extra: &[(&'a str, &'a str)]) -> Params {
    let mut pairs = vec![("grant_type", "client_credentials"), ("client_assertion_type", JWT_BEARER)];
    pairs.push(("client_assertion", token));
    pairs.extend_from_slice(extra);
    form(&pairs)
}

fn registered(client_id: &str, method: ClientAuthMethod) -> ClientRecord {
    ClientRecord {
        client_id: client_id.into(),
        public: method == ClientAuthMethod::None,
        redirect_uris: vec!["https://rp.example/cb".into()],
        grant_types: vec![GrantType::AuthorizationCode],
        token_endpoint_auth_method: method,
        ..ClientRecord::default()
    }
}

/// An authenticator on a temp database with clients: `jwt`
/// (private_key_jwt, inline ES256 key returned), `basic`
/// (client_secret_basic) and `spa` (public).
async fn authenticator_with_clients() -> (ClientAuthenticator, TestKey, tempfile::TempDir) {
    let (stores, dir) = crate::store::test_db::temp_stores().await;
    let key = TestKey::es256("k1");
    let jwt = ClientRecord {
        jwks: Some(jwks(&[&key.public]).to_string()),
        ..registered("jwt", ClientAuthMethod::PrivateKeyJwt)
    };
    let basic = ClientRecord {
        secret_hash: Some(crate::crypto::secret_digest(BASIC_SECRET)),
        ..registered("basic", ClientAuthMethod::ClientSecretBasic)
    };
    for client in [jwt, basic, registered("spa", ClientAuthMethod::None)] {
        stores.clients.create(client, crate::store::Audited::test(), 0).await.expect("create client");
    }
    let authenticator = ClientAuthenticator::new(
        stores.clients.clone(),
        Arc::new(ClientKeyCache::new()),
        Arc::new(OutboundHttp::new()),
        stores.ephemeral.clone(),
        ISSUER,
    );
    (authenticator, key, dir)
}

async fn auth(
    authenticator: &ClientAuthenticator,
    authorization: Option<&str>,
    params: &Params,
) -> Result<String, OAuthError> {
    authenticator.authenticate(authorization, params, NOW).await.map(|c| c.client_id)
}

fn assert_invalid_client(result: Result<String, OAuthError>) {
    let err = result.expect_err("authentication must fail");
    assert_eq!(err.code.as_str(), "invalid_client", "{err}");
    assert_eq!(err.description, "client authentication failed", "no hint why");
}

fn creds(method: ClientAuthMethod, secret: Option<&str>, assertion: Option<&str>) -> ClientCredentials {
    ClientCredentials {
        client_id: "c".into(),
        secret: secret.map(str::to_string),
        assertion: assertion.map(str::to_string),
        method,
    }
}

#[test]
fn the_registered_method_decides_what_must_be_proved() {
    use ClientAuthMethod::*;
    let jwt = registered("c", PrivateKeyJwt);
    let basic = registered("c", ClientSecretBasic);
    let post = registered("c", ClientSecretPost);
    let public = registered("c", None);

    assert_eq!(required_proof(&jwt, &creds(PrivateKeyJwt, Option::None, Some("a"))), Proof::Assertion("a"));
    assert_eq!(
        required_proof(&basic, &creds(ClientSecretBasic, Some("s"), Option::None)),
        Proof::Secret("s")
    );
    assert_eq!(required_proof(&basic, &creds(ClientSecretPost, Some("s"), Option::None)), Proof::Secret("s"));
    assert_eq!(required_proof(&post, &creds(ClientSecretBasic, Some("s"), Option::None)), Proof::Secret("s"));
    assert_eq!(required_proof(&public, &creds(None, Option::None, Option::None)), Proof::Public);

    let mismatch = |client: &ClientRecord, presented: ClientCredentials| {
        matches!(required_proof(client, &presented), Proof::Mismatch(_))
    };
    assert!(mismatch(&jwt, creds(ClientSecretBasic, Some("s"), Option::None)), "no fallback to a secret");
    assert!(mismatch(&jwt, creds(None, Option::None, Option::None)));
    assert!(
        mismatch(&basic, creds(PrivateKeyJwt, Option::None, Some("a"))),
        "no assertion for a secret client"
    );
    assert!(mismatch(&basic, creds(None, Option::None, Option::None)), "a secret client must send it");
    assert!(mismatch(&public, creds(ClientSecretBasic, Some("s"), Option::None)));
    let not_public = ClientRecord { public: false, ..registered("c", None) };
    assert!(mismatch(&not_public, creds(None, Option::None, Option::None)), "none needs a public client");
}

#[tokio::test]
async fn a_valid_assertion_authenticates_once() {
    let (state, key, _dir) = authenticator_with_clients().await;
    let token = key.sign(&claims("jwt", NOW));
    let params = assertion_form(&token, &[]);
    assert_eq!(auth(&state, None, &params).await.expect("valid assertion"), "jwt");
    assert_invalid_client(auth(&state, None, &params).await);

    // client_id may be sent too, if it is the assertion's subject.
    let token = key.sign(&claims("jwt", NOW));
    assert!(auth(&state, None, &assertion_form(&token, &[("client_id", "jwt")])).await.is_ok());
}

#[tokio::test]
async fn invalid_assertions_are_invalid_client() {
    let (state, key, _dir) = authenticator_with_clients().await;
    let cases: Vec<(&str, Value)> = vec![
        ("wrong aud", with(claims("jwt", NOW), "aud", json!("https://other.example/token"))),
        ("expired", with(claims("jwt", NOW), "exp", json!(NOW - 120))),
        ("exp too far", with(claims("jwt", NOW), "exp", json!(NOW + 86_400))),
        ("missing jti", with(claims("jwt", NOW), "jti", Value::Null)),
        ("iss differs from sub", with(claims("jwt", NOW), "iss", json!("basic"))),
    ];
    for (case, claims) in cases {
        let token = key.sign(&claims);
        let result = auth(&state, None, &assertion_form(&token, &[])).await;
        assert!(result.is_err(), "{case}");
        assert_invalid_client(result);
    }
    let wrong_key = TestKey::es256("k1").sign(&claims("jwt", NOW));
    assert_invalid_client(auth(&state, None, &assertion_form(&wrong_key, &[])).await);
}

#[tokio::test]
async fn each_client_uses_its_registered_method() {
    let (state, key, _dir) = authenticator_with_clients().await;
    // A private_key_jwt client cannot fall back to a secret.
    for secret in ["", "anything", BASIC_SECRET] {
        assert_invalid_client(auth(&state, Some(&basic("jwt", secret)), &form(&[])).await);
        let post = form(&[("client_id", "jwt"), ("client_secret", secret)]);
        assert_invalid_client(auth(&state, None, &post).await);
    }
    assert_invalid_client(auth(&state, None, &form(&[("client_id", "jwt")])).await);

    // Secret clients: Basic and post both work, nothing else does.
    assert!(auth(&state, Some(&basic("basic", BASIC_SECRET)), &form(&[])).await.is_ok());
    let post = form(&[("client_id", "basic"), ("client_secret", BASIC_SECRET)]);
    assert!(auth(&state, None, &post).await.is_ok());
    assert_invalid_client(auth(&state, Some(&basic("basic", "wrong")), &form(&[])).await);
    assert_invalid_client(auth(&state, None, &form(&[("client_id", "basic")])).await);
    let forged = key.sign(&claims("basic", NOW));
    assert_invalid_client(auth(&state, None, &assertion_form(&forged, &[])).await);

    // Public clients: client_id only.
    assert!(auth(&state, None, &form(&[("client_id", "spa")])).await.is_ok());
    assert_invalid_client(auth(&state, Some(&basic("spa", "x")), &form(&[])).await);

    // Unknown clients look like any other failure.
    assert_invalid_client(auth(&state, Some(&basic("nobody", "x")), &form(&[])).await);
    let unknown = key.sign(&claims("nobody", NOW));
    assert_invalid_client(auth(&state, None, &assertion_form(&unknown, &[])).await);
}

#[test]
fn assertions_are_not_combined_with_other_methods() {
    let key = TestKey::es256("k1");
    let token = key.sign(&claims("jwt", NOW));
    let err = extract(Some(&basic("jwt", "x")), &assertion_form(&token, &[])).unwrap_err();
    assert_eq!(err.code.as_str(), "invalid_request");
    let err = extract(None, &assertion_form(&token, &[("client_secret", "x")])).unwrap_err();
    assert_eq!(err.code.as_str(), "invalid_request");
}

#[test]
fn assertion_parameters_are_checked() {
    let key = TestKey::es256("k1");
    let token = key.sign(&claims("jwt", NOW));
    let code = |params: &Params| extract(None, params).map(|c| c.client_id).map_err(|e| e.code.as_str());

    assert_eq!(code(&assertion_form(&token, &[])), Ok("jwt".to_string()));
    let saml = form(&[
        ("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:saml2-bearer"),
        ("client_assertion", &token),
    ]);
    assert_eq!(code(&saml), Err("invalid_client"));
    assert_eq!(code(&form(&[("client_assertion_type", JWT_BEARER)])), Err("invalid_request"));
    assert_eq!(code(&form(&[("client_assertion", &token)])), Err("invalid_request"));
    assert_eq!(code(&assertion_form(&token, &[("client_id", "basic")])), Err("invalid_client"));
    assert_eq!(code(&assertion_form("not-a-jwt", &[])), Err("invalid_client"));
    let no_sub = key.sign(&with(claims("jwt", NOW), "sub", Value::Null));
    assert_eq!(code(&assertion_form(&no_sub, &[])), Err("invalid_client"));
}

#[test]
fn secret_methods_extract_as_before() {
    let params = form(&[("client_secret", "x")]);
    let err = extract(Some(&basic("a", "b")), &params).unwrap_err();
    assert_eq!(err.code.as_str(), "invalid_request");
    let err = extract(None, &Params::default()).unwrap_err();
    assert_eq!(err.code.as_str(), "invalid_client");
    let err = extract(Some(&basic("a", "b")), &form(&[("client_id", "c")])).unwrap_err();
    assert_eq!(err.code.as_str(), "invalid_request");
    let creds = extract(None, &form(&[("client_id", "a"), ("client_secret", "s")])).expect("post");
    assert_eq!((creds.method, creds.client_id.as_str()), (ClientAuthMethod::ClientSecretPost, "a"));
    let shown = format!("{creds:?}");
    assert!(!shown.contains("\"s\""), "{shown}");
}

#[test]
fn audiences_are_the_issuer_and_its_authenticating_endpoints() {
    assert_eq!(
        audiences("https://id.example/t"),
        [
            "https://id.example/t",
            "https://id.example/t/token",
            "https://id.example/t/revoke",
            "https://id.example/t/introspect",
            "https://id.example/t/device_authorization"
        ]
    );
}
