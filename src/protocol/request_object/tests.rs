use serde_json::{Value, json};

use super::*;
use crate::protocol::client_assertion::test_support::{ISSUER, NOW, TestKey, jwks, segment, with};

fn request_claims() -> Value {
    json!({
        "iss": "app",
        "aud": ISSUER,
        "client_id": "app",
        "response_type": "code",
        "redirect_uri": "https://app.example/cb",
        "scope": "openid profile",
        "state": "s1",
        "max_age": 300,
        "claims": { "id_token": { "acr": { "essential": true } } },
        "resource": ["https://api.one", "https://api.two"],
        "exp": NOW + 60,
        "iat": NOW,
        "jti": "j1",
    })
}

fn opened(token: &str, key: &TestKey) -> Result<Params, OAuthError> {
    let object = parse(token)?;
    let claims = object.verify(&jwks(&[&key.public])).map_err(signature_error)?;
    into_params(&claims, "app", ISSUER, NOW)
}

fn error_of(result: Result<Params, OAuthError>) -> String {
    let e = result.expect_err("refused");
    assert_eq!(e.code.as_str(), "invalid_request_object", "{e:?}");
    e.description
}

#[test]
fn only_the_signed_parameters_become_the_request() {
    let key = TestKey::rs256("k1");
    let params = opened(&key.sign(&request_claims()), &key).unwrap();
    assert_eq!(params.get("client_id"), Some("app"));
    assert_eq!(params.get("redirect_uri"), Some("https://app.example/cb"));
    assert_eq!(params.get("max_age"), Some("300"));
    assert_eq!(params.get_all("resource"), ["https://api.one", "https://api.two"]);
    let claims: Value = serde_json::from_str(params.get("claims").unwrap()).unwrap();
    assert_eq!(claims["id_token"]["acr"]["essential"], true);
    for envelope in ["iss", "aud", "exp", "iat", "jti"] {
        assert!(!params.contains(envelope), "{envelope}");
    }
}

#[test]
fn typ_must_name_a_request_object_when_given() {
    let key = TestKey::es256("k1");
    for typ in ["oauth-authz-req+jwt", "application/oauth-authz-req+jwt", "JWT"] {
        let token = key.sign_with_header(json!({"alg": "ES256", "kid": "k1", "typ": typ}), &request_claims());
        assert!(opened(&token, &key).is_ok(), "{typ}");
    }
    for typ in ["at+jwt", "dpop+jwt", "logout+jwt"] {
        let token = key.sign_with_header(json!({"alg": "ES256", "kid": "k1", "typ": typ}), &request_claims());
        assert!(error_of(opened(&token, &key)).contains("not a request object"), "{typ}");
    }
}

#[test]
fn unsigned_forged_and_encrypted_objects_are_refused() {
    let key = TestKey::rs256("k1");
    let none = format!("{}.{}.", segment(&json!({"alg": "none"})), segment(&request_claims()));
    assert!(error_of(opened(&none, &key)).contains("never none"));
    let other = TestKey::rs256_other("k1");
    assert!(error_of(opened(&other.sign(&request_claims()), &key)).contains("signature"));
    let mut tampered = key.sign(&request_claims());
    let parts: Vec<&str> = tampered.split('.').collect();
    let altered = with(request_claims(), "redirect_uri", json!("https://evil.example/cb"));
    tampered = format!("{}.{}.{}", parts[0], segment(&altered), parts[2]);
    assert!(error_of(opened(&tampered, &key)).contains("signature"));
    assert!(error_of(opened("a.b.c.d.e", &key)).contains("encrypted"));
    let unknown_kid = TestKey::rs256("k2").sign(&request_claims());
    assert!(error_of(opened(&unknown_kid, &key)).contains("no key"));
}

#[test]
fn the_envelope_binds_the_object_to_its_client_this_server_and_a_time() {
    let key = TestKey::eddsa("k1");
    let cases = [
        ("client_id", json!("other"), "client_id"),
        ("client_id", Value::Null, "no client_id"),
        ("iss", json!("other"), "iss"),
        ("aud", json!("https://elsewhere.example"), "aud"),
        ("aud", json!(["https://elsewhere.example"]), "aud"),
        ("exp", json!(NOW - 31), "expired"),
        ("nbf", json!(NOW + 31), "nbf"),
        ("iat", json!(NOW + 31), "iat"),
        ("exp", json!("soon"), "not a number"),
        ("request", json!("x.y.z"), "cannot contain request"),
        ("request_uri", json!("urn:x"), "cannot contain request_uri"),
        ("scope", json!(["openid"]), "cannot be a list"),
    ];
    for (name, value, expected) in cases {
        let token = key.sign(&with(request_claims(), name, value.clone()));
        let description = error_of(opened(&token, &key));
        assert!(description.contains(expected), "{name}={value}: {description}");
    }
    // Optional members may be left out; the leeway holds.
    let minimal = json!({"client_id": "app", "response_type": "code", "exp": NOW - 29});
    assert!(opened(&key.sign(&minimal), &key).is_ok());
    let listed = with(request_claims(), "aud", json!(["x", ISSUER]));
    assert!(opened(&key.sign(&listed), &key).is_ok());
}

#[test]
fn the_server_or_the_client_can_demand_request_objects() {
    let on = RequestObjectPolicy::default();
    assert!(!on.demands(false));
    assert!(on.demands(true));
    assert!(RequestObjectPolicy { required: true, ..on }.demands(false));
    assert!(RequestObjectPolicy { enabled: false, required: false }.demands(true), "fails closed");
    assert!(!RequestObjectPolicy { enabled: false, required: true }.demands(false));
}
