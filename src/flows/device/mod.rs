//! The Device Authorization Grant's server side (RFC 8628) apart from the
//! polling (`flows::token::device_code`):
//! - [`DeviceFlow::begin`]: the device authorization endpoint (§3.1–3.2):
//!   the client authenticates as at `/token`, gets a device code and a
//!   user code stored as one [`DeviceAuthorization`];
//! - [`DeviceFlow::submit_code`]: the user-code page (§3.3): a code is
//!   counted against its network's budget ([`limiter`]), then the request
//!   runs through the normal interaction (login, consent) as a device
//!   request, ending with "Allow this device?" ([`approval`]);
//! - [`DeviceFlow::answer`]: the user's approval or refusal, bound to the
//!   session that was shown the question.

pub mod approval;
pub mod limiter;

use std::sync::Arc;

use crate::crypto::{random_token, secret_digest};
use crate::flows::authorize::{AuthorizeFlow, AuthorizeOutcome};
use crate::flows::client_auth::ClientAuthenticator;
use crate::flows::sessions::Sessions;
use crate::protocol::authorize::AuthorizationRequest;
use crate::protocol::device::{self, DeviceAuthorizationResponse, GuessPolicy, display_user_code};
use crate::protocol::entries::{
    Device, DeviceAnswer, DeviceApproval, DeviceAuthorization, Entry, IndexKey, IndexKind, parse_member,
};
use crate::protocol::{AuditKind, OAuthError, Params};
use crate::store::{Audit, Audited, Ephemeral, StoreError};
use limiter::GuessLimiter;

/// Tickets are 32 random bytes, base64url: 43 characters.
const TICKET_LEN: usize = 43;
/// Fresh user codes drawn before giving up on finding an unused one.
const USER_CODE_ATTEMPTS: usize = 5;

/// Lifetimes and limits, in seconds.
#[derive(Debug, Clone, Copy)]
pub struct DevicePolicy {
    /// How long a device code and its user code live (§3.2 `expires_in`).
    pub code_ttl: u64,
    /// The polling interval a device starts with (§3.2 `interval`).
    pub interval: u64,
    pub guesses: GuessPolicy,
}

/// What became of a submitted user code.
#[derive(Debug)]
pub enum CodeOutcome {
    /// Not the shape of a user code (not counted).
    Malformed,
    /// No device waits for this code; `remaining` guesses are left.
    Unknown {
        remaining: u32,
    },
    /// The network's budget of guesses is spent for now.
    TooManyAttempts,
    /// The interaction continues (login, consent or the approval page).
    Next(Box<AuthorizeOutcome>),
    Failed(OAuthError),
}

/// What became of the answer to "Allow this device?".
#[derive(Debug)]
pub enum AnswerOutcome {
    /// The ticket, the session or the device authorization is gone.
    Expired,
    Answered {
        approved: bool,
        client_name: String,
    },
    Failed(OAuthError),
}

pub struct DeviceFlow {
    client_auth: Arc<ClientAuthenticator>,
    ephemeral: Ephemeral,
    sessions: Sessions,
    audit: Audit,
    authorize: Arc<AuthorizeFlow>,
    limiter: GuessLimiter,
    /// `verification_uri` (§3.2): the user-code page.
    verification_uri: String,
    policy: DevicePolicy,
}

/// What the device flow reads and writes.
pub struct DeviceStores {
    pub ephemeral: Ephemeral,
    pub sessions: Sessions,
    pub audit: Audit,
}

impl DeviceFlow {
    pub fn new(
        client_auth: Arc<ClientAuthenticator>,
        stores: DeviceStores,
        authorize: Arc<AuthorizeFlow>,
        issuer: &str,
        policy: DevicePolicy,
    ) -> DeviceFlow {
        let DeviceStores { ephemeral, sessions, audit } = stores;
        DeviceFlow {
            client_auth,
            limiter: GuessLimiter::new(ephemeral.clone(), policy.guesses),
            ephemeral,
            sessions,
            audit,
            authorize,
            verification_uri: format!("{issuer}/device"),
            policy,
        }
    }

    /// `POST /device_authorization` (§3.1–3.2).
    pub async fn begin(
        &self,
        authorization: Option<&str>,
        params: &Params,
        now: i64,
    ) -> Result<DeviceAuthorizationResponse, OAuthError> {
        params.reject_repeated()?;
        let client = self.client_auth.authenticate(authorization, params, now).await?;
        let scope = device::validate_request(&client, params)?;
        let device_code = random_token(32);
        let user_code = self.unused_user_code(now).await?;
        let ttl = self.policy.code_ttl as i64;
        let entry = DeviceAuthorization {
            client_id: client.client_id.clone(),
            scope,
            user_code: user_code.clone(),
            interval: self.policy.interval,
            last_poll: None,
            answer: DeviceAnswer::Pending,
            expires_at: now + ttl,
            // Remembered as long again, so late polls hear expired_token.
            forget_at: now + 2 * ttl,
        };
        self.ephemeral.put(&secret_digest(&device_code), &entry, now).await?;
        tracing::info!(client_id = %client.client_id, "device authorization started");
        let shown = display_user_code(&user_code);
        Ok(DeviceAuthorizationResponse {
            device_code,
            verification_uri_complete: format!("{}?user_code={shown}", self.verification_uri),
            user_code: shown,
            verification_uri: self.verification_uri.clone(),
            expires_in: self.policy.code_ttl,
            interval: self.policy.interval,
        })
    }

    /// A user code no live device authorization uses.
    async fn unused_user_code(&self, now: i64) -> Result<String, OAuthError> {
        for _ in 0..USER_CODE_ATTEMPTS {
            let code = device::new_user_code();
            if self.find_by_user_code(&code, now).await?.is_none() {
                return Ok(code);
            }
        }
        Err(OAuthError::server_error("no unused user code found"))
    }

    /// The live device authorization waiting under a normalized user code,
    /// with its id. Two at once (a race of fresh codes) match neither.
    async fn find_by_user_code(
        &self,
        code: &str,
        now: i64,
    ) -> Result<Option<(String, DeviceAuthorization)>, StoreError> {
        let index = IndexKey::new(IndexKind::UserCode, code);
        let mut found = Vec::new();
        for member in self.ephemeral.index_members(&index).await? {
            if let Some((DeviceAuthorization::KIND, key)) = parse_member(&member)
                && let Some(entry) = approval::pending(&self.ephemeral, key, now).await?
                && entry.user_code == code
            {
                found.push((key.to_string(), entry));
            }
        }
        Ok(if found.len() == 1 { found.pop() } else { None })
    }

    /// `POST /device` with what the user typed (§3.3).
    pub async fn submit_code(
        &self,
        input: &str,
        session_cookie: Option<&str>,
        device: &Device,
        now: i64,
    ) -> CodeOutcome {
        let Some(code) = device::normalize_user_code(input) else { return CodeOutcome::Malformed };
        let bucket = device::guess_bucket(device.ip.as_deref());
        let attempts = match self.limiter.reserve(&bucket, now).await {
            Ok(Some(attempts)) => attempts,
            Ok(None) => return CodeOutcome::TooManyAttempts,
            Err(e) => return CodeOutcome::Failed(e.into()),
        };
        let (key, entry) = match self.find_by_user_code(&code, now).await {
            Ok(Some(found)) => found,
            Ok(None) => return self.wrong_code(&bucket, attempts, now).await,
            Err(e) => return CodeOutcome::Failed(e.into()),
        };
        if let Err(e) = self.limiter.refund(&bucket, now).await {
            return CodeOutcome::Failed(e.into());
        }
        let session = match self.sessions.find(session_cookie, device, now).await {
            Ok(session) => session,
            Err(e) => return CodeOutcome::Failed(e.into()),
        };
        let request = device_request(key, entry);
        CodeOutcome::Next(Box::new(self.authorize.proceed(request, session.as_ref(), &[], now).await))
    }

    async fn wrong_code(&self, bucket: &str, attempts: u32, now: i64) -> CodeOutcome {
        let max = self.limiter.max_failures();
        if attempts >= max {
            let audited = Audited::new(AuditKind::DeviceCodeGuessing)
                .detail("address", bucket.to_string())
                .detail("attempts", attempts);
            if let Err(e) = self.audit.record(audited, now).await {
                return CodeOutcome::Failed(e.into());
            }
        }
        CodeOutcome::Unknown { remaining: max.saturating_sub(attempts) }
    }

    /// `POST /device/approve`: the answer of the session that was asked.
    pub async fn answer(
        &self,
        ticket: &str,
        allow: bool,
        session_cookie: Option<&str>,
        device: &Device,
        now: i64,
    ) -> AnswerOutcome {
        if ticket.len() != TICKET_LEN {
            return AnswerOutcome::Expired;
        }
        let approval = match self.ephemeral.take::<DeviceApproval>(ticket).await {
            Ok(Some(approval)) if approval.expires_at > now => approval,
            Ok(_) => return AnswerOutcome::Expired,
            Err(e) => return AnswerOutcome::Failed(e.into()),
        };
        let session = match self.sessions.find(session_cookie, device, now).await {
            Ok(Some(session)) if session.sid == approval.sid => session,
            Ok(_) => return AnswerOutcome::Expired,
            Err(e) => return AnswerOutcome::Failed(e.into()),
        };
        let answer = if allow {
            DeviceAnswer::Approved {
                user_id: session.user_id.clone(),
                sid: session.sid.clone(),
                authentication: session.authentication.clone(),
            }
        } else {
            DeviceAnswer::Denied
        };
        let recorded = async {
            let Some(entry) = approval::pending(&self.ephemeral, &approval.device_key, now).await? else {
                return Ok(None);
            };
            // The client is told when the session ends, before it can poll tokens of it.
            if allow && !self.sessions.note_client(&session, &entry.client_id, now).await? {
                return Ok(None);
            }
            approval::record(&self.ephemeral, &approval.device_key, answer, now).await
        };
        let entry = match recorded.await {
            Ok(Some(entry)) => entry,
            Ok(None) => return AnswerOutcome::Expired,
            Err(e) => return AnswerOutcome::Failed(e.into()),
        };
        let kind = if allow { AuditKind::DeviceApproved } else { AuditKind::DeviceDenied };
        let audited = Audited::new(kind)
            .client(&entry.client_id)
            .user(&session.user_id)
            .detail("sid", session.sid.clone())
            .detail("scope", entry.scope.to_string());
        if let Err(e) = self.audit.record(audited, now).await {
            return AnswerOutcome::Failed(e.into());
        }
        AnswerOutcome::Answered { approved: allow, client_name: approval.client_name }
    }
}

/// The device authorization as a request of the browser interaction.
fn device_request(key: String, entry: DeviceAuthorization) -> AuthorizationRequest {
    AuthorizationRequest {
        client_id: entry.client_id,
        redirect_uri: String::new(),
        redirect_uri_given: false,
        scope: entry.scope,
        state: None,
        nonce: None,
        code_challenge: None,
        prompts: Vec::new(),
        max_age: None,
        login_hint: None,
        id_token_hint: None,
        acr_values: Vec::new(),
        response_mode: crate::protocol::ResponseMode::Query,
        resources: Vec::new(),
        device: Some(key),
        ui_locales: Vec::new(),
        dpop_jkt: None,
        claims: Default::default(),
        claims_user: None,
    }
}
