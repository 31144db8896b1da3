//! Public JWK representation of our keys: the RFC 7638 thumbprint that serves
//! as `kid`, and the JWK Set document served at `jwks_uri`
//! (OpenID Connect Discovery §3, RFC 7517 §5).
//!
//! The document is assembled member by member from the public key (`n`, `e`,
//! RFC 7518 §6.3.1) rather than by filtering a private JWK, so private
//! members (`d`, `p`, `q`, `dp`, `dq`, `qi`) can never leak into it.

use serde_json::{Value, json};

/// The public half of one RSA key, as published.
pub(super) struct PublicRsaJwk {
    pub(super) kid: String,
    pub(super) alg: &'static str,
    /// Modulus, base64url big-endian without leading zeros (RFC 7518 §6.3.1.1).
    pub(super) n: String,
    /// Public exponent, same encoding (RFC 7518 §6.3.1.2).
    pub(super) e: String,
}

/// RFC 7638 §3 JWK SHA-256 thumbprint of an RSA public key, base64url.
///
/// The hash input is the JSON object of the required members only, in
/// lexicographic order and without whitespace (§3.2, §3.3), so the same key
/// always gets the same `kid` regardless of how it was loaded.
pub(super) fn rfc7638_thumbprint(n_b64: &str, e_b64: &str) -> String {
    // Value::to_string escapes the strings (a no-op for base64url input).
    let canonical = format!(r#"{{"e":{},"kty":"RSA","n":{}}}"#, Value::from(e_b64), Value::from(n_b64));
    crate::crypto::sha256_b64url(canonical.as_bytes())
}

/// `{"keys":[…]}` with public members plus `kid`, `use` and `alg`
/// (RFC 7517 §4.2, §4.4, §4.5) for every published key.
pub(super) fn jwks_document(keys: &[PublicRsaJwk]) -> String {
    let keys: Vec<Value> = keys
        .iter()
        .map(|k| {
            json!({
                "kty": "RSA",
                "kid": k.kid,
                "use": "sig",
                "alg": k.alg,
                "n": k.n,
                "e": k.e,
            })
        })
        .collect();
    json!({ "keys": keys }).to_string()
}
