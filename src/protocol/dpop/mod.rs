//! DPoP, sender-constrained tokens (RFC 9449): the client proves, with
//! every token request and every use of a token, that it holds a private
//! key. The proof is a JWT it signs with that key, carrying the public half
//! in its header; tokens issued with a proof are bound to the key's
//! thumbprint (`cnf.jkt`, RFC 7638), so a stolen token is useless without
//! the key.
//!
//! [`check_proof`] is RFC 9449 §4.3: one compact JWS of `typ` `dpop+jwt`,
//! an asymmetric `alg` of our allow-list (never `none`, never HS*) that fits
//! the header's `jwk`, which must be a public key; `jti`, `htm` (the
//! method), `htu` (the URI without query and fragment), `iat` within
//! [`PAST_WINDOW`] / [`LEEWAY`]; `ath` (the access token's hash) where a
//! token is presented; the server's nonce where one is required
//! ([`nonce`]). The `jti` is spent by the caller (replay cache).

pub mod nonce;

use josekit::jwk::Jwk;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::crypto::{b64url, sha256_b64url};
use crate::jose::SigningAlg;
use crate::jose::compact::{decode_object, split};
use crate::protocol::OAuthError;
use crate::protocol::client_assertion::{PRIVATE_MEMBERS, numeric_date};
use crate::protocol::entries::{Entry, EntryKind};

/// The proof's `typ` (RFC 9449 §4.2).
pub const TYP: &str = "dpop+jwt";
/// Proofs are JWTs of a few hundred bytes; longer ones are not read.
const MAX_PROOF_LEN: usize = 8 * 1024;
const MAX_JTI_LEN: usize = 256;
/// Oldest accepted `iat`, seconds before now (§11.1: a short window).
pub const PAST_WINDOW: i64 = 60;
/// Accepted clock skew into the future, seconds.
pub const LEEWAY: i64 = 5;
/// How long a spent `jti` is remembered: past that its `iat` is too old.
pub const REPLAY_TTL: i64 = PAST_WINDOW + LEEWAY;

/// A proof `jti` already accepted (RFC 9449 §11.1), under the SHA-256 of
/// `"{jkt}:{jti}"`, until the proof's `iat` leaves the accepted window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsedDpopProof {
    pub expires_at: i64,
}

impl Entry for UsedDpopProof {
    const KIND: EntryKind = EntryKind::UsedDpopProof;
    fn expires_at(&self) -> i64 {
        self.expires_at
    }
}

impl Proof {
    /// The replay-cache key and entry of this proof (one use per key and `jti`).
    pub fn spent(&self) -> (String, UsedDpopProof) {
        let key = crate::crypto::secret_digest(&format!("{}:{}", self.jkt, self.jti));
        (key, UsedDpopProof { expires_at: self.iat + PAST_WINDOW + 1 })
    }
}

/// RFC 9449 §5, §7.1, §10: what is bound to a key (`bound`, a thumbprint)
/// is used only with a proof of that key (`proved`); `what` names it in the
/// error. Anything unbound may be used with or without a proof.
pub fn require_key(bound: Option<&str>, proved: Option<&str>, what: &str) -> Result<(), OAuthError> {
    match (bound, proved) {
        (None, _) => Ok(()),
        (Some(bound), Some(proved)) if bound == proved => Ok(()),
        (Some(_), None) => Err(invalid(format!("{what} is bound to a DPoP key: send a proof of it"))),
        (Some(_), Some(_)) => {
            Err(invalid(format!("the DPoP proof is not made with the key {what} is bound to")))
        }
    }
}

/// The switches of `[dpop]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DpopPolicy {
    /// The token endpoint takes proofs; UserInfo takes DPoP-bound tokens.
    pub enabled: bool,
    /// Proofs must carry a nonce this server issued (§8, §9).
    pub require_nonce: bool,
}

impl Default for DpopPolicy {
    fn default() -> Self {
        DpopPolicy { enabled: true, require_nonce: true }
    }
}

/// Where a proof was received, and what it must match.
#[derive(Debug, Clone, Copy)]
pub struct Expected<'a> {
    /// The request's method, `POST` or `GET`.
    pub method: &'a str,
    /// The endpoint's URI as advertised (query and fragment are ignored).
    pub uri: &'a str,
    /// The access token presented with the proof (its hash is `ath`).
    pub access_token: Option<&'a str>,
    pub now: i64,
}

/// A proof that checked out: the key's thumbprint and what the caller
/// still has to look at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proof {
    /// `base64url(SHA-256(JWK thumbprint input))`, RFC 7638: the `jkt`.
    pub jkt: String,
    pub jti: String,
    pub iat: i64,
    pub nonce: Option<String>,
}

fn invalid(description: impl Into<String>) -> OAuthError {
    OAuthError::invalid_dpop_proof(description)
}

/// RFC 9449 §4.3 checks of one proof, nonce and replay aside.
pub fn check_proof(proof: &str, expected: &Expected<'_>) -> Result<Proof, OAuthError> {
    let jws = split(proof, MAX_PROOF_LEN).ok_or_else(|| invalid("the DPoP proof is not a compact JWS"))?;
    let header = &jws.header;
    if header.get("typ").and_then(Value::as_str).is_none_or(|t| !t.eq_ignore_ascii_case(TYP)) {
        return Err(invalid(format!("the DPoP proof's typ must be {TYP}")));
    }
    let alg: SigningAlg =
        header.get("alg").and_then(Value::as_str).and_then(|a| a.parse().ok()).ok_or_else(|| {
            invalid(format!("the DPoP proof's alg must be one of {}", SigningAlg::words().join(", ")))
        })?;
    let jwk = public_jwk(header.get("jwk"))?;
    if !alg.fits(&jwk) {
        return Err(invalid("the DPoP proof's jwk does not fit its alg"));
    }
    let verified = alg
        .verifier_from_jwk(&jwk)
        .is_some_and(|v| v.verify(jws.signing_input.as_bytes(), &jws.signature).is_ok());
    if !verified {
        return Err(invalid("the DPoP proof's signature does not verify with its jwk"));
    }
    let claims =
        decode_object(jws.payload_b64).ok_or_else(|| invalid("the DPoP proof's payload is not JSON"))?;
    check_claims(&claims, expected)?;
    let text = |name: &str| claims.get(name).and_then(Value::as_str).map(str::to_string);
    Ok(Proof {
        jkt: thumbprint(&jwk)?,
        jti: text("jti").unwrap_or_default(),
        iat: numeric_date(&claims, "iat").ok().flatten().unwrap_or_default(),
        nonce: text("nonce"),
    })
}

/// §4.3 items 3, 8–11 on the payload.
fn check_claims(claims: &Map<String, Value>, expected: &Expected<'_>) -> Result<(), OAuthError> {
    let text = |name: &str| claims.get(name).and_then(Value::as_str);
    match text("jti") {
        Some(jti) if !jti.is_empty() && jti.len() <= MAX_JTI_LEN => {}
        _ => return Err(invalid("the DPoP proof needs a jti")),
    }
    if text("htm") != Some(expected.method) {
        return Err(invalid(format!("the DPoP proof's htm must be {}", expected.method)));
    }
    if !text("htu").is_some_and(|htu| same_uri(htu, expected.uri)) {
        return Err(invalid(format!("the DPoP proof's htu must be {}", expected.uri)));
    }
    let iat = numeric_date(claims, "iat")
        .ok()
        .flatten()
        .ok_or_else(|| invalid("the DPoP proof needs a numeric iat"))?;
    if iat < expected.now - PAST_WINDOW || iat > expected.now + LEEWAY {
        return Err(invalid("the DPoP proof's iat is outside the accepted window"));
    }
    if let Some(token) = expected.access_token
        && text("ath") != Some(sha256_b64url(token.as_bytes()).as_str())
    {
        return Err(invalid("the DPoP proof's ath is not the hash of the access token"));
    }
    Ok(())
}

/// §4.3 item 9: the URIs without query and fragment, after the syntax-based
/// normalization of RFC 3986 §6.2.2 and §6.2.3 (scheme and host case,
/// default port, empty path) that URL parsing does.
fn same_uri(htu: &str, endpoint: &str) -> bool {
    let bare = |raw: &str| {
        url::Url::parse(raw).ok().map(|mut u| {
            u.set_query(None);
            u.set_fragment(None);
            u
        })
    };
    matches!((bare(htu), bare(endpoint)), (Some(a), Some(b)) if a == b)
}

/// The header's `jwk` (§4.2): a JSON object that is a public key.
fn public_jwk(value: Option<&Value>) -> Result<Jwk, OAuthError> {
    let Some(Value::Object(map)) = value else {
        return Err(invalid("the DPoP proof needs a jwk header"));
    };
    if PRIVATE_MEMBERS.iter().any(|m| map.contains_key(*m)) {
        return Err(invalid("the DPoP proof's jwk must be a public key"));
    }
    Jwk::from_map(map.clone()).map_err(|_| invalid("the DPoP proof's jwk is not a JWK"))
}

/// RFC 7638 §3: the SHA-256 of the key's required members, in
/// lexicographic order, as compact JSON; base64url.
pub fn thumbprint(jwk: &Jwk) -> Result<String, OAuthError> {
    let required: &[&str] = match jwk.key_type() {
        "RSA" => &["e", "kty", "n"],
        "EC" => &["crv", "kty", "x", "y"],
        "OKP" => &["crv", "kty", "x"],
        _ => return Err(invalid("unsupported key type in the DPoP proof's jwk")),
    };
    let mut members = Map::new();
    for name in required {
        let value = jwk
            .parameter(name)
            .and_then(Value::as_str)
            .ok_or_else(|| invalid(format!("the DPoP proof's jwk lacks {name}")))?;
        members.insert((*name).to_string(), Value::String(value.to_string()));
    }
    // Inserted in lexicographic order (the order RFC 7638 §3.3 asks for,
    // whether or not serde_json keeps insertion order), no whitespace.
    let input = Value::Object(members).to_string();
    Ok(b64url(&openssl::sha::sha256(input.as_bytes())))
}

#[cfg(test)]
mod tests;
