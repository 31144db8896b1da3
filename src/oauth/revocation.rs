//! Token revocation (RFC 7009). The hint is tried first but not trusted.
//! Revoking a refresh token revokes its family and the family's access
//! tokens; revoking an access token denies its `jti` until it expires.
//! Unknown, malformed and expired tokens are answered with success (§2.2);
//! a client can revoke only its own tokens (§2.1).

use serde_json::json;

use crate::audit;
use crate::crypto::secret_digest;
use crate::oauth::tokens::{ACCESS_TOKEN_TYP, AccessTokenClaims};
use crate::oauth::{OAuthError, Params, denylist};
use crate::sso::SsoSession;
use crate::state::AppState;
use crate::store::{ClientRecord, sql};

/// What a presented string turned out to be.
enum Found {
    Ours,
    NotThisType,
}

pub async fn revoke(
    state: &AppState,
    client: &ClientRecord,
    params: &Params,
    now: i64,
) -> Result<(), OAuthError> {
    let token = params.require("token")?;
    if params.get("token_type_hint") == Some("refresh_token") {
        if let Found::NotThisType = revoke_refresh_token(state, client, token, now).await? {
            revoke_access_token(state, client, token, now).await?;
        }
    } else if let Found::NotThisType = revoke_access_token(state, client, token, now).await? {
        revoke_refresh_token(state, client, token, now).await?;
    }
    Ok(())
}

/// Who a family revocation is recorded against, and why.
pub struct FamilyRevocation<'a> {
    pub family_id: &'a str,
    pub client_id: &'a str,
    pub user_id: &'a str,
    /// The audit event kind.
    pub reason: &'static str,
}

/// Revokes a refresh-token family, denies its live access tokens (and
/// `also_deny`, e.g. the token issued with a replayed code) and writes an
/// audit event. Shared by revocation, refresh-token reuse and code replay.
pub async fn revoke_family(
    state: &AppState,
    family: FamilyRevocation<'_>,
    also_deny: Option<(String, i64)>,
    now: i64,
) -> Result<(), OAuthError> {
    let family_id = family.family_id.to_string();
    let mut denied = state.db.run(move |c| sql::refresh_tokens::revoke_family(c, &family_id, now)).await?;
    denied.extend(also_deny);
    denylist::deny_all(&state.db, &state.ephemeral, &denied, now).await?;
    let detail = json!({ "family_id": family.family_id, "revoked_access_tokens": denied.len() });
    audit::record(&state.db, now, family.reason, Some(family.client_id), Some(family.user_id), detail).await;
    Ok(())
}

/// An SSO session ended: the refresh tokens bound to it (all but offline
/// ones) are revoked with their access tokens.
pub async fn end_session_tokens(state: &AppState, session: &SsoSession, now: i64) -> Result<(), OAuthError> {
    let sid = session.sid.clone();
    let denied = state.db.run(move |c| sql::refresh_tokens::revoke_by_sid(c, &sid, now)).await?;
    denylist::deny_all(&state.db, &state.ephemeral, &denied, now).await?;
    let detail = json!({ "sid": session.sid, "revoked_access_tokens": denied.len() });
    audit::record(&state.db, now, audit::SESSION_ENDED, None, Some(&session.user_id), detail).await;
    Ok(())
}

fn foreign() -> OAuthError {
    OAuthError::unauthorized_client("the token was not issued to this client")
}

async fn revoke_refresh_token(
    state: &AppState,
    client: &ClientRecord,
    token: &str,
    now: i64,
) -> Result<Found, OAuthError> {
    let hash = secret_digest(token);
    let Some(record) = state.db.run(move |c| sql::refresh_tokens::find_by_hash(c, &hash)).await? else {
        return Ok(Found::NotThisType);
    };
    if record.client_id != client.client_id {
        return Err(foreign());
    }
    if record.revoked_at.is_none() {
        let family = FamilyRevocation {
            family_id: &record.family_id,
            client_id: &client.client_id,
            user_id: &record.user_id,
            reason: audit::TOKEN_REVOKED,
        };
        revoke_family(state, family, None, now).await?;
    }
    Ok(Found::Ours)
}

async fn revoke_access_token(
    state: &AppState,
    client: &ClientRecord,
    token: &str,
    now: i64,
) -> Result<Found, OAuthError> {
    // Signature, type and issuer only: an expired token needs no revoking
    // but is still recognised as ours.
    let Ok(map) = state.keyring.current().verify(token, ACCESS_TOKEN_TYP) else {
        return Ok(Found::NotThisType);
    };
    let Ok(claims) = serde_json::from_value::<AccessTokenClaims>(serde_json::Value::Object(map)) else {
        return Ok(Found::NotThisType);
    };
    if claims.iss != state.issuer() {
        return Ok(Found::NotThisType);
    }
    if claims.client_id != client.client_id {
        return Err(foreign());
    }
    denylist::deny(&state.db, &state.ephemeral, &claims.jti, claims.exp, now).await?;
    Ok(Found::Ours)
}
