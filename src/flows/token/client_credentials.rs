//! The client credentials grant (RFC 6749 §4.4): a confidential client acts
//! on its own behalf. RFC 9068 access token with `sub` = client id; no
//! refresh token, no ID token, no database write. `resource` (RFC 8707)
//! selects the audience among the registered resources the client is
//! allowed (`target`).

use std::sync::Arc;

use crate::flows::token::TokenIssuer;
use crate::protocol::scope::grantable;
use crate::protocol::tokens::TokenResponse;
use crate::protocol::{ClientRecord, GrantType, OAuthError, Params, Scope, StandardScope};

pub struct ClientCredentialsGrant {
    issuer: Arc<TokenIssuer>,
}

impl ClientCredentialsGrant {
    pub fn new(issuer: Arc<TokenIssuer>) -> ClientCredentialsGrant {
        ClientCredentialsGrant { issuer }
    }

    pub async fn grant(
        &self,
        client: &ClientRecord,
        params: &Params,
        dpop_jkt: Option<&str>,
        now: i64,
    ) -> Result<TokenResponse, OAuthError> {
        if !client.allows_grant(GrantType::ClientCredentials) {
            return Err(OAuthError::unauthorized_client("client may not use the client credentials grant"));
        }
        let scope = granted_scope(client, params.get("scope"))?;
        let resolved = self.issuer.resolve(client, None, params, &scope).await?;
        self.issuer.client_token(client, &resolved.scope, &resolved.target, dpop_jkt, now)
    }
}

/// Scopes about a user make no sense without one.
fn is_user_scope(scope: &str) -> bool {
    StandardScope::from_word(scope).is_some_and(StandardScope::is_about_a_user)
}

/// The requested scopes registered for the client, user scopes left out
/// (`scope::grantable`); omitted means every registered non-user scope
/// (RFC 6749 §3.3 default).
fn granted_scope(client: &ClientRecord, requested: Option<&str>) -> Result<Scope, OAuthError> {
    let allowed = |s: &str| client.allows_scope(s) && !is_user_scope(s);
    let Some(raw) = requested else {
        let all: Vec<&str> = client.scopes.iter().map(String::as_str).filter(|s| allowed(s)).collect();
        return Ok(Scope::parse(&all.join(" ")).unwrap_or_default());
    };
    grantable(raw, allowed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client() -> ClientRecord {
        ClientRecord {
            client_id: "svc".into(),
            scopes: vec!["openid".into(), "api.read".into(), "api.write".into()],
            grant_types: vec![GrantType::ClientCredentials],
            ..ClientRecord::default()
        }
    }

    #[test]
    fn scope_defaults_to_registered_non_user_scopes() {
        assert_eq!(granted_scope(&client(), None).unwrap().to_string(), "api.read api.write");
        assert_eq!(granted_scope(&client(), Some("api.read")).unwrap().to_string(), "api.read");
        assert_eq!(granted_scope(&client(), Some("openid")).unwrap_err().code.as_str(), "invalid_scope");
        assert_eq!(granted_scope(&client(), Some("api.admin")).unwrap_err().code.as_str(), "invalid_scope");
        let mixed = granted_scope(&client(), Some("api.admin openid api.write")).unwrap();
        assert_eq!(mixed.to_string(), "api.write", "what may not be granted is left out");
    }
}
