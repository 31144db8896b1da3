//! The two public documents relying parties fetch: provider metadata
//! (OpenID Connect Discovery §4), serialised once at start, and the JWK Set
//! (RFC 7517 §5) of the current keyring with its strong validator.

use std::sync::Arc;

use bytes::Bytes;

use crate::jose::{KeyringHandle, SigningAlg};
use crate::protocol::discovery::{self, Features};

pub struct Metadata {
    discovery: Bytes,
    keyring: Arc<KeyringHandle>,
    jwks_max_age: u64,
}

/// The JWK Set as served.
pub struct Jwks {
    pub body: Bytes,
    /// Strong `ETag` (quoted).
    pub etag: String,
    /// `Cache-Control: max-age`: the JWKS cache lifetime key rotation waits out.
    pub max_age: u64,
}

impl Metadata {
    /// `signing_algs`: the algorithms ID tokens may be signed with.
    pub fn new(
        issuer: &str,
        signing_algs: &[SigningAlg],
        features: Features,
        keyring: Arc<KeyringHandle>,
        jwks_max_age: u64,
    ) -> Metadata {
        let discovery = Bytes::from(discovery::metadata(issuer, signing_algs, features).to_string());
        Metadata { discovery, keyring, jwks_max_age }
    }

    pub fn discovery(&self) -> Bytes {
        self.discovery.clone()
    }

    pub fn jwks(&self) -> Jwks {
        let keyring = self.keyring.current();
        Jwks { body: keyring.jwks_bytes(), etag: keyring.jwks_etag().to_string(), max_age: self.jwks_max_age }
    }
}
