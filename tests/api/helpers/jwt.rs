//! JWT helpers: decode without verification, verify against the JWKS,
//! `at_hash`, and forgeries for negative tests.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::Value;

/// A decoded (not necessarily verified) compact JWS.
#[derive(Clone, Debug)]
pub struct Jwt {
    pub header: Value,
    pub claims: Value,
    /// The three base64url segments.
    pub segments: [String; 3],
}

pub fn b64url(bytes: impl AsRef<[u8]>) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

pub fn b64url_decode(s: &str) -> Vec<u8> {
    URL_SAFE_NO_PAD.decode(s).unwrap_or_else(|e| panic!("not base64url ({e}): {s}"))
}

/// Splits and decodes a compact JWS without checking the signature.
pub fn decode_jwt(token: &str) -> Jwt {
    let parts: Vec<&str> = token.split('.').collect();
    assert_eq!(parts.len(), 3, "not a compact JWS: {token}");
    let json = |s: &str| -> Value { serde_json::from_slice(&b64url_decode(s)).expect("JWT segment is JSON") };
    Jwt {
        header: json(parts[0]),
        claims: json(parts[1]),
        segments: [parts[0].into(), parts[1].into(), parts[2].into()],
    }
}

/// Verifies `token` with the JWKS key named by its `kid` (RS256 only) and
/// returns it decoded. Panics if anything does not check out.
pub fn verify_jwt(jwks: &Value, token: &str) -> Jwt {
    let jwt = decode_jwt(token);
    let kid = jwt.header["kid"].as_str().expect("JWT header has a kid");
    let jwk = find_jwk(jwks, kid);
    let map = jwk.as_object().expect("JWK object").clone();
    let jwk = josekit::jwk::Jwk::from_map(map).expect("parse JWK");
    let verifier = josekit::jws::RS256.verifier_from_jwk(&jwk).expect("RS256 verifier from JWK");
    josekit::jws::deserialize_compact(token, &verifier)
        .unwrap_or_else(|e| panic!("signature does not verify: {e}"));
    jwt
}

/// The keys of a JWK Set that verify signatures (`"use":"sig"`): all but
/// the one clients encrypt request objects to.
pub fn signing_keys(jwks: &Value) -> Vec<&Value> {
    let keys = jwks["keys"].as_array().unwrap_or_else(|| panic!("JWKS without keys: {jwks}"));
    keys.iter().filter(|k| k["use"] != "enc").collect()
}

/// The JWKS's key for encryption to the server (RFC 9101 §6.1): one P-256
/// key, public members only.
pub fn encryption_key(jwks: &Value) -> &Value {
    let keys = jwks["keys"].as_array().unwrap_or_else(|| panic!("JWKS without keys: {jwks}"));
    let enc: Vec<&Value> = keys.iter().filter(|k| k["use"] == "enc").collect();
    assert_eq!(enc.len(), 1, "one encryption key: {jwks}");
    let key = enc[0];
    assert_eq!((key["kty"].as_str(), key["crv"].as_str()), (Some("EC"), Some("P-256")), "{key}");
    assert!(key.get("d").is_none(), "private member published: {key}");
    key
}

/// The JWKS entry with `kid`.
pub fn find_jwk<'a>(jwks: &'a Value, kid: &str) -> &'a Value {
    jwks["keys"]
        .as_array()
        .expect("JWKS keys array")
        .iter()
        .find(|k| k["kid"].as_str() == Some(kid))
        .unwrap_or_else(|| panic!("kid {kid} is not in the JWKS: {jwks}"))
}

/// OIDC Core §3.1.3.6: base64url of the left half of SHA-256(access_token).
pub fn at_hash(access_token: &str) -> String {
    let digest = openssl::sha::sha256(access_token.as_bytes());
    b64url(&digest[..16])
}

/// PEM encodings (SPKI and PKCS#1) of the RSA public key in `jwk`.
pub fn rsa_public_pems(jwk: &Value) -> Vec<Vec<u8>> {
    let n = openssl::bn::BigNum::from_slice(&b64url_decode(jwk["n"].as_str().expect("n"))).expect("n bignum");
    let e = openssl::bn::BigNum::from_slice(&b64url_decode(jwk["e"].as_str().expect("e"))).expect("e bignum");
    let rsa = openssl::rsa::Rsa::from_public_components(n, e).expect("RSA public key");
    let pkcs1 = rsa.public_key_to_pem_pkcs1().expect("PKCS#1 PEM");
    let spki = openssl::pkey::PKey::from_rsa(rsa).expect("PKey").public_key_to_pem().expect("SPKI PEM");
    vec![spki, pkcs1]
}

/// HMAC-SHA256 of `input` under `key`, base64url.
pub fn hs256(key: &[u8], input: &str) -> String {
    let key = openssl::pkey::PKey::hmac(key).expect("HMAC key");
    let mut signer =
        openssl::sign::Signer::new(openssl::hash::MessageDigest::sha256(), &key).expect("HMAC signer");
    signer.update(input.as_bytes()).expect("HMAC update");
    b64url(signer.sign_to_vec().expect("HMAC sign"))
}

/// Encodes a JSON value as a JWT segment.
pub fn segment(value: &Value) -> String {
    b64url(serde_json::to_vec(value).expect("serialize JWT segment"))
}

/// Replaces one character in the middle of `s` with a different base64url
/// character, so the result still decodes but differs.
pub fn flip_char(s: &str) -> String {
    let mut chars: Vec<char> = s.chars().collect();
    let i = chars.len() / 2;
    chars[i] = if chars[i] == 'A' { 'B' } else { 'A' };
    chars.into_iter().collect()
}

/// The `aud` claim as a list (it may be a string or an array).
pub fn audiences(claims: &Value) -> Vec<String> {
    match &claims["aud"] {
        Value::String(s) => vec![s.clone()],
        Value::Array(a) => a.iter().map(|v| v.as_str().expect("aud member").to_string()).collect(),
        other => panic!("aud is neither string nor array: {other}"),
    }
}
