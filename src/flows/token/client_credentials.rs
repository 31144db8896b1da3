//! The client credentials grant (RFC 6749 §4.4): a confidential client acts
//! on its own behalf. RFC 9068 access token with `sub` = client id; no
//! refresh token, no ID token, no database write. `resource` (RFC 8707)
//! selects the audience among the registered resources the client is
//! allowed (`target`).

use std::sync::Arc;

use crate::flows::token::TokenIssuer;
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
        now: i64,
    ) -> Result<TokenResponse, OAuthError> {
        if client.public || !client.allows_grant(GrantType::ClientCredentials) {
            return Err(OAuthError::unauthorized_client("client may not use the client credentials grant"));
        }
        let scope = granted_scope(client, params.get("scope"))?;
        let resolved = self.issuer.resolve(client, None, params, &scope).await?;
        self.issuer.client_token(client, &resolved.scope, &resolved.target, now)
    }
}

/// Scopes about a user make no sense without one.
fn is_user_scope(scope: &str) -> bool {
    StandardScope::from_word(scope).is_some_and(StandardScope::is_about_a_user)
}

/// Requested scopes must be registered for the client and not user scopes;
/// omitted means every registered non-user scope (RFC 6749 §3.3 default).
fn granted_scope(client: &ClientRecord, requested: Option<&str>) -> Result<Scope, OAuthError> {
    let registered = || client.scopes.iter().filter(|s| !is_user_scope(s)).cloned();
    let Some(raw) = requested else {
        let all: Vec<String> = registered().collect();
        return Ok(Scope::parse(&all.join(" ")).unwrap_or_default());
    };
    let scope = Scope::parse(raw).ok_or_else(|| OAuthError::invalid_scope("malformed scope"))?;
    let allowed: Vec<String> = registered().collect();
    if !scope.is_subset_of(&allowed) {
        return Err(OAuthError::invalid_scope("requested scope is not allowed for this client"));
    }
    Ok(scope)
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
    }
}
