//! The `claims` request parameter at the authorization endpoint (OpenID
//! Connect Core §5.5; `protocol::claims_request`): the named claims travel
//! with the request to the code, an `acr` asks for an authentication level
//! like `acr_values`, and a `sub` value names the only user who may get a
//! code (§3.1.2.2), resolved like an ID token hint (pairwise subjects).

use super::AuthorizeFlow;
use crate::protocol::authorize::{AuthorizationRequest, AuthorizeError};
use crate::protocol::claims_request;
use crate::protocol::entries::SsoSession;
use crate::protocol::logout::IdTokenHint;
use crate::protocol::{ClientRecord, OAuthError, Params};

impl AuthorizeFlow {
    /// Reads `claims` into `request` (ignored when switched off, as by an
    /// OP that does not support it: `claims_parameter_supported` false).
    pub(super) async fn read_claims_request(
        &self,
        params: &Params,
        client: &ClientRecord,
        request: &mut AuthorizationRequest,
    ) -> Result<(), AuthorizeError> {
        let Some(raw) = params.get("claims").filter(|_| self.policy.claims_parameter) else { return Ok(()) };
        let to_client = |request: &AuthorizationRequest, e| AuthorizeError::to_client(request, e);
        let parsed = claims_request::parse(raw, client).map_err(|e| to_client(request, e))?;
        if request.acr_values.is_empty() {
            request.acr_values = parsed.acr_values;
        }
        request.claims = parsed.claims;
        if let Some(sub) = parsed.sub {
            let mut named =
                IdTokenHint { sub, audience: vec![client.client_id.clone()], ..IdTokenHint::default() };
            self.subjects.resolve_hint(&mut named).await.map_err(|e| to_client(request, e))?;
            request.claims_user = Some(named.sub);
        }
        Ok(())
    }
}

/// §3.1.2.2: with a `sub` value, only that user gets a code, whoever logged in.
pub(super) fn check_claims_user(
    request: &AuthorizationRequest,
    session: &SsoSession,
) -> Result<(), OAuthError> {
    match &request.claims_user {
        Some(user_id) if *user_id != session.user_id => {
            Err(OAuthError::access_denied("the user is not the one the claims request's sub names"))
        }
        _ => Ok(()),
    }
}
