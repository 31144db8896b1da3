//! The client credentials grant (RFC 6749 §4.4): a confidential client acts
//! on its own behalf. RFC 9068 access token with `sub` = client id; no
//! refresh token, no ID token, no database write. `resource` (RFC 8707)
//! selects the audience among the client's registered resources.

use crate::oauth::clients::allows_grant;
use crate::oauth::grants::{Lifetimes, TokenResponse};
use crate::oauth::tokens::{AccessTokenRequest, mint_access_token};
use crate::oauth::{OAuthError, Params, Scope};
use crate::state::AppState;
use crate::store::ClientRecord;

/// Scopes about a user make no sense without one.
const USER_SCOPES: [&str; 4] = ["openid", "profile", "email", "offline_access"];

pub async fn grant(
    state: &AppState,
    client: &ClientRecord,
    params: &Params,
    now: i64,
) -> Result<TokenResponse, OAuthError> {
    if client.public || !allows_grant(client, "client_credentials") {
        return Err(OAuthError::unauthorized_client("client may not use the client credentials grant"));
    }
    let scope = granted_scope(client, params.get("scope"))?;
    let audience = audience(state, client, &params.get_all("resource"))?;
    let ttl = Lifetimes::for_client(&state.settings, client).access_token;
    let access_token = mint_access_token(
        &state.keyring.current(),
        AccessTokenRequest {
            issuer: state.issuer(),
            subject: &client.client_id,
            client_id: &client.client_id,
            audience,
            scope: scope.to_string(),
            auth_time: None,
            sid: None,
            now,
            ttl_secs: ttl,
        },
    )?;
    Ok(TokenResponse {
        access_token: access_token.token,
        token_type: "Bearer",
        expires_in: ttl,
        refresh_token: None,
        id_token: None,
        scope: scope.to_string(),
    })
}

/// Requested scopes must be registered for the client and not user scopes;
/// omitted means every registered non-user scope (RFC 6749 §3.3 default).
fn granted_scope(client: &ClientRecord, requested: Option<&str>) -> Result<Scope, OAuthError> {
    let registered = || client.scopes.iter().filter(|s| !USER_SCOPES.contains(&s.as_str())).cloned();
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

/// RFC 8707 §2: each `resource` must be an absolute URI without fragment
/// and registered for the client; none means the default audience.
fn audience(state: &AppState, client: &ClientRecord, resources: &[&str]) -> Result<Vec<String>, OAuthError> {
    if resources.is_empty() {
        return Ok(vec![state.settings.default_audience().to_string()]);
    }
    let mut audience: Vec<String> = Vec::new();
    for resource in resources {
        let absolute = url::Url::parse(resource).is_ok_and(|u| u.fragment().is_none());
        if !absolute {
            return Err(OAuthError::invalid_target("resource must be an absolute URI without a fragment"));
        }
        if !client.resources.iter().any(|r| r == resource) {
            return Err(OAuthError::invalid_target(format!(
                "resource {resource} is not allowed for this client"
            )));
        }
        if !audience.iter().any(|a| a == resource) {
            audience.push(resource.to_string());
        }
    }
    Ok(audience)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client() -> ClientRecord {
        ClientRecord {
            client_id: "svc".into(),
            scopes: vec!["openid".into(), "api.read".into(), "api.write".into()],
            grant_types: vec!["client_credentials".into()],
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
