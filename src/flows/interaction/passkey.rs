//! Passkeys in the interaction: "Sign in with a passkey" on the login page
//! (no username: the passkey says whose it is, and counts as two factors,
//! WebAuthn user verification being required), and a passkey as the
//! second factor on the MFA page. The page first asks for a ceremony
//! (`passkey_options`), kept in the interaction itself (no state beyond
//! the page's), then posts the browser's answer (`passkey`), which uses
//! the ceremony up whatever the answer. Wrong answers count against the
//! page like wrong passwords and codes.

use crate::flows::credentials::SignInContext;
use crate::flows::interaction::mfa::StepOwner;
use crate::flows::interaction::{InteractionFlow, StepOutcome};
use crate::flows::passkeys::{PasskeyError, Verified};
use crate::protocol::OAuthError;
use crate::protocol::entries::{Device, Interaction};
use crate::protocol::interaction::PromptName;

/// The options for the browser's passkey ceremony.
#[derive(Debug)]
pub enum PasskeyOptions {
    /// `navigator.credentials.get()`'s options (JSON).
    Ready(serde_json::Value),
    /// No such page (expired, answered, or not one that takes a passkey).
    Expired,
    /// Passkeys are off, or the user has none.
    Unavailable,
    Failed(OAuthError),
}

impl InteractionFlow {
    /// The interaction `id` if its page takes a passkey: the login page,
    /// or a second-factor page still waiting for its answer.
    async fn passkey_page(&self, id: &str) -> Result<Option<Interaction>, OAuthError> {
        for prompt in [PromptName::Login, PromptName::Mfa] {
            if let Some(found) = self.find(id, prompt).await? {
                let waiting = prompt == PromptName::Login || found.mfa.as_ref().is_some_and(|s| !s.done);
                return Ok(waiting.then_some(found));
            }
        }
        Ok(None)
    }

    /// Starts a passkey ceremony for page `id` (replacing any earlier one).
    pub async fn passkey_options(&self, id: &str, now: i64) -> PasskeyOptions {
        let current = match self.passkey_page(id).await {
            Ok(Some(found)) => found,
            Ok(None) => return PasskeyOptions::Expired,
            Err(e) => return PasskeyOptions::Failed(e),
        };
        let passkeys = self.second_factor.passkeys();
        let ceremony = match &current.mfa {
            None => passkeys.sign_in_ceremony().map(Some),
            Some(step) => passkeys.second_factor_ceremony(&step.user_id).await,
        };
        let ceremony = match ceremony {
            Ok(Some(ceremony)) => ceremony,
            Ok(None) | Err(PasskeyError::Unavailable) => return PasskeyOptions::Unavailable,
            Err(PasskeyError::Store(e)) => return PasskeyOptions::Failed(e.into()),
            Err(_) => {
                return PasskeyOptions::Failed(OAuthError::server_error("cannot start a passkey ceremony"));
            }
        };
        let next = Interaction { passkey_state: Some(ceremony.state), ..current.clone() };
        match self.ephemeral.swap(id, &current, &next, now).await {
            Ok(true) => PasskeyOptions::Ready(ceremony.options),
            // The page was answered or changed meanwhile.
            Ok(false) => PasskeyOptions::Expired,
            Err(e) => PasskeyOptions::Failed(e.into()),
        }
    }

    /// The browser's answer (`response`, JSON) to page `id`'s ceremony.
    pub async fn passkey(
        &self,
        id: &str,
        response: &str,
        cookie: Option<&str>,
        device: &Device,
        now: i64,
    ) -> StepOutcome {
        let current = match self.passkey_page(id).await {
            Ok(Some(found)) => found,
            Ok(None) => return StepOutcome::Expired,
            Err(e) => return StepOutcome::Failed(e),
        };
        let Some(state) = current.passkey_state.clone() else {
            return StepOutcome::Rejected(self.view(id, &current));
        };
        // Used once, whatever the answer.
        let cleared = Interaction { passkey_state: None, ..current.clone() };
        match self.ephemeral.swap(id, &current, &cleared, now).await {
            Ok(true) => {}
            Ok(false) => return StepOutcome::AlreadyCompleted,
            Err(e) => return StepOutcome::Failed(e.into()),
        }
        let passkeys = self.second_factor.passkeys();
        let Some(step) = cleared.mfa.clone() else {
            let client_id = cleared.request.client_id.clone();
            let context = SignInContext { client_id: Some(&client_id), device, now };
            return match passkeys.sign_in(&state, response, &context).await {
                Ok(verified) => self.signed_in_with_passkey(id, verified, cookie, device, now).await,
                Err(PasskeyError::Store(e)) => StepOutcome::Failed(e.into()),
                Err(_) => self.rejected(id, &cleared, now).await,
            };
        };
        let session = match self.step_owner(&step, cookie, device, now).await {
            Ok(StepOwner::Login) => None,
            Ok(StepOwner::Session(session)) => Some(*session),
            Ok(StepOwner::Gone) => return self.restart_login(id, now).await,
            Err(e) => return StepOutcome::Failed(e.into()),
        };
        match passkeys.second_factor(&step.user_id, &state, response, now).await {
            Ok(methods) => {
                self.second_factor_given(id, step, session, &methods, Vec::new(), cookie, device, now).await
            }
            Err(PasskeyError::Store(e)) => StepOutcome::Failed(e.into()),
            Err(_) => self.count_failure(id, cleared, step, now).await,
        }
    }

    /// A passkey alone signed the user in: the session starts at two
    /// factors, so a second-factor prompt is answered too.
    async fn signed_in_with_passkey(
        &self,
        id: &str,
        verified: Verified,
        previous_cookie: Option<&str>,
        device: &Device,
        now: i64,
    ) -> StepOutcome {
        let mut interaction = match self.ephemeral.take::<Interaction>(id).await {
            Ok(Some(taken)) => taken,
            Ok(None) => return StepOutcome::AlreadyCompleted,
            Err(e) => return StepOutcome::Failed(e.into()),
        };
        let authentication = verified.authentication(now);
        let user_id = verified.user.id;
        let started =
            self.start_session(&interaction, previous_cookie, &user_id, authentication, device, now).await;
        let (session_cookie, session) = match started {
            Ok(started) => started,
            Err(failed) => return failed,
        };
        tracing::info!(user_id = %user_id, sid = %session.sid, client_id = %interaction.request.client_id, "login with a passkey");
        interaction.completed.extend([PromptName::Login, PromptName::Mfa]);
        let next =
            self.authorize.proceed(interaction.request, Some(&session), &interaction.completed, now).await;
        StepOutcome::Next { session_cookie: Some(session_cookie), next }
    }
}
