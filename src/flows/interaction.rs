//! The browser interaction: what the user submits for a prompt, and the
//! authorization that then continues. Login checks the credentials (the
//! same Argon2 work and the same answer for unknown users and wrong
//! passwords), starts a new SSO session, and hands the interaction back to
//! the authorize flow, which issues the code or asks for the next prompt.

use std::sync::Arc;

use crate::accounts::PasswordHasher;
use crate::accounts::users::normalize_username;
use crate::flows::authorize::{AuthorizeFlow, AuthorizeOutcome, InteractionView};
use crate::flows::sessions::Sessions;
use crate::protocol::entries::{Authentication, Device, Interaction};
use crate::protocol::interaction::PromptName;
use crate::protocol::{AuthLevel, AuthMethod, OAuthError, UserRecord};
use crate::store::{Ephemeral, StoreError, Users};

/// Interaction ids are 32 random bytes, base64url: 43 characters.
const ID_LEN: usize = 43;

/// What became of a login form submission.
#[derive(Debug)]
pub enum LoginOutcome {
    /// No such interaction (expired, or never issued).
    Expired,
    /// Wrong credentials: show the form again.
    Rejected(InteractionView),
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
    users: Users,
    hasher: Arc<PasswordHasher>,
    sessions: Sessions,
    authorize: Arc<AuthorizeFlow>,
}

impl InteractionFlow {
    pub fn new(
        ephemeral: Ephemeral,
        users: Users,
        hasher: Arc<PasswordHasher>,
        sessions: Sessions,
        authorize: Arc<AuthorizeFlow>,
    ) -> InteractionFlow {
        InteractionFlow { ephemeral, users, hasher, sessions, authorize }
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
    ) -> LoginOutcome {
        let interaction = match self.find(id).await {
            Ok(Some(found)) => found,
            Ok(None) => return LoginOutcome::Expired,
            Err(e) => return LoginOutcome::Failed(e.into()),
        };
        let user = match self.authenticate(username, password).await {
            Ok(user) => user,
            Err(e) => return LoginOutcome::Failed(e.into()),
        };
        let Some(user) = user else {
            tracing::info!(client_id = %interaction.request.client_id, "failed login");
            return LoginOutcome::Rejected(view(id, &interaction));
        };
        // Single use: a second submission of the same form finds nothing.
        let mut interaction = match self.ephemeral.take::<Interaction>(id).await {
            Ok(Some(taken)) => taken,
            Ok(None) => return LoginOutcome::AlreadyCompleted,
            Err(e) => return LoginOutcome::Failed(e.into()),
        };
        let authentication =
            Authentication { auth_time: now, amr: vec![AuthMethod::Password], acr: AuthLevel::SingleFactor };
        let started = self.sessions.start(previous_cookie, &user.id, authentication, device, now).await;
        let (session_cookie, session) = match started {
            Ok((cookie, session, _replaced)) => (cookie, session),
            Err(e) => {
                let next = AuthorizeOutcome::client_error(&interaction.request, e.into());
                return LoginOutcome::Next { session_cookie: None, next };
            }
        };
        tracing::info!(user_id = %user.id, sid = %session.sid, client_id = %interaction.request.client_id, "login");
        interaction.completed.push(PromptName::Login);
        let next =
            self.authorize.proceed(interaction.request, Some(&session), &interaction.completed, now).await;
        LoginOutcome::Next { session_cookie: Some(session_cookie), next }
    }

    async fn find(&self, id: &str) -> Result<Option<Interaction>, StoreError> {
        if id.len() != ID_LEN {
            return Ok(None);
        }
        self.ephemeral.get(id).await
    }

    /// Checks a username and password. Unknown, malformed and disabled
    /// users and wrong passwords all give `None` after the same Argon2 work.
    async fn authenticate(&self, username: &str, password: &str) -> Result<Option<UserRecord>, StoreError> {
        let user = match normalize_username(username) {
            Ok(name) => self.users.find_by_username(&name).await?,
            Err(_) => None,
        };
        let stored = user.as_ref().map(|u| u.password_hash.clone());
        let verified = self
            .hasher
            .verify_in_turn(password.to_owned(), stored)
            .await
            .map_err(|e| StoreError::Unavailable(e.to_string()))?;
        Ok(user.filter(|u| verified && !u.disabled))
    }
}

fn view(id: &str, interaction: &Interaction) -> InteractionView {
    InteractionView {
        id: id.to_string(),
        prompt: PromptName::Login,
        client_id: interaction.request.client_id.clone(),
        login_hint: interaction.request.login_hint.clone(),
    }
}
