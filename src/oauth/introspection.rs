//! Token introspection (RFC 7662). Inactive answers carry nothing but
//! `active: false` (§2.2), whether the token is expired, revoked, malformed,
//! unknown, or not the caller's business: access tokens may be introspected
//! by the client they were issued to and by the resources named in their
//! `aud`; refresh tokens only by their own client.

use serde::Serialize;

use crate::accounts::users::find_active;
use crate::crypto::secret_digest;
use crate::oauth::tokens::{Verifier, decode_live_access_token};
use crate::oauth::{OAuthError, Params};
use crate::state::AppState;
use crate::store::{ClientRecord, sql};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Introspection {
    pub active: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sub: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub aud: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub iss: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exp: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub iat: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token_type: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub jti: Option<String>,
}

impl Introspection {
    pub fn inactive() -> Introspection {
        Introspection::default()
    }
}

pub async fn introspect(
    state: &AppState,
    client: &ClientRecord,
    params: &Params,
    now: i64,
) -> Result<Introspection, OAuthError> {
    let token = params.require("token")?;
    let refresh_first = params.get("token_type_hint") == Some("refresh_token");
    let found = if refresh_first {
        match refresh_token(state, client, token, now).await? {
            Some(found) => Some(found),
            None => access_token(state, client, token, now).await?,
        }
    } else {
        match access_token(state, client, token, now).await? {
            Some(found) => Some(found),
            None => refresh_token(state, client, token, now).await?,
        }
    };
    Ok(found.unwrap_or_else(Introspection::inactive))
}

async fn access_token(
    state: &AppState,
    client: &ClientRecord,
    token: &str,
    now: i64,
) -> Result<Option<Introspection>, OAuthError> {
    let keyring = state.keyring.current();
    let claims = match decode_live_access_token(
        Verifier { keyring: &keyring, verified: &state.verified_tokens },
        &state.ephemeral,
        state.issuer(),
        token,
        now,
    )
    .await
    {
        Ok(claims) => claims,
        Err(e) if e.code.status() >= 500 => return Err(e),
        Err(_) => return Ok(None),
    };
    let entitled = claims.client_id == client.client_id || claims.aud.iter().any(|a| a == &client.client_id);
    // Tokens issued for a user die with the user.
    let user_ok = claims.auth_time.is_none() || find_active(&state.db, &claims.sub).await?.is_some();
    if !entitled || !user_ok {
        return Ok(Some(Introspection::inactive()));
    }
    Ok(Some(Introspection {
        active: true,
        scope: Some(claims.scope),
        client_id: Some(claims.client_id),
        sub: Some(claims.sub),
        aud: Some(claims.aud),
        iss: Some(claims.iss),
        exp: Some(claims.exp),
        iat: Some(claims.iat),
        token_type: Some("Bearer"),
        jti: Some(claims.jti),
    }))
}

async fn refresh_token(
    state: &AppState,
    client: &ClientRecord,
    token: &str,
    now: i64,
) -> Result<Option<Introspection>, OAuthError> {
    let hash = secret_digest(token);
    let Some(record) = state.db.run(move |c| sql::refresh_tokens::find_by_hash(c, &hash)).await? else {
        return Ok(None);
    };
    let live = record.client_id == client.client_id
        && record.revoked_at.is_none()
        && record.rotated_at.is_none()
        && record.expires_at > now
        && record.family_expires_at > now;
    if !live || find_active(&state.db, &record.user_id).await?.is_none() {
        return Ok(Some(Introspection::inactive()));
    }
    Ok(Some(Introspection {
        active: true,
        scope: Some(record.scope),
        client_id: Some(record.client_id),
        sub: Some(record.user_id),
        aud: None,
        iss: Some(state.issuer().to_string()),
        exp: Some(record.expires_at),
        iat: Some(record.created_at),
        token_type: Some("refresh_token"),
        jti: None,
    }))
}
