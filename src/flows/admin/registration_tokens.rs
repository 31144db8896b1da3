//! Initial access tokens for dynamic client registration (RFC 7591 §3):
//! an operator makes one (shown once, stored as its digest), optionally
//! expiring and limited to a number of registrations, lists and revokes
//! them. Every change is audited with its actor.

use super::{Actor, Admin, AdminError};
use crate::crypto::{random_token, secret_digest};
use crate::protocol::AdminOp;
use crate::protocol::client_registration::InitialAccessToken;

/// The longest lifetime of an initial access token: a year.
pub const MAX_REGISTRATION_TOKEN_TTL: i64 = 366 * 24 * 3600;

/// A new initial access token: the plaintext, shown once, and its record.
pub struct IssuedRegistrationToken {
    pub token: String,
    pub record: InitialAccessToken,
}

impl Admin {
    /// Makes an initial access token valid for `expires_in` seconds
    /// (`None`: until revoked) and `uses` registrations (`None`: any number).
    pub async fn create_registration_token(
        &self,
        by: &Actor,
        expires_in: Option<i64>,
        uses: Option<i64>,
        now: i64,
    ) -> Result<IssuedRegistrationToken, AdminError> {
        if expires_in.is_some_and(|s| !(1..=MAX_REGISTRATION_TOKEN_TTL).contains(&s)) {
            return Err(AdminError::invalid_field(
                "expires_in",
                format!("expires_in must be 1 to {MAX_REGISTRATION_TOKEN_TTL} seconds"),
            ));
        }
        if uses.is_some_and(|n| !(1..=1_000_000).contains(&n)) {
            return Err(AdminError::invalid_field("uses", "uses must be 1 to 1000000"));
        }
        let token = random_token(32);
        let record = InitialAccessToken {
            id: uuid::Uuid::new_v4().to_string(),
            token_hash: secret_digest(&token),
            created_at: now,
            expires_at: expires_in.map(|s| now + s),
            uses_left: uses,
            created_by: Some(by.label()),
        };
        let audited = by
            .audited(AdminOp::RegistrationTokenCreate, &record.id)
            .detail("expires_at", record.expires_at)
            .detail("uses", record.uses_left);
        self.stores.client_registrations.create_initial_token(record.clone(), audited, now).await?;
        Ok(IssuedRegistrationToken { token, record })
    }

    /// Every initial access token (digests only), oldest first.
    pub async fn list_registration_tokens(&self) -> Result<Vec<InitialAccessToken>, AdminError> {
        Ok(self.stores.client_registrations.initial_tokens().await?)
    }

    /// Revokes an initial access token: it registers no more clients
    /// (those it registered stay).
    pub async fn revoke_registration_token(&self, by: &Actor, id: &str, now: i64) -> Result<(), AdminError> {
        let audited = by.audited(AdminOp::RegistrationTokenRevoke, id);
        if self.stores.client_registrations.revoke_initial_token(id, audited, now).await? {
            Ok(())
        } else {
            Err(AdminError::NotFound(format!("initial access token {id:?} does not exist")))
        }
    }
}
