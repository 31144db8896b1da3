//! The user's account page (`/account`): signing in to it, the user's live
//! sessions (ending any of them runs the same logout as RP-Initiated
//! Logout, back-channel included), the apps they consented to (withdrawing
//! forgets the consent and kills that app's refresh tokens for them), and
//! changing the password (the current one required; every other session
//! ends), and the user's second factor (`mfa`).

mod mfa;
mod passkeys;

pub use mfa::{AccountSignIn, Confirmation, SecondStep};
pub use passkeys::PasskeyCeremony;

use crate::accounts::PasswordPolicy;
use crate::flows::credentials::{Credentials, SignIn, SignInContext};
use crate::flows::passkeys::PasskeySummary;
use crate::flows::second_factor::{SecondFactor, Status};
use crate::flows::sessions::Sessions;
use crate::protocol::entries::{Authentication, Device, SsoSession};
use crate::protocol::{AuditKind, AuthLevel, AuthMethod, OAuthError, SessionEndReason, UserRecord};
use crate::store::{Audit, Audited, Clients, Consents, Ephemeral, Grants, Users};

/// Everything the page shows.
#[derive(Debug)]
pub struct AccountView {
    pub user: UserRecord,
    /// The session of this browser.
    pub current: SsoSession,
    /// Every live session of the user, newest use first.
    pub sessions: Vec<SsoSession>,
    pub apps: Vec<GrantedApp>,
    /// The user's second factors.
    pub second_factor: Status,
    /// The user's passkeys, oldest first.
    pub passkeys: Vec<PasskeySummary>,
}

/// A client the user consented to.
#[derive(Debug, PartialEq, Eq)]
pub struct GrantedApp {
    pub client_id: String,
    pub name: String,
    pub scopes: Vec<String>,
    pub granted_at: i64,
}

/// What became of a password change.
#[derive(Debug, PartialEq, Eq)]
pub enum PasswordChange {
    Changed {
        other_sessions_ended: usize,
    },
    WrongPassword,
    /// The new password is not acceptable; why, for the user.
    Rejected(String),
}

pub struct AccountFlow {
    credentials: Credentials,
    second_factor: SecondFactor,
    ephemeral: Ephemeral,
    sessions: Sessions,
    users: Users,
    clients: Clients,
    consents: Consents,
    grants: Grants,
    audit: Audit,
}

/// The stores the account page reads and writes.
pub struct AccountStores {
    pub users: Users,
    pub clients: Clients,
    pub consents: Consents,
    pub grants: Grants,
    pub audit: Audit,
    pub second_factor: SecondFactor,
    pub ephemeral: Ephemeral,
}

impl AccountFlow {
    pub fn new(credentials: Credentials, sessions: Sessions, stores: AccountStores) -> AccountFlow {
        let AccountStores { users, clients, consents, grants, audit, second_factor, ephemeral } = stores;
        AccountFlow {
            credentials,
            second_factor,
            ephemeral,
            sessions,
            users,
            clients,
            consents,
            grants,
            audit,
        }
    }

    /// The session behind the cookie, if any.
    pub async fn session(
        &self,
        cookie: Option<&str>,
        device: &Device,
        now: i64,
    ) -> Result<Option<SsoSession>, OAuthError> {
        Ok(self.sessions.find(cookie, device, now).await?)
    }

    /// Signs in to the account page: a new session (or this browser's,
    /// renewed) and its cookie, or the second factor to ask for first.
    pub async fn sign_in(
        &self,
        username: &str,
        password: &str,
        previous_cookie: Option<&str>,
        device: &Device,
        now: i64,
    ) -> Result<AccountSignIn, OAuthError> {
        let context = SignInContext { client_id: None, device, now };
        let user = match self.credentials.sign_in(username, password, &context).await? {
            SignIn::Ok(user) => *user,
            SignIn::Rejected => {
                tracing::info!("failed account sign-in");
                return Ok(AccountSignIn::Rejected);
            }
            SignIn::Throttled { retry_after } => return Ok(AccountSignIn::Throttled { retry_after }),
            SignIn::Unverified { user_id } => return Ok(AccountSignIn::Unverified { user_id }),
        };
        let authentication =
            Authentication { auth_time: now, amr: vec![AuthMethod::Password], acr: AuthLevel::SingleFactor };
        if self.second_factor.factors(&user.id).await?.totp {
            return Ok(AccountSignIn::SecondFactor(
                self.await_second_factor(&user.id, authentication, now).await?,
            ));
        }
        let (cookie, session, _) =
            self.sessions.start(previous_cookie, &user.id, authentication, device, now).await?;
        tracing::info!(user_id = %user.id, sid = %session.sid, "account sign-in");
        Ok(AccountSignIn::Session(cookie))
    }

    /// What a new password must be, for the form's hints.
    pub fn password_policy(&self) -> &PasswordPolicy {
        self.credentials.password_policy()
    }

    pub async fn overview(&self, current: SsoSession, now: i64) -> Result<AccountView, OAuthError> {
        let user = self
            .users
            .find_active(&current.user_id)
            .await?
            .ok_or_else(|| OAuthError::login_required("the account no longer exists"))?;
        let sessions = self.sessions.list(&user.id, now).await?;
        let mut apps = Vec::new();
        for consent in self.consents.list_for_user(&user.id).await? {
            let name = match self.clients.find(&consent.client_id).await? {
                Some(client) => client.display_name().to_string(),
                None => continue,
            };
            let scopes = consent.scope.iter().map(str::to_string).collect();
            apps.push(GrantedApp {
                client_id: consent.client_id,
                name,
                scopes,
                granted_at: consent.granted_at,
            });
        }
        let second_factor = self.second_factor.status(&user.id).await?;
        let passkeys = self.second_factor.passkeys().list(&user.id).await?;
        Ok(AccountView { user, current, sessions, apps, second_factor, passkeys })
    }

    /// Ends one of the user's sessions (this one included); whether it
    /// was theirs and live.
    pub async fn end_session(&self, current: &SsoSession, sid: &str, now: i64) -> Result<bool, OAuthError> {
        let Some(session) = self.sessions.find_by_sid(sid, now).await? else { return Ok(false) };
        if session.user_id != current.user_id {
            return Ok(false);
        }
        self.sessions.end(&session, SessionEndReason::Logout, now).await?;
        Ok(true)
    }

    /// Withdraws the consent given to `client_id`; whether there was one.
    pub async fn withdraw_consent(
        &self,
        current: &SsoSession,
        client_id: &str,
        now: i64,
    ) -> Result<bool, OAuthError> {
        let audited = Audited::new(AuditKind::ConsentWithdrawn).user(&current.user_id).client(client_id);
        Ok(self.grants.withdraw_consent(&current.user_id, client_id, audited, now).await?)
    }

    /// Changes the password after checking the current one; every other
    /// session of the user ends.
    pub async fn change_password(
        &self,
        current: &SsoSession,
        old: &str,
        new: &str,
        now: i64,
    ) -> Result<PasswordChange, OAuthError> {
        if !self.credentials.check_user(&current.user_id, old).await? {
            tracing::info!(user_id = %current.user_id, "password change: wrong current password");
            return Ok(PasswordChange::WrongPassword);
        }
        if new == old {
            return Ok(PasswordChange::Rejected("The new password must differ from the current one.".into()));
        }
        let hash = match self.credentials.hash_new(new).await? {
            Ok(hash) => hash,
            Err(problem) => return Ok(PasswordChange::Rejected(problem.to_string())),
        };
        if !self.users.set_password(&current.user_id, hash, now).await? {
            return Err(OAuthError::login_required("the account no longer exists"));
        }
        let mut ended = 0;
        for session in self.sessions.list(&current.user_id, now).await? {
            if session.sid != current.sid {
                self.sessions.end(&session, SessionEndReason::PasswordChanged, now).await?;
                ended += 1;
            }
        }
        let audited = Audited::new(AuditKind::PasswordChanged)
            .user(&current.user_id)
            .detail("other_sessions_ended", ended);
        self.audit.record(audited, now).await?;
        Ok(PasswordChange::Changed { other_sessions_ended: ended })
    }
}
