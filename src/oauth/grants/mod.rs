//! The token endpoint's grants (RFC 6749 §4, §6), one module each, behind
//! one dispatch on `grant_type`.

pub mod authorization_code;
pub mod client_credentials;
pub mod issue;
pub mod refresh_token;

use serde::Serialize;

use crate::config::Settings;
use crate::oauth::{OAuthError, Params};
use crate::state::AppState;
use crate::store::ClientRecord;

/// RFC 6749 §5.1 (plus `id_token`, OIDC Core §3.1.3.3).
#[derive(Debug, Clone, Serialize)]
pub struct TokenResponse {
    pub access_token: String,
    pub token_type: &'static str,
    pub expires_in: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id_token: Option<String>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub scope: String,
}

/// Runs the requested grant for an authenticated client.
pub async fn token(
    state: &AppState,
    client: &ClientRecord,
    params: &Params,
    now: i64,
) -> Result<TokenResponse, OAuthError> {
    match params.require("grant_type")? {
        "authorization_code" => authorization_code::exchange(state, client, params, now).await,
        "refresh_token" => refresh_token::refresh(state, client, params, now).await,
        "client_credentials" => client_credentials::grant(state, client, params, now).await,
        other => Err(OAuthError::unsupported_grant_type(format!("grant_type {other} is not supported"))),
    }
}

/// Lifetimes in seconds: the client's override, else the global setting.
pub struct Lifetimes {
    pub access_token: u64,
    pub refresh_idle: u64,
    pub refresh_absolute: u64,
}

impl Lifetimes {
    pub fn for_client(settings: &Settings, client: &ClientRecord) -> Lifetimes {
        let pick = |own: Option<i64>, global: u64| own.and_then(|v| u64::try_from(v).ok()).unwrap_or(global);
        let refresh_absolute =
            pick(client.refresh_token_absolute_ttl, settings.tokens.refresh_token_absolute_ttl);
        // A token must not outlive the publication of its key (retired keys
        // stay in the JWKS for `retired_retention`).
        let longest = settings.keys.retired_retention.saturating_sub(settings.keys.jwks_max_age).max(1);
        Lifetimes {
            access_token: pick(client.access_token_ttl, settings.tokens.access_token_ttl).min(longest),
            refresh_idle: pick(client.refresh_token_idle_ttl, settings.tokens.refresh_token_idle_ttl)
                .min(refresh_absolute),
            refresh_absolute,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_overrides_apply_but_never_outlive_the_signing_key() {
        let settings = Settings::default();
        let client = ClientRecord {
            access_token_ttl: Some(60),
            refresh_token_idle_ttl: Some(10),
            ..ClientRecord::default()
        };
        let l = Lifetimes::for_client(&settings, &client);
        assert_eq!((l.access_token, l.refresh_idle), (60, 10));
        let greedy = ClientRecord { access_token_ttl: Some(10 * 86_400), ..ClientRecord::default() };
        let l = Lifetimes::for_client(&settings, &greedy);
        assert_eq!(l.access_token, settings.keys.retired_retention - settings.keys.jwks_max_age);
    }
}
