//! Checking a username and password, for every place a user signs in (the
//! login prompt, the account page) and proves it again (password change).
//! Unknown, malformed and disabled users and wrong passwords all cost the
//! same Argon2 work and give the same answer: no account enumeration.
//! Each sign-in is an audit event (`login_succeeded` / `login_failed`)
//! with the address and user agent; the operator's trail may say why a
//! sign-in failed, the page never does. Never the password.

use std::sync::Arc;

use crate::accounts::PasswordHasher;
use crate::accounts::users::normalize_username;
use crate::protocol::entries::Device;
use crate::protocol::{AuditKind, AuthMethod, UserRecord};
use crate::store::{Audit, Audited, StoreError, Users};

/// Longest user agent kept in an audit event.
const AUDIT_USER_AGENT_LEN: usize = 200;
/// Longest attempted username kept in a `login_failed` event.
const AUDIT_USERNAME_LEN: usize = 100;

/// Where a sign-in happens: for its audit event.
pub struct SignInContext<'a> {
    /// The client the login prompt was for; `None` on the account page.
    pub client_id: Option<&'a str>,
    pub device: &'a Device,
    pub now: i64,
}

#[derive(Clone)]
pub struct Credentials {
    users: Users,
    hasher: Arc<PasswordHasher>,
    audit: Audit,
}

/// The first `max` characters of `s`.
fn truncated(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}

impl Credentials {
    pub fn new(users: Users, hasher: Arc<PasswordHasher>, audit: Audit) -> Credentials {
        Credentials { users, hasher, audit }
    }

    /// The active user with this username and password, or `None`.
    pub async fn check(&self, username: &str, password: &str) -> Result<Option<UserRecord>, StoreError> {
        Ok(self.verified(username, password).await?.0)
    }

    /// [`check`](Self::check) for a sign-in, recorded as `login_succeeded`
    /// or `login_failed`. Recording does not decide the outcome: a failed
    /// insert is logged and the sign-in answered as it would have been.
    /// A self-registered user with the right password but an unverified
    /// address is `Refused::Unverified` (told only to who knows the password).
    pub async fn sign_in(
        &self,
        username: &str,
        password: &str,
        context: &SignInContext<'_>,
    ) -> Result<Result<UserRecord, Refused>, StoreError> {
        let (user, failure) = self.verified(username, password).await?;
        let (user, failure) = self.unless_held(user, failure).await?;
        let mut audited = match (&user, &failure) {
            (Some(user), _) => Audited::new(AuditKind::LoginSucceeded).user(&user.id),
            (None, Failure::Unknown) => Audited::new(AuditKind::LoginFailed)
                .detail("username", truncated(username, AUDIT_USERNAME_LEN))
                .detail("reason", "unknown_user"),
            (None, Failure::Password(id)) => Audited::new(AuditKind::LoginFailed)
                .user(id)
                .detail("username", truncated(username, AUDIT_USERNAME_LEN))
                .detail("reason", "invalid_credentials"),
            (None, Failure::Disabled(id)) => Audited::new(AuditKind::LoginFailed)
                .user(id)
                .detail("username", truncated(username, AUDIT_USERNAME_LEN))
                .detail("reason", "user_disabled"),
            (None, Failure::Unverified(id)) => Audited::new(AuditKind::LoginFailed)
                .user(id)
                .detail("username", truncated(username, AUDIT_USERNAME_LEN))
                .detail("reason", "email_unverified"),
            (None, Failure::None) => Audited::new(AuditKind::LoginFailed),
        };
        if let Some(client_id) = context.client_id {
            audited = audited.client(client_id);
        }
        audited = audited
            .detail("method", AuthMethod::Password.as_str())
            .detail("ip", context.device.ip.clone())
            .detail(
                "user_agent",
                context.device.user_agent.as_deref().map(|ua| truncated(ua, AUDIT_USER_AGENT_LEN)),
            );
        self.audit.record_or_log(audited, context.now).await;
        Ok(match (user, failure) {
            (Some(user), _) => Ok(user),
            (None, Failure::Unverified(user_id)) => Err(Refused::Unverified { user_id }),
            (None, _) => Err(Refused::Invalid),
        })
    }

    /// A verified user still held by self-registration becomes a failure.
    async fn unless_held(
        &self,
        user: Option<UserRecord>,
        failure: Failure,
    ) -> Result<(Option<UserRecord>, Failure), StoreError> {
        match user {
            Some(u) if !u.email_verified && self.users.awaiting_verification(&u.id).await? => {
                Ok((None, Failure::Unverified(u.id)))
            }
            user => Ok((user, failure)),
        }
    }

    /// The user if the password is theirs and they may sign in, else why not.
    async fn verified(
        &self,
        username: &str,
        password: &str,
    ) -> Result<(Option<UserRecord>, Failure), StoreError> {
        let user = match normalize_username(username) {
            Ok(name) => self.users.find_by_username(&name).await?,
            Err(_) => None,
        };
        let stored = user.as_ref().map(|u| u.password_hash.clone());
        let verified = self.verify(password, stored).await?;
        Ok(match user {
            None => (None, Failure::Unknown),
            Some(u) if !verified => (None, Failure::Password(u.id)),
            Some(u) if u.disabled => (None, Failure::Disabled(u.id)),
            Some(u) => (Some(u), Failure::None),
        })
    }

    /// Whether `password` is the current password of the user `user_id`.
    pub async fn check_user(&self, user_id: &str, password: &str) -> Result<bool, StoreError> {
        let stored = self.users.find_active_fresh(user_id).await?.map(|u| u.password_hash);
        self.verify(password, stored).await
    }

    /// A new Argon2id hash of `password`, computed off the async threads.
    pub async fn hash(&self, password: &str) -> Result<String, StoreError> {
        let (hasher, password) = (self.hasher.clone(), password.to_owned());
        tokio::task::spawn_blocking(move || hasher.hash(&password))
            .await
            .map_err(|e| StoreError::Unavailable(e.to_string()))?
            .map_err(|e| StoreError::Unavailable(e.to_string()))
    }

    async fn verify(&self, password: &str, stored: Option<String>) -> Result<bool, StoreError> {
        self.hasher
            .verify_in_turn(password.to_owned(), stored)
            .await
            .map_err(|e| StoreError::Unavailable(e.to_string()))
    }
}

/// Why a sign-in failed (for the audit trail only).
enum Failure {
    None,
    Unknown,
    Password(String),
    Disabled(String),
    Unverified(String),
}

/// Why a sign-in was refused, as far as the person signing in may know.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refused {
    /// Unknown user, wrong password or disabled: one answer for all.
    Invalid,
    /// The password was right, but the (self-registered) account waits
    /// for its address to be verified.
    Unverified { user_id: String },
}
