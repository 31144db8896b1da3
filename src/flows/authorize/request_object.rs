//! Signed request objects (RFC 9101; `protocol::request_object`): the
//! authorization endpoint opens a `request` parameter with the keys of the
//! client it names, `/par` opens one for the client that authenticated,
//! and either way only the object's parameters count. A client (or every
//! client, `jar.required`) can be required to sign its requests.

use std::sync::Arc;

use super::AuthorizeFlow;
use crate::flows::client_auth::client_keys::ClientKeys;
use crate::jose::decryption_key::DecryptionKey;
use crate::protocol::authorize::{self, AuthorizationRequest, AuthorizeError};
use crate::protocol::request_object;
use crate::protocol::{ClientRecord, OAuthError, Params};

/// The keys a request object is opened with: ours, when clients may
/// encrypt to us (RFC 9101 §6.1), and the client's, for its signature.
#[derive(Clone)]
pub struct RequestObjectKeys {
    pub clients: ClientKeys,
    /// `None`: encrypted objects are refused (not advertised in discovery).
    pub ours: Option<Arc<DecryptionKey>>,
}

impl AuthorizeFlow {
    /// The parameters of the request's `request` object, verified for the
    /// client its `client_id` names; `None` without one (or with request
    /// objects switched off, where the request checks refuse it as
    /// unsupported). A bad object is shown to the user, not sent back: its
    /// redirect URI is not trusted.
    pub(super) async fn open_request_object(
        &self,
        params: &Params,
        now: i64,
    ) -> Result<Option<Params>, AuthorizeError> {
        let Some(token) = params.get("request").filter(|_| self.policy.signed_requests.enabled) else {
            return Ok(None);
        };
        let page = AuthorizeError::Page;
        let client_id = authorize::client_id(params)?;
        let client = self
            .clients
            .find(client_id)
            .await
            .map_err(|e| page(e.into()))?
            .ok_or_else(|| page(OAuthError::invalid_request(authorize::UNKNOWN_CLIENT)))?;
        self.verify_request_object(&client, token, now).await.map(Some).map_err(page)
    }

    /// RFC 9101 §6.1, §6.3: the object's signature with `client`'s
    /// registered keys, then its claims; the request it carries.
    pub(super) async fn verify_request_object(
        &self,
        client: &ClientRecord,
        token: &str,
        now: i64,
    ) -> Result<Params, OAuthError> {
        let client_id = client.client_id.as_str();
        let opened = async {
            let decrypted = match &self.request_keys.ours {
                Some(ours) if request_object::is_encrypted(token) => {
                    Some(request_object::decrypt(ours, token)?)
                }
                _ => None,
            };
            let object = request_object::parse(decrypted.as_deref().unwrap_or(token))?;
            let keys = self.request_keys.clients.of(client, object.kid.as_deref(), now).await.map_err(|e| {
                tracing::warn!(client_id, error = %e, "cannot get the client's JWK Set for a request object");
                OAuthError::invalid_request_object(
                    "the client has no usable registered keys (jwks or jwks_uri)",
                )
            })?;
            let claims = object.verify(&keys).map_err(request_object::signature_error)?;
            request_object::into_params(&claims, client_id, &self.issuer, now)
        };
        opened.await.inspect_err(|e| tracing::info!(client_id, error = %e, "request object refused"))
    }

    /// RFC 9101 §10.5: where signing is required, for every client or for
    /// this one, a request made of plain parameters is refused (to the
    /// client: its redirect URI is checked).
    pub(super) fn check_not_required_to_sign(
        &self,
        request: &AuthorizationRequest,
        client: &ClientRecord,
    ) -> Result<(), AuthorizeError> {
        if self.policy.signed_requests.demands(client.require_signed_request_object) {
            return Err(AuthorizeError::to_client(
                request,
                OAuthError::invalid_request(
                    "authorization requests must be signed request objects (RFC 9101)",
                ),
            ));
        }
        Ok(())
    }
}
