//! Pushed authorization requests (RFC 9126; `protocol::pushed_requests`):
//! [`PushFlow`] takes a client's request at `/par`, checks it as
//! `/authorize` would and stores it; the authorization endpoint redeems the
//! `request_uri` once, for the client that pushed it, and uses only the
//! pushed parameters (§4).

use std::sync::Arc;

use serde::Serialize;

use super::AuthorizeFlow;
use crate::crypto::{random_token, secret_digest};
use crate::flows::client_auth::ClientAuthenticator;
use crate::flows::dpop::DpopChecker;
use crate::flows::pending_logins::Admission;
use crate::protocol::authorize::{self, AuthorizationRequest, AuthorizeError};
use crate::protocol::pending_logins::PendingScope;
use crate::protocol::pushed_requests::{self, PushedRequest};
use crate::protocol::{ClientRecord, OAuthError, Params};
use crate::store::StoreError;

/// The answer of `/par` (RFC 9126 §2.2), sent with 201 Created.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Pushed {
    pub request_uri: String,
    pub expires_in: u64,
}

/// Why `/par` refused a push (RFC 9126 §2.3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PushRefused {
    /// The request or the client's credentials, answered as at the token
    /// endpoint.
    Invalid(OAuthError),
    /// Over `pushed_requests::MAX_STORED_BYTES`: 413 Payload Too Large.
    TooLarge(OAuthError),
    /// The pending sign-in bound (`login.max_pending*`), for this address
    /// (429 Too Many Requests) or in all (503).
    Busy { scope: PendingScope, retry_after: u64 },
}

impl From<OAuthError> for PushRefused {
    fn from(e: OAuthError) -> Self {
        PushRefused::Invalid(e)
    }
}

impl From<StoreError> for PushRefused {
    fn from(e: StoreError) -> Self {
        PushRefused::Invalid(e.into())
    }
}

pub struct PushFlow {
    clients: Arc<ClientAuthenticator>,
    authorize: Arc<AuthorizeFlow>,
    dpop: Arc<DpopChecker>,
}

impl PushFlow {
    pub fn new(
        clients: Arc<ClientAuthenticator>,
        authorize: Arc<AuthorizeFlow>,
        dpop: Arc<DpopChecker>,
    ) -> PushFlow {
        PushFlow { clients, authorize, dpop }
    }

    /// The `DPoP-Nonce` to send now, where proofs must carry one.
    pub fn dpop_nonce(&self, now: i64) -> Option<String> {
        self.dpop.nonce(now)
    }

    /// Whether `/par` is served (`par.enabled`).
    pub fn enabled(&self) -> bool {
        self.authorize.policy.pushed.enabled
    }

    /// `POST /par` from `ip` with its `Authorization` header and form
    /// parameters: the client authenticates as at the token endpoint (§2),
    /// the request (its signed `request` object's, §3, when it sent one)
    /// passes every check of the authorization endpoint, then it is stored.
    /// A public client's push proves nothing about who sent it, so it
    /// counts as a pending sign-in (`login.max_pending*`). A `DPoP` proof
    /// binds the code to its key (RFC 9449 §10.1).
    pub async fn push(
        &self,
        authorization: Option<&str>,
        params: &Params,
        dpop: Option<&str>,
        ip: Option<&str>,
        now: i64,
    ) -> Result<Pushed, PushRefused> {
        params.reject_repeated_except(&[crate::protocol::resources::RESOURCE])?;
        let client = self.clients.authenticate(authorization, params, now).await?;
        let policy = self.authorize.policy;
        let signed = match params.get("request").filter(|_| policy.signed_requests.enabled) {
            Some(token) => {
                if params.get("client_id").is_some_and(|given| given != client.client_id) {
                    return Err(
                        OAuthError::invalid_request("client_id is not the authenticated client").into()
                    );
                }
                Some(self.authorize.verify_request_object(&client, token, now).await?)
            }
            None if policy.signed_requests.demands(client.require_signed_request_object) => {
                return Err(OAuthError::invalid_request(
                    "this client must push a signed request object (RFC 9101)",
                )
                .into());
            }
            None => None,
        };
        let request = signed.as_ref().unwrap_or(params);
        let bound = match self.dpop.at_par(dpop, now).await? {
            Some(proof) if request.get("dpop_jkt").is_some_and(|jkt| jkt != proof.jkt) => {
                return Err(
                    OAuthError::invalid_dpop_proof("dpop_jkt is not the key of the DPoP proof").into()
                );
            }
            Some(proof) => Some(request.with("dpop_jkt", &proof.jkt)?),
            None => None,
        };
        let request = bound.as_ref().unwrap_or(request);
        let pushed = PushedRequest::of(&client.client_id, request, policy.pushed.ttl, now)?;
        if pushed.is_oversized() {
            return Err(PushRefused::TooLarge(OAuthError::invalid_request(format!(
                "the pushed request is over {} bytes",
                pushed_requests::MAX_STORED_BYTES
            ))));
        }
        self.authorize.validate_params(&pushed.params()?).await.map_err(AuthorizeError::into_error)?;
        if client.public
            && let Admission::Refused { scope, retry_after } =
                self.authorize.pending_logins.admit(ip, now).await?
        {
            return Err(PushRefused::Busy { scope, retry_after });
        }
        let id = random_token(32);
        self.authorize.ephemeral.put(&secret_digest(&id), &pushed, now).await?;
        tracing::debug!(client_id = %client.client_id, signed = signed.is_some(), "authorization request pushed");
        Ok(Pushed { request_uri: pushed_requests::request_uri(&id), expires_in: policy.pushed.ttl })
    }
}

impl AuthorizeFlow {
    /// The pushed parameters a `request_uri` names, taken so it works once;
    /// `None` without one (or with pushing switched off, where the request
    /// checks refuse it as unsupported).
    pub(super) async fn redeem_pushed(&self, params: &Params) -> Result<Option<Params>, AuthorizeError> {
        let Some(request_uri) = params.get("request_uri").filter(|_| self.policy.pushed.enabled) else {
            return Ok(None);
        };
        let page = AuthorizeError::Page;
        let client_id = authorize::client_id(params)?;
        let id = pushed_requests::stored_id(request_uri).map_err(page)?;
        let taken: Option<PushedRequest> =
            self.ephemeral.take(&secret_digest(id)).await.map_err(|e| page(e.into()))?;
        let Some(pushed) = taken else {
            return Err(page(OAuthError::invalid_request_uri(
                "the request_uri is unknown, expired or already used",
            )));
        };
        if pushed.client_id != client_id {
            tracing::info!(client_id, pushed_by = %pushed.client_id, "request_uri of another client refused");
            return Err(page(OAuthError::invalid_request_uri(
                "the request_uri was not pushed by this client",
            )));
        }
        pushed.params().map(Some).map_err(page)
    }

    /// RFC 9126 §5, §6: where pushing is required, for every client or for
    /// this one, a request sent through the browser is refused (to the
    /// client: its redirect URI is checked).
    pub(super) fn check_not_required_to_push(
        &self,
        request: &AuthorizationRequest,
        client: &ClientRecord,
    ) -> Result<(), AuthorizeError> {
        let pushed = self.policy.pushed;
        // A client that must push keeps having to with /par switched off:
        // it fails closed rather than sending its requests in the clear.
        if client.require_pushed_requests || (pushed.enabled && pushed.required) {
            let why = if pushed.enabled {
                "authorization requests must be pushed to /par first (RFC 9126)"
            } else {
                "this client must push its requests, but /par is switched off on this server (par.enabled)"
            };
            return Err(AuthorizeError::to_client(request, OAuthError::invalid_request(why)));
        }
        Ok(())
    }
}
