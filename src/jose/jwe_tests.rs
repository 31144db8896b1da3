use josekit::jwe::{ECDH_ES, ECDH_ES_A256KW, JweDecrypter, RSA_OAEP_256};
use josekit::jwk::alg::ec::EcCurve;
use josekit::jwk::alg::ecx::EcxCurve;
use josekit::jwk::{Jwk, JwkSet, KeyPair};

use super::*;

const JWT: &str = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1MSJ9.c2ln";

fn rsa_pair() -> (Jwk, Jwk) {
    let pair = RSA_OAEP_256.generate_key_pair(2048).unwrap();
    let (mut public, private) = (pair.to_jwk_public_key(), pair.to_jwk_private_key());
    public.set_key_id("rsa-enc");
    public.set_key_use("enc");
    (public, private)
}

/// A P-256 pair, or an X25519 one, usable with either ECDH-ES variant
/// (josekit pins the key it makes to ECDH-ES; clients' keys often omit `alg`).
fn ec_pair(x25519: bool) -> (Jwk, Jwk) {
    let (mut public, mut private) = ec_pair_pinned(x25519);
    public.set_parameter("alg", None).unwrap();
    private.set_parameter("alg", None).unwrap();
    (public, private)
}

fn ec_pair_pinned(x25519: bool) -> (Jwk, Jwk) {
    if x25519 {
        let pair = ECDH_ES.generate_ecx_key_pair(EcxCurve::X25519).unwrap();
        (pair.to_jwk_public_key(), pair.to_jwk_private_key())
    } else {
        let pair = ECDH_ES.generate_ec_key_pair(EcCurve::P256).unwrap();
        (pair.to_jwk_public_key(), pair.to_jwk_private_key())
    }
}

fn decrypt(jwe: &str, decrypter: &dyn JweDecrypter) -> (String, JweHeader) {
    let (plain, header) = josekit::jwe::deserialize_compact(jwe, decrypter).expect("decrypts");
    (String::from_utf8(plain).unwrap(), header)
}

#[test]
fn rsa_oaep_256_round_trips_with_both_content_encryptions() {
    let (public, private) = rsa_pair();
    for enc in ContentEncryption::ALL {
        let jwe = encrypt_nested(JWT, &public, KeyManagementAlg::RsaOaep256, *enc).unwrap();
        assert_eq!(jwe.split('.').count(), 5, "compact JWE");
        let (plain, header) = decrypt(&jwe, &RSA_OAEP_256.decrypter_from_jwk(&private).unwrap());
        assert_eq!(plain, JWT);
        assert_eq!(header.content_type(), Some("JWT"), "a nested JWT (RFC 7519 §5.2)");
        assert_eq!(header.content_encryption(), Some(enc.as_str()));
        assert_eq!(header.key_id(), Some("rsa-enc"));
    }
}

#[test]
fn ecdh_es_round_trips_direct_and_key_wrapped() {
    for x25519 in [false, true] {
        let (public, private) = ec_pair(x25519);
        let direct =
            encrypt_nested(JWT, &public, KeyManagementAlg::EcdhEs, ContentEncryption::A256Gcm).unwrap();
        assert_eq!(decrypt(&direct, &ECDH_ES.decrypter_from_jwk(&private).unwrap()).0, JWT);
        let wrapped =
            encrypt_nested(JWT, &public, KeyManagementAlg::EcdhEsA256kw, ContentEncryption::A128CbcHs256)
                .unwrap();
        assert_eq!(decrypt(&wrapped, &ECDH_ES_A256KW.decrypter_from_jwk(&private).unwrap()).0, JWT);
    }
}

#[test]
fn only_keys_that_can_receive_are_chosen() {
    let (rsa, _) = rsa_pair();
    let (ec, _) = ec_pair(false);
    let mut signing = rsa.clone();
    signing.set_key_use("sig");
    let mut pinned = ec.clone();
    pinned.set_algorithm("ECDH-ES+A256KW");
    assert!(!KeyManagementAlg::EcdhEsA256kw.fits(&ec_pair_pinned(false).0), "pinned to ECDH-ES");
    assert!(KeyManagementAlg::RsaOaep256.fits(&rsa));
    assert!(!KeyManagementAlg::RsaOaep256.fits(&signing), "use: sig");
    assert!(!KeyManagementAlg::RsaOaep256.fits(&ec), "wrong key type");
    assert!(!KeyManagementAlg::EcdhEs.fits(&rsa));
    assert!(!KeyManagementAlg::EcdhEs.fits(&pinned), "pinned to another alg");
    assert!(KeyManagementAlg::EcdhEsA256kw.fits(&pinned));

    let mut set = JwkSet::new();
    set.push_key(signing.clone());
    set.push_key(ec.clone());
    assert!(
        encryption_key(&set, KeyManagementAlg::RsaOaep256).is_none(),
        "a signing key is no encryption key"
    );
    assert_eq!(encryption_key(&set, KeyManagementAlg::EcdhEs), Some(&ec));
    let refused = encrypt_nested(JWT, &signing, KeyManagementAlg::RsaOaep256, ContentEncryption::A256Gcm);
    assert!(matches!(refused, Err(KeyError::InvalidKey(_))));
}

#[test]
fn the_words_are_the_registered_names() {
    assert_eq!(KeyManagementAlg::words(), ["RSA-OAEP-256", "ECDH-ES", "ECDH-ES+A256KW"]);
    assert_eq!(ContentEncryption::words(), ["A128CBC-HS256", "A256GCM"]);
    assert!("RSA1_5".parse::<KeyManagementAlg>().is_err(), "RFC 8725 §3.2");
}
