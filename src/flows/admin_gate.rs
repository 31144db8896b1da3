//! Who may use the admin API: a bearer access token of our own (RFC 6750)
//! whose audience is the issuer and whose scope holds `oxidp:admin`,
//! checked against the current state on every request: an automation
//! client must still exist and still be registered for the scope; a person
//! must still be active and still be a member of `oxidp-admins`. A token
//! minted before a change therefore stops opening the API at once.

use std::sync::Arc;

use super::access_tokens::AccessTokenVerifier;
use super::admin::{Actor, Admin};
use super::subjects::SubjectResolver;
use crate::protocol::OAuthError;
use crate::protocol::admin::{ADMIN_GROUP, ADMIN_SCOPE};
use crate::protocol::tokens::AccessTokenClaims;
use crate::store::{Clients, Users};

/// Why a caller was turned away.
#[derive(Debug)]
pub enum Refusal {
    /// No usable token (RFC 6750 §3.1 `invalid_token`, or no credentials
    /// at all): HTTP 401.
    Unauthenticated(Option<OAuthError>),
    /// A valid token without the right (RFC 6750 §3.1
    /// `insufficient_scope`): HTTP 403.
    Forbidden(String),
    /// The stores failed.
    Unavailable(OAuthError),
}

pub struct AdminGate {
    access_tokens: Arc<AccessTokenVerifier>,
    clients: Clients,
    users: Users,
    admin: Arc<Admin>,
    subjects: SubjectResolver,
}

impl AdminGate {
    pub fn new(
        access_tokens: Arc<AccessTokenVerifier>,
        clients: Clients,
        users: Users,
        admin: Arc<Admin>,
        subjects: SubjectResolver,
    ) -> AdminGate {
        AdminGate { access_tokens, clients, users, admin, subjects }
    }

    /// The actor behind `token` (the bearer value), or why not.
    pub async fn admit(&self, token: Option<&str>, now: i64) -> Result<Actor, Refusal> {
        let Some(token) = token else { return Err(Refusal::Unauthenticated(None)) };
        let issuer = self.access_tokens.issuer().to_string();
        let claims = match self.access_tokens.verify_for(&issuer, token, now).await {
            Ok(claims) => claims,
            Err(e) if e.status() >= 500 => return Err(Refusal::Unavailable(e)),
            Err(e) => return Err(Refusal::Unauthenticated(Some(e))),
        };
        if !claims.has_scope(ADMIN_SCOPE) {
            return Err(Refusal::Forbidden(format!("the access token lacks the {ADMIN_SCOPE} scope")));
        }
        if is_for_a_client(&claims) {
            self.admit_client(&claims).await
        } else {
            self.admit_person(&claims).await
        }
    }

    async fn admit_client(&self, claims: &AccessTokenClaims) -> Result<Actor, Refusal> {
        let client =
            self.clients.find(&claims.client_id).await.map_err(|e| Refusal::Unavailable(e.into()))?;
        match client {
            Some(client) if client.allows_scope(ADMIN_SCOPE) => Ok(Actor::Client(client.client_id)),
            _ => Err(Refusal::Forbidden(format!("client {:?} may no longer administer", claims.client_id))),
        }
    }

    async fn admit_person(&self, claims: &AccessTokenClaims) -> Result<Actor, Refusal> {
        // A pairwise `sub` (OIDC Core §8.1) names the user only together
        // with the client the token was issued to.
        let user = match self.subjects.user_of_token(claims).await.map_err(Refusal::Unavailable)? {
            Some(user_id) => {
                self.users.find_active_fresh(&user_id).await.map_err(|e| Refusal::Unavailable(e.into()))?
            }
            None => None,
        };
        let Some(user) = user else {
            return Err(Refusal::Unauthenticated(Some(OAuthError::invalid_token(
                "the account is not active",
            ))));
        };
        let groups = self.admin.user_groups(&user.id).await.map_err(|e| {
            tracing::error!(error = %e, "reading an administrator's groups");
            Refusal::Unavailable(OAuthError::server_error("internal error"))
        })?;
        if groups.iter().any(|g| g == ADMIN_GROUP) {
            Ok(Actor::User { id: user.id, username: user.username })
        } else {
            Err(Refusal::Forbidden(format!("the account is not a member of {ADMIN_GROUP}")))
        }
    }
}

/// RFC 9068 §2.2: without a resource owner, `sub` is the client itself; a
/// token issued to a person carries the time they authenticated.
fn is_for_a_client(claims: &AccessTokenClaims) -> bool {
    claims.auth_time.is_none() && claims.sub == claims.client_id
}
