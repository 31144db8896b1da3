//! Response encryption settings (OpenID Connect Dynamic Client
//! Registration 1.0 §2: `id_token_encrypted_response_alg`/`_enc`,
//! `userinfo_signed_response_alg`, `userinfo_encrypted_response_alg`/`_enc`)
//! and the client keys they need. ID tokens are signed then encrypted
//! (OIDC Core §10.2, a nested JWT); UserInfo is signed and/or encrypted
//! (Core §5.3.2). A client asking for encryption must register a key that
//! can receive it: an inline JWKS is checked with the rest of the client,
//! a `jwks_uri` is read when the client is registered or changed
//! (`check_encryption_keys`), like the sector document (`check_sector`).

use josekit::jwk::JwkSet;

use super::{Admin, AdminError};
use crate::flows::client_auth::client_keys::{MAX_JWKS_BYTES, get_bounded};
use crate::jose::SigningAlg;
use crate::jose::jwe::{Encryption, KeyManagementAlg};
use crate::protocol::ClientRecord;
use crate::protocol::client_assertion::parse_public_jwks;

/// The settings as registered, parsed.
pub(super) struct ResponseEncryption {
    pub id_token: Option<Encryption>,
    pub userinfo_signed: Option<SigningAlg>,
    pub userinfo: Option<Encryption>,
}

/// What an operator gave, words not yet parsed.
pub(super) struct RawResponseEncryption<'a> {
    pub id_token_alg: Option<&'a str>,
    pub id_token_enc: Option<&'a str>,
    pub userinfo_signed_alg: Option<&'a str>,
    pub userinfo_alg: Option<&'a str>,
    pub userinfo_enc: Option<&'a str>,
}

/// The `_alg` member of the pair for responses of `prefix`.
fn alg_field(prefix: &str) -> &'static str {
    match prefix {
        "id_token" => "id_token_encrypted_response_alg",
        _ => "userinfo_encrypted_response_alg",
    }
}

fn enc_field(prefix: &str) -> &'static str {
    match prefix {
        "id_token" => "id_token_encrypted_response_enc",
        _ => "userinfo_encrypted_response_enc",
    }
}

/// One `alg`/`enc` pair (Registration §2: `enc` needs `alg`, `alg` alone
/// means A128CBC-HS256); the error names the member at fault.
fn pair(
    prefix: &'static str,
    alg: Option<&str>,
    enc: Option<&str>,
) -> Result<Option<Encryption>, AdminError> {
    Encryption::parse(prefix, alg, enc).map_err(|message| {
        let bad_alg = alg.is_some_and(|a| a.parse::<KeyManagementAlg>().is_err());
        let name = if bad_alg { alg_field(prefix) } else { enc_field(prefix) };
        AdminError::invalid_field(name, message)
    })
}

/// Refuses an encryption that no key of `set` can receive; `source` says
/// where the keys came from (`jwks`, or the `jwks_uri`).
fn key_for(
    prefix: &'static str,
    encryption: Option<Encryption>,
    set: &JwkSet,
    source: &str,
) -> Result<(), AdminError> {
    match encryption {
        Some(e) if e.key_in(set).is_none() => Err(AdminError::invalid_field(
            alg_field(prefix),
            format!(
                "{}: no key in {source} can receive {} (a key with \"use\":\"enc\" of the right type)",
                alg_field(prefix),
                e.alg
            ),
        )),
        _ => Ok(()),
    }
}

impl Admin {
    /// Whether clients may register `*_encrypted_response_*` at all
    /// (`encryption.enabled`); switched off, such clients are refused.
    pub fn with_response_encryption(mut self, enabled: bool) -> Admin {
        self.response_encryption = enabled;
        self
    }

    /// Every check that needs no network: the words, the UserInfo signing
    /// algorithm (one the server signs with), and, with an encryption,
    /// keys to encrypt to: an inline `jwks` holding a fitting key, or a
    /// `jwks_uri` (read later by `check_encryption_keys`).
    pub(super) fn response_encryption(
        &self,
        raw: RawResponseEncryption<'_>,
        jwks: Option<&str>,
        jwks_uri: Option<&str>,
    ) -> Result<ResponseEncryption, AdminError> {
        let id_token = pair("id_token", raw.id_token_alg, raw.id_token_enc)?;
        let userinfo = pair("userinfo", raw.userinfo_alg, raw.userinfo_enc)?;
        let userinfo_signed = raw
            .userinfo_signed_alg
            .map(|alg| self.signing_alg("userinfo_signed_response_alg", alg))
            .transpose()?;
        for (prefix, encryption) in [("id_token", id_token), ("userinfo", userinfo)] {
            if encryption.is_none() {
                continue;
            }
            if !self.response_encryption {
                return Err(AdminError::invalid_field(
                    alg_field(prefix),
                    "encrypted responses are switched off on this server (encryption.enabled)",
                ));
            }
            match (jwks, jwks_uri) {
                (None, None) => {
                    return Err(AdminError::invalid_field(
                        alg_field(prefix),
                        format!("{} needs the client's public keys: jwks or jwks_uri", alg_field(prefix)),
                    ));
                }
                (Some(jwks), _) => {
                    let set = parse_public_jwks(jwks).map_err(AdminError::field("jwks"))?;
                    key_for(prefix, encryption, &set, "jwks")?;
                }
                (None, Some(_)) => {}
            }
        }
        Ok(ResponseEncryption { id_token, userinfo_signed, userinfo })
    }

    /// A client with an encryption and a `jwks_uri` must serve a key there
    /// that can receive each encryption it asked for; an unreachable or
    /// invalid key set is refused too. Checked when the client is
    /// registered or changed, not while it logs people in.
    pub(super) async fn check_encryption_keys(&self, client: &ClientRecord) -> Result<(), AdminError> {
        let wanted = [("id_token", client.id_token_encryption), ("userinfo", client.userinfo_encryption)];
        let Some((first, _)) = wanted.iter().find(|(_, e)| e.is_some()) else { return Ok(()) };
        let Some(uri) = &client.jwks_uri else { return Ok(()) };
        let unreachable =
            |why: String| AdminError::invalid_field(alg_field(first), format!("cannot read {uri}: {why}"));
        let http = self.outbound.client().map_err(|e| unreachable(e.to_string()))?;
        let body = get_bounded(http, uri, "application/jwk-set+json, application/json", MAX_JWKS_BYTES)
            .await
            .map_err(unreachable)?;
        let text = String::from_utf8(body).map_err(|_| unreachable("the body is not UTF-8".into()))?;
        let set = parse_public_jwks(&text).map_err(unreachable)?;
        for (prefix, encryption) in wanted {
            key_for(prefix, encryption, &set, uri)?;
        }
        Ok(())
    }
}
