use serde_json::{Value, json};

use super::*;
use crate::protocol::client_assertion::test_support::{NOW, TestKey, segment, with};

const TOKEN_URI: &str = "https://idp.example/token";

fn expected() -> Expected<'static> {
    Expected { method: "POST", uri: TOKEN_URI, access_token: None, now: NOW }
}

fn claims() -> Value {
    json!({ "jti": "j-1", "htm": "POST", "htu": TOKEN_URI, "iat": NOW })
}

/// A proof signed by `key` with its public JWK in the header.
fn proof(key: &TestKey, claims: &Value) -> String {
    proof_with_header(key, json!({ "typ": TYP, "alg": key.alg, "jwk": key.public.as_ref() }), claims)
}

fn proof_with_header(key: &TestKey, header: Value, claims: &Value) -> String {
    key.sign_with_header(header, claims)
}

fn refused(token: &str, expected: &Expected<'_>) -> String {
    let e = check_proof(token, expected).expect_err("refused");
    assert_eq!(e.code.as_str(), "invalid_dpop_proof", "{e:?}");
    e.description
}

#[test]
fn a_proof_of_each_algorithm_yields_the_thumbprint_of_its_key() {
    for key in [TestKey::rs256("a"), TestKey::ps256("b"), TestKey::es256("c"), TestKey::eddsa("d")] {
        let checked = check_proof(&proof(&key, &claims()), &expected()).expect(key.alg);
        assert_eq!(checked.jkt, thumbprint(&key.public).unwrap(), "{}", key.alg);
        assert_eq!((checked.jti.as_str(), checked.iat, checked.nonce), ("j-1", NOW, None));
    }
}

#[test]
fn the_thumbprint_is_rfc_7638s() {
    // RFC 7638 §3.1's example key and thumbprint.
    let jwk = Jwk::from_bytes(
        br#"{"kty":"RSA","n":"0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw","e":"AQAB","alg":"RS256","kid":"2011-04-29"}"#,
    )
    .unwrap();
    assert_eq!(thumbprint(&jwk).unwrap(), "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");
}

#[test]
fn each_claim_is_checked_against_the_request() {
    let key = TestKey::es256("k");
    let cases = [
        ("htm", json!("GET"), "htm"),
        ("htu", json!("https://idp.example/userinfo"), "htu"),
        ("htu", json!("https://other.example/token"), "htu"),
        ("iat", json!(NOW - PAST_WINDOW - 1), "window"),
        ("iat", json!(NOW + LEEWAY + 1), "window"),
        ("iat", Value::Null, "iat"),
        ("jti", Value::Null, "jti"),
        ("jti", json!("x".repeat(300)), "jti"),
    ];
    for (name, value, expected_text) in cases {
        let description = refused(&proof(&key, &with(claims(), name, value.clone())), &expected());
        assert!(description.contains(expected_text), "{name}={value}: {description}");
    }
    // Query and fragment are ignored, case and default port normalized.
    for htu in ["https://idp.example/token?x=1#f", "HTTPS://IDP.example:443/token"] {
        assert!(check_proof(&proof(&key, &with(claims(), "htu", json!(htu))), &expected()).is_ok(), "{htu}");
    }
}

#[test]
fn a_token_presented_with_the_proof_must_be_its_ath() {
    let key = TestKey::es256("k");
    let at_userinfo =
        Expected { method: "GET", uri: "https://idp.example/userinfo", access_token: Some("tok"), now: NOW };
    let base = with(with(claims(), "htm", json!("GET")), "htu", json!("https://idp.example/userinfo"));
    let ath = crate::crypto::sha256_b64url(b"tok");
    assert!(check_proof(&proof(&key, &with(base.clone(), "ath", json!(ath))), &at_userinfo).is_ok());
    assert!(refused(&proof(&key, &base), &at_userinfo).contains("ath"));
    let other = crate::crypto::sha256_b64url(b"another token");
    assert!(refused(&proof(&key, &with(base, "ath", json!(other))), &at_userinfo).contains("ath"));
}

#[test]
fn headers_that_prove_nothing_are_refused() {
    let key = TestKey::es256("k");
    let other = TestKey::es256("k2");
    let jwk = key.public.as_ref().clone();
    let mut private = jwk.clone();
    private.insert("d".into(), json!("AAAA"));
    let cases: Vec<(Value, &str)> = vec![
        (json!({"typ": "JWT", "alg": "ES256", "jwk": jwk}), "typ"),
        (json!({"alg": "ES256", "jwk": jwk}), "typ"),
        (json!({"typ": TYP, "alg": "HS256", "jwk": jwk}), "alg"),
        (json!({"typ": TYP, "alg": "none", "jwk": jwk}), "alg"),
        (json!({"typ": TYP, "alg": "ES256"}), "jwk header"),
        (json!({"typ": TYP, "alg": "ES256", "jwk": private}), "public key"),
        (json!({"typ": TYP, "alg": "RS256", "jwk": jwk}), "fit"),
        (json!({"typ": TYP, "alg": "ES256", "jwk": other.public.as_ref()}), "signature"),
    ];
    for (header, expected_text) in cases {
        let description = refused(&proof_with_header(&key, header.clone(), &claims()), &expected());
        assert!(description.contains(expected_text), "{header}: {description}");
    }
    let unsigned =
        format!("{}.{}.", segment(&json!({"typ": TYP, "alg": "none", "jwk": jwk})), segment(&claims()));
    refused(&unsigned, &expected());
    refused("not a jwt", &expected());
}

#[test]
fn what_is_bound_to_a_key_needs_a_proof_of_that_key() {
    assert!(require_key(None, None, "x").is_ok());
    assert!(require_key(None, Some("k"), "x").is_ok(), "unbound: a proof may bind it now");
    assert!(require_key(Some("k"), Some("k"), "x").is_ok());
    for proved in [None, Some("other")] {
        let e = require_key(Some("k"), proved, "the code").unwrap_err();
        assert_eq!(e.code.as_str(), "invalid_dpop_proof", "{proved:?}");
        assert!(e.description.contains("the code"), "{e:?}");
    }
}
