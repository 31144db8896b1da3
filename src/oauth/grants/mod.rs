//! The token endpoint's grants (RFC 6749 §4), one module each, behind one
//! dispatch on `grant_type`.

pub mod authorization_code;

use serde::Serialize;

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
        other => Err(OAuthError::unsupported_grant_type(format!("grant_type {other} is not supported"))),
    }
}
