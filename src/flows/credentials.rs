//! Checking a username and password, for every place a user signs in (the
//! login prompt, the account page) and proves it again (password change).
//! Unknown, malformed and disabled users and wrong passwords all cost the
//! same Argon2 work and give the same answer: no account enumeration.
//! Every sign-in passes the [`LoginGuard`] first (NIST SP 800-63B §5.2.2):
//! a throttled username or address is refused before any hashing, with
//! one answer whether or not the account exists.
//! Each sign-in is an audit event (`login_succeeded` / `login_failed`, and
//! `login_locked` when it starts a lockout) with the address and user
//! agent; the operator's trail may say why a sign-in failed, the page
//! never does. Never the password.

use std::sync::Arc;

use crate::accounts::PasswordHasher;
use crate::accounts::password_policy::{PasswordPolicy, PasswordProblem};
use crate::accounts::users::normalize_username;
use crate::flows::login_guard::{Admission, LoginGuard, Settlement};
use crate::protocol::entries::Device;
use crate::protocol::login_throttle::LockScope;
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

impl SignInContext<'_> {
    /// A sign-in event with how (`method`) and where it happened.
    pub fn describe(&self, audited: Audited, method: AuthMethod) -> Audited {
        let user_agent = self.device.user_agent.as_deref().map(|ua| truncated(ua, AUDIT_USER_AGENT_LEN));
        let audited = audited
            .detail("method", method.as_str())
            .detail("ip", self.device.ip.clone())
            .detail("user_agent", user_agent);
        match self.client_id {
            Some(client_id) => audited.client(client_id),
            None => audited,
        }
    }
}

/// What became of a sign-in.
#[derive(Debug)]
pub enum SignIn {
    Ok(Box<UserRecord>),
    /// A wrong password, or an unknown or disabled account: one answer.
    Rejected,
    /// Too many failures for this username or from this address: refused
    /// without looking at the password, the right one included.
    Throttled {
        retry_after: u64,
    },
    /// The right password of a self-registered account whose address is
    /// not verified yet (told only to who knows the password).
    Unverified {
        user_id: String,
    },
}

#[derive(Clone)]
pub struct Credentials {
    users: Users,
    hasher: Arc<PasswordHasher>,
    audit: Audit,
    guard: LoginGuard,
    passwords: PasswordPolicy,
}

/// The first `max` characters of `s`.
fn truncated(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}

impl Credentials {
    pub fn new(
        users: Users,
        hasher: Arc<PasswordHasher>,
        audit: Audit,
        guard: LoginGuard,
        passwords: PasswordPolicy,
    ) -> Credentials {
        Credentials { users, hasher, audit, guard, passwords }
    }

    /// The password policy new passwords must meet.
    pub fn password_policy(&self) -> &PasswordPolicy {
        &self.passwords
    }

    /// The guard every sign-in passes, e.g. to clear an account after a
    /// password reset.
    pub fn guard(&self) -> &LoginGuard {
        &self.guard
    }

    /// Checks a sign-in through the guard, recorded as `login_succeeded`
    /// or `login_failed` (reason `throttled` / `locked` when refused
    /// unchecked). Recording does not decide the outcome: a failed insert
    /// is logged and the sign-in answered as it would have been.
    pub async fn sign_in(
        &self,
        username: &str,
        password: &str,
        context: &SignInContext<'_>,
    ) -> Result<SignIn, StoreError> {
        let now = context.now;
        let tried = || truncated(username, AUDIT_USERNAME_LEN);
        let ticket = match self.guard.admit(username, context.device.ip.as_deref(), now).await? {
            Admission::Admitted(ticket) => ticket,
            Admission::Refused(refusal) => {
                let reason = if refusal.block.locked { "locked" } else { "throttled" };
                let audited = Audited::new(AuditKind::LoginFailed)
                    .detail("username", tried())
                    .detail("reason", reason)
                    .detail("scope", refusal.scope.as_str());
                self.record(audited, context).await;
                tracing::info!(scope = %refusal.scope, reason, "sign-in refused unchecked");
                return Ok(SignIn::Throttled { retry_after: refusal.block.retry_after });
            }
        };
        let (user, failure) = match self.verified(username, password).await {
            Ok(verified) => verified,
            Err(e) => {
                if let Err(store) = self.guard.settle(ticket, Settlement::Abandoned, now).await {
                    tracing::warn!(error = %store, "could not give back an unanswered sign-in attempt");
                }
                return Err(e);
            }
        };
        // An unverified registration knew the password: not a guess.
        let right = user.is_some() || matches!(failure, Failure::Unverified(_));
        let settlement = if right { Settlement::Succeeded } else { Settlement::Failed };
        let locks = self.guard.settle(ticket, settlement, now).await?;
        let user_id = match (&user, &failure) {
            (Some(user), _) => Some(user.id.clone()),
            (None, Failure::Password(id) | Failure::Disabled(id) | Failure::Unverified(id)) => {
                Some(id.clone())
            }
            _ => None,
        };
        let unverified = match &failure {
            Failure::Unverified(id) => Some(id.clone()),
            _ => None,
        };
        let audited = match (&user, failure) {
            (Some(user), _) => Audited::new(AuditKind::LoginSucceeded).user(&user.id),
            (None, Failure::Unknown) => Audited::new(AuditKind::LoginFailed)
                .detail("username", tried())
                .detail("reason", "unknown_user"),
            (None, Failure::Password(id)) => Audited::new(AuditKind::LoginFailed)
                .user(&id)
                .detail("username", tried())
                .detail("reason", "invalid_credentials"),
            (None, Failure::Disabled(id)) => Audited::new(AuditKind::LoginFailed)
                .user(&id)
                .detail("username", tried())
                .detail("reason", "user_disabled"),
            (None, Failure::Unverified(id)) => Audited::new(AuditKind::LoginFailed)
                .user(&id)
                .detail("username", tried())
                .detail("reason", "email_unverified"),
            (None, Failure::None) => Audited::new(AuditKind::LoginFailed),
        };
        self.record(audited, context).await;
        for scope in locks {
            tracing::warn!(scope = %scope, ip = ?context.device.ip, "sign-in locked");
            let policy = self.guard.policy();
            let lockout = match scope {
                LockScope::Account => policy.account.lockout,
                LockScope::Address => policy.address.lockout,
            };
            let mut audited = Audited::new(AuditKind::LoginLocked)
                .detail("username", tried())
                .detail("reason", scope.as_str())
                .detail("lockout", lockout);
            if let Some(id) = &user_id {
                audited = audited.user(id);
            }
            self.record(audited, context).await;
        }
        Ok(match (user, unverified) {
            (Some(user), _) => SignIn::Ok(Box::new(user)),
            (None, Some(user_id)) => SignIn::Unverified { user_id },
            (None, None) => SignIn::Rejected,
        })
    }

    /// Records a sign-in event with where it came from.
    async fn record(&self, audited: Audited, context: &SignInContext<'_>) {
        self.audit.record_or_log(context.describe(audited, AuthMethod::Password), context.now).await;
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
            Some(u) if !u.email_verified && self.users.awaiting_verification(&u.id).await? => {
                (None, Failure::Unverified(u.id))
            }
            Some(u) => (Some(u), Failure::None),
        })
    }

    /// Whether `password` is the current password of the user `user_id`.
    pub async fn check_user(&self, user_id: &str, password: &str) -> Result<bool, StoreError> {
        let stored = self.users.find_active_fresh(user_id).await?.map(|u| u.password_hash);
        self.verify(password, stored).await
    }

    /// A new Argon2id hash of `password` if it meets the password policy
    /// (NIST SP 800-63B §5.1.1.2), computed off the async threads.
    pub async fn hash_new(&self, password: &str) -> Result<Result<String, PasswordProblem>, StoreError> {
        if let Err(problem) = self.passwords.check(password) {
            return Ok(Err(problem));
        }
        self.hash(password).await.map(Ok)
    }

    /// A new Argon2id hash of `password`, computed off the async threads.
    async fn hash(&self, password: &str) -> Result<String, StoreError> {
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
    /// Self-registered, address not verified yet.
    Unverified(String),
}
