//! Subject identifiers (OpenID Connect Core §8): `public`, the user's id
//! at every client, or `pairwise` (§8.1), a different `sub` per sector so
//! that clients of different owners cannot correlate their users.
//!
//! A pairwise `sub` is the user's UUID encrypted as one AES-256 block under
//! a key derived for the sector (HMAC-SHA256 of the sector under a key
//! derived from the KEK): the method §8.1 lists second (the sector and the
//! account id, encrypted with a key the OP keeps secret). Nothing is
//! stored, every instance computes the same value, only the OP can reverse
//! it, and it is the same in ID tokens, UserInfo, access tokens,
//! introspection and logout tokens of the client, as Keycloak's pairwise
//! mapper does, so a client reading its own JWT access token learns nothing
//! more than its ID token says.

use std::borrow::Cow;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use openssl::symm::{Cipher, Crypter, Mode};
use url::Url;

use crate::crypto::b64url;
use crate::protocol::client_assertion::is_acceptable_jwks_uri;
use crate::protocol::vocabulary::SubjectType;
use crate::protocol::{ClientRecord, OAuthError};

/// Largest sector identifier document read (OIDC Registration §5).
pub const MAX_SECTOR_DOCUMENT_BYTES: usize = 64 * 1024;

/// The `sub` rule of one client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SubjectPolicy {
    Public,
    /// §8.1: the sector identifier is a host name.
    Pairwise {
        sector: String,
    },
}

impl SubjectPolicy {
    /// The rule of `client`; its sector was checked when it was registered.
    pub fn of(client: &ClientRecord) -> Result<SubjectPolicy, OAuthError> {
        match client.subject_type {
            SubjectType::Public => Ok(SubjectPolicy::Public),
            SubjectType::Pairwise => {
                sector_identifier(&client.redirect_uris, client.sector_identifier_uri.as_deref())
                    .map(|sector| SubjectPolicy::Pairwise { sector })
                    .map_err(OAuthError::server_error)
            }
        }
    }
}

/// The sector identifier (§8.1): the host of `sector_identifier_uri` when
/// one is registered, otherwise the one host of the redirect URIs. A
/// client whose redirect URIs have several hosts, or none (private-use
/// schemes, no browser flow), must register a `sector_identifier_uri`.
pub fn sector_identifier(
    redirect_uris: &[String],
    sector_identifier_uri: Option<&str>,
) -> Result<String, String> {
    if let Some(uri) = sector_identifier_uri {
        return host_of(uri).ok_or_else(|| format!("sector_identifier_uri {uri:?} has no host"));
    }
    let mut hosts = redirect_uris.iter().map(|uri| host_of(uri));
    let need_uri = "register a sector_identifier_uri (OpenID Connect Core §8.1)";
    match hosts.next() {
        None => Err(format!("a pairwise client without redirect URIs must {need_uri}")),
        Some(None) => Err(format!("redirect URIs without a host name need a sector: {need_uri}")),
        Some(Some(first)) => {
            if hosts.all(|host| host.as_deref() == Some(first.as_str())) {
                Ok(first)
            } else {
                Err(format!("redirect URIs on several hosts need a sector: {need_uri}"))
            }
        }
    }
}

fn host_of(uri: &str) -> Option<String> {
    let url = Url::parse(uri).ok()?;
    match url.scheme() {
        "https" | "http" => url.host_str().filter(|h| !h.is_empty()).map(str::to_ascii_lowercase),
        _ => None,
    }
}

/// `sector_identifier_uri` (OIDC Registration §2): an https URL (http on a
/// loopback address, as for `jwks_uri`) without credentials or fragment.
pub fn validate_sector_identifier_uri(raw: &str) -> Result<(), String> {
    let bad = |why: &str| format!("sector_identifier_uri {raw:?} {why}");
    let url = Url::parse(raw).map_err(|_| bad("is not an absolute URL"))?;
    if !is_acceptable_jwks_uri(raw) || url.host_str().is_none_or(str::is_empty) {
        return Err(bad("must be an https URL (http only on a loopback address)"));
    }
    if !url.username().is_empty() || url.password().is_some() || url.fragment().is_some() {
        return Err(bad("must not contain credentials or a fragment"));
    }
    if raw.len() > 2048 || raw.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(bad("must be at most 2048 characters without whitespace"));
    }
    Ok(())
}

/// OIDC Registration §5: the document at `sector_identifier_uri` is "a
/// single JSON array of redirect_uri values", and every registered
/// redirect URI must be one of them.
pub fn check_sector_document(body: &[u8], redirect_uris: &[String]) -> Result<(), String> {
    let listed: Vec<String> = serde_json::from_slice(body)
        .map_err(|_| "the sector_identifier_uri document is not a JSON array of strings".to_string())?;
    match redirect_uris.iter().find(|uri| !listed.contains(uri)) {
        None => Ok(()),
        Some(missing) => {
            Err(format!("redirect URI {missing:?} is not in the sector_identifier_uri document"))
        }
    }
}

/// Computes and reverses pairwise subjects; `None` where the operator
/// switched pairwise subjects off, which refuses pairwise clients rather
/// than give them the users' public ids.
pub struct Subjects {
    pairwise: Option<[u8; 32]>,
}

impl Subjects {
    /// `key` from `Kek::derive`: every instance sharing the KEK computes
    /// the same subjects, and they change only with the KEK.
    pub fn new(key: Option<[u8; 32]>) -> Subjects {
        Subjects { pairwise: key }
    }

    pub fn pairwise_enabled(&self) -> bool {
        self.pairwise.is_some()
    }

    /// The `sub` of `user_id` for a client with `policy`.
    pub fn subject<'a>(&self, policy: &SubjectPolicy, user_id: &'a str) -> Result<Cow<'a, str>, OAuthError> {
        let SubjectPolicy::Pairwise { sector } = policy else { return Ok(Cow::Borrowed(user_id)) };
        let key = self.sector_key(sector)?;
        let id = uuid::Uuid::parse_str(user_id)
            .map_err(|_| OAuthError::server_error("the user id is not a UUID"))?;
        let block = aes_block(Mode::Encrypt, &key, id.as_bytes())?;
        Ok(Cow::Owned(b64url(&block)))
    }

    /// The user's `sub` at `client`.
    pub fn subject_at<'a>(
        &self,
        client: &ClientRecord,
        user_id: &'a str,
    ) -> Result<Cow<'a, str>, OAuthError> {
        self.subject(&SubjectPolicy::of(client)?, user_id)
    }

    /// The user id behind `sub` for a client with `policy`; `None` when
    /// `sub` is not one of ours (or pairwise subjects are switched off).
    pub fn user_id<'a>(&self, policy: &SubjectPolicy, sub: &'a str) -> Option<Cow<'a, str>> {
        let SubjectPolicy::Pairwise { sector } = policy else { return Some(Cow::Borrowed(sub)) };
        let key = self.sector_key(sector).ok()?;
        let block = URL_SAFE_NO_PAD.decode(sub).ok()?;
        let block: [u8; 16] = block.try_into().ok()?;
        let plain = aes_block(Mode::Decrypt, &key, &block).ok()?;
        let id = uuid::Uuid::from_slice(&plain).ok()?;
        Some(Cow::Owned(id.to_string()))
    }

    fn sector_key(&self, sector: &str) -> Result<[u8; 32], OAuthError> {
        let root = self.pairwise.ok_or_else(|| {
            OAuthError::unauthorized_client("pairwise subject identifiers are switched off")
        })?;
        let mac = openssl::pkey::PKey::hmac(&root)
            .and_then(|pkey| {
                let mut signer = openssl::sign::Signer::new(openssl::hash::MessageDigest::sha256(), &pkey)?;
                signer.update(sector.as_bytes())?;
                signer.sign_to_vec()
            })
            .map_err(|e| OAuthError::server_error(format!("pairwise key: {e}")))?;
        mac.try_into().map_err(|_| OAuthError::server_error("pairwise key is not 32 bytes"))
    }
}

/// One AES-256 block (a pseudo-random permutation of 128-bit values): a
/// UUID is exactly one block, so no mode, padding or nonce is involved.
fn aes_block(mode: Mode, key: &[u8; 32], block: &[u8]) -> Result<[u8; 16], OAuthError> {
    let fail = |e: openssl::error::ErrorStack| OAuthError::server_error(format!("pairwise subject: {e}"));
    let mut crypter = Crypter::new(Cipher::aes_256_ecb(), mode, key, None).map_err(fail)?;
    crypter.pad(false);
    let mut out = [0u8; 32];
    let mut n = crypter.update(block, &mut out).map_err(fail)?;
    n += crypter.finalize(&mut out[n..]).map_err(fail)?;
    out[..n].try_into().map_err(|_| OAuthError::server_error("pairwise subject is not one block"))
}

#[cfg(test)]
#[path = "subjects_tests.rs"]
mod tests;
