//! The pages behind the links: asking for a reset, setting the new
//! password, confirming an address. A link is checked on GET (mail
//! scanners prefetch links, so showing a form consumes nothing) and taken
//! on the POST that uses it.
//!
//! `/verify` asks for a click on a button (a POST) rather than verifying on
//! GET: a GET must be safe (RFC 9110 §9.2.1), and a scanner that follows
//! every link in a mailbox would otherwise confirm addresses on its own.

use std::sync::Arc;

use super::{LinkSender, Sent};
use crate::accounts::users::normalize_username;
use crate::flows::admin::{Actor, Admin, AdminError};
use crate::protocol::links::{LinkPurpose, LinkRecord, LinkRefusal, is_well_formed, token_hash};
use crate::protocol::{AuditKind, OAuthError, UserRecord};
use crate::store::{AccountLinks, Audit, Audited, StoreError, Users};

/// Longest username or address `/forgot` looks up.
const MAX_IDENTIFIER_LEN: usize = 320;

/// What became of a new password submitted through a reset link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResetOutcome {
    /// The password is set; every session of the user ended.
    Done { username: String },
    /// The link still works; the form says what to change.
    Refused(String),
    /// The two passwords differ; the link still works.
    Mismatch,
    /// Expired, used, unknown, or the account changed since.
    Gone,
}

#[derive(Clone)]
pub struct AccountLinkFlow {
    pub(super) sender: LinkSender,
    pub(super) links: AccountLinks,
    pub(super) users: Users,
    pub(super) admin: Arc<Admin>,
    pub(super) audit: Audit,
}

impl AccountLinkFlow {
    pub fn new(
        sender: LinkSender,
        links: AccountLinks,
        users: Users,
        admin: Arc<Admin>,
        audit: Audit,
    ) -> AccountLinkFlow {
        AccountLinkFlow { sender, links, users, admin, audit }
    }

    /// Whether `/register` exists (`accounts.registration`).
    pub fn registration_open(&self) -> bool {
        self.sender.policy().registration
    }

    /// Mails a reset link to the account named by `identifier` (username or
    /// email address), if there is one, in the background: the caller
    /// answers at once and the same way either way.
    pub fn request_reset(&self, identifier: &str, now: i64) {
        let identifier: String = identifier.trim().chars().take(MAX_IDENTIFIER_LEN + 1).collect();
        if identifier.is_empty() || identifier.chars().count() > MAX_IDENTIFIER_LEN {
            return;
        }
        let flow = self.clone();
        tokio::spawn(async move {
            if let Err(e) = flow.send_resets(&identifier, now).await {
                tracing::error!(error = %e, "password reset request failed");
            }
        });
    }

    async fn send_resets(&self, identifier: &str, now: i64) -> Result<(), StoreError> {
        let mut accounts: Vec<UserRecord> = Vec::new();
        if let Ok(username) = normalize_username(identifier)
            && let Some(user) = self.users.find_by_username(&username).await?
        {
            accounts.push(user);
        }
        if identifier.contains('@') {
            for user in self.links.users_by_email(identifier).await? {
                if !accounts.iter().any(|a| a.id == user.id) {
                    accounts.push(user);
                }
            }
        }
        if accounts.is_empty() {
            tracing::info!("password reset asked for an unknown account; nothing sent");
        }
        for user in accounts {
            if user.disabled {
                tracing::info!(user_id = %user.id, "password reset asked for a disabled account; nothing sent");
                continue;
            }
            self.sender.send(LinkPurpose::Reset, &user, true, now).await?;
        }
        Ok(())
    }

    /// The live link behind `token` for `purpose`, with its user.
    async fn open(
        &self,
        token: &str,
        purpose: LinkPurpose,
        now: i64,
    ) -> Result<Option<(LinkRecord, UserRecord)>, StoreError> {
        if !is_well_formed(token) {
            return Ok(None);
        }
        let Some(link) = self.links.find(&token_hash(token)).await? else { return Ok(None) };
        let user = self.users.find(&link.user_id).await?;
        match link.check(purpose, user.as_ref(), now) {
            Ok(()) => Ok(user.map(|u| (link, u))),
            Err(LinkRefusal::Expired | LinkRefusal::Superseded) => {
                // Dead for good: no reason to keep it until the janitor runs.
                self.links.take(&link.token_hash).await?;
                Ok(None)
            }
            Err(_) => Ok(None),
        }
    }

    /// Whether the reset form may be shown for `token` (nothing consumed).
    pub async fn reset_form(&self, token: &str, now: i64) -> Result<bool, OAuthError> {
        Ok(self.open(token, LinkPurpose::Reset, now).await?.is_some())
    }

    /// Sets the new password through the link: taken first (so two
    /// submissions cannot both use it), put back when the password policy
    /// refuses the password.
    pub async fn reset(
        &self,
        token: &str,
        password: &str,
        confirmation: &str,
        now: i64,
    ) -> Result<ResetOutcome, OAuthError> {
        let Some((link, user)) = self.open(token, LinkPurpose::Reset, now).await? else {
            return Ok(ResetOutcome::Gone);
        };
        if password != confirmation {
            return Ok(ResetOutcome::Mismatch);
        }
        let Some(link) = self.links.take(&link.token_hash).await? else { return Ok(ResetOutcome::Gone) };
        let by = Actor::User { id: user.id.clone(), username: user.username.clone() };
        match self.admin.set_user_password(&by, &user.id, password.to_string(), now).await {
            Ok(()) => {}
            Err(AdminError::Invalid { message, .. }) => {
                self.links.restore(link).await?;
                return Ok(ResetOutcome::Refused(message));
            }
            Err(AdminError::NotFound(_)) => return Ok(ResetOutcome::Gone),
            Err(e) => {
                self.links.restore(link).await?;
                tracing::error!(error = %e, "password reset failed");
                return Err(OAuthError::server_error("internal error"));
            }
        }
        self.links.delete_for_user(&user.id, LinkPurpose::Reset).await?;
        // The link proved the mailbox: a lockout from guessing ends too
        // (recorded as the user's own `user.unlock`).
        if let Err(e) = self.admin.unlock_user(&by, &user.id, now).await {
            tracing::warn!(error = %e, user_id = %user.id, "could not lift the lockout after a reset");
        }
        self.audit.record_or_log(Audited::new(AuditKind::PasswordReset).user(&user.id), now).await;
        tracing::info!(user_id = %user.id, "password reset");
        Ok(ResetOutcome::Done { username: user.username })
    }

    /// The address a verification link would confirm (nothing consumed).
    pub async fn verify_form(&self, token: &str, now: i64) -> Result<Option<String>, OAuthError> {
        Ok(self.open(token, LinkPurpose::Verify, now).await?.map(|(link, _)| link.bound_to))
    }

    /// Confirms the address: `email_verified` becomes true (and a
    /// self-registered account may sign in) if the address is still the
    /// one the link went to. `false`: the link does not open.
    pub async fn verify(&self, token: &str, now: i64) -> Result<bool, OAuthError> {
        let Some((link, user)) = self.open(token, LinkPurpose::Verify, now).await? else { return Ok(false) };
        let audited = Audited::new(AuditKind::EmailVerified).user(&user.id);
        let verified = self.links.verify_email(&link, audited, now).await?;
        if verified {
            tracing::info!(user_id = %user.id, "email verified");
        }
        Ok(verified)
    }

    /// A new verification link for a self-registered user whose sign-in
    /// was refused for want of one (after their password was verified),
    /// within the hourly cap.
    pub async fn resend_verification(&self, user_id: &str, now: i64) {
        if let Err(e) = self.resend(user_id, now).await {
            tracing::error!(error = %e, "could not send a verification link");
        }
    }

    async fn resend(&self, user_id: &str, now: i64) -> Result<Sent, StoreError> {
        let Some(user) = self.users.find(user_id).await? else { return Ok(Sent::NoAddress) };
        self.sender.send(LinkPurpose::Verify, &user, true, now).await
    }
}
