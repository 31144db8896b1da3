//! Encrypting to a client's public key (JWE, RFC 7516; algorithms of RFC
//! 7518 §4 and §5): what an encrypted ID token or UserInfo response needs
//! (OpenID Connect Core §10.2). The plaintext is our signed JWT, so the
//! result is a nested JWT (RFC 7519 §5.2: `cty` `JWT`), signed then
//! encrypted, never the other way round.
//!
//! Only key management that needs nothing but the recipient's public key
//! is offered: RSA-OAEP-256 (never RSA1_5, RFC 8725 §3.2) and ECDH-ES, direct
//! or with A256KW; content encryption A256GCM or A128CBC-HS256 (the one
//! every OP must support, Core §15.1 lists it for encrypted responses).

use josekit::jwe::{ECDH_ES, ECDH_ES_A256KW, JweEncrypter, JweHeader, RSA_OAEP_256};
use josekit::jwk::{Jwk, JwkSet};

use super::keyring::KeyError;
use crate::vocabulary::vocabulary;

vocabulary! {
    /// JWE key management (`alg`, RFC 7518 §4.1) to a client's key.
    pub enum KeyManagementAlg("key management algorithm") {
        RsaOaep256 => "RSA-OAEP-256",
        EcdhEs => "ECDH-ES",
        EcdhEsA256kw => "ECDH-ES+A256KW",
    }
}

vocabulary! {
    /// JWE content encryption (`enc`, RFC 7518 §5.1).
    pub enum ContentEncryption("content encryption algorithm") {
        A128CbcHs256 => "A128CBC-HS256",
        A256Gcm => "A256GCM",
    }
}

impl KeyManagementAlg {
    /// Whether `jwk` can receive with this algorithm: RSA (2048 bits or
    /// more, josekit's floor) for RSA-OAEP-256; EC P-256/P-384/P-521 or
    /// X25519 for ECDH-ES; not a key meant for signatures only (`use`,
    /// `key_ops`, RFC 7517 §4.2–4.3) nor one pinned to another `alg`.
    pub fn fits(self, jwk: &Jwk) -> bool {
        let kind = match self {
            KeyManagementAlg::RsaOaep256 => jwk.key_type() == "RSA",
            KeyManagementAlg::EcdhEs | KeyManagementAlg::EcdhEsA256kw => {
                (jwk.key_type() == "EC" && matches!(jwk.curve(), Some("P-256" | "P-384" | "P-521")))
                    || (jwk.key_type() == "OKP" && jwk.curve() == Some("X25519"))
            }
        };
        kind && jwk.algorithm().is_none_or(|a| a == self.as_str())
            && jwk.key_use().is_none_or(|u| u == "enc")
            && (jwk.is_for_key_operation("encrypt")
                || jwk.is_for_key_operation("wrapKey")
                || jwk.is_for_key_operation("deriveKey"))
            && self.encrypter(jwk).is_ok()
    }

    fn encrypter(self, jwk: &Jwk) -> Result<Box<dyn JweEncrypter>, KeyError> {
        let made: Result<Box<dyn JweEncrypter>, _> = match self {
            KeyManagementAlg::RsaOaep256 => RSA_OAEP_256.encrypter_from_jwk(jwk).map(|e| Box::new(e) as _),
            KeyManagementAlg::EcdhEs => ECDH_ES.encrypter_from_jwk(jwk).map(|e| Box::new(e) as _),
            KeyManagementAlg::EcdhEsA256kw => {
                ECDH_ES_A256KW.encrypter_from_jwk(jwk).map(|e| Box::new(e) as _)
            }
        };
        made.map_err(|e| KeyError::InvalidKey(format!("{self} cannot encrypt to this key: {e}")))
    }
}

/// How a client wants a response encrypted: the `*_encrypted_response_alg`
/// and `*_encrypted_response_enc` pair of OpenID Connect Dynamic Client
/// Registration §2.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Encryption {
    pub alg: KeyManagementAlg,
    pub enc: ContentEncryption,
}

impl Encryption {
    /// The pair as registered: `enc` without `alg` is an error; `alg`
    /// without `enc` means A128CBC-HS256 (Registration §2). Errors name the
    /// metadata member by its `prefix` (`id_token`, `userinfo`).
    pub fn parse(prefix: &str, alg: Option<&str>, enc: Option<&str>) -> Result<Option<Encryption>, String> {
        let Some(alg) = alg else {
            return match enc {
                Some(_) => {
                    Err(format!("{prefix}_encrypted_response_enc needs {prefix}_encrypted_response_alg"))
                }
                None => Ok(None),
            };
        };
        let alg =
            alg.parse::<KeyManagementAlg>().map_err(|e| format!("{prefix}_encrypted_response_alg: {e}"))?;
        let enc = match enc {
            Some(enc) => enc
                .parse::<ContentEncryption>()
                .map_err(|e| format!("{prefix}_encrypted_response_enc: {e}"))?,
            None => ContentEncryption::A128CbcHs256,
        };
        Ok(Some(Encryption { alg, enc }))
    }

    /// The first key of `set` this can encrypt to ([`encryption_key`]).
    pub fn key_in(self, set: &JwkSet) -> Option<&Jwk> {
        encryption_key(set, self.alg)
    }
}

/// The first key of `set` that can receive with `alg` ([`KeyManagementAlg::fits`]).
pub fn encryption_key(set: &JwkSet, alg: KeyManagementAlg) -> Option<&Jwk> {
    set.keys().into_iter().find(|jwk| alg.fits(jwk))
}

/// `jwt` (a JWS we signed) encrypted to `recipient`: compact JWE with
/// `alg`, `enc`, `cty: JWT` and the recipient's `kid` when it has one, so
/// the client knows which of its keys to decrypt with.
pub fn encrypt_nested(
    jwt: &str,
    recipient: &Jwk,
    alg: KeyManagementAlg,
    enc: ContentEncryption,
) -> Result<String, KeyError> {
    encrypt(jwt.as_bytes(), Some("JWT"), recipient, alg, enc)
}

/// JSON `claims` encrypted to `recipient` without a signature: a UserInfo
/// response that is encrypted only (OIDC Core §5.3.2), no `cty`.
pub fn encrypt_json(
    claims: &str,
    recipient: &Jwk,
    alg: KeyManagementAlg,
    enc: ContentEncryption,
) -> Result<String, KeyError> {
    encrypt(claims.as_bytes(), None, recipient, alg, enc)
}

fn encrypt(
    plaintext: &[u8],
    content_type: Option<&str>,
    recipient: &Jwk,
    alg: KeyManagementAlg,
    enc: ContentEncryption,
) -> Result<String, KeyError> {
    if !alg.fits(recipient) {
        return Err(KeyError::InvalidKey(format!("the key cannot receive {alg}")));
    }
    let mut header = JweHeader::new();
    header.set_content_encryption(enc.as_str());
    if let Some(cty) = content_type {
        header.set_content_type(cty);
    }
    if let Some(kid) = recipient.key_id() {
        header.set_key_id(kid);
    }
    let encrypter = alg.encrypter(recipient)?;
    josekit::jwe::serialize_compact(plaintext, &header, encrypter.as_ref())
        .map_err(|e| KeyError::Crypto(format!("JWE encryption: {e}")))
}

#[cfg(test)]
#[path = "jwe_tests.rs"]
mod tests;
