//! The RFC 7638 thumbprints that serve as our keys' `kid`s (RFC 7517 §4.5).
//!
//! Published JWKs come from the public half of each key pair
//! (`to_jwk_public_key`), never from filtering a private JWK, so private
//! members (`d`, `p`, `q`, `dp`, `dq`, `qi`) cannot reach the document
//! served at `jwks_uri`; tests assert their absence for every algorithm.

use serde_json::{Value, json};

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

/// RFC 7638 thumbprint of any public JWK: the required members of its `kty`
/// (RSA: e, n; EC: crv, x, y; OKP: crv, x, RFC 8037 §2), sorted, no spaces.
pub(super) fn jwk_thumbprint(jwk: &josekit::jwk::Jwk) -> Result<String, super::KeyError> {
    let member = |name: &str| -> Result<Value, super::KeyError> {
        jwk.parameter(name)
            .cloned()
            .ok_or_else(|| super::KeyError::InvalidKey(format!("public key lacks {name}")))
    };
    let canonical = match jwk.key_type() {
        "RSA" => {
            return Ok(rfc7638_thumbprint(
                member("n")?.as_str().unwrap_or_default(),
                member("e")?.as_str().unwrap_or_default(),
            ));
        }
        "EC" => json!({ "crv": member("crv")?, "kty": "EC", "x": member("x")?, "y": member("y")? }),
        "OKP" => json!({ "crv": member("crv")?, "kty": "OKP", "x": member("x")? }),
        other => return Err(super::KeyError::InvalidKey(format!("unsupported key type {other}"))),
    };
    // serde_json keeps object members sorted (BTreeMap), as §3.3 requires.
    Ok(crate::crypto::sha256_b64url(canonical.to_string().as_bytes()))
}
