//! The UserInfo endpoint (OIDC Core §5.3): claims about the user an access
//! token was issued for, limited to the token's scope; `groups` and
//! `roles` as the database has them now (RFC 9068 §2.2.3.1 names them).

use std::sync::Arc;

use serde_json::{Map, Value};

use crate::flows::access_tokens::AccessTokenVerifier;
use crate::flows::dpop::{DpopChecker, Presented};
use crate::flows::response_encryption::{ResponseSealer, wants_userinfo_jwt};
use crate::protocol::claims::{GroupClaims, user_claims};
use crate::protocol::claims_request::named_claims;
use crate::protocol::origin::{Answer, WebOrigin};
use crate::protocol::subjects::{SubjectPolicy, Subjects};
use crate::protocol::tokens::AccessTokenClaims;
use crate::protocol::{ClientRecord, OAuthError, Scope, StandardScope};
use crate::store::{Clients, Groups, Users};

pub struct UserinfoFlow {
    access_tokens: Arc<AccessTokenVerifier>,
    dpop: Arc<DpopChecker>,
    users: Users,
    clients: Clients,
    groups: Groups,
    subjects: Arc<Subjects>,
    /// Signs and encrypts the response for clients that registered for it.
    sealer: ResponseSealer,
}

/// The UserInfo response (OIDC Core §5.3.2): JSON, or a signed and/or
/// encrypted JWT (`application/jwt`) for clients that registered for one.
#[derive(Debug)]
pub enum UserinfoResponse {
    Claims(Map<String, Value>),
    Jwt(String),
}

/// What the client's registration says about its UserInfo answer.
struct Release {
    role_prefix: Option<String>,
    policy: Result<SubjectPolicy, OAuthError>,
    /// The client, when it wants a JWT (its keys and algorithms).
    sealed_for: Option<ClientRecord>,
}

impl Release {
    fn of(client: &ClientRecord) -> Release {
        Release {
            role_prefix: client.role_claim.clone(),
            policy: SubjectPolicy::of(client),
            sealed_for: wants_userinfo_jwt(client).then(|| client.clone()),
        }
    }
}

impl UserinfoFlow {
    pub fn new(
        access_tokens: Arc<AccessTokenVerifier>,
        dpop: Arc<DpopChecker>,
        users: Users,
        clients: Clients,
        groups: Groups,
        subjects: Arc<Subjects>,
        sealer: ResponseSealer,
    ) -> UserinfoFlow {
        UserinfoFlow { access_tokens, dpop, users, clients, groups, subjects, sealer }
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
    ) -> Answer<UserinfoResponse> {
        let issuer = self.access_tokens.issuer();
        let claims = match self.access_tokens.verify_for(issuer, presented.token, now).await {
            Ok(claims) => claims,
            Err(e) => return Answer::undecided(e),
        };
        if let Err(e) = self.dpop.at_userinfo(claims.bound_key(), presented, now).await {
            return Answer::undecided(e);
        }
        // What the client's registration says, from the in-memory cache,
        // without copying the whole client unless CORS or a JWT needs it.
        let release = match origin {
            Some(origin) => match self.clients.find(&claims.client_id).await {
                Ok(Some(client)) => {
                    if let Err(refused) = Answer::check(&client, Some(origin)) {
                        return refused;
                    }
                    Some(Release::of(&client))
                }
                Ok(None) => None,
                Err(e) => return Answer::undecided(e.into()),
            },
            None => match self.clients.find_map(&claims.client_id, Release::of).await {
                Ok(release) => release,
                Err(e) => return Answer::undecided(e.into()),
            },
        };
        let Some(release) = release else {
            return Answer::undecided(OAuthError::invalid_token("the client no longer exists"));
        };
        let policy = match release.policy {
            Ok(policy) => policy,
            Err(e) => return Answer::undecided(e),
        };
        let released = match self.claims_of(&claims, &policy, release.role_prefix.as_deref()).await {
            Ok(released) => released,
            Err(e) => return Answer::allowed(Err(e)),
        };
        Answer::allowed(match release.sealed_for {
            None => Ok(UserinfoResponse::Claims(released)),
            Some(client) => {
                self.sealer.userinfo_jwt(&client, issuer, released, now).await.map(UserinfoResponse::Jwt)
            }
        })
    }

    async fn claims_of(
        &self,
        claims: &AccessTokenClaims,
        policy: &SubjectPolicy,
        role_prefix: Option<&str>,
    ) -> Result<Map<String, Value>, OAuthError> {
        if !claims.has_scope(StandardScope::OpenId.as_str()) {
            return Err(OAuthError::insufficient_scope("the access token lacks the openid scope"));
        }
        let gone = || OAuthError::invalid_token("the user no longer exists");
        let user_id = self.subjects.user_id(policy, &claims.sub).ok_or_else(gone)?;
        let user = self.users.find_active(&user_id).await?.ok_or_else(gone)?;
        let scope = Scope::parse(&claims.scope).unwrap_or_default();
        // The token's `sub` is the one the client knows (OIDC Core §5.3.2).
        let mut released = user_claims(&user, &claims.sub, &scope);
        released.extend(named_claims(&user, &claims.sub, &claims.userinfo_claims));
        // The groups are read only when a claim needs them.
        if scope.contains(StandardScope::Groups.as_str()) || role_prefix.is_some() {
            let groups = self.groups.of_user(&user.id).await?;
            GroupClaims::of(&groups, &scope, role_prefix).insert_into(&mut released);
        }
        Ok(released)
    }
}
