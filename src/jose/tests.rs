//! Unit tests for the keyring: signing, the JWS attack catalogue of
//! RFC 8725 §2, the JWKS contents and key-file handling.

use std::sync::OnceLock;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use openssl::pkey::PKey;
use openssl::rsa::Rsa;
use serde_json::{Map, Value, json};

use super::jwks::rfc7638_thumbprint;
use super::{Keyring, SigningAlg, VerifyError};
use crate::crypto::hmac_sha256_b64url;

struct Fixture {
    pem: Vec<u8>,
    keyring: Keyring,
}

fn new_fixture() -> Fixture {
    let pem = PKey::from_rsa(Rsa::generate(2048).unwrap()).unwrap().private_key_to_pem_pkcs8().unwrap();
    let keyring = Keyring::from_pem(&pem).unwrap();
    Fixture { pem, keyring }
}

/// Our key, generated once for the module.
fn ours() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(new_fixture)
}

/// Somebody else's key.
fn theirs() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(new_fixture)
}

fn claims() -> Map<String, Value> {
    json!({"iss": "https://idp.example", "sub": "user-1", "aud": "client-1", "exp": 2_000_000_000})
        .as_object()
        .unwrap()
        .clone()
}

fn b64_json(v: &Value) -> String {
    URL_SAFE_NO_PAD.encode(v.to_string())
}

/// A token with an arbitrary header, HMAC-SHA256-signed with `hmac_key`
/// (or with an empty signature when `None`).
fn forge(header: Value, hmac_key: Option<&[u8]>) -> String {
    let input = format!("{}.{}", b64_json(&header), b64_json(&Value::Object(claims())));
    let sig = hmac_key.map_or(String::new(), |k| hmac_sha256_b64url(k, input.as_bytes()));
    format!("{input}.{sig}")
}

#[test]
fn sign_verify_round_trip() {
    let kr = &ours().keyring;
    let token = kr.sign("at+jwt", &claims()).unwrap();
    assert_eq!(kr.verify(&token, "at+jwt").unwrap(), claims());

    let header: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(token.split('.').next().unwrap()).unwrap()).unwrap();
    assert_eq!(header, json!({"alg": "RS256", "typ": "at+jwt", "kid": kr.active_kid()}));
    assert_eq!(kr.algorithm(), SigningAlg::Rs256);
}

#[test]
fn alg_none_is_rejected() {
    let kr = &ours().keyring;
    for alg in ["none", "None", "NONE"] {
        let token = forge(json!({"alg": alg, "typ": "at+jwt", "kid": kr.active_kid()}), None);
        assert_eq!(kr.verify(&token, "at+jwt"), Err(VerifyError::Algorithm));
    }
    // Without kid it fails even earlier.
    let token = forge(json!({"alg": "none", "typ": "at+jwt"}), None);
    assert_eq!(kr.verify(&token, "at+jwt"), Err(VerifyError::UnknownKey));
}

#[test]
fn hs256_keyed_with_our_public_key_is_rejected() {
    let fx = ours();
    let rsa = PKey::private_key_from_pem(&fx.pem).unwrap().rsa().unwrap();
    let spki_pem = PKey::from_rsa(rsa.clone()).unwrap().public_key_to_pem().unwrap();
    let pkcs1_pem = rsa.public_key_to_pem_pkcs1().unwrap();
    let n = rsa.n().to_vec();
    for key in [&spki_pem[..], &pkcs1_pem[..], &n[..], fx.keyring.jwks_json().as_bytes()] {
        let token =
            forge(json!({"alg": "HS256", "typ": "at+jwt", "kid": fx.keyring.active_kid()}), Some(key));
        assert_eq!(fx.keyring.verify(&token, "at+jwt"), Err(VerifyError::Algorithm));
    }
}

#[test]
fn unknown_or_missing_kid_is_rejected() {
    let kr = &ours().keyring;
    let foreign = theirs().keyring.sign("at+jwt", &claims()).unwrap();
    assert_eq!(kr.verify(&foreign, "at+jwt"), Err(VerifyError::UnknownKey));

    let no_kid = forge(json!({"alg": "RS256", "typ": "at+jwt"}), None);
    assert_eq!(kr.verify(&no_kid, "at+jwt"), Err(VerifyError::UnknownKey));
    let number_kid = forge(json!({"alg": "RS256", "typ": "at+jwt", "kid": 1}), None);
    assert_eq!(kr.verify(&number_kid, "at+jwt"), Err(VerifyError::UnknownKey));
}

#[test]
fn foreign_key_using_our_kid_fails_signature() {
    let kr = &ours().keyring;
    let header = json!({"alg": "RS256", "typ": "at+jwt", "kid": kr.active_kid()});
    let input = format!("{}.{}", b64_json(&header), b64_json(&Value::Object(claims())));
    let foreign = theirs().keyring.sign("at+jwt", &claims()).unwrap();
    let sig = foreign.rsplit('.').next().unwrap();
    assert_eq!(kr.verify(&format!("{input}.{sig}"), "at+jwt"), Err(VerifyError::Signature));
}

#[test]
fn typ_is_checked() {
    let kr = &ours().keyring;
    let at = kr.sign("at+jwt", &claims()).unwrap();
    assert_eq!(kr.verify(&at, "JWT"), Err(VerifyError::Type));
    assert_eq!(kr.verify(&at, "AT+JWT").unwrap(), claims());

    for typ in ["application/at+jwt", "Application/AT+JWT"] {
        let token = kr.sign(typ, &claims()).unwrap();
        assert_eq!(kr.verify(&token, "at+jwt").unwrap(), claims());
    }
    for typ in ["application/jwt", "xapplication/at+jwt", "at+jwtx", "", "ü/at+jwt"] {
        let token = kr.sign(typ, &claims()).unwrap();
        assert_eq!(kr.verify(&token, "at+jwt"), Err(VerifyError::Type), "{typ}");
    }
    let no_typ = forge(json!({"alg": "RS256", "kid": kr.active_kid()}), None);
    assert_eq!(kr.verify(&no_typ, "at+jwt"), Err(VerifyError::Type));
}

#[test]
fn tampered_payload_is_rejected() {
    let kr = &ours().keyring;
    let token = kr.sign("at+jwt", &claims()).unwrap();
    let mut parts: Vec<&str> = token.split('.').collect();
    let mut evil = claims();
    evil.insert("sub".into(), json!("admin"));
    let evil = b64_json(&Value::Object(evil));
    parts[1] = &evil;
    assert_eq!(kr.verify(&parts.join("."), "at+jwt"), Err(VerifyError::Signature));
}

#[test]
fn malformed_tokens_are_rejected() {
    let kr = &ours().keyring;
    let token = kr.sign("at+jwt", &claims()).unwrap();
    let bad = [
        String::new(),
        "..".into(),
        "a.b".into(),
        format!("{token}.x"),
        format!("{token}="),
        format!("!{token}"),
        format!("{}.{}", b64_json(&json!([1])), &token[token.find('.').unwrap() + 1..]),
        "x".repeat(70_000),
    ];
    for t in &bad {
        assert_eq!(kr.verify(t, "at+jwt"), Err(VerifyError::Malformed), "{t:.40}");
    }
    let crit = forge(
        json!({"alg": "RS256", "typ": "at+jwt", "kid": kr.active_kid(), "crit": ["exp"], "exp": 1}),
        None,
    );
    assert_eq!(kr.verify(&crit, "at+jwt"), Err(VerifyError::Malformed));
}

#[test]
fn jwks_is_public_only() {
    let kr = &ours().keyring;
    let jwks: Value = serde_json::from_str(kr.jwks_json()).unwrap();
    let keys = jwks["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 1);
    let key = keys[0].as_object().unwrap();
    for private in ["d", "p", "q", "dp", "dq", "qi", "k", "oth"] {
        assert!(!key.contains_key(private), "{private} published");
    }
    assert_eq!(key["kty"], "RSA");
    assert_eq!(key["kid"], kr.active_kid());
    assert_eq!(key["use"], "sig");
    assert_eq!(key["alg"], "RS256");
    assert_eq!(key["e"], "AQAB");
    // The kid is the thumbprint of exactly the published n/e.
    assert_eq!(rfc7638_thumbprint(key["n"].as_str().unwrap(), key["e"].as_str().unwrap()), kr.active_kid());
}

#[test]
fn thumbprint_matches_rfc7638_example() {
    // RFC 7638 §3.1.
    let n = "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw";
    assert_eq!(rfc7638_thumbprint(n, "AQAB"), "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");
}

#[test]
fn pkcs1_pem_gives_same_kid() {
    let fx = ours();
    let rsa = PKey::private_key_from_pem(&fx.pem).unwrap().rsa().unwrap();
    let pkcs1 = rsa.private_key_to_pem().unwrap();
    assert!(pkcs1.starts_with(b"-----BEGIN RSA PRIVATE KEY-----"));
    let kr = Keyring::from_pem(&pkcs1).unwrap();
    assert_eq!(kr.active_kid(), fx.keyring.active_kid());
    // Tokens from one verify under the other.
    let token = kr.sign("JWT", &claims()).unwrap();
    assert!(fx.keyring.verify(&token, "jwt").is_ok());
}

#[test]
fn bad_pem_is_rejected() {
    let small = PKey::from_rsa(Rsa::generate(1024).unwrap()).unwrap().private_key_to_pem_pkcs8().unwrap();
    let ec = PKey::from_ec_key(
        openssl::ec::EcKey::generate(
            &openssl::ec::EcGroup::from_curve_name(openssl::nid::Nid::X9_62_PRIME256V1).unwrap(),
        )
        .unwrap(),
    )
    .unwrap()
    .private_key_to_pem_pkcs8()
    .unwrap();
    let public = PKey::private_key_from_pem(&ours().pem).unwrap().public_key_to_pem().unwrap();
    for pem in [&b""[..], b"garbage", &small, &ec, &public] {
        assert!(Keyring::from_pem(pem).is_err());
    }
}

#[test]
fn debug_prints_no_private_material() {
    let fx = ours();
    let dbg = format!("{:?}", fx.keyring);
    assert!(dbg.contains(fx.keyring.active_kid()));
    let rsa = PKey::private_key_from_pem(&fx.pem).unwrap().rsa().unwrap();
    for secret in [rsa.d(), rsa.p().unwrap(), rsa.q().unwrap()] {
        assert!(!dbg.contains(&secret.to_hex_str().unwrap().to_string()));
        assert!(!dbg.contains(&secret.to_dec_str().unwrap().to_string()));
    }
    assert!(dbg.len() < 300, "{dbg}");
}

#[test]
fn small_rsa_keys_are_refused() {
    assert!(super::generate_rsa_pem(1024).is_err());
}

#[test]
fn every_published_key_verifies_and_only_the_first_signs() {
    let other = super::generate_rsa_pem(2048).unwrap();
    let fx = ours();
    let set = Keyring::from_pems(&other, std::slice::from_ref(&fx.pem)).unwrap();
    assert_eq!(set.kids().len(), 2);
    assert_eq!(set.kids()[0], set.active_kid());
    let old_token = fx.keyring.sign("JWT", &claims()).unwrap();
    assert!(set.verify(&old_token, "JWT").is_ok(), "a published key still verifies");
    let jwks: serde_json::Value = serde_json::from_str(set.jwks_json()).unwrap();
    assert_eq!(jwks["keys"].as_array().unwrap().len(), 2);
    assert!(set.jwks_etag().starts_with('"') && set.jwks_etag() != fx.keyring.jwks_etag());
}

#[test]
fn keyring_is_send_sync() {
    fn check<T: Send + Sync + 'static>() {}
    check::<Keyring>();
}

#[test]
fn every_algorithm_generates_signs_and_verifies() {
    for &alg in SigningAlg::ALL {
        let pem = super::generate_pem(alg, 2048).unwrap_or_else(|e| panic!("{alg}: generate: {e}"));
        let set = Keyring::from_keys(&[(alg, true, pem)]).unwrap_or_else(|e| panic!("{alg}: {e}"));
        assert_eq!(set.algorithms(), vec![alg]);
        let token = set.sign_with(alg, "JWT", &claims()).unwrap();
        let header: Value = serde_json::from_slice(
            &base64::Engine::decode(
                &base64::engine::general_purpose::URL_SAFE_NO_PAD,
                token.split('.').next().unwrap(),
            )
            .unwrap(),
        )
        .unwrap();
        assert_eq!(header["alg"], alg.as_str());
        assert!(set.verify(&token, "JWT").is_ok(), "{alg}");
        let jwks: Value = serde_json::from_str(set.jwks_json()).unwrap();
        let jwk = &jwks["keys"][0];
        assert_eq!(jwk["alg"], alg.as_str());
        for private in ["d", "p", "q", "dp", "dq", "qi", "k"] {
            assert!(jwk.get(private).is_none(), "{alg} JWK leaks {private}");
        }
    }
}

/// Client assertions in PS256 are verified by josekit from a public JWK; our
/// own PS256 signer runs on OpenSSL. Each must accept the other's work.
#[test]
fn ps256_signatures_interoperate_with_josekit() {
    let pem = super::generate_pem(SigningAlg::Ps256, 2048).unwrap();
    let set = Keyring::from_keys(&[(SigningAlg::Ps256, true, pem)]).unwrap();
    let token = set.sign_with(SigningAlg::Ps256, "JWT", &claims()).unwrap();
    let jwks: Value = serde_json::from_str(set.jwks_json()).unwrap();
    let jwk = josekit::jwk::Jwk::from_bytes(jwks["keys"][0].to_string()).unwrap();
    let verifier =
        josekit::jws::PS256.verifier_from_jwk(&jwk).expect("josekit PS256 verifier from a public JWK");
    josekit::jwt::decode_with_verifier(&token, &verifier).expect("josekit verifies our PS256 signature");
}
