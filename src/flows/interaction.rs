//! The browser interaction: what the user submits for a prompt (login,
//! consent), and the authorization that then continues. Login checks the credentials (the
//! same Argon2 work and the same answer for unknown users and wrong
//! passwords), starts a new SSO session, and hands the interaction back to
//! the authorize flow, which issues the code or asks for the next prompt.

use std::sync::Arc;

use crate::flows::authorize::{AuthorizeFlow, AuthorizeOutcome, InteractionView};
use crate::flows::credentials::{Credentials, Refused, SignInContext};
use crate::flows::sessions::Sessions;
use crate::protocol::AuditKind;
use crate::protocol::entries::{Authentication, Device, Interaction};
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
    /// Wrong credentials: show the form again.
    Rejected(InteractionView),
    /// The right password of a self-registered account whose address is
    /// not verified yet: the form again, saying so.
    Unverified { view: InteractionView, user_id: String },
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
    consents: Consents,
    sessions: Sessions,
    authorize: Arc<AuthorizeFlow>,
    audit: Audit,
}

impl InteractionFlow {
    pub fn new(
        ephemeral: Ephemeral,
        credentials: Credentials,
        consents: Consents,
        sessions: Sessions,
        authorize: Arc<AuthorizeFlow>,
        audit: Audit,
    ) -> InteractionFlow {
        InteractionFlow { ephemeral, credentials, consents, sessions, authorize, audit }
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
            Ok(Ok(user)) => user,
            Ok(Err(Refused::Unverified { user_id })) => {
                return StepOutcome::Unverified { view: view(id, &interaction), user_id };
            }
            Ok(Err(Refused::Invalid)) => {
                tracing::info!(client_id = %interaction.request.client_id, "failed login");
                return StepOutcome::Rejected(view(id, &interaction));
            }
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
        let started = self.sessions.start(previous_cookie, &user.id, authentication, device, now).await;
        let (session_cookie, session) = match started {
            Ok((cookie, session, _replaced)) => (cookie, session),
            Err(e) => {
                let next = AuthorizeOutcome::client_error(&interaction.request, e.into());
                return StepOutcome::Next { session_cookie: None, next };
            }
        };
        tracing::info!(user_id = %user.id, sid = %session.sid, client_id = %interaction.request.client_id, "login");
        interaction.completed.push(PromptName::Login);
        let next =
            self.authorize.proceed(interaction.request, Some(&session), &interaction.completed, now).await;
        StepOutcome::Next { session_cookie: Some(session_cookie), next }
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
        let audited = Audited::new(kind)
            .user(&session.user_id)
            .client(&request.client_id)
            .detail("scope", request.scope.to_string());
        if !allow {
            self.audit.record_or_log(audited, now).await;
            tracing::info!(user_id = %session.user_id, client_id = %request.client_id, "consent denied");
            let denied = OAuthError::access_denied("the user denied the request");
            return StepOutcome::Next {
                session_cookie: None,
                next: self.authorize.refuse(&request, denied, now).await,
            };
        }
        if let Err(e) = self.consents.grant(&session.user_id, &request.client_id, &request.scope, now).await {
            return StepOutcome::Next {
                session_cookie: None,
                next: AuthorizeOutcome::client_error(&request, e.into()),
            };
        }
        self.audit.record_or_log(audited, now).await;
        tracing::info!(user_id = %session.user_id, client_id = %request.client_id, scope = %request.scope, "consent granted");
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
}

fn view(id: &str, interaction: &Interaction) -> InteractionView {
    InteractionView {
        id: id.to_string(),
        prompt: interaction.prompt,
        client_id: interaction.request.client_id.clone(),
        client_name: interaction.client_name.clone(),
        scopes: interaction.request.scope.iter().map(str::to_string).collect(),
        login_hint: interaction.request.login_hint.clone(),
    }
}
