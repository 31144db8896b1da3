//! The MFA prompt's answers: a TOTP code or a recovery code after the
//! password (no session exists yet), or as a step-up of the browser's
//! session; a user without a second factor whom the request needs one
//! from sets up TOTP here, then sees their recovery codes once before
//! carrying on. At most [`MAX_PAGE_FAILURES`] wrong codes per page, and
//! the per-user limit of `SecondFactor` across pages.

use crate::flows::interaction::{InteractionFlow, StepOutcome};
use crate::flows::second_factor::{Answer, Verdict};
use crate::protocol::entries::{Authentication, Device, Interaction, MfaStep, SsoSession};
use crate::protocol::interaction::PromptName;
use crate::protocol::mfa::{ONE_TIME_CODE, with_second_factor};
use crate::protocol::{AuthLevel, AuthMethod, OAuthError};
use crate::store::StoreError;

/// Who a second-factor step is for.
pub(super) enum StepOwner {
    /// A login in progress (the password was right; no session yet).
    Login,
    /// A step-up of this session.
    Session(Box<SsoSession>),
    /// The step-up's session ended, or is another user's now.
    Gone,
}

/// Wrong codes one second-factor page accepts before the user starts again.
pub const MAX_PAGE_FAILURES: u32 = 5;

impl InteractionFlow {
    /// The second-factor page's answer for interaction `id`.
    pub async fn second_factor(
        &self,
        id: &str,
        answer: Answer<'_>,
        cookie: Option<&str>,
        device: &Device,
        now: i64,
    ) -> StepOutcome {
        let interaction = match self.find(id, PromptName::Mfa).await {
            Ok(Some(found)) => found,
            Ok(None) => return StepOutcome::Expired,
            Err(e) => return StepOutcome::Failed(e.into()),
        };
        let Some(step) = interaction.mfa.clone().filter(|s| !s.done) else { return StepOutcome::Expired };
        let session = match self.step_owner(&step, cookie, device, now).await {
            Ok(StepOwner::Login) => None,
            Ok(StepOwner::Session(session)) => Some(*session),
            Ok(StepOwner::Gone) => return self.restart_login(id, now).await,
            Err(e) => return StepOutcome::Failed(e.into()),
        };
        let verdict = match (&step.enrolling, answer) {
            (Some(secret), Answer::Totp(code)) => {
                match self.second_factor.confirm(&step.user_id, secret, code, now).await {
                    Ok(Some(codes)) => Ok(codes),
                    Ok(None) => Err(Verdict::Wrong),
                    Err(e) => return StepOutcome::Failed(e.into()),
                }
            }
            (Some(_), Answer::RecoveryCode(_)) => Err(Verdict::Wrong),
            (None, answer) => match self.second_factor.verify(&step.user_id, answer, now).await {
                Ok(Verdict::Accepted) => Ok(Vec::new()),
                Ok(other) => Err(other),
                Err(e) => return StepOutcome::Failed(e.into()),
            },
        };
        let codes = match verdict {
            Ok(codes) => codes,
            Err(Verdict::Throttled) => return StepOutcome::CodeThrottled(self.view(id, &interaction)),
            Err(_) => return self.count_failure(id, interaction, step, now).await,
        };
        self.second_factor_given(id, step, session, ONE_TIME_CODE, codes, cookie, device, now).await
    }

    /// For a step-up, the browser's session, which must still be the
    /// step's user's.
    pub(super) async fn step_owner(
        &self,
        step: &MfaStep,
        cookie: Option<&str>,
        device: &Device,
        now: i64,
    ) -> Result<StepOwner, StoreError> {
        if step.first_factor.is_some() {
            return Ok(StepOwner::Login);
        }
        Ok(match self.sessions.find(cookie, device, now).await? {
            Some(session) if session.user_id == step.user_id => StepOwner::Session(Box::new(session)),
            _ => StepOwner::Gone,
        })
    }

    /// A second factor (`added`, its `amr`) was given for the step: the
    /// session starts (or is stepped up) and the authorization carries on,
    /// after showing `codes` (new recovery codes) when there are any.
    #[allow(clippy::too_many_arguments)]
    pub(super) async fn second_factor_given(
        &self,
        id: &str,
        step: MfaStep,
        session: Option<SsoSession>,
        added: &[AuthMethod],
        codes: Vec<String>,
        cookie: Option<&str>,
        device: &Device,
        now: i64,
    ) -> StepOutcome {
        let mut interaction = match self.ephemeral.take::<Interaction>(id).await {
            Ok(Some(taken)) => taken,
            Ok(None) => return StepOutcome::AlreadyCompleted,
            Err(e) => return StepOutcome::Failed(e.into()),
        };
        let authentication = match (&step.first_factor, &session) {
            (Some(first), _) => Authentication {
                auth_time: first.auth_time,
                amr: with_second_factor(&first.amr, added),
                acr: AuthLevel::MultiFactor,
            },
            (None, Some(session)) => Authentication {
                auth_time: now,
                amr: with_second_factor(&session.authentication.amr, added),
                acr: AuthLevel::MultiFactor,
            },
            (None, None) => return StepOutcome::Expired,
        };
        let started =
            self.start_session(&interaction, cookie, &step.user_id, authentication, device, now).await;
        let (session_cookie, session) = match started {
            Ok(started) => started,
            Err(failed) => return failed,
        };
        tracing::info!(user_id = %step.user_id, sid = %session.sid, client_id = %interaction.request.client_id, "second factor given");
        if step.first_factor.is_some() {
            interaction.completed.push(PromptName::Login);
        }
        interaction.completed.push(PromptName::Mfa);
        if !codes.is_empty() {
            // Just set up: the recovery codes are shown once, then a
            // button carries on (`continue_after_codes`).
            interaction.mfa = Some(MfaStep { done: true, enrolling: None, ..step });
            return self.store_step_with(interaction, codes, Some(session_cookie), now).await;
        }
        let next =
            self.authorize.proceed(interaction.request, Some(&session), &interaction.completed, now).await;
        StepOutcome::Next { session_cookie: Some(session_cookie), next }
    }

    /// "Continue" on the page that showed the new recovery codes.
    pub async fn continue_after_codes(
        &self,
        id: &str,
        cookie: Option<&str>,
        device: &Device,
        now: i64,
    ) -> StepOutcome {
        match self.find(id, PromptName::Mfa).await {
            Ok(Some(found)) if found.mfa.as_ref().is_some_and(|s| s.done) => {}
            Ok(_) => return StepOutcome::Expired,
            Err(e) => return StepOutcome::Failed(e.into()),
        }
        let session = match self.sessions.find(cookie, device, now).await {
            Ok(session) => session,
            Err(e) => return StepOutcome::Failed(e.into()),
        };
        let interaction = match self.ephemeral.take::<Interaction>(id).await {
            Ok(Some(taken)) => taken,
            Ok(None) => return StepOutcome::AlreadyCompleted,
            Err(e) => return StepOutcome::Failed(e.into()),
        };
        let next =
            self.authorize.proceed(interaction.request, session.as_ref(), &interaction.completed, now).await;
        StepOutcome::Next { session_cookie: None, next }
    }

    /// A wrong code: counted on the page, which is gone after the last one.
    pub(super) async fn count_failure(
        &self,
        id: &str,
        current: Interaction,
        step: MfaStep,
        now: i64,
    ) -> StepOutcome {
        let failures = step.failures + 1;
        if failures >= MAX_PAGE_FAILURES {
            return match self.ephemeral.delete::<Interaction>(id).await {
                Ok(()) => StepOutcome::TooManyAttempts,
                Err(e) => StepOutcome::Failed(e.into()),
            };
        }
        let next = Interaction { mfa: Some(MfaStep { failures, ..step }), ..current.clone() };
        match self.ephemeral.swap(id, &current, &next, now).await {
            Ok(true) => StepOutcome::Rejected(self.view(id, &next)),
            // Another answer to this page changed it first.
            Ok(false) => StepOutcome::AlreadyCompleted,
            Err(e) => StepOutcome::Failed(e.into()),
        }
    }

    /// The session the step-up was for has ended (or is another user's):
    /// the policy asks for a login again.
    pub(super) async fn restart_login(&self, id: &str, now: i64) -> StepOutcome {
        match self.ephemeral.take::<Interaction>(id).await {
            Ok(Some(interaction)) => {
                let next = self.authorize.proceed(interaction.request, None, &[], now).await;
                StepOutcome::Next { session_cookie: None, next }
            }
            Ok(None) => StepOutcome::AlreadyCompleted,
            Err(e) => StepOutcome::Failed(OAuthError::from(e)),
        }
    }
}
