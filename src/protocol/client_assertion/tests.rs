//! Parsing, verification and claim checks of client assertions.

use serde_json::json;

use super::test_support::*;
use super::*;

const CLIENT: &str = "svc";

/// parse → verify → check_claims, as `authenticate` runs them.
fn validate(token: &str, keys: &JwkSet) -> Result<Checked, Reject> {
    let claims = Assertion::parse(token)?.verify(keys)?;
    check_claims(&claims, CLIENT, &audiences(ISSUER), NOW)
}

#[test]
fn every_allowed_algorithm_verifies() {
    for key in [TestKey::rs256("r"), TestKey::ps256("p"), TestKey::es256("e"), TestKey::eddsa("d")] {
        let token = key.sign(&claims(CLIENT, NOW));
        let checked = validate(&token, &jwks(&[&key.public])).unwrap_or_else(|e| panic!("{}: {e}", key.alg));
        assert_eq!(checked.exp, NOW + 60);
    }
}

#[test]
fn without_kid_every_fitting_key_is_tried() {
    let (ec, rsa, other) = (TestKey::es256("e"), TestKey::rs256("r"), TestKey::rs256_other("o"));
    let keys = jwks(&[&ec.public, &other.public, &rsa.public]);
    let token = rsa.sign_with_header(json!({ "alg": "RS256" }), &claims(CLIENT, NOW));
    assert!(validate(&token, &keys).is_ok());
    let only_ec = jwks(&[&ec.public]);
    assert_eq!(validate(&token, &only_ec).unwrap_err(), Reject::UnknownKey);
}

#[test]
fn a_different_key_is_rejected() {
    let (registered, attacker) = (TestKey::rs256("k1"), TestKey::rs256_other("k1"));
    let token = attacker.sign(&claims(CLIENT, NOW));
    assert_eq!(validate(&token, &jwks(&[&registered.public])).unwrap_err(), Reject::Signature);
    let (registered, attacker) = (TestKey::es256("k1"), TestKey::es256("k1"));
    let token = attacker.sign(&claims(CLIENT, NOW));
    assert_eq!(validate(&token, &jwks(&[&registered.public])).unwrap_err(), Reject::Signature);
}

#[test]
fn an_unknown_kid_is_rejected() {
    let key = TestKey::es256("k1");
    let token = key.sign_with_header(json!({ "alg": "ES256", "kid": "k2" }), &claims(CLIENT, NOW));
    assert_eq!(validate(&token, &jwks(&[&key.public])).unwrap_err(), Reject::UnknownKey);
}

#[test]
fn alg_none_is_rejected() {
    let unsigned =
        format!("{}.{}.", segment(&json!({ "alg": "none", "kid": "k1" })), segment(&claims(CLIENT, NOW)));
    assert_eq!(Assertion::parse(&unsigned).err(), Some(Reject::Algorithm));
    let no_alg = format!("{}.{}.", segment(&json!({ "kid": "k1" })), segment(&claims(CLIENT, NOW)));
    assert_eq!(Assertion::parse(&no_alg).err(), Some(Reject::Malformed));
}

#[test]
fn hs256_keyed_with_the_public_key_is_rejected() {
    let key = TestKey::rs256("k1");
    let input =
        format!("{}.{}", segment(&json!({ "alg": "HS256", "kid": "k1" })), segment(&claims(CLIENT, NOW)));
    for secret in [key.public.to_string(), jwks(&[&key.public]).to_string()] {
        let forged = format!("{input}.{}", hs256(secret.as_bytes(), &input));
        assert_eq!(Assertion::parse(&forged).err(), Some(Reject::Algorithm));
    }
}

#[test]
fn the_algorithm_must_fit_the_key() {
    let (rsa, ec) = (TestKey::rs256("r"), TestKey::es256("e"));
    // An ES256 header pointing at an RSA key: no fitting key.
    let token = ec.sign_with_header(json!({ "alg": "ES256", "kid": "r" }), &claims(CLIENT, NOW));
    assert_eq!(validate(&token, &jwks(&[&rsa.public, &ec.public])).unwrap_err(), Reject::UnknownKey);
    // A JWK that declares RS256 is not used for PS256, though both are RSA.
    let ps = TestKey::ps256("r");
    let token = ps.sign(&claims(CLIENT, NOW));
    assert_eq!(validate(&token, &jwks(&[&rsa.public_with_alg("RS256")])).unwrap_err(), Reject::UnknownKey);
    assert!(validate(&token, &jwks(&[&rsa.public_with_alg("PS256")])).is_ok());
    // An encryption key is not a signature key.
    let mut enc = rsa.public.clone();
    enc.set_key_use("enc");
    assert_eq!(validate(&rsa.sign(&claims(CLIENT, NOW)), &jwks(&[&enc])).unwrap_err(), Reject::UnknownKey);
    // Ed25519 only, P-256 only.
    let mut p384 = ec.public.clone();
    p384.set_curve("P-384");
    assert!(!SigningAlg::Es256.fits(&p384));
}

#[test]
fn malformed_tokens_are_rejected() {
    let key = TestKey::es256("k1");
    let good = key.sign(&claims(CLIENT, NOW));
    for bad in ["", "a.b", "a.b.c.d", "!!.!!.!!", &format!("{good}.x"), &"a".repeat(MAX_ASSERTION_LEN + 1)] {
        assert!(Assertion::parse(bad).is_err(), "{bad:?}");
    }
    let crit =
        key.sign_with_header(json!({ "alg": "ES256", "kid": "k1", "crit": ["exp"] }), &claims(CLIENT, NOW));
    assert_eq!(Assertion::parse(&crit).err(), Some(Reject::Malformed));
    let numeric_kid = key.sign_with_header(json!({ "alg": "ES256", "kid": 7 }), &claims(CLIENT, NOW));
    assert_eq!(Assertion::parse(&numeric_kid).err(), Some(Reject::Malformed));
}

fn claim_check(claims: &Value) -> Result<Checked, Reject> {
    check_claims(claims.as_object().expect("object"), CLIENT, &audiences(ISSUER), NOW)
}

#[test]
fn iss_and_sub_must_be_the_client() {
    let base = claims(CLIENT, NOW);
    assert_eq!(claim_check(&with(base.clone(), "iss", json!("other"))), Err(Reject::Subject));
    assert_eq!(claim_check(&with(base.clone(), "sub", json!("other"))), Err(Reject::Subject));
    assert_eq!(claim_check(&with(base.clone(), "iss", Value::Null)), Err(Reject::Subject));
    let both_other = with(with(base, "iss", json!("other")), "sub", json!("other"));
    assert_eq!(claim_check(&both_other), Err(Reject::Subject));
}

#[test]
fn aud_must_name_this_server() {
    let base = claims(CLIENT, NOW);
    for good in [
        json!(ISSUER),
        json!(format!("{ISSUER}/token")),
        json!(format!("{ISSUER}/revoke")),
        json!(format!("{ISSUER}/introspect")),
        json!(["https://other.example", format!("{ISSUER}/token")]),
    ] {
        assert!(claim_check(&with(base.clone(), "aud", good.clone())).is_ok(), "{good}");
    }
    for bad in [
        json!("https://other.example/token"),
        json!(format!("{ISSUER}/")),
        json!(format!("{ISSUER}/userinfo")),
        json!(["https://other.example"]),
        json!([]),
        json!(42),
        Value::Null,
    ] {
        assert_eq!(claim_check(&with(base.clone(), "aud", bad.clone())), Err(Reject::Audience), "{bad}");
    }
}

#[test]
fn exp_is_required_and_short() {
    let base = claims(CLIENT, NOW);
    assert_eq!(claim_check(&with(base.clone(), "exp", Value::Null)), Err(Reject::Expired));
    assert_eq!(claim_check(&with(base.clone(), "exp", json!(NOW - LEEWAY))), Err(Reject::Expired));
    assert!(claim_check(&with(base.clone(), "exp", json!(NOW - LEEWAY + 1))).is_ok(), "within leeway");
    assert!(claim_check(&with(base.clone(), "exp", json!(NOW + MAX_LIFETIME))).is_ok());
    assert_eq!(claim_check(&with(base.clone(), "exp", json!(NOW + 3600))), Err(Reject::TooLong));
    assert_eq!(claim_check(&with(base.clone(), "exp", json!("soon"))), Err(Reject::Malformed));
    assert!(claim_check(&with(base, "exp", json!(NOW as f64 + 60.5))).is_ok(), "fractional NumericDate");
}

#[test]
fn iat_and_nbf_must_not_be_in_the_future() {
    let base = claims(CLIENT, NOW);
    assert_eq!(claim_check(&with(base.clone(), "iat", json!(NOW + 120))), Err(Reject::NotYetValid));
    assert_eq!(claim_check(&with(base.clone(), "nbf", json!(NOW + 120))), Err(Reject::NotYetValid));
    assert!(claim_check(&with(base.clone(), "nbf", json!(NOW + LEEWAY))).is_ok(), "within leeway");
    assert!(claim_check(&with(base, "iat", Value::Null)).is_ok(), "iat is optional");
}

#[test]
fn jti_is_required() {
    let base = claims(CLIENT, NOW);
    assert_eq!(claim_check(&with(base.clone(), "jti", Value::Null)), Err(Reject::MissingJti));
    assert_eq!(claim_check(&with(base.clone(), "jti", json!(""))), Err(Reject::MissingJti));
    assert_eq!(claim_check(&with(base.clone(), "jti", json!(12))), Err(Reject::MissingJti));
    assert_eq!(claim_check(&with(base, "jti", json!("x".repeat(300)))), Err(Reject::MissingJti));
}

#[test]
fn only_public_non_empty_sets_are_accepted() {
    let key = TestKey::es256("a");
    assert!(parse_public_jwks(&jwks(&[&key.public]).to_string()).is_ok());
    assert!(parse_public_jwks(r#"{"keys":[]}"#).is_err());
    assert!(parse_public_jwks("not json").is_err());
    let private = josekit::jws::ES256.generate_key_pair().expect("EC key").to_jwk_private_key();
    let mut set = JwkSet::new();
    set.push_key(private);
    assert!(parse_public_jwks(&set.to_string()).unwrap_err().contains("public keys only"));
}

#[test]
fn jwks_uri_must_be_https_or_loopback_http() {
    for good in [
        "https://rp.example/jwks",
        "http://127.0.0.1:8080/jwks",
        "http://[::1]/jwks",
        "http://localhost/jwks",
    ] {
        assert!(is_acceptable_jwks_uri(good), "{good}");
    }
    for bad in ["http://rp.example/jwks", "file:///etc/passwd", "not a url"] {
        assert!(!is_acceptable_jwks_uri(bad), "{bad}");
    }
}
