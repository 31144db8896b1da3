//! The UserInfo endpoint (OIDC Core §5.3): claims about the user an access
//! token was issued for, limited to the token's scope.

use std::sync::Arc;

use serde_json::{Map, Value};

use crate::flows::access_tokens::AccessTokenVerifier;
use crate::protocol::claims::user_claims;
use crate::protocol::{OAuthError, Scope, StandardScope};
use crate::store::Users;

pub struct UserinfoFlow {
    access_tokens: Arc<AccessTokenVerifier>,
    users: Users,
}

impl UserinfoFlow {
    pub fn new(access_tokens: Arc<AccessTokenVerifier>, users: Users) -> UserinfoFlow {
        UserinfoFlow { access_tokens, users }
    }

    /// `token` is the bearer token from the request (RFC 6750 §2); the
    /// UserInfo endpoint is one of our resources, named by the issuer.
    pub async fn userinfo(&self, token: &str, now: i64) -> Result<Map<String, Value>, OAuthError> {
        let issuer = self.access_tokens.issuer();
        let claims = self.access_tokens.verify_for(issuer, token, now).await?;
        if !claims.has_scope(StandardScope::OpenId.as_str()) {
            return Err(OAuthError::insufficient_scope("the access token lacks the openid scope"));
        }
        let user = self
            .users
            .find_active(&claims.sub)
            .await?
            .ok_or_else(|| OAuthError::invalid_token("the user no longer exists"))?;
        let scope = Scope::parse(&claims.scope).unwrap_or_default();
        Ok(user_claims(&user, &scope))
    }
}
