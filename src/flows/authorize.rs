//! The authorization endpoint as a use case (RFC 6749 §4.1.1, OpenID
//! Connect Core §3.1.2): validate the request, look at the browser's
//! session, let the interaction policy decide, and answer with a typed
//! outcome that only the web layer turns into HTTP.

mod claims;
mod pushed;
mod request_object;
mod view;

use std::sync::Arc;

pub use pushed::{PushFlow, PushRefused, Pushed};
pub use view::{InteractionView, MfaView};

use crate::crypto::{random_token, secret_digest};
use crate::flows::device::approval::{self, DeviceApprovalView};
use crate::flows::pending_logins::{Admission, PendingLogins};
use crate::flows::resources;
use crate::flows::second_factor::SecondFactor;
use crate::flows::sessions::Sessions;
use crate::flows::subjects::SubjectResolver;
use crate::jose::KeyringHandle;
use crate::protocol::authorize::{self, AuthorizationRequest, AuthorizeError};
use crate::protocol::entries::{CodeGrant, Device, Interaction, MfaStep, SsoSession};
use crate::protocol::interaction::{Consent, Context, Decision, Policy, PromptName};
use crate::protocol::logout::IdTokenHint;
use crate::protocol::pending_logins::PendingScope;
use crate::protocol::pushed_requests::PushedPolicy;
use crate::protocol::request_object::RequestObjectPolicy;
use crate::protocol::resources::Registry;
use crate::protocol::{
    ClientRecord, ConsentMode, OAuthError, Params, ResponseMode, StandardScope, SubjectType, mfa,
};
use crate::store::{Clients, Consents, Ephemeral, Resources, Users};
pub use request_object::RequestObjectKeys;

/// What the browser gets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthorizeOutcome {
    /// Back to the client with a code (RFC 6749 §4.1.2), in the query or
    /// as a posted form (`response_mode`).
    Redirect { redirect_uri: String, code: String, state: Option<String>, response_mode: ResponseMode },
    /// The user must complete a prompt first.
    Interact(InteractionView),
    /// The redirect URI is not trusted: tell the user.
    ErrorPage(OAuthError),
    /// Back to the client's validated redirect URI with an error (§4.1.2.1).
    ErrorRedirect {
        redirect_uri: String,
        state: Option<String>,
        response_mode: ResponseMode,
        error: OAuthError,
    },
    /// A device request's last step: "Allow this device?" (RFC 8628 §3.3).
    DeviceApproval(DeviceApprovalView),
    /// Too many login transactions are pending, from this address or in
    /// all (`protocol::pending_logins`): nothing was stored.
    Busy { scope: PendingScope, retry_after: u64 },
}

impl From<AuthorizeError> for AuthorizeOutcome {
    fn from(e: AuthorizeError) -> Self {
        match e {
            AuthorizeError::Page(error) => AuthorizeOutcome::ErrorPage(error),
            AuthorizeError::Redirect { redirect_uri, state, response_mode, error } => {
                AuthorizeOutcome::ErrorRedirect { redirect_uri, state, response_mode, error }
            }
        }
    }
}

impl AuthorizeOutcome {
    /// The error sent back to the client of a validated `request`.
    pub fn client_error(request: &AuthorizationRequest, error: OAuthError) -> AuthorizeOutcome {
        AuthorizeError::to_client(request, error).into()
    }
}

/// Lifetimes of what the flow stores, in seconds.
#[derive(Debug, Clone, Copy)]
pub struct AuthorizePolicy {
    pub code_ttl: u64,
    pub interaction_ttl: u64,
    /// Pushed authorization requests (RFC 9126).
    pub pushed: PushedPolicy,
    /// Signed request objects (RFC 9101).
    pub signed_requests: RequestObjectPolicy,
    /// The `claims` request parameter (OIDC Core §5.5).
    pub claims_parameter: bool,
}

pub struct AuthorizeFlow {
    clients: Clients,
    resources: Resources,
    users: Users,
    consents: Consents,
    sessions: Sessions,
    ephemeral: Ephemeral,
    second_factor: SecondFactor,
    pending_logins: PendingLogins,
    request_keys: RequestObjectKeys,
    subjects: SubjectResolver,
    keyring: Arc<KeyringHandle>,
    issuer: String,
    prompts: Policy,
    policy: AuthorizePolicy,
}

/// What the authorize flow stores and reads.
pub struct AuthorizeStores {
    pub clients: Clients,
    pub resources: Resources,
    pub users: Users,
    pub consents: Consents,
    pub sessions: Sessions,
    pub ephemeral: Ephemeral,
    pub second_factor: SecondFactor,
    /// Admits each login transaction a new request starts.
    pub pending_logins: PendingLogins,
    /// Open the clients' request objects (decrypt, verify).
    pub request_keys: RequestObjectKeys,
    /// Resolve (pairwise) `sub` values of ID token hints.
    pub subjects: SubjectResolver,
}

impl AuthorizeFlow {
    pub fn new(
        stores: AuthorizeStores,
        keyring: Arc<KeyringHandle>,
        issuer: String,
        policy: AuthorizePolicy,
    ) -> AuthorizeFlow {
        let AuthorizeStores {
            clients,
            resources,
            users,
            consents,
            sessions,
            ephemeral,
            second_factor,
            pending_logins,
            request_keys,
            subjects,
        } = stores;
        AuthorizeFlow {
            clients,
            resources,
            users,
            consents,
            sessions,
            ephemeral,
            second_factor,
            pending_logins,
            request_keys,
            subjects,
            keyring,
            issuer,
            prompts: Policy::standard(),
            policy,
        }
    }

    /// `GET|POST /authorize` with the browser's session cookie.
    pub async fn authorize(
        &self,
        params: &Params,
        session_cookie: Option<&str>,
        device: &Device,
        now: i64,
    ) -> AuthorizeOutcome {
        let (request, client) = match self.validate(params, now).await {
            Ok(validated) => validated,
            Err(e) => return e.into(),
        };
        let session = match self.sessions.find(session_cookie, device, now).await {
            Ok(session) => session,
            Err(e) => return AuthorizeOutcome::client_error(&request, e.into()),
        };
        self.decide(request, &client, session.as_ref(), &[], Some(device), now).await
    }

    /// The request, checked for its client, and the client: the pushed
    /// one its `request_uri` names (taken), else the one its signed
    /// `request` object carries, else its own parameters, which a client
    /// that must push or sign cannot use.
    async fn validate(
        &self,
        params: &Params,
        now: i64,
    ) -> Result<(AuthorizationRequest, ClientRecord), AuthorizeError> {
        if params.contains("request") && params.contains("request_uri") {
            return Err(AuthorizeError::Page(OAuthError::invalid_request(
                "send either request or request_uri, not both (RFC 9101 §5)",
            )));
        }
        if let Some(pushed) = self.redeem_pushed(params).await? {
            return self.validate_params(&pushed).await;
        }
        if let Some(signed) = self.open_request_object(params, now).await? {
            let (request, client) = self.validate_params(&signed).await?;
            self.check_not_required_to_push(&request, &client)?;
            return Ok((request, client));
        }
        let (request, client) = self.validate_params(params).await?;
        self.check_not_required_to_push(&request, &client)?;
        self.check_not_required_to_sign(&request, &client)?;
        Ok((request, client))
    }

    /// [`validate`](Self::validate) of the request's own parameters.
    async fn validate_params(
        &self,
        params: &Params,
    ) -> Result<(AuthorizationRequest, ClientRecord), AuthorizeError> {
        let client_id = authorize::client_id(params)?;
        let client =
            self.clients.find(client_id).await.map_err(|e| AuthorizeError::Page(e.into()))?.ok_or_else(
                || AuthorizeError::Page(OAuthError::invalid_request(authorize::UNKNOWN_CLIENT)),
            )?;
        let mut request = authorize::validate_for(&client, params)?;
        self.check_resources(&client, &mut request)
            .await
            .map_err(|e| AuthorizeError::to_client(&request, e))?;
        if let Some(hint) = params.get("id_token_hint") {
            let mut verified = IdTokenHint::verify(&self.keyring.current(), &self.issuer, hint)
                .map_err(|e| AuthorizeError::to_client(&request, e))?;
            self.subjects
                .resolve_hint(&mut verified)
                .await
                .map_err(|e| AuthorizeError::to_client(&request, e))?;
            request.id_token_hint = Some(verified);
        }
        self.read_claims_request(params, &client, &mut request).await?;
        // A pairwise client gets no tokens rather than the users' public
        // ids while pairwise subjects are switched off (OIDC Core §8.1).
        if client.subject_type == SubjectType::Pairwise && !self.subjects.subjects().pairwise_enabled() {
            return Err(AuthorizeError::to_client(
                &request,
                OAuthError::unauthorized_client("pairwise subject identifiers are switched off"),
            ));
        }
        // An ID token this server cannot sign must not cost the user a code.
        if let Some(alg) = client.id_token_signed_response_alg
            && request.scope.contains(StandardScope::OpenId.as_str())
            && !self.keyring.current().algorithms().contains(&alg)
        {
            tracing::error!(client_id = %client.client_id, %alg, "the client's ID-token algorithm has no signing key");
            return Err(AuthorizeError::to_client(
                &request,
                OAuthError::server_error("the client's id_token_signed_response_alg is not available"),
            ));
        }
        Ok((request, client))
    }

    /// RFC 8707: the requested resources must be registered and allowed for
    /// the client (else `invalid_target`, back to the client); scopes of
    /// resources not requested are left out of the request.
    async fn check_resources(
        &self,
        client: &ClientRecord,
        request: &mut AuthorizationRequest,
    ) -> Result<(), OAuthError> {
        let all = resources::snapshot_for(&self.resources, client, &request.resources).await?;
        let registry = Registry::new(&all);
        registry.check_allowed(client, &request.resources)?;
        request.scope = registry.grantable_scope(&request.scope, &request.resources);
        Ok(())
    }

    /// Carries on with a stored request after a prompt was completed: the
    /// interaction policy decides again. `completed` are the prompts done
    /// in this interaction.
    pub async fn proceed(
        &self,
        request: AuthorizationRequest,
        session: Option<&SsoSession>,
        completed: &[PromptName],
        now: i64,
    ) -> AuthorizeOutcome {
        match self.clients.find(&request.client_id).await {
            Ok(Some(client)) => self.decide(request, &client, session, completed, None, now).await,
            Ok(None) => AuthorizeOutcome::ErrorPage(OAuthError::invalid_request(authorize::UNKNOWN_CLIENT)),
            Err(e) => AuthorizeOutcome::client_error(&request, e.into()),
        }
    }

    /// The user refused (a prompt's answer): `error` for the client; a
    /// device hears `access_denied` when it next polls (RFC 8628 §3.5).
    pub async fn refuse(
        &self,
        request: &AuthorizationRequest,
        error: OAuthError,
        now: i64,
    ) -> AuthorizeOutcome {
        approval::deny(&self.ephemeral, request, error, now).await
    }

    /// Evaluates the interaction policy and acts on it: a code, the next
    /// prompt (stored as an interaction), or the prompt's error for
    /// `prompt=none`. `starting` is the device of a new request, whose
    /// interaction is a new login transaction and must be admitted; `None`
    /// when an admitted one carries on.
    async fn decide(
        &self,
        request: AuthorizationRequest,
        client: &ClientRecord,
        session: Option<&SsoSession>,
        completed: &[PromptName],
        starting: Option<&Device>,
        now: i64,
    ) -> AuthorizeOutcome {
        let granted = match (client.consent, session) {
            (ConsentMode::Required, Some(session)) => {
                match self.consents.find(&session.user_id, &client.client_id).await {
                    Ok(found) => found.map(|c| c.scope),
                    Err(e) => return AuthorizeOutcome::client_error(&request, e.into()),
                }
            }
            _ => None,
        };
        let consent = Consent { mode: client.consent, granted: granted.as_ref() };
        let mfa_required = mfa::required(client.require_mfa, &request.acr_values);
        let context = Context { request: &request, session, completed, consent, mfa_required, now };
        let decision = self.prompts.evaluate(&context);
        match decision {
            Decision::Done(session) if request.device.is_some() => {
                let ttl = self.policy.interaction_ttl;
                approval::ask(
                    &self.ephemeral,
                    &self.users,
                    &request,
                    client.display_name(),
                    session,
                    ttl,
                    now,
                )
                .await
            }
            Decision::Done(session) => self.issue_code(request, session, now).await,
            Decision::Interact { prompt, reasons } => {
                tracing::debug!(%prompt, ?reasons, client_id = %request.client_id, "interaction required");
                if let Some(device) = starting {
                    match self.pending_logins.admit(device.ip.as_deref(), now).await {
                        Ok(Admission::Admitted) => {}
                        Ok(Admission::Refused { scope, retry_after }) => {
                            return AuthorizeOutcome::Busy { scope, retry_after };
                        }
                        Err(e) => return AuthorizeOutcome::client_error(&request, e.into()),
                    }
                }
                let name = client.display_name().to_string();
                let step = match (prompt, session) {
                    (PromptName::Mfa, Some(session)) => match self.step_up(session).await {
                        Ok(step) => Some(step),
                        Err(e) => return AuthorizeOutcome::client_error(&request, e),
                    },
                    _ => None,
                };
                let pending = Pending {
                    prompt,
                    client_name: name,
                    client_logo: client.logo_uri.clone(),
                    completed: completed.to_vec(),
                    mfa_required,
                    step,
                };
                self.interact(request, pending, now).await
            }
            Decision::Refuse(error) => AuthorizeOutcome::client_error(&request, error),
        }
    }

    /// Issues a code: 256 random bits, stored under their SHA-256 for
    /// `code_ttl` seconds (RFC 6749 §4.1.2).
    async fn issue_code(
        &self,
        request: AuthorizationRequest,
        session: &SsoSession,
        now: i64,
    ) -> AuthorizeOutcome {
        if let Err(e) = claims::check_claims_user(&request, session) {
            return AuthorizeOutcome::client_error(&request, e);
        }
        let code = random_token(32);
        let grant = CodeGrant {
            client_id: request.client_id.clone(),
            redirect_uri: request.redirect_uri.clone(),
            redirect_uri_given: request.redirect_uri_given,
            scope: request.scope.clone(),
            nonce: request.nonce.clone(),
            code_challenge: request.code_challenge.clone(),
            user_id: session.user_id.clone(),
            sid: session.sid.clone(),
            authentication: session.authentication.clone(),
            expires_at: now + self.policy.code_ttl as i64,
            resources: request.resources.clone(),
            dpop_jkt: request.dpop_jkt.clone(),
            claims: request.claims.clone(),
        };
        // The client is told when the session ends; listed before the code
        // exists, so no client holds tokens of a session unbeknown to it.
        let stored = match self.sessions.note_client(session, &request.client_id, now).await {
            Ok(true) => self.ephemeral.put(&secret_digest(&code), &grant, now).await,
            Ok(false) => {
                let ended = OAuthError::login_required("the session ended");
                return AuthorizeOutcome::client_error(&request, ended);
            }
            Err(e) => Err(e),
        };
        match stored {
            Ok(()) => AuthorizeOutcome::Redirect {
                redirect_uri: request.redirect_uri,
                code,
                state: request.state,
                response_mode: request.response_mode,
            },
            Err(e) => AuthorizeOutcome::client_error(&request, e.into()),
        }
    }

    /// The username to pre-fill: `login_hint`, else the user an
    /// `id_token_hint` names (OIDC Core §3.1.2.1).
    async fn login_hint(&self, request: &AuthorizationRequest) -> Option<String> {
        if let Some(hint) = &request.login_hint {
            return Some(hint.clone());
        }
        let sub = &request.id_token_hint.as_ref()?.sub;
        match self.users.find_active(sub).await {
            Ok(user) => user.map(|u| u.username),
            Err(e) => {
                tracing::warn!(error = %e, "cannot look up the user of an id_token_hint");
                None
            }
        }
    }

    /// The MFA prompt for the session's user: their second factor, or
    /// setting one up when they have none.
    async fn step_up(&self, session: &SsoSession) -> Result<MfaStep, OAuthError> {
        let user = self
            .users
            .find_active(&session.user_id)
            .await?
            .ok_or_else(|| OAuthError::login_required("the account no longer exists"))?;
        let factors = self.second_factor.factors(&user.id).await?;
        Ok(SecondFactor::step(user, None, factors))
    }

    /// Stores the request as an interaction under a fresh random id.
    async fn interact(
        &self,
        mut request: AuthorizationRequest,
        pending: Pending,
        now: i64,
    ) -> AuthorizeOutcome {
        let id = random_token(32);
        request.login_hint = self.login_hint(&request).await;
        let interaction = Interaction {
            request,
            prompt: pending.prompt,
            completed: pending.completed,
            client_name: pending.client_name,
            client_logo: pending.client_logo,
            mfa_required: pending.mfa_required,
            mfa: pending.step,
            passkey_state: None,
            expires_at: now + self.policy.interaction_ttl as i64,
        };
        match self.ephemeral.put(&id, &interaction, now).await {
            Ok(()) => AuthorizeOutcome::Interact(InteractionView::of(&id, &interaction, &self.second_factor)),
            Err(e) => AuthorizeOutcome::client_error(&interaction.request, e.into()),
        }
    }
}

/// An interaction about to be stored.
struct Pending {
    prompt: PromptName,
    client_name: String,
    client_logo: Option<String>,
    completed: Vec<PromptName>,
    mfa_required: bool,
    step: Option<MfaStep>,
}
