//! The browser interaction: what the user submits for a prompt (login,
//! second factor, consent), and the authorization that then continues.
//! Login checks the credentials (the same Argon2 work and the same answer
//! for unknown users and wrong passwords); a user with a second factor, or
//! one the request needs a second factor from, gives it next (`mfa`)
//! before any session exists. Then the SSO session starts and the
//! interaction goes back to the authorize flow, which issues the code or
//! asks for the next prompt.

mod mfa;
mod passkey;

pub use passkey::PasskeyOptions;

use std::sync::Arc;

use crate::crypto::random_token;
use crate::flows::authorize::{AuthorizeFlow, AuthorizeOutcome, InteractionView, MfaView};
use crate::flows::credentials::{Credentials, SignIn, SignInContext};
use crate::flows::second_factor::SecondFactor;
use crate::flows::sessions::Sessions;
use crate::protocol::AuditKind;
use crate::protocol::entries::{Authentication, Device, Interaction, SsoSession};
use crate::protocol::interaction::PromptName;
use crate::protocol::{AuthLevel, AuthMethod, OAuthError};
use crate::store::{Audit, Audited, Consents, Ephemeral, StoreError};

/// Interaction ids are 32 random bytes, base64url: 43 characters.
const ID_LEN: usize = 43;

/// What became of a prompt's form submission.
#[derive(Debug)]
pub enum StepOutcome {
    /// No such interaction (expired, never issued, or at another prompt).
    Expired,
    /// Wrong credentials (or second factor): show the form again.
    Rejected(InteractionView),
    /// Too many failed sign-ins for the username or address: the form
    /// again, the password unchecked (NIST SP 800-63B §5.2.2).
    Throttled { view: InteractionView, retry_after: u64 },
    /// Too many wrong second-factor codes for this user lately.
    CodeThrottled(InteractionView),
    /// The right password of a self-registered account whose address is
    /// not verified yet: the form again, saying so.
    Unverified { view: InteractionView, user_id: String },
    /// Too many wrong answers on this page (`login.max_attempts_per_page`
    /// passwords, or second-factor codes): the interaction is gone.
    TooManyAttempts,
    /// A concurrent submission of the same form won.
    AlreadyCompleted,
    /// Carry on with the authorization; after a login, with the new
    /// session's cookie to set.
    Next { session_cookie: Option<String>, next: AuthorizeOutcome },
    /// The service failed before anything was decided.
    Failed(OAuthError),
}

pub struct InteractionFlow {
    ephemeral: Ephemeral,
    credentials: Credentials,
    second_factor: SecondFactor,
    consents: Consents,
    sessions: Sessions,
    authorize: Arc<AuthorizeFlow>,
    audit: Audit,
}

/// What the interaction flow reads and writes besides the authorize flow.
pub struct InteractionParts {
    pub ephemeral: Ephemeral,
    pub credentials: Credentials,
    pub second_factor: SecondFactor,
    pub consents: Consents,
    pub sessions: Sessions,
    pub audit: Audit,
}

impl InteractionFlow {
    pub fn new(parts: InteractionParts, authorize: Arc<AuthorizeFlow>) -> InteractionFlow {
        let InteractionParts { ephemeral, credentials, second_factor, consents, sessions, audit } = parts;
        InteractionFlow { ephemeral, credentials, second_factor, consents, sessions, authorize, audit }
    }

    /// The login prompt's submission for interaction `id`.
    pub async fn login(
        &self,
        id: &str,
        username: &str,
        password: &str,
        previous_cookie: Option<&str>,
        device: &Device,
        now: i64,
    ) -> StepOutcome {
        let interaction = match self.find(id, PromptName::Login).await {
            Ok(Some(found)) => found,
            Ok(None) => return StepOutcome::Expired,
            Err(e) => return StepOutcome::Failed(e.into()),
        };
        let context = SignInContext { client_id: Some(&interaction.request.client_id), device, now };
        let user = match self.credentials.sign_in(username, password, &context).await {
            Ok(SignIn::Ok(user)) => *user,
            Ok(SignIn::Rejected) => return self.rejected(id, &interaction, now).await,
            Ok(SignIn::Throttled { retry_after }) => {
                return StepOutcome::Throttled { view: self.view(id, &interaction), retry_after };
            }
            Ok(SignIn::Unverified { user_id }) => {
                return StepOutcome::Unverified { view: self.view(id, &interaction), user_id };
            }
            Err(e) => return StepOutcome::Failed(e.into()),
        };
        let factors = match self.second_factor.factors(&user.id).await {
            Ok(factors) => factors,
            Err(e) => return StepOutcome::Failed(e.into()),
        };
        // Single use: a second submission of the same form finds nothing.
        let mut interaction = match self.ephemeral.take::<Interaction>(id).await {
            Ok(Some(taken)) => taken,
            Ok(None) => return StepOutcome::AlreadyCompleted,
            Err(e) => return StepOutcome::Failed(e.into()),
        };
        let authentication =
            Authentication { auth_time: now, amr: vec![AuthMethod::Password], acr: AuthLevel::SingleFactor };
        // TOTP is asked for at every password sign-in; a passkey only where
        // two factors are required (it signs in on its own otherwise).
        if factors.totp || interaction.mfa_required {
            // The second factor comes before any session: a page of its own
            // under a new id, so this login form cannot be posted again.
            interaction.prompt = PromptName::Mfa;
            interaction.mfa = Some(SecondFactor::step(user, Some(authentication), factors));
            return self.store_step(interaction, now).await;
        }
        let started =
            self.start_session(&interaction, previous_cookie, &user.id, authentication, device, now).await;
        let (session_cookie, session) = match started {
            Ok(started) => started,
            Err(failed) => return failed,
        };
        tracing::info!(user_id = %user.id, sid = %session.sid, client_id = %interaction.request.client_id, "login");
        interaction.completed.push(PromptName::Login);
        let next =
            self.authorize.proceed(interaction.request, Some(&session), &interaction.completed, now).await;
        StepOutcome::Next { session_cookie: Some(session_cookie), next }
    }

    /// A wrong password: the form again, until the page has used up
    /// `login.max_attempts_per_page`; then the interaction ends.
    async fn rejected(&self, id: &str, interaction: &Interaction, now: i64) -> StepOutcome {
        tracing::info!(client_id = %interaction.request.client_id, "failed login");
        match self.credentials.guard().page_failed(id, interaction.expires_at, now).await {
            Ok(false) => StepOutcome::Rejected(self.view(id, interaction)),
            Ok(true) => match self.ephemeral.delete::<Interaction>(id).await {
                Ok(()) => StepOutcome::TooManyAttempts,
                Err(e) => StepOutcome::Failed(e.into()),
            },
            Err(e) => StepOutcome::Failed(e.into()),
        }
    }

    /// The consent prompt's answer for interaction `id`: recorded for the
    /// session's user, then the authorization carries on; a refusal is
    /// `access_denied` for the client (OIDC Core §3.1.2.6).
    pub async fn consent(
        &self,
        id: &str,
        allow: bool,
        cookie: Option<&str>,
        device: &Device,
        now: i64,
    ) -> StepOutcome {
        match self.find(id, PromptName::Consent).await {
            Ok(Some(_)) => {}
            Ok(None) => return StepOutcome::Expired,
            Err(e) => return StepOutcome::Failed(e.into()),
        }
        let session = match self.sessions.find(cookie, device, now).await {
            Ok(session) => session,
            Err(e) => return StepOutcome::Failed(e.into()),
        };
        let mut interaction = match self.ephemeral.take::<Interaction>(id).await {
            Ok(Some(taken)) => taken,
            Ok(None) => return StepOutcome::AlreadyCompleted,
            Err(e) => return StepOutcome::Failed(e.into()),
        };
        let request = interaction.request;
        let Some(session) = session else {
            // The session ended meanwhile: the policy asks for a login again.
            let next = self.authorize.proceed(request, None, &interaction.completed, now).await;
            return StepOutcome::Next { session_cookie: None, next };
        };
        let kind = if allow { AuditKind::ConsentGranted } else { AuditKind::ConsentDenied };
        // The scope and the scopes of claims asked for by name (OIDC Core §5.5).
        let scope = request.consent_scope();
        let audited = Audited::new(kind)
            .user(&session.user_id)
            .client(&request.client_id)
            .detail("scope", scope.to_string());
        if !allow {
            self.audit.record_or_log(audited, now).await;
            tracing::info!(user_id = %session.user_id, client_id = %request.client_id, "consent denied");
            let denied = OAuthError::access_denied("the user denied the request");
            return StepOutcome::Next {
                session_cookie: None,
                next: self.authorize.refuse(&request, denied, now).await,
            };
        }
        if let Err(e) = self.consents.grant(&session.user_id, &request.client_id, &scope, now).await {
            return StepOutcome::Next {
                session_cookie: None,
                next: AuthorizeOutcome::client_error(&request, e.into()),
            };
        }
        self.audit.record_or_log(audited, now).await;
        tracing::info!(user_id = %session.user_id, client_id = %request.client_id, %scope, "consent granted");
        interaction.completed.push(PromptName::Consent);
        let next = self.authorize.proceed(request, Some(&session), &interaction.completed, now).await;
        StepOutcome::Next { session_cookie: None, next }
    }

    /// The interaction `id`, if it is waiting for `prompt`.
    async fn find(&self, id: &str, prompt: PromptName) -> Result<Option<Interaction>, StoreError> {
        if id.len() != ID_LEN {
            return Ok(None);
        }
        let found: Option<Interaction> = self.ephemeral.get(id).await?;
        Ok(found.filter(|i| i.prompt == prompt))
    }

    fn view(&self, id: &str, interaction: &Interaction) -> InteractionView {
        InteractionView::of(id, interaction, &self.second_factor)
    }

    /// Starts the session of `user_id` (or renews this browser's) for the
    /// interaction: its cookie and the session, or the client's error.
    async fn start_session(
        &self,
        interaction: &Interaction,
        previous_cookie: Option<&str>,
        user_id: &str,
        authentication: Authentication,
        device: &Device,
        now: i64,
    ) -> Result<(String, SsoSession), StepOutcome> {
        match self.sessions.start(previous_cookie, user_id, authentication, device, now).await {
            Ok((cookie, session, _replaced)) => Ok((cookie, session)),
            Err(e) => Err(StepOutcome::Next {
                session_cookie: None,
                next: AuthorizeOutcome::client_error(&interaction.request, e.into()),
            }),
        }
    }

    /// Stores the interaction's next page under a fresh id and shows it.
    async fn store_step(&self, interaction: Interaction, now: i64) -> StepOutcome {
        self.store_step_with(interaction, Vec::new(), None, now).await
    }

    /// [`store_step`](Self::store_step), showing `codes` (new recovery
    /// codes) and setting `session_cookie`.
    async fn store_step_with(
        &self,
        interaction: Interaction,
        codes: Vec<String>,
        session_cookie: Option<String>,
        now: i64,
    ) -> StepOutcome {
        let id = random_token(32);
        let interaction = Interaction {
            expires_at: interaction.expires_at.max(now + MFA_PAGE_TTL),
            passkey_state: None,
            ..interaction
        };
        if let Err(e) = self.ephemeral.put(&id, &interaction, now).await {
            return StepOutcome::Next {
                session_cookie,
                next: AuthorizeOutcome::client_error(&interaction.request, e.into()),
            };
        }
        let mut view = self.view(&id, &interaction);
        if let Some(mfa) = view.mfa.as_mut() {
            mfa.recovery_codes = codes;
        } else if !codes.is_empty() {
            view.mfa = Some(MfaView { recovery_codes: codes, ..MfaView::default() });
        }
        StepOutcome::Next { session_cookie, next: AuthorizeOutcome::Interact(view) }
    }
}

/// A second-factor page stays usable at least this long (seconds), even
/// when the login page it came from was about to expire.
const MFA_PAGE_TTL: i64 = 300;
