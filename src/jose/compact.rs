//! Splitting a compact JWS (RFC 7515 §7.1) before anything in it is trusted:
//! three base64url parts, a JSON-object header without `crit` (we
//! understand no extensions, §4.1.11), a bounded length. Shared by the
//! checks of our own tokens and of clients' assertions.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value};

pub struct CompactJws<'a> {
    pub header: Map<String, Value>,
    /// The payload, still base64url: decode it only when needed.
    pub payload_b64: &'a str,
    /// ASCII(header '.' payload), RFC 7515 §5.2 step 8.
    pub signing_input: &'a str,
    pub signature: Vec<u8>,
}

/// `None` when the token is longer than `max_len` or malformed.
pub fn split(token: &str, max_len: usize) -> Option<CompactJws<'_>> {
    if token.len() > max_len {
        return None;
    }
    let mut parts = token.split('.');
    let (Some(header), Some(payload_b64), Some(signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return None;
    };
    let header = decode_object(header)?;
    if header.contains_key("crit") {
        return None;
    }
    Some(CompactJws {
        header,
        payload_b64,
        signing_input: &token[..token.len() - signature.len() - 1],
        signature: URL_SAFE_NO_PAD.decode(signature).ok()?,
    })
}

/// base64url (no padding, RFC 7515 §2) → JSON object.
pub fn decode_object(part: &str) -> Option<Map<String, Value>> {
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).ok()?).ok()
}
