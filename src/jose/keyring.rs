//! The server's signing keys in memory: every published key (next, active
//! and retired, of every algorithm) pinned to one algorithm and verifier,
//! plus one active signer per algorithm. Tokens are verified against the key
//! their `kid` names, with that key's algorithm, never the algorithm the
//! header asks for (RFC 8725 §3.1). RS256 (RFC 7518 §3.3; the algorithm
//! every OpenID Provider must support, OpenID Connect Core §15.1) is the
//! default signer; PS256, ES256 and EdDSA (RFC 8037) serve clients that ask.
//!
//! Keys are parsed and signers and verifiers built once, when the key set
//! changes; signing then costs one private-key operation plus base64url. The
//! lifecycle itself (which keys exist, in which state) is `keystore`'s.

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use bytes::Bytes;
use josekit::jwk::{Jwk, JwkSet, KeyPair};
use josekit::jws::{ES256, EdDSA, JwsSigner, JwsVerifier, RS256};
use openssl::pkey::PKey;
use serde_json::{Map, Value};

use super::SigningAlg;
use super::jwks::{jwk_thumbprint, rfc7638_thumbprint};
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
    /// The key-encryption key is missing, malformed or not the right one.
    #[error("key-encryption key: {0}")]
    Kek(String),
    /// The stored key set is unusable (e.g. no active key).
    #[error("signing key set: {0}")]
    KeySet(String),
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
    pub(super) alg: SigningAlg,
    pub(super) verifier: Box<dyn JwsVerifier>,
}

/// The key new tokens are signed with.
struct ActiveSigner {
    kid: String,
    alg: SigningAlg,
    signer: Box<dyn JwsSigner>,
}

/// The published keys and the active signers built from the stored key set.
pub struct Keyring {
    keys: Vec<PublishedKey>,
    /// One active signer per algorithm; the first is the default.
    signers: Vec<ActiveSigner>,
    /// Shared with every response: serving it copies nothing.
    jwks_json: Bytes,
    /// Strong validator of `jwks_json` (RFC 9110 §8.8.3), quoted.
    etag: String,
}

/// One parsed RSA private key.
struct ParsedKey {
    kid: String,
    der: Vec<u8>,
    public_der: Vec<u8>,
}

/// How much to trust a PEM being parsed.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Origin {
    /// Given to us (import, BYOK, tests): every check.
    Outside,
    /// Our own sealed key store: checked when it entered the store, and
    /// AES-GCM authenticates it since. Skips the RSA consistency check,
    /// which tests p and q for primality (~45 ms per 2048-bit key).
    Sealed,
}

fn parse_rsa_pem(pem: &[u8], origin: Origin) -> Result<ParsedKey, KeyError> {
    // josekit parses the PEM itself (no OpenSSL passphrase prompt on a TTY
    // for encrypted keys) and enforces the 2048-bit minimum.
    let pair = RS256.key_pair_from_pem(pem).map_err(|e| KeyError::InvalidKey(e.to_string()))?;
    let der = pair.to_der_private_key();
    let rsa = PKey::private_key_from_der(&der)
        .and_then(|k| k.rsa())
        .map_err(|e| KeyError::InvalidKey(e.to_string()))?;
    if origin == Origin::Outside && !rsa.check_key().unwrap_or(false) {
        return Err(KeyError::InvalidKey("RSA key fails consistency check".into()));
    }
    let n = URL_SAFE_NO_PAD.encode(rsa.n().to_vec());
    let e = URL_SAFE_NO_PAD.encode(rsa.e().to_vec());
    Ok(ParsedKey { kid: rfc7638_thumbprint(&n, &e), der, public_der: pair.to_der_public_key() })
}

/// A key of any supported algorithm, parsed once: its public JWK (with
/// `kid`, `use`, `alg`), signer and verifier.
struct AnyKey {
    alg: SigningAlg,
    kid: String,
    jwk: Jwk,
    signer: Box<dyn JwsSigner>,
    verifier: Box<dyn JwsVerifier>,
}

fn parse_key(alg: SigningAlg, pem: &[u8], origin: Origin) -> Result<AnyKey, KeyError> {
    let invalid = |e: josekit::JoseError| KeyError::InvalidKey(e.to_string());
    let (mut jwk, signer, verifier): (Jwk, Box<dyn JwsSigner>, Box<dyn JwsVerifier>) = match alg {
        SigningAlg::Rs256 => {
            let rsa = parse_rsa_pem(pem, origin)?;
            let jwk = RS256.key_pair_from_pem(pem).map_err(invalid)?.to_jwk_public_key();
            (
                jwk,
                Box::new(RS256.signer_from_der(&rsa.der)?),
                Box::new(RS256.verifier_from_der(&rsa.public_der)?),
            )
        }
        SigningAlg::Ps256 => {
            let rsa = parse_rsa_pem(pem, origin)?;
            let jwk = RS256.key_pair_from_pem(pem).map_err(invalid)?.to_jwk_public_key();
            let key =
                PKey::private_key_from_der(&rsa.der).map_err(|e| KeyError::InvalidKey(e.to_string()))?;
            let (signer, verifier) = super::pss::Ps256Signer::new(key)?;
            (jwk, Box::new(signer), Box::new(verifier))
        }
        SigningAlg::Es256 => {
            let jwk = ES256.key_pair_from_pem(pem).map_err(invalid)?.to_jwk_public_key();
            (
                jwk.clone(),
                Box::new(ES256.signer_from_pem(pem).map_err(invalid)?),
                Box::new(ES256.verifier_from_jwk(&jwk)?),
            )
        }
        SigningAlg::EdDsa => {
            let jwk = EdDSA.key_pair_from_pem(pem).map_err(invalid)?.to_jwk_public_key();
            if jwk.parameter("crv").and_then(Value::as_str) != Some("Ed25519") {
                return Err(KeyError::InvalidKey("EdDSA keys must be Ed25519".into()));
            }
            (
                jwk.clone(),
                Box::new(EdDSA.signer_from_pem(pem).map_err(invalid)?),
                Box::new(EdDSA.verifier_from_jwk(&jwk)?),
            )
        }
    };
    let kid = jwk_thumbprint(&jwk)?;
    jwk.set_key_id(&kid);
    jwk.set_key_use("sig");
    jwk.set_algorithm(alg.as_str());
    Ok(AnyKey { alg, kid, jwk, signer, verifier })
}

/// A new private key for `alg` as PKCS#8 PEM.
pub fn generate_pem(alg: SigningAlg, rsa_bits: u32) -> Result<Vec<u8>, KeyError> {
    match alg {
        SigningAlg::Rs256 | SigningAlg::Ps256 => generate_rsa_pem(rsa_bits),
        SigningAlg::Es256 => Ok(ES256.generate_key_pair()?.to_pem_private_key()),
        SigningAlg::EdDsa => {
            Ok(EdDSA.generate_key_pair(josekit::jwk::alg::ed::EdCurve::Ed25519)?.to_pem_private_key())
        }
    }
}

/// The `kid` (RFC 7638 thumbprint) of a PEM private key for `alg`.
pub fn kid_of(alg: SigningAlg, pem: &[u8]) -> Result<String, KeyError> {
    Ok(parse_key(alg, pem, Origin::Outside)?.kid)
}

/// A new RSA private key as PKCS#8 PEM.
pub fn generate_rsa_pem(bits: u32) -> Result<Vec<u8>, KeyError> {
    if bits < MIN_RSA_BITS {
        return Err(KeyError::InvalidKey(format!("RSA keys need at least {MIN_RSA_BITS} bits, got {bits}")));
    }
    Ok(PKey::from_rsa(openssl::rsa::Rsa::generate(bits)?)?.private_key_to_pem_pkcs8()?)
}

/// The `kid` (RFC 7638 thumbprint) of a PEM private key, validating it.
pub fn kid_of_pem(pem: &[u8]) -> Result<String, KeyError> {
    Ok(parse_rsa_pem(pem, Origin::Outside)?.kid)
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
            .field("active_kid", &self.signers[0].kid)
            .field("algorithms", &self.algorithms())
            .field("kids", &kids)
            .finish_non_exhaustive()
    }
}

impl Keyring {
    /// Builds from a PEM private key (PKCS#8 or PKCS#1 RSA). For tests and
    /// BYOK. Rejects keys under 2048 bits and inconsistent RSA keys.
    pub fn from_pem(pem: &[u8]) -> Result<Keyring, KeyError> {
        Keyring::from_pems(pem, &[])
    }

    /// RS256: the active key signs; it and every key of `published` (next
    /// and retired keys) verify and appear in the JWKS, in that order.
    pub fn from_pems(active_pem: &[u8], published: &[Vec<u8>]) -> Result<Keyring, KeyError> {
        let mut keys = vec![(SigningAlg::Rs256, true, active_pem.to_vec())];
        keys.extend(published.iter().map(|pem| (SigningAlg::Rs256, false, pem.clone())));
        Keyring::from_keys(&keys)
    }

    /// `(alg, active, pem)` for every key to publish; exactly one active key
    /// per algorithm signs. The default algorithm is RS256 if present.
    pub fn from_keys(keys: &[(SigningAlg, bool, Vec<u8>)]) -> Result<Keyring, KeyError> {
        Keyring::build(keys, Origin::Outside)
    }

    /// [`from_keys`](Self::from_keys) for keys opened from the sealed key
    /// store, which were checked when they were generated or imported.
    pub fn from_sealed_keys(keys: &[(SigningAlg, bool, Vec<u8>)]) -> Result<Keyring, KeyError> {
        Keyring::build(keys, Origin::Sealed)
    }

    fn build(keys: &[(SigningAlg, bool, Vec<u8>)], origin: Origin) -> Result<Keyring, KeyError> {
        let mut parsed: Vec<(bool, AnyKey)> = Vec::new();
        for (alg, active, pem) in keys {
            let key = parse_key(*alg, pem, origin)?;
            if !parsed.iter().any(|(_, k)| k.kid == key.kid) {
                parsed.push((*active, key));
            }
        }
        // Active keys first, in SigningAlg::ALL order, so the default leads.
        parsed.sort_by_key(|(active, k)| (!*active, k.alg));
        let mut set = JwkSet::new();
        let (mut published, mut signers) = (Vec::new(), Vec::new());
        for (active, key) in parsed {
            if active {
                if signers.iter().any(|s: &ActiveSigner| s.alg == key.alg) {
                    return Err(KeyError::KeySet(format!("two active {} keys", key.alg)));
                }
                signers.push(ActiveSigner { kid: key.kid.clone(), alg: key.alg, signer: key.signer });
            }
            set.push_key(key.jwk);
            published.push(PublishedKey { kid: key.kid, alg: key.alg, verifier: key.verifier });
        }
        if signers.is_empty() {
            return Err(KeyError::KeySet("no active signing key".into()));
        }
        let jwks_json = Bytes::from(set.to_string());
        let etag = format!("\"{}\"", crate::crypto::sha256_b64url(&jwks_json));
        Ok(Keyring { keys: published, signers, jwks_json, etag })
    }

    /// The same keys, with `jwk` (a public key for encryption to us,
    /// `"use":"enc"`) published after them in the JWKS.
    pub fn publishing(mut self, jwk: &Jwk) -> Result<Keyring, KeyError> {
        let mut set = JwkSet::from_bytes(&self.jwks_json).map_err(|e| KeyError::Crypto(e.to_string()))?;
        set.push_key(jwk.clone());
        self.jwks_json = Bytes::from(set.to_string());
        self.etag = format!("\"{}\"", crate::crypto::sha256_b64url(&self.jwks_json));
        Ok(self)
    }

    /// Algorithms with an active key, the default first.
    pub fn algorithms(&self) -> Vec<SigningAlg> {
        self.signers.iter().map(|s| s.alg).collect()
    }

    /// Every published `kid`, the active one first.
    pub fn kids(&self) -> Vec<&str> {
        self.keys.iter().map(|k| k.kid.as_str()).collect()
    }

    /// Strong `ETag` of the JWKS document.
    pub fn jwks_etag(&self) -> &str {
        &self.etag
    }

    /// `kid` of the signing key: its RFC 7638 SHA-256 thumbprint, base64url.
    pub fn active_kid(&self) -> &str {
        &self.signers[0].kid
    }

    /// JWS `alg` of the default signing key (RFC 7518 §3.1): RS256.
    pub fn algorithm(&self) -> SigningAlg {
        self.signers[0].alg
    }

    /// Pre-serialised `{"keys":[…]}` built once at construction: public
    /// members only (kty, n, e, kid, use:"sig", alg). Never d/p/q/dp/dq/qi.
    pub fn jwks_json(&self) -> &str {
        // Built from a String.
        std::str::from_utf8(&self.jwks_json).unwrap_or_default()
    }

    /// [`jwks_json`](Self::jwks_json) as a cheaply cloned buffer.
    pub fn jwks_bytes(&self) -> Bytes {
        self.jwks_json.clone()
    }

    /// Signs a JWT (RFC 7519 §7.1, compact JWS RFC 7515 §7.1) with the active
    /// key: protected header {"alg":"RS256","typ":typ,"kid":active_kid};
    /// claims serialised as given.
    pub fn sign(&self, typ: &str, claims: &Map<String, Value>) -> Result<String, KeyError> {
        self.sign_with(self.algorithm(), typ, claims)
    }

    /// Signs with the active key of `alg` (a client's
    /// `id_token_signed_response_alg`); an error if `alg` has no active key.
    pub fn sign_with(
        &self,
        alg: SigningAlg,
        typ: &str,
        claims: &Map<String, Value>,
    ) -> Result<String, KeyError> {
        let active = self
            .signers
            .iter()
            .find(|s| s.alg == alg)
            .ok_or_else(|| KeyError::KeySet(format!("no active {alg} signing key")))?;
        // alg and kid are fixed ASCII (base64url kid); only typ needs escaping.
        let header =
            format!(r#"{{"alg":"{}","typ":{},"kid":"{}"}}"#, active.alg, Value::from(typ), active.kid);
        let claims =
            serde_json::to_vec(claims).map_err(|e| KeyError::Crypto(format!("serialising claims: {e}")))?;

        let mut token = String::with_capacity((header.len() + claims.len()) * 4 / 3 + 350);
        URL_SAFE_NO_PAD.encode_string(header.as_bytes(), &mut token);
        token.push('.');
        URL_SAFE_NO_PAD.encode_string(&claims, &mut token);
        let signature = active.signer.sign(token.as_bytes())?;
        token.push('.');
        URL_SAFE_NO_PAD.encode_string(signature, &mut token);
        Ok(token)
    }

    /// The published key named `kid`, if any.
    pub(super) fn published_key(&self, kid: &str) -> Option<&PublishedKey> {
        self.keys.iter().find(|k| k.kid == kid)
    }
}
