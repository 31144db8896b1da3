//! Responses sealed for one client (OpenID Connect Core §10.2, §5.3.2;
//! Dynamic Client Registration §2): ID tokens encrypted after they are
//! signed, UserInfo answered as a signed and/or encrypted JWT, always to a
//! public key the client registered (inline `jwks` or its `jwks_uri`).
//!
//! The recipient key is found before anything is issued, so a client whose
//! keys went missing gets an error and nothing is consumed (no code
//! redeemed, no refresh token rotated), and nothing unencrypted leaves.

use std::sync::Arc;

use josekit::jwk::Jwk;
use serde_json::{Map, Value};

use crate::flows::client_auth::client_keys::ClientKeys;
use crate::jose::KeyringHandle;
use crate::jose::jwe::{Encryption, encrypt_json, encrypt_nested};
use crate::protocol::{ClientRecord, OAuthError};

/// `typ` of a signed UserInfo response (RFC 7519 §5.1).
const USERINFO_TYP: &str = "JWT";

pub struct ResponseSealer {
    keyring: Arc<KeyringHandle>,
    keys: ClientKeys,
    /// `encryption.enabled`: off, a client registered for encryption is
    /// refused rather than sent its tokens in the clear.
    enabled: bool,
}

/// The client key a response is encrypted to, and how.
pub struct Recipient {
    key: Jwk,
    encryption: Encryption,
}

impl ResponseSealer {
    pub fn new(keyring: Arc<KeyringHandle>, keys: ClientKeys, enabled: bool) -> ResponseSealer {
        ResponseSealer { keyring, keys, enabled }
    }

    /// The key to encrypt to when the client asked for `encryption`; an
    /// `unauthorized_client` error (logged for the operator) when it has no
    /// key that can receive it.
    pub async fn recipient(
        &self,
        client: &ClientRecord,
        encryption: Option<Encryption>,
        now: i64,
    ) -> Result<Option<Recipient>, OAuthError> {
        let Some(encryption) = encryption else { return Ok(None) };
        let refused = |why: String| {
            tracing::warn!(client_id = %client.client_id, reason = %why, "cannot encrypt to the client");
            OAuthError::unauthorized_client(format!("cannot encrypt to this client: {why}"))
        };
        if !self.enabled {
            return Err(refused("response encryption is switched off (encryption.enabled)".into()));
        }
        let set = self.keys.of(client, None, now).await.map_err(|e| refused(e.to_string()))?;
        let key = encryption
            .key_in(&set)
            .cloned()
            .ok_or_else(|| refused(format!("no registered key can receive {}", encryption.alg)))?;
        Ok(Some(Recipient { key, encryption }))
    }

    /// The UserInfo response as a JWT (Core §5.3.2): signed with the
    /// client's `userinfo_signed_response_alg` (with `iss` and `aud`), then
    /// encrypted when it registered an encryption; encrypted JSON when it
    /// asked for encryption only.
    pub async fn userinfo_jwt(
        &self,
        client: &ClientRecord,
        issuer: &str,
        mut claims: Map<String, Value>,
        now: i64,
    ) -> Result<String, OAuthError> {
        let recipient = self.recipient(client, client.userinfo_encryption, now).await?;
        match (client.userinfo_signed_response_alg, recipient) {
            (Some(alg), recipient) => {
                claims.insert("iss".into(), Value::from(issuer));
                claims.insert("aud".into(), Value::from(client.client_id.as_str()));
                let jwt = self.keyring.current().sign_with(alg, USERINFO_TYP, &claims)?;
                match recipient {
                    Some(recipient) => recipient.seal_jwt(&jwt),
                    None => Ok(jwt),
                }
            }
            (None, Some(recipient)) => recipient.seal_json(&Value::Object(claims).to_string()),
            (None, None) => {
                Err(OAuthError::server_error("the client wants neither a signed nor an encrypted UserInfo"))
            }
        }
    }
}

impl Recipient {
    /// A JWT we signed, encrypted: a nested JWT (`cty` `JWT`).
    pub fn seal_jwt(&self, jwt: &str) -> Result<String, OAuthError> {
        Ok(encrypt_nested(jwt, &self.key, self.encryption.alg, self.encryption.enc)?)
    }

    /// JSON encrypted without a signature.
    pub fn seal_json(&self, json: &str) -> Result<String, OAuthError> {
        Ok(encrypt_json(json, &self.key, self.encryption.alg, self.encryption.enc)?)
    }
}

/// Whether the client gets UserInfo as a JWT rather than JSON.
pub fn wants_userinfo_jwt(client: &ClientRecord) -> bool {
    client.userinfo_signed_response_alg.is_some() || client.userinfo_encryption.is_some()
}
