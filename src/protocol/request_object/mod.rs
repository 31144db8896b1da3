//! JWT-secured authorization requests (RFC 9101, OpenID Connect Core §6.1):
//! the client sends its authorization request as a JWT it signed with a key
//! of its registered JWK Set, in the `request` parameter (by value) or
//! pushed to `/par` (RFC 9126 §3). Nobody on the way (the browser, its
//! extensions, a proxy's log) can alter what the client asked for.
//!
//! The rules, RFC 9101 §6 unless noted:
//! - only signed objects: `alg` on our allow-list (never `none`, never HS*),
//!   the key from the client's registration (RFC 8725 §2.1, §3.1); one
//!   encrypted to our key (ECDH-ES, [`decrypt`]) must hold a signed object
//!   (a nested JWT, §6.1), and where we publish no such key an encrypted
//!   object is refused;
//! - `typ`, when present, is `oauth-authz-req+jwt` (§4, RFC 8725 §3.11) or
//!   the generic `JWT` older clients send; any other type is a different
//!   kind of token and is refused (§10.8, cross-JWT confusion);
//! - the object names its client: `client_id` must be the request's own,
//!   `iss` (when present) the same, and `aud` (when present) this issuer;
//!   `exp`/`nbf`/`iat` are honoured with [`LEEWAY`];
//! - only the object's parameters count (§6.3): what the browser sent next
//!   to it, `client_id` aside, is ignored; `request` and `request_uri`
//!   cannot nest (§4).
//!
//! Failures are `invalid_request_object` (§6.2).

use serde_json::{Map, Value};

use crate::jose::SigningAlg;
use crate::jose::decryption_key::DecryptionKey;
use crate::protocol::client_assertion::{self, Assertion, Reject};
use crate::protocol::{OAuthError, Params};

/// RFC 9101 §4: the media type of a request object, without `application/`.
pub const TYP: &str = "oauth-authz-req+jwt";
/// Accepted clock skew for `exp`, `nbf` and `iat`, seconds.
pub const LEEWAY: i64 = 30;
/// JWT claims that describe the object rather than the request.
const ENVELOPE: [&str; 6] = ["iss", "aud", "exp", "iat", "nbf", "jti"];
/// Parameters a request object cannot carry (§4).
const NESTED: [&str; 2] = ["request", "request_uri"];

/// The switches of `[jar]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestObjectPolicy {
    /// `/authorize` and `/par` take a `request` parameter.
    pub enabled: bool,
    /// Every client must send signed request objects
    /// (`require_signed_request_object`, RFC 9101 §10.5); a client can also
    /// be required on its own.
    pub required: bool,
}

impl Default for RequestObjectPolicy {
    fn default() -> Self {
        RequestObjectPolicy { enabled: true, required: false }
    }
}

impl RequestObjectPolicy {
    /// Whether `client_required` (the client's own setting) or the server
    /// demands a request object. A client that requires one keeps requiring
    /// it with request objects switched off: it fails closed.
    pub fn demands(&self, client_required: bool) -> bool {
        client_required || (self.enabled && self.required)
    }
}

fn invalid(description: impl Into<String>) -> OAuthError {
    OAuthError::invalid_request_object(description)
}

/// Whether `token` is a compact JWE (five parts, RFC 7516 §7.1).
pub fn is_encrypted(token: &str) -> bool {
    token.split('.').count() == 5
}

/// The signed object inside one encrypted to `ours` (RFC 9101 §6.1: signed,
/// then encrypted).
pub fn decrypt(ours: &DecryptionKey, token: &str) -> Result<String, OAuthError> {
    let (plain, _) = ours
        .decrypt(token)
        .map_err(|why| invalid(format!("the encrypted request object is refused: {why}")))?;
    let inner = String::from_utf8(plain).map_err(|_| invalid("the encrypted request object holds no JWT"))?;
    if inner.split('.').count() != 3 {
        return Err(invalid("an encrypted request object must hold a signed one (a nested JWT)"));
    }
    Ok(inner)
}

/// Splits the object and checks its header; the signature is checked by
/// [`Assertion::verify`] with the client's keys.
pub fn parse(token: &str) -> Result<Assertion<'_>, OAuthError> {
    if token.split('.').count() == 5 {
        return Err(invalid("encrypted request objects are not supported; send a signed JWT"));
    }
    let object = Assertion::parse(token).map_err(|e| match e {
        Reject::Algorithm => invalid(format!(
            "the request object's alg must be one of {} (never none)",
            SigningAlg::words().join(", ")
        )),
        _ => invalid("the request object is not a signed JWT (RFC 7515 compact serialization)"),
    })?;
    match object.typ.as_deref() {
        None => Ok(object),
        Some(typ) if is_request_object_type(typ) => Ok(object),
        Some(typ) => Err(invalid(format!("a JWT of typ {typ:?} is not a request object (typ {TYP})"))),
    }
}

/// RFC 7515 §4.1.9: `typ` is compared without case and may omit `application/`.
fn is_request_object_type(typ: &str) -> bool {
    let typ = typ.to_ascii_lowercase();
    let short = typ.strip_prefix("application/").unwrap_or(&typ);
    short == TYP || short == "jwt"
}

/// Why the signature check failed, for the client.
pub fn signature_error(reject: Reject) -> OAuthError {
    match reject {
        Reject::UnknownKey => {
            invalid("no key registered for the client fits the request object's kid and alg")
        }
        _ => invalid("the request object's signature does not verify with the client's keys"),
    }
}

/// The authorization request the verified `claims` carry, for the client
/// `client_id` (the request's own, or the one authenticated at `/par`),
/// checked against this `issuer` at `now`.
pub fn into_params(
    claims: &Map<String, Value>,
    client_id: &str,
    issuer: &str,
    now: i64,
) -> Result<Params, OAuthError> {
    check_envelope(claims, client_id, issuer, now)?;
    let mut pairs: Vec<(String, String)> = Vec::new();
    for (name, value) in claims {
        if ENVELOPE.contains(&name.as_str()) {
            continue;
        }
        if NESTED.contains(&name.as_str()) {
            return Err(invalid(format!("a request object cannot contain {name} (RFC 9101 §4)")));
        }
        match value {
            Value::Null => {}
            Value::String(text) => pairs.push((name.clone(), text.clone())),
            Value::Number(n) => pairs.push((name.clone(), n.to_string())),
            Value::Bool(b) => pairs.push((name.clone(), b.to_string())),
            // RFC 8707 `resource` may repeat; other lists are not parameters.
            Value::Array(items) if name == crate::protocol::resources::RESOURCE => {
                for item in items {
                    let text = item.as_str().ok_or_else(|| invalid("resource values must be strings"))?;
                    pairs.push((name.clone(), text.to_string()));
                }
            }
            Value::Array(_) => return Err(invalid(format!("{name} cannot be a list"))),
            // OIDC Core §5.5: `claims` is a JSON object in a request object.
            Value::Object(_) => pairs.push((name.clone(), value.to_string())),
        }
    }
    Params::from_pairs(pairs).map_err(|e| invalid(e.description))
}

/// The claims about the object itself: who made it, for whom, until when.
fn check_envelope(
    claims: &Map<String, Value>,
    client_id: &str,
    issuer: &str,
    now: i64,
) -> Result<(), OAuthError> {
    match claims.get("client_id") {
        Some(Value::String(id)) if id == client_id => {}
        Some(_) => return Err(invalid("the request object's client_id is not the request's client")),
        None => return Err(invalid("the request object has no client_id")),
    }
    match claims.get("iss") {
        None => {}
        Some(Value::String(iss)) if iss == client_id => {}
        Some(_) => return Err(invalid("the request object's iss must be the client_id")),
    }
    let for_us = match claims.get("aud") {
        None => true,
        Some(Value::String(aud)) => aud == issuer,
        Some(Value::Array(list)) => list.iter().any(|a| a.as_str() == Some(issuer)),
        Some(_) => false,
    };
    if !for_us {
        return Err(invalid("the request object's aud must be this server's issuer"));
    }
    if numeric_date(claims, "exp")?.is_some_and(|exp| exp <= now - LEEWAY) {
        return Err(invalid("the request object has expired"));
    }
    for name in ["nbf", "iat"] {
        if numeric_date(claims, name)?.is_some_and(|t| t > now + LEEWAY) {
            return Err(invalid(format!("the request object's {name} is in the future")));
        }
    }
    Ok(())
}

/// RFC 7519 §2 NumericDate (`client_assertion::numeric_date`).
fn numeric_date(claims: &Map<String, Value>, name: &str) -> Result<Option<i64>, OAuthError> {
    client_assertion::numeric_date(claims, name)
        .map_err(|_| invalid(format!("the request object's {name} is not a number")))
}

#[cfg(test)]
mod tests;
