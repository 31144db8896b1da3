//! Token revocation (RFC 7009). The hint is tried first but not trusted.
//! Revoking a refresh token revokes its family and the family's access
//! tokens; revoking an access token denies its `jti` until it expires.
//! Unknown, malformed and expired tokens are answered with success (§2.2);
//! a client can revoke only its own tokens (§2.1). Each revocation and its
//! audit event are one database transaction (`store::Grants`).

use std::sync::Arc;

use crate::crypto::secret_digest;
use crate::flows::client_auth::ClientAuthenticator;
use crate::jose::KeyringHandle;
use crate::protocol::origin::{Answer, WebOrigin};
use crate::protocol::subjects::{SubjectPolicy, Subjects};
use crate::protocol::tokens::{ACCESS_TOKEN_TYP, AccessTokenClaims};
use crate::protocol::{AuditKind, ClientRecord, ErrorCode, OAuthError, Params, TokenTypeHint};
use crate::store::{Audited, Grants};

/// What a presented string turned out to be.
enum Found {
    Ours,
    NotThisType,
}

pub struct RevocationFlow {
    client_auth: Arc<ClientAuthenticator>,
    grants: Grants,
    keyring: Arc<KeyringHandle>,
    issuer: String,
    /// Turns a pairwise `sub` back into the user for the audit trail.
    subjects: Arc<Subjects>,
}

impl RevocationFlow {
    pub fn new(
        client_auth: Arc<ClientAuthenticator>,
        grants: Grants,
        keyring: Arc<KeyringHandle>,
        issuer: String,
        subjects: Arc<Subjects>,
    ) -> RevocationFlow {
        RevocationFlow { client_auth, grants, keyring, issuer, subjects }
    }

    /// `POST /revoke` with its `Authorization` header, form parameters and
    /// the browser `Origin`, if any (refused, revoking nothing, when the
    /// client has not registered it).
    pub async fn revoke(
        &self,
        authorization: Option<&str>,
        params: &Params,
        origin: Option<&WebOrigin>,
        now: i64,
    ) -> Answer<()> {
        if let Err(e) = params.reject_repeated() {
            return Answer::undecided(e);
        }
        let client = match self.client_auth.authenticate(authorization, params, now).await {
            Ok(client) => client,
            Err(e) => return Answer::undecided(e),
        };
        if let Err(refused) = Answer::check(&client, origin) {
            return refused;
        }
        Answer::allowed(self.revoke_for(&client, params, now).await)
    }

    async fn revoke_for(&self, client: &ClientRecord, params: &Params, now: i64) -> Result<(), OAuthError> {
        let token = params.require("token")?;
        let hint = params.get("token_type_hint").and_then(TokenTypeHint::from_word);
        let found = if hint == Some(TokenTypeHint::RefreshToken) {
            match self.revoke_refresh_token(client, token, now).await? {
                Found::NotThisType => self.revoke_access_token(client, token, now).await?,
                ours => ours,
            }
        } else {
            match self.revoke_access_token(client, token, now).await? {
                Found::NotThisType => self.revoke_refresh_token(client, token, now).await?,
                ours => ours,
            }
        };
        if let Found::NotThisType = found
            && is_compact_jwe(token)
        {
            // RFC 7009 §2.2.1: an access token encrypted to its API cannot
            // be read here, so it cannot be revoked on its own.
            return Err(OAuthError::new(
                ErrorCode::UnsupportedTokenType,
                "an access token encrypted to its API cannot be revoked on its own: \
                 revoke the refresh token it came with",
            ));
        }
        Ok(())
    }

    async fn revoke_refresh_token(
        &self,
        client: &ClientRecord,
        token: &str,
        now: i64,
    ) -> Result<Found, OAuthError> {
        let Some(record) = self.grants.find_by_hash(&secret_digest(token)).await? else {
            return Ok(Found::NotThisType);
        };
        if record.client_id != client.client_id {
            return Err(foreign());
        }
        if record.revoked_at.is_none() {
            let audited = Audited::new(AuditKind::TokenRevoked)
                .client(&client.client_id)
                .user(&record.user_id)
                .detail("family_id", record.family_id.clone());
            self.grants.revoke_family(&record.family_id, None, audited, now).await?;
        }
        Ok(Found::Ours)
    }

    async fn revoke_access_token(
        &self,
        client: &ClientRecord,
        token: &str,
        now: i64,
    ) -> Result<Found, OAuthError> {
        // Signature, type and issuer only: an expired token needs no revoking
        // but is still recognised as ours.
        let Ok(map) = self.keyring.current().verify(token, ACCESS_TOKEN_TYP) else {
            return Ok(Found::NotThisType);
        };
        let Ok(claims) = serde_json::from_value::<AccessTokenClaims>(serde_json::Value::Object(map)) else {
            return Ok(Found::NotThisType);
        };
        if claims.iss != self.issuer {
            return Ok(Found::NotThisType);
        }
        if claims.client_id != client.client_id {
            return Err(foreign());
        }
        if claims.exp > now {
            let mut audited = Audited::new(AuditKind::TokenRevoked)
                .client(&client.client_id)
                .detail("jti", claims.jti.clone());
            if claims.auth_time.is_some()
                && let Some(user_id) = SubjectPolicy::of(client)
                    .ok()
                    .and_then(|policy| self.subjects.user_id(&policy, &claims.sub))
            {
                audited = audited.user(&user_id);
            }
            self.grants.revoke_access_token(&claims.jti, claims.exp, audited, now).await?;
        }
        Ok(Found::Ours)
    }
}

/// Five base64url parts (RFC 7516 §7.1), the first a JOSE header with `enc`.
fn is_compact_jwe(token: &str) -> bool {
    use base64::Engine;
    let parts: Vec<&str> = token.split('.').collect();
    parts.len() == 5
        && base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(parts[0])
            .ok()
            .and_then(|header| serde_json::from_slice::<serde_json::Value>(&header).ok())
            .is_some_and(|header| header.get("enc").is_some())
}

fn foreign() -> OAuthError {
    OAuthError::unauthorized_client("the token was not issued to this client")
}
