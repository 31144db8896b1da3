//! Locking users out: a new password (their sessions end), disabling
//! (sessions end and every refresh token dies, offline ones too, with the
//! access tokens they issued), enabling, and deleting.
//!
//! Sessions end through `Sessions`, so their clients get back-channel
//! logout tokens where the `Sessions` has a delivery worker (the server;
//! the CLI's tells nobody).

use super::users::{not_found, user_view};
use super::{Actor, Admin, AdminError};
use crate::protocol::{AdminOp, AuditKind, SessionEndReason, UserRecord};
use crate::store::Audited;

/// Which second factors a user has, for an operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SecondFactorSummary {
    pub totp: bool,
    pub recovery_codes_left: i64,
    pub passkeys: i64,
}

impl Admin {
    /// The user's second factors (none of their secrets).
    pub async fn user_second_factors(&self, user_id: &str) -> Result<SecondFactorSummary, AdminError> {
        let factors = &self.stores.second_factors;
        Ok(SecondFactorSummary {
            totp: factors.totp(user_id).await?.is_some(),
            recovery_codes_left: factors.unused_recovery_codes(user_id).await?,
            passkeys: self.stores.passkeys.count_of_user(user_id).await?,
        })
    }

    /// Replaces a user's password (never recorded) and ends their sessions,
    /// which takes the refresh tokens bound to them; offline tokens stay,
    /// as after a password change by the user.
    pub async fn set_user_password(
        &self,
        by: &Actor,
        user_id: &str,
        password: String,
        now: i64,
    ) -> Result<(), AdminError> {
        self.validate_password(&password)?;
        self.existing_user(user_id).await?;
        let hash = self.hash_password(password).await?;
        let audited = by.audited(AdminOp::UserSetPassword, user_id).user(user_id);
        if !self.stores.users.set_password_audited(user_id, hash, Some(audited), now).await? {
            return Err(not_found(user_id));
        }
        self.sessions.end_all(user_id, SessionEndReason::PasswordChanged, now).await?;
        Ok(())
    }

    /// Disables a user: no more logins or refreshes, their sessions end and
    /// all their refresh tokens are revoked with the access tokens they
    /// issued. Disabling a disabled user changes nothing.
    pub async fn disable_user(&self, by: &Actor, user_id: &str, now: i64) -> Result<UserRecord, AdminError> {
        let before = self.existing_user(user_id).await?;
        if before.disabled {
            return Ok(before);
        }
        let audited = by.audited(AdminOp::UserDisable, user_id).user(user_id);
        if !self.stores.users.set_disabled(user_id, true, audited, now).await? {
            return Err(not_found(user_id));
        }
        self.cut_off(by, user_id, "user_disabled", now).await?;
        self.existing_user(user_id).await
    }

    /// Removes a user's second factors (TOTP, recovery codes and passkeys),
    /// for one who lost their device: their next login asks for the password only
    /// (or, where an app requires two factors, to set one up again).
    /// Whether there were any; their sessions continue.
    pub async fn reset_user_mfa(&self, by: &Actor, user_id: &str, now: i64) -> Result<bool, AdminError> {
        self.existing_user(user_id).await?;
        let audited = by.audited(AdminOp::UserResetMfa, user_id).user(user_id);
        Ok(self.stores.second_factors.remove_all(user_id, audited, now).await?)
    }

    /// Lets a disabled user log in again. Enabling an enabled user changes
    /// nothing.
    pub async fn enable_user(&self, by: &Actor, user_id: &str, now: i64) -> Result<UserRecord, AdminError> {
        let before = self.existing_user(user_id).await?;
        if !before.disabled {
            return Ok(before);
        }
        let audited = by.audited(AdminOp::UserEnable, user_id).user(user_id);
        if !self.stores.users.set_disabled(user_id, false, audited, now).await? {
            return Err(not_found(user_id));
        }
        self.existing_user(user_id).await
    }

    /// Deletes a user: their sessions end and their refresh tokens are
    /// revoked with the access tokens they issued (denied until they
    /// expire), then the row goes, and with it (by cascade) their refresh
    /// tokens, consents and group memberships. The audit rows stay.
    pub async fn delete_user(&self, by: &Actor, user_id: &str, now: i64) -> Result<(), AdminError> {
        let before = self.existing_user(user_id).await?;
        self.cut_off(by, user_id, "user_deleted", now).await?;
        let audited =
            by.audited(AdminOp::UserDelete, user_id).user(user_id).detail("before", user_view(&before));
        if self.stores.users.delete_audited(user_id, audited, now).await? {
            Ok(())
        } else {
            Err(not_found(user_id))
        }
    }

    /// Ends every session of the user and revokes every refresh-token
    /// family of theirs, offline ones included.
    async fn cut_off(&self, by: &Actor, user_id: &str, reason: &str, now: i64) -> Result<(), AdminError> {
        self.sessions.end_all(user_id, SessionEndReason::UserGone, now).await?;
        let audited = Audited::new(AuditKind::TokenRevoked)
            .user(user_id)
            .actor(by.label())
            .detail("reason", reason.to_string());
        self.stores.grants.revoke_user(user_id, audited, now).await?;
        Ok(())
    }
}
