//! The UserInfo endpoint (OIDC Core §5.3): claims about the user an access
//! token was issued for, limited to the token's scope; `groups` and
//! `roles` as the database has them now (RFC 9068 §2.2.3.1 names them).

use std::sync::Arc;

use serde_json::{Map, Value};

use crate::flows::access_tokens::AccessTokenVerifier;
use crate::flows::dpop::{DpopChecker, Presented};
use crate::protocol::claims::{GroupClaims, user_claims};
use crate::protocol::origin::{Answer, WebOrigin};
use crate::protocol::tokens::AccessTokenClaims;
use crate::protocol::{OAuthError, Scope, StandardScope};
use crate::store::{Clients, Groups, Users};

pub struct UserinfoFlow {
    access_tokens: Arc<AccessTokenVerifier>,
    dpop: Arc<DpopChecker>,
    users: Users,
    clients: Clients,
    groups: Groups,
}

impl UserinfoFlow {
    pub fn new(
        access_tokens: Arc<AccessTokenVerifier>,
        dpop: Arc<DpopChecker>,
        users: Users,
        clients: Clients,
        groups: Groups,
    ) -> UserinfoFlow {
        UserinfoFlow { access_tokens, dpop, users, clients, groups }
    }

    /// The `DPoP-Nonce` to send now, where proofs must carry one.
    pub fn dpop_nonce(&self, now: i64) -> Option<String> {
        self.dpop.nonce(now)
    }

    /// `presented` is the access token as the request carried it (RFC 6750
    /// §2, or RFC 9449 §7.1 with its proof); the UserInfo endpoint is one of
    /// our resources, named by the issuer. A browser `origin` must be a web
    /// origin of the client the token was issued to (its `client_id` claim).
    pub async fn userinfo(
        &self,
        presented: &Presented<'_>,
        origin: Option<&WebOrigin>,
        now: i64,
    ) -> Answer<Map<String, Value>> {
        let issuer = self.access_tokens.issuer();
        let claims = match self.access_tokens.verify_for(issuer, presented.token, now).await {
            Ok(claims) => claims,
            Err(e) => return Answer::undecided(e),
        };
        if let Err(e) = self.dpop.at_userinfo(claims.bound_key(), presented, now).await {
            return Answer::undecided(e);
        }
        // The client's role prefix from the in-memory cache, without
        // copying the whole client unless CORS needs it.
        let prefix = match origin {
            Some(origin) => {
                let client = match self.clients.find(&claims.client_id).await {
                    Ok(Some(client)) => client,
                    Ok(None) => {
                        return Answer::undecided(OAuthError::invalid_token("the client no longer exists"));
                    }
                    Err(e) => return Answer::undecided(e.into()),
                };
                if let Err(refused) = Answer::check(&client, Some(origin)) {
                    return refused;
                }
                client.role_claim
            }
            None => match self.clients.role_claim_of(&claims.client_id).await {
                Ok(prefix) => prefix.flatten(),
                Err(e) => return Answer::undecided(e.into()),
            },
        };
        Answer::allowed(self.claims_of(&claims, prefix.as_deref()).await)
    }

    async fn claims_of(
        &self,
        claims: &AccessTokenClaims,
        role_prefix: Option<&str>,
    ) -> Result<Map<String, Value>, OAuthError> {
        if !claims.has_scope(StandardScope::OpenId.as_str()) {
            return Err(OAuthError::insufficient_scope("the access token lacks the openid scope"));
        }
        let user = self
            .users
            .find_active(&claims.sub)
            .await?
            .ok_or_else(|| OAuthError::invalid_token("the user no longer exists"))?;
        let scope = Scope::parse(&claims.scope).unwrap_or_default();
        let mut released = user_claims(&user, &scope);
        // The groups are read only when a claim needs them.
        if scope.contains(StandardScope::Groups.as_str()) || role_prefix.is_some() {
            let groups = self.groups.of_user(&user.id).await?;
            GroupClaims::of(&groups, &scope, role_prefix).insert_into(&mut released);
        }
        Ok(released)
    }
}
