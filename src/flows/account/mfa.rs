//! The account page's second factor: signing in with it (after the
//! password, before any session), setting up TOTP (the secret kept for
//! the session until a code confirms it), new recovery codes and turning
//! it off (both with the current password).

use super::AccountFlow;
use crate::crypto::random_token;
use crate::flows::second_factor::{Answer, Enrollment, SecondFactor, Verdict};
use crate::protocol::entries::{Authentication, Device, PendingSignIn, SsoSession, TotpEnrollment};
use crate::protocol::mfa::{ONE_TIME_CODE, with_second_factor};
use crate::protocol::{AuthLevel, OAuthError};

/// How long the second step of a sign-in, and a TOTP set-up, wait (seconds).
const STEP_TTL: i64 = 600;
/// Wrong codes one second step accepts before the user starts again.
const MAX_STEP_FAILURES: u32 = 5;

/// What became of the sign-in form.
#[derive(Debug)]
pub enum AccountSignIn {
    /// Signed in: the session cookie.
    Session(String),
    /// The password was right; the second factor comes next (the id the
    /// code form carries).
    SecondFactor(String),
    /// Wrong credentials.
    Rejected,
    /// Too many failed sign-ins: refused unchecked.
    Throttled { retry_after: u64 },
    /// The right password of a self-registered account whose address is
    /// not verified yet.
    Unverified { user_id: String },
}

/// What became of the second step of a sign-in.
#[derive(Debug)]
pub enum SecondStep {
    Session(String),
    /// Wrong code: the form again (same id).
    Wrong(String),
    Throttled(String),
    /// Gone: expired, or too many wrong codes.
    Expired,
}

/// What became of a TOTP set-up's confirmation code.
#[derive(Debug)]
pub enum Confirmation {
    /// On: the recovery codes, shown once.
    Done(Vec<String>),
    /// Wrong code: the set-up page again.
    Wrong(String, Enrollment),
    Expired,
}

impl AccountFlow {
    pub(super) async fn await_second_factor(
        &self,
        user_id: &str,
        first_factor: Authentication,
        now: i64,
    ) -> Result<String, OAuthError> {
        let id = random_token(32);
        let pending = PendingSignIn {
            user_id: user_id.to_string(),
            first_factor,
            failures: 0,
            expires_at: now + STEP_TTL,
        };
        self.ephemeral.put(&id, &pending, now).await?;
        Ok(id)
    }

    /// The second step of a sign-in `id`: a session once the code is right.
    pub async fn second_step(
        &self,
        id: &str,
        answer: Answer<'_>,
        previous_cookie: Option<&str>,
        device: &Device,
        now: i64,
    ) -> Result<SecondStep, OAuthError> {
        if id.len() != 43 {
            return Ok(SecondStep::Expired);
        }
        let Some(pending) = self.ephemeral.get::<PendingSignIn>(id).await? else {
            return Ok(SecondStep::Expired);
        };
        match self.second_factor.verify(&pending.user_id, answer, now).await? {
            Verdict::Accepted => {}
            Verdict::Throttled => return Ok(SecondStep::Throttled(id.to_string())),
            Verdict::Wrong => {
                let failures = pending.failures + 1;
                if failures >= MAX_STEP_FAILURES {
                    self.ephemeral.delete::<PendingSignIn>(id).await?;
                    return Ok(SecondStep::Expired);
                }
                let next = PendingSignIn { failures, ..pending.clone() };
                self.ephemeral.swap(id, &pending, &next, now).await?;
                return Ok(SecondStep::Wrong(id.to_string()));
            }
        }
        let Some(pending) = self.ephemeral.take::<PendingSignIn>(id).await? else {
            return Ok(SecondStep::Expired);
        };
        let authentication = Authentication {
            auth_time: pending.first_factor.auth_time,
            amr: with_second_factor(&pending.first_factor.amr, ONE_TIME_CODE),
            acr: AuthLevel::MultiFactor,
        };
        let (cookie, session, _) =
            self.sessions.start(previous_cookie, &pending.user_id, authentication, device, now).await?;
        tracing::info!(user_id = %pending.user_id, sid = %session.sid, "account sign-in with a second factor");
        Ok(SecondStep::Session(cookie))
    }

    /// Starts setting up TOTP: the id of the set-up and what to show.
    pub async fn begin_totp(
        &self,
        current: &SsoSession,
        now: i64,
    ) -> Result<(String, Enrollment), OAuthError> {
        let user = self
            .users
            .find_active(&current.user_id)
            .await?
            .ok_or_else(|| OAuthError::login_required("the account no longer exists"))?;
        let secret = SecondFactor::new_secret();
        let enrollment = self
            .second_factor
            .enrollment(&secret, &user.username)
            .ok_or_else(|| OAuthError::server_error("cannot make a TOTP secret"))?;
        let id = random_token(32);
        let entry =
            TotpEnrollment { sid: current.sid.clone(), user_id: user.id, secret, expires_at: now + STEP_TTL };
        self.ephemeral.put(&id, &entry, now).await?;
        Ok((id, enrollment))
    }

    /// Confirms the set-up `id` with a code from the user's app.
    pub async fn confirm_totp(
        &self,
        current: &SsoSession,
        id: &str,
        code: &str,
        now: i64,
    ) -> Result<Confirmation, OAuthError> {
        let found = match id.len() {
            43 => self.ephemeral.get::<TotpEnrollment>(id).await?,
            _ => None,
        };
        let Some(entry) = found.filter(|e| e.sid == current.sid && e.user_id == current.user_id) else {
            return Ok(Confirmation::Expired);
        };
        match self.second_factor.confirm(&entry.user_id, &entry.secret, code, now).await? {
            Some(codes) => {
                self.ephemeral.delete::<TotpEnrollment>(id).await?;
                Ok(Confirmation::Done(codes))
            }
            None => {
                let user = self.users.find_active(&entry.user_id).await?;
                let account = user.map(|u| u.username).unwrap_or_default();
                match self.second_factor.enrollment(&entry.secret, &account) {
                    Some(enrollment) => Ok(Confirmation::Wrong(id.to_string(), enrollment)),
                    None => Ok(Confirmation::Expired),
                }
            }
        }
    }

    /// Ten new recovery codes, after the current password; `None` when the
    /// password is wrong or the user has no second factor.
    pub async fn new_recovery_codes(
        &self,
        current: &SsoSession,
        password: &str,
        now: i64,
    ) -> Result<Option<Vec<String>>, OAuthError> {
        if !self.credentials.check_user(&current.user_id, password).await?
            || !self.second_factor.factors(&current.user_id).await?.totp
        {
            return Ok(None);
        }
        Ok(Some(self.second_factor.new_recovery_codes(&current.user_id, now).await?))
    }

    /// Turns the second factor off, after the current password; whether
    /// it was.
    pub async fn remove_second_factor(
        &self,
        current: &SsoSession,
        password: &str,
        now: i64,
    ) -> Result<bool, OAuthError> {
        if !self.credentials.check_user(&current.user_id, password).await? {
            return Ok(false);
        }
        Ok(self.second_factor.remove(&current.user_id, "user", now).await?)
    }
}
