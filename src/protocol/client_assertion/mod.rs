//! `private_key_jwt` (OpenID Connect Core §9; RFC 7523 §2.2, §3): the client
//! authenticates with a JWT it signed with a key from its registered JWK Set.
//!
//! Following the JWT BCP (RFC 8725):
//! - the header is read only to find the key; the algorithm must be on our
//!   allow-list (RS256, PS256, ES256, EdDSA: never `none` or HS*, §2.1, §3.1)
//!   and fit the key it is checked with (kty/crv and the JWK's `alg`);
//! - keys come from the client's registration only, never from `jku`, `jwk`,
//!   `x5u` or `x5c` header members (§3.10); `crit` is rejected (RFC 7515 §4.1.11);
//! - RFC 7523 §3 claims: `iss` = `sub` = client_id, `aud` names this server,
//!   `exp` required and short, `iat`/`nbf` not in the future, and a `jti`
//!   that is accepted once (RFC 7523 §3 item 7, OIDC Core §9).

use josekit::jwk::{Jwk, JwkSet};
use serde_json::{Map, Value};

use crate::jose::SigningAlg;
use crate::jose::compact::{decode_object, split};

/// Accepted clock skew, seconds.
pub const LEEWAY: i64 = 30;
/// Longest accepted assertion lifetime: `exp` at most this far ahead.
pub const MAX_LIFETIME: i64 = 600;
/// Assertions beyond this length are not looked at.
const MAX_ASSERTION_LEN: usize = 16 * 1024;
const MAX_JTI_LEN: usize = 256;
/// Keys tried for a header without `kid`.
const MAX_CANDIDATES: usize = 16;

/// Why an assertion was refused. Logged; the client sees `invalid_client`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Reject {
    #[error("malformed assertion")]
    Malformed,
    #[error("algorithm not allowed")]
    Algorithm,
    #[error("no registered key fits the assertion's kid and algorithm")]
    UnknownKey,
    #[error("signature does not verify")]
    Signature,
    #[error("iss and sub must both be the client_id")]
    Subject,
    #[error("aud does not name this server")]
    Audience,
    #[error("exp missing or expired")]
    Expired,
    #[error("exp too far in the future")]
    TooLong,
    #[error("iat or nbf in the future")]
    NotYetValid,
    #[error("jti missing or invalid")]
    MissingJti,
    #[error("jti already used")]
    Replayed,
}

/// A compact JWS split and decoded, nothing verified yet.
pub struct Assertion<'a> {
    pub alg: SigningAlg,
    pub kid: Option<String>,
    /// The header's `typ` (RFC 7515 §4.1.9), for explicit typing (RFC 8725 §3.11).
    pub typ: Option<String>,
    signing_input: &'a str,
    signature: Vec<u8>,
    payload: Map<String, Value>,
}

impl<'a> Assertion<'a> {
    /// Splits the JWS (RFC 7515 §7.1) and checks the header's `alg` against
    /// the allow-list. Nothing else in the header is trusted.
    pub fn parse(token: &'a str) -> Result<Assertion<'a>, Reject> {
        let jws = split(token, MAX_ASSERTION_LEN).ok_or(Reject::Malformed)?;
        let header = &jws.header;
        let alg = header.get("alg").and_then(Value::as_str).ok_or(Reject::Malformed)?;
        let alg: SigningAlg = alg.parse().map_err(|_| Reject::Algorithm)?;
        let kid = match header.get("kid") {
            None => None,
            Some(Value::String(kid)) => Some(kid.clone()),
            Some(_) => return Err(Reject::Malformed),
        };
        let typ = match header.get("typ") {
            None => None,
            Some(Value::String(typ)) => Some(typ.clone()),
            Some(_) => return Err(Reject::Malformed),
        };
        Ok(Assertion {
            alg,
            kid,
            typ,
            signing_input: jws.signing_input,
            signature: jws.signature,
            payload: decode_object(jws.payload_b64).ok_or(Reject::Malformed)?,
        })
    }

    /// The unverified `sub`: which client claims to be speaking.
    pub fn subject(&self) -> Option<&str> {
        self.payload.get("sub").and_then(Value::as_str)
    }

    /// Verifies the signature with the key `kid` names, or with each key
    /// that fits the algorithm when there is no `kid`; returns the claims.
    pub fn verify(self, keys: &JwkSet) -> Result<Map<String, Value>, Reject> {
        let candidates: Vec<&Jwk> = match &self.kid {
            Some(kid) => keys.get(kid),
            None => keys.keys(),
        };
        let mut fitting = candidates.into_iter().filter(|k| self.alg.fits(k)).take(MAX_CANDIDATES).peekable();
        if fitting.peek().is_none() {
            return Err(Reject::UnknownKey);
        }
        let input = self.signing_input.as_bytes();
        let verified = fitting
            .filter_map(|jwk| self.alg.verifier_from_jwk(jwk))
            .any(|v| v.verify(input, &self.signature).is_ok());
        if verified { Ok(self.payload) } else { Err(Reject::Signature) }
    }
}

/// What the caller needs after the claims checked out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    pub jti: String,
    pub exp: i64,
}

/// RFC 7523 §3 claim checks. `audiences` are the values that name this
/// server (its issuer and endpoint URLs); `aud` must contain one of them.
pub fn check_claims(
    claims: &Map<String, Value>,
    client_id: &str,
    audiences: &[String],
    now: i64,
) -> Result<Checked, Reject> {
    let text = |name: &str| claims.get(name).and_then(Value::as_str);
    if text("iss") != Some(client_id) || text("sub") != Some(client_id) {
        return Err(Reject::Subject);
    }
    let named = match claims.get("aud") {
        Some(Value::String(aud)) => audiences.contains(aud),
        Some(Value::Array(list)) => {
            list.iter().any(|a| a.as_str().is_some_and(|a| audiences.iter().any(|x| x == a)))
        }
        _ => false,
    };
    if !named {
        return Err(Reject::Audience);
    }
    let exp = numeric_date(claims, "exp")?.ok_or(Reject::Expired)?;
    if exp <= now - LEEWAY {
        return Err(Reject::Expired);
    }
    if exp > now + MAX_LIFETIME + LEEWAY {
        return Err(Reject::TooLong);
    }
    for name in ["iat", "nbf"] {
        if numeric_date(claims, name)?.is_some_and(|t| t > now + LEEWAY) {
            return Err(Reject::NotYetValid);
        }
    }
    match text("jti") {
        Some(jti) if !jti.is_empty() && jti.len() <= MAX_JTI_LEN => Ok(Checked { jti: jti.to_string(), exp }),
        _ => Err(Reject::MissingJti),
    }
}

impl Checked {
    /// Until when the `jti` must be remembered: after that the assertion
    /// fails its `exp` check anyway.
    pub fn remember_until(&self) -> i64 {
        self.exp.saturating_add(LEEWAY)
    }
}

/// Values of `aud` that name this server (RFC 7523 §3 item 3): its issuer
/// identifier and the endpoints that accept client authentication.
pub fn audiences(issuer: &str) -> Vec<String> {
    let mut values = vec![issuer.to_string()];
    values.extend(
        ["token", "revoke", "introspect", "device_authorization"].map(|path| format!("{issuer}/{path}")),
    );
    values
}

/// Members that only private or symmetric keys have.
pub(crate) const PRIVATE_MEMBERS: [&str; 7] = ["d", "p", "q", "dp", "dq", "qi", "k"];

/// Parses a client's JWK Set (RFC 7517 §5), which must contain at least one
/// key and only public keys.
pub fn parse_public_jwks(json: &str) -> Result<JwkSet, String> {
    let set = JwkSet::from_bytes(json.as_bytes()).map_err(|e| format!("invalid JWK Set: {e}"))?;
    if set.keys().is_empty() {
        return Err("the JWK Set has no keys".into());
    }
    if set.keys().iter().any(|k| PRIVATE_MEMBERS.iter().any(|m| k.parameter(m).is_some())) {
        return Err("the JWK Set must contain public keys only".into());
    }
    Ok(set)
}

/// A client's `jwks_uri` must be `https`, or `http` on a loopback host
/// (development and tests).
pub fn is_acceptable_jwks_uri(uri: &str) -> bool {
    let Ok(url) = url::Url::parse(uri) else { return false };
    let loopback = match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    };
    match url.scheme() {
        "https" => true,
        "http" => loopback,
        _ => false,
    }
}

/// RFC 7519 §2 NumericDate; fractional seconds are truncated.
pub(crate) fn numeric_date(claims: &Map<String, Value>, name: &str) -> Result<Option<i64>, Reject> {
    match claims.get(name) {
        None => Ok(None),
        Some(v) => match (v.as_i64(), v.as_f64()) {
            (Some(t), _) => Ok(Some(t)),
            (None, Some(t)) if t.is_finite() => Ok(Some(t as i64)),
            _ => Err(Reject::Malformed),
        },
    }
}

#[cfg(test)]
pub(crate) mod test_support;
#[cfg(test)]
mod tests;
