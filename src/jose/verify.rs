//! Verification of compact JWS tokens that this server issued
//! (RFC 7515 §5.2), following the JWT BCP (RFC 8725):
//!
//! - the key is chosen by `kid` from our own set, never from `jku`/`jwk`/
//!   `x5u`/`x5c` header members (RFC 8725 §3.10);
//! - the algorithm is pinned per key, so `none` and HS256-keyed-with-our-
//!   public-key tokens fail (RFC 8725 §2.1, §3.1);
//! - explicit typing keeps one kind of token from being replayed as another
//!   (RFC 8725 §3.11, RFC 9068 §2.1 `at+jwt`);
//! - `crit` is rejected because we understand no extensions (RFC 7515 §4.1.11).
//!
//! Time and audience checks are the caller's: they own `now`.

use serde_json::{Map, Value};

use super::Keyring;
use super::compact::{decode_object, split};

/// Upper bound on the token length we even look at. Far above any token we
/// issue, and it bounds the work an attacker can make us do per request.
const MAX_TOKEN_LEN: usize = 64 * 1024;

/// Why a token was rejected. Messages are short and safe to return in an
/// `error_description`.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum VerifyError {
    /// Not three base64url parts, a part that is not a JSON object, or an
    /// unsupported `crit` header.
    #[error("malformed token")]
    Malformed,
    /// `kid` missing or not one of our keys.
    #[error("token signed with an unknown key")]
    UnknownKey,
    /// Header `alg` differs from the algorithm of the key `kid` names.
    #[error("unexpected token algorithm")]
    Algorithm,
    /// Header `typ` is missing or not the expected type.
    #[error("unexpected token type")]
    Type,
    /// The signature does not verify.
    #[error("invalid token signature")]
    Signature,
}

impl Keyring {
    /// Verifies a compact JWS that we issued. Never trusts the header to
    /// choose the algorithm:
    /// - exactly three base64url parts, header must be a JSON object;
    /// - `kid` required and must name one of our keys, else
    ///   [`VerifyError::UnknownKey`];
    /// - header `alg` must equal that key's algorithm (rejects "none",
    ///   "HS256" signed with our public key, etc.) → [`VerifyError::Algorithm`];
    /// - header `typ` must equal `expected_typ` case-insensitively, also
    ///   accepting "application/" + expected_typ (RFC 8725 §3.11,
    ///   RFC 9068 §2.1) → [`VerifyError::Type`];
    /// - signature checked with that key's verifier → [`VerifyError::Signature`];
    /// - `crit` header present → [`VerifyError::Malformed`].
    ///
    /// Returns the claims object. It does NOT check exp/iat/iss/aud: callers
    /// do that with their own `now`.
    pub fn verify(&self, token: &str, expected_typ: &str) -> Result<Map<String, Value>, VerifyError> {
        let jws = split(token, MAX_TOKEN_LEN).ok_or(VerifyError::Malformed)?;
        let header = &jws.header;
        let kid = header.get("kid").and_then(Value::as_str).ok_or(VerifyError::UnknownKey)?;
        let key = self.published_key(kid).ok_or(VerifyError::UnknownKey)?;
        if header.get("alg").and_then(Value::as_str) != Some(key.alg.as_str()) {
            return Err(VerifyError::Algorithm);
        }
        let typ = header.get("typ").and_then(Value::as_str).ok_or(VerifyError::Type)?;
        if !typ_matches(typ, expected_typ) {
            return Err(VerifyError::Type);
        }

        key.verifier
            .verify(jws.signing_input.as_bytes(), &jws.signature)
            .map_err(|_| VerifyError::Signature)?;

        decode_object(jws.payload_b64).ok_or(VerifyError::Malformed)
    }
}

/// `typ` comparison per RFC 7515 §4.1.9: media types are case-insensitive and
/// the "application/" prefix may be omitted (and is, by convention).
fn typ_matches(typ: &str, expected: &str) -> bool {
    const PREFIX: &str = "application/";
    if typ.eq_ignore_ascii_case(expected) {
        return true;
    }
    match (typ.get(..PREFIX.len()), typ.get(PREFIX.len()..)) {
        (Some(prefix), Some(rest)) => {
            prefix.eq_ignore_ascii_case(PREFIX) && rest.eq_ignore_ascii_case(expected)
        }
        _ => false,
    }
}
