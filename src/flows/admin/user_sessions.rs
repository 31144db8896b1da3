//! A user's SSO sessions and consents, as an operator sees and ends them.
//! Ending a session is the same logout as RP-Initiated Logout: its
//! session-bound refresh tokens die and its clients are told (back-channel)
//! when the `Sessions` has a delivery worker.

use super::{Actor, Admin, AdminError};
use crate::protocol::entries::SsoSession;
use crate::protocol::{AdminOp, ConsentRecord, SessionEndReason};

impl Admin {
    /// The user's live sessions, most recently used first.
    pub async fn list_user_sessions(&self, user_id: &str, now: i64) -> Result<Vec<SsoSession>, AdminError> {
        self.existing_user(user_id).await?;
        Ok(self.sessions.list(user_id, now).await?)
    }

    /// Ends one live session of the user; `NotFound` for any other `sid`.
    pub async fn end_user_session(
        &self,
        by: &Actor,
        user_id: &str,
        sid: &str,
        now: i64,
    ) -> Result<(), AdminError> {
        let session =
            self.sessions.find_by_sid(sid, now).await?.filter(|s| s.user_id == user_id).ok_or_else(|| {
                AdminError::NotFound(format!("user {user_id:?} has no live session {sid:?}"))
            })?;
        self.sessions.end(&session, SessionEndReason::Admin, now).await?;
        let audited = by.audited(AdminOp::SessionEnd, sid).user(user_id);
        self.stores.audit.record(audited, now).await?;
        Ok(())
    }

    /// Ends every live session of the user; how many there were.
    pub async fn end_user_sessions(&self, by: &Actor, user_id: &str, now: i64) -> Result<usize, AdminError> {
        self.existing_user(user_id).await?;
        let ended = self.sessions.end_all(user_id, SessionEndReason::Admin, now).await?;
        let audited = by.audited(AdminOp::SessionEndAll, user_id).user(user_id).detail("ended", ended.len());
        self.stores.audit.record(audited, now).await?;
        Ok(ended.len())
    }

    /// What the user consented to, one record per client.
    pub async fn list_user_consents(&self, user_id: &str) -> Result<Vec<ConsentRecord>, AdminError> {
        self.existing_user(user_id).await?;
        Ok(self.stores.consents.list_for_user(user_id).await?)
    }

    /// Forgets the user's consent to `client_id` and revokes the client's
    /// refresh tokens for them; `NotFound` when there was no consent.
    pub async fn revoke_consent(
        &self,
        by: &Actor,
        user_id: &str,
        client_id: &str,
        now: i64,
    ) -> Result<(), AdminError> {
        let none =
            || AdminError::NotFound(format!("user {user_id:?} has no consent for client {client_id:?}"));
        if self.stores.consents.find(user_id, client_id).await?.is_none() {
            return Err(none());
        }
        let audited = by.audited(AdminOp::ConsentRevoke, client_id).user(user_id).client(client_id);
        if self.stores.grants.withdraw_consent(user_id, client_id, audited, now).await? {
            Ok(())
        } else {
            Err(none())
        }
    }
}
