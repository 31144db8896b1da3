//! RP-Initiated Logout 1.0 (`end_session_endpoint`): the request is checked
//! (the ID token hint with our keys, the client, the post-logout redirect
//! URI by exact match), the browser's session is ended everywhere when the
//! hint names its user (otherwise after the user confirms), the clients of
//! the session are told by back channel (waiting at most
//! `backchannel_wait`) and front channel (the logged-out page's frames).

pub mod backchannel;

use std::sync::Arc;
use std::time::Duration;

use crate::flows::sessions::Sessions;
use crate::flows::subjects::SubjectResolver;
use crate::jose::KeyringHandle;
use crate::protocol::entries::{Device, SsoSession};
use crate::protocol::logout::{EndSessionRequest, IdTokenHint, frontchannel_url, post_logout_redirect};
use crate::protocol::{ClientRecord, OAuthError, Params, SessionEndReason};
use crate::store::Clients;

/// What the browser gets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogoutOutcome {
    /// Nothing proves the request came from the user's app: ask first.
    Confirm { request: EndSessionRequest, client_name: Option<String> },
    /// Done (or there was no session): the session cookie goes.
    LoggedOut(LoggedOut),
    /// The request is invalid; nothing was changed.
    Error(OAuthError),
}

/// The logged-out page, or the redirect back to the client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoggedOut {
    /// The validated `post_logout_redirect_uri` with `state`.
    pub redirect: Option<String>,
    /// Front-channel logout URLs to load in frames before leaving.
    pub frontchannel: Vec<String>,
    pub client_name: Option<String>,
}

/// A validated request: the client it names and where to go afterwards.
struct Checked {
    hint: Option<IdTokenHint>,
    client: Option<ClientRecord>,
    redirect: Option<String>,
}

impl Checked {
    /// No session in this browser: only the way back to the client.
    fn nothing_to_end(self) -> LogoutOutcome {
        LogoutOutcome::LoggedOut(LoggedOut {
            redirect: self.redirect,
            frontchannel: Vec::new(),
            client_name: self.client.map(|c| c.display_name().to_string()),
        })
    }
}

pub struct LogoutFlow {
    sessions: Sessions,
    clients: Clients,
    keyring: Arc<KeyringHandle>,
    issuer: String,
    backchannel_wait: Duration,
    /// Turns the hint's (maybe pairwise) `sub` into the user it names.
    subjects: SubjectResolver,
}

impl LogoutFlow {
    pub fn new(
        sessions: Sessions,
        clients: Clients,
        keyring: Arc<KeyringHandle>,
        issuer: String,
        backchannel_wait: Duration,
        subjects: SubjectResolver,
    ) -> LogoutFlow {
        LogoutFlow { sessions, clients, keyring, issuer, backchannel_wait, subjects }
    }

    /// `GET|POST /logout`: logs out at once when the ID token hint names the
    /// session's user; asks the user otherwise.
    pub async fn request(
        &self,
        params: &Params,
        cookie: Option<&str>,
        device: &Device,
        now: i64,
    ) -> LogoutOutcome {
        let (request, checked) = match self.check(params).await {
            Ok(checked) => checked,
            Err(e) => return LogoutOutcome::Error(e),
        };
        let session = match self.sessions.find(cookie, device, now).await {
            Ok(session) => session,
            Err(e) => return LogoutOutcome::Error(e.into()),
        };
        match session {
            Some(session) if checked.hint.as_ref().is_some_and(|hint| hint.sub == session.user_id) => {
                self.end(&session, checked, now).await
            }
            Some(_) => LogoutOutcome::Confirm {
                client_name: checked.client.as_ref().map(|c| c.display_name().to_string()),
                request,
            },
            None => checked.nothing_to_end(),
        }
    }

    /// `POST /logout/confirm`, after the web layer checked the form's CSRF
    /// token: the user said yes.
    pub async fn confirm(
        &self,
        params: &Params,
        cookie: Option<&str>,
        device: &Device,
        now: i64,
    ) -> LogoutOutcome {
        let checked = match self.check(params).await {
            Ok((_, checked)) => checked,
            Err(e) => return LogoutOutcome::Error(e),
        };
        match self.sessions.find(cookie, device, now).await {
            Ok(Some(session)) => self.end(&session, checked, now).await,
            Ok(None) => checked.nothing_to_end(),
            Err(e) => LogoutOutcome::Error(e.into()),
        }
    }

    /// RP-Initiated Logout 1.0 §2–3: a hint must be ours; `client_id`, when
    /// both are given, must be among the hint's audience; the redirect URI
    /// must be registered for the client exactly, or there is no redirect.
    async fn check(&self, params: &Params) -> Result<(EndSessionRequest, Checked), OAuthError> {
        let request = EndSessionRequest::parse(params)?;
        let hint = match &request.id_token_hint {
            Some(token) => {
                let mut hint = IdTokenHint::verify(&self.keyring.current(), &self.issuer, token)?;
                self.subjects.resolve_hint(&mut hint).await?;
                Some(hint)
            }
            None => None,
        };
        let client_id = match (&request.client_id, &hint) {
            (Some(id), Some(hint)) if !hint.is_for(id) => {
                return Err(OAuthError::invalid_request("client_id is not an audience of id_token_hint"));
            }
            (Some(id), _) => Some(id.clone()),
            (None, Some(hint)) => hint.audience.first().cloned(),
            (None, None) => None,
        };
        let client = match &client_id {
            Some(id) => Some(
                self.clients
                    .find(id)
                    .await?
                    .ok_or_else(|| OAuthError::invalid_request("unknown client_id"))?,
            ),
            None => None,
        };
        let redirect = match (&request.post_logout_redirect_uri, &client) {
            (Some(uri), Some(client)) if client.has_post_logout_redirect_uri(uri) => {
                post_logout_redirect(uri, request.state.as_deref())
            }
            (Some(uri), _) => {
                tracing::info!(?client_id, %uri, "post_logout_redirect_uri not registered: no redirect");
                None
            }
            (None, _) => None,
        };
        Ok((request, Checked { hint, client, redirect }))
    }

    /// Ends the session and gathers what the logged-out page does.
    async fn end(&self, session: &SsoSession, checked: Checked, now: i64) -> LogoutOutcome {
        let ended = match self.sessions.end(session, SessionEndReason::Logout, now).await {
            Ok(ended) => ended,
            Err(e) => return LogoutOutcome::Error(e.into()),
        };
        let mut frontchannel = Vec::new();
        for client_id in &ended.clients {
            if let Ok(Some(client)) = self.clients.find(client_id).await
                && let Some(endpoint) = &client.frontchannel_logout
                && let Some(url) = frontchannel_url(&endpoint.uri, &self.issuer, &session.sid)
            {
                frontchannel.push(url);
            }
        }
        if !ended.delivery.wait(self.backchannel_wait).await {
            tracing::info!(sid = %session.sid, "back-channel logout still under way; not waiting longer");
        }
        LogoutOutcome::LoggedOut(LoggedOut {
            redirect: checked.redirect,
            frontchannel,
            client_name: checked.client.map(|c| c.display_name().to_string()),
        })
    }
}
