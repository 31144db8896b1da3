//! The server's signing keys: a set of published keys, each pinned to one
//! algorithm and verifier, plus one active signer.
//!
//! Today the set holds a single RS256 key (RFC 7518 §3.3; the algorithm every
//! OpenID Provider must support, OpenID Connect Core §15.1). Rotation
//! (next/active/retired) later only adds entries to `keys`: tokens are
//! verified against the key their `kid` names, with that key's algorithm,
//! never the algorithm the header asks for (RFC 8725 §3.1).
//!
//! The private key is parsed and the josekit signer and verifiers are built
//! once, here; signing then costs one RSA operation plus base64url.

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use josekit::jwk::KeyPair;
use josekit::jws::{JwsSigner, JwsVerifier, RS256};
use openssl::pkey::PKey;
use serde_json::{Map, Value};

use super::jwks::{PublicRsaJwk, jwks_document, rfc7638_thumbprint};
pub use super::verify::VerifyError;

/// Smallest RSA modulus we accept (RFC 7518 §3.3 requires 2048 bits).
pub(super) const MIN_RSA_BITS: u32 = 2048;

/// Startup and signing failures. Messages never contain key material.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// Reading or writing the key file or directory.
    #[error("signing key storage: {0}")]
    Io(#[from] std::io::Error),
    /// The PEM is not a usable RSA private key (format, size, consistency).
    #[error("invalid signing key: {0}")]
    InvalidKey(String),
    /// OpenSSL or josekit failed while generating a key or signing.
    #[error("signing failed: {0}")]
    Crypto(String),
}

impl From<openssl::error::ErrorStack> for KeyError {
    fn from(e: openssl::error::ErrorStack) -> Self {
        KeyError::Crypto(e.to_string())
    }
}

impl From<josekit::JoseError> for KeyError {
    fn from(e: josekit::JoseError) -> Self {
        KeyError::Crypto(e.to_string())
    }
}

/// One key of the published set: what verification needs.
pub(super) struct PublishedKey {
    pub(super) kid: String,
    pub(super) alg: &'static str,
    pub(super) verifier: Box<dyn JwsVerifier>,
}

/// The key new tokens are signed with.
struct ActiveSigner {
    kid: String,
    alg: &'static str,
    signer: Box<dyn JwsSigner>,
}

/// The server's signing keys. Today: one RS256 key kept as a PKCS#8 PEM
/// file; later issues move keys into the database with rotation
/// (next/active/retired), so the internal shape is "set of published keys +
/// one active signer".
pub struct Keyring {
    keys: Vec<PublishedKey>,
    active: ActiveSigner,
    jwks_json: String,
}

// Shared by every request through web::Data, so it must stay thread-safe
// (josekit's JwsSigner/JwsVerifier traits require Send + Sync).
const _: fn() = || {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Keyring>();
};

impl fmt::Debug for Keyring {
    // Key ids only: never the private key (josekit's own Debug is not relied on).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kids: Vec<&str> = self.keys.iter().map(|k| k.kid.as_str()).collect();
        f.debug_struct("Keyring")
            .field("active_kid", &self.active.kid)
            .field("algorithm", &self.active.alg)
            .field("kids", &kids)
            .finish_non_exhaustive()
    }
}

impl Keyring {
    /// Builds from a PEM private key (PKCS#8 or PKCS#1 RSA). For tests and
    /// later BYOK. Rejects keys under 2048 bits and inconsistent RSA keys.
    pub fn from_pem(pem: &[u8]) -> Result<Keyring, KeyError> {
        // josekit parses the PEM itself (no OpenSSL passphrase prompt on a
        // TTY for encrypted keys) and enforces the 2048-bit minimum.
        let pair = RS256.key_pair_from_pem(pem).map_err(|e| KeyError::InvalidKey(e.to_string()))?;
        let der = pair.to_der_private_key();

        let rsa = PKey::private_key_from_der(&der)
            .and_then(|k| k.rsa())
            .map_err(|e| KeyError::InvalidKey(e.to_string()))?;
        if !rsa.check_key().unwrap_or(false) {
            return Err(KeyError::InvalidKey("RSA key fails consistency check".into()));
        }
        let n = URL_SAFE_NO_PAD.encode(rsa.n().to_vec());
        let e = URL_SAFE_NO_PAD.encode(rsa.e().to_vec());
        let kid = rfc7638_thumbprint(&n, &e);
        let alg = "RS256";

        let signer = RS256.signer_from_der(&der)?;
        let verifier = RS256.verifier_from_der(pair.to_der_public_key())?;

        let jwks_json = jwks_document(&[PublicRsaJwk { kid: kid.clone(), alg, n, e }]);
        Ok(Keyring {
            keys: vec![PublishedKey { kid: kid.clone(), alg, verifier: Box::new(verifier) }],
            active: ActiveSigner { kid, alg, signer: Box::new(signer) },
            jwks_json,
        })
    }

    /// `kid` of the signing key: its RFC 7638 SHA-256 thumbprint, base64url.
    pub fn active_kid(&self) -> &str {
        &self.active.kid
    }

    /// JWS `alg` of the signing key (RFC 7518 §3.1): "RS256".
    pub fn algorithm(&self) -> &'static str {
        self.active.alg
    }

    /// Pre-serialised `{"keys":[…]}` built once at construction: public
    /// members only (kty, n, e, kid, use:"sig", alg). Never d/p/q/dp/dq/qi.
    pub fn jwks_json(&self) -> &str {
        &self.jwks_json
    }

    /// Signs a JWT (RFC 7519 §7.1, compact JWS RFC 7515 §7.1) with the active
    /// key: protected header {"alg":"RS256","typ":typ,"kid":active_kid};
    /// claims serialised as given.
    pub fn sign(&self, typ: &str, claims: &Map<String, Value>) -> Result<String, KeyError> {
        // alg and kid are fixed ASCII (base64url kid); only typ needs escaping.
        let header = format!(
            r#"{{"alg":"{}","typ":{},"kid":"{}"}}"#,
            self.active.alg,
            Value::from(typ),
            self.active.kid
        );
        let claims =
            serde_json::to_vec(claims).map_err(|e| KeyError::Crypto(format!("serialising claims: {e}")))?;

        let mut token = String::with_capacity((header.len() + claims.len()) * 4 / 3 + 350);
        URL_SAFE_NO_PAD.encode_string(header.as_bytes(), &mut token);
        token.push('.');
        URL_SAFE_NO_PAD.encode_string(&claims, &mut token);
        let signature = self.active.signer.sign(token.as_bytes())?;
        token.push('.');
        URL_SAFE_NO_PAD.encode_string(signature, &mut token);
        Ok(token)
    }

    /// The published key named `kid`, if any.
    pub(super) fn published_key(&self, kid: &str) -> Option<&PublishedKey> {
        self.keys.iter().find(|k| k.kid == kid)
    }
}
