//! The refresh token grant (RFC 6749 §6) with rotation and reuse detection
//! (RFC 9700 §4.14.2): every use returns a new refresh token and retires the
//! old one; presenting a retired token means two parties hold the family, so
//! the whole family is revoked, its access tokens included.

use crate::accounts::users::find_active;
use crate::audit;
use crate::crypto::secret_digest;
use crate::oauth::clients::allows_grant;
use crate::oauth::grants::TokenResponse;
use crate::oauth::grants::issue::{UserGrant, issue_user_tokens};
use crate::oauth::revocation::{FamilyRevocation, revoke_family};
use crate::oauth::{OAuthError, Params, Scope};
use crate::state::AppState;
use crate::store::{ClientRecord, RefreshTokenRecord, sql};

pub async fn refresh(
    state: &AppState,
    client: &ClientRecord,
    params: &Params,
    now: i64,
) -> Result<TokenResponse, OAuthError> {
    let offline_client = client.scopes.iter().any(|s| s == "offline_access");
    if !allows_grant(client, "refresh_token") && !offline_client {
        return Err(OAuthError::unauthorized_client("client may not use the refresh token grant"));
    }
    let hash = secret_digest(params.require("refresh_token")?);
    let Some(current) = state.db.run(move |c| sql::refresh_tokens::find_by_hash(c, &hash)).await? else {
        return Err(invalid());
    };
    if current.client_id != client.client_id || current.revoked_at.is_some() {
        return Err(invalid());
    }
    if current.rotated_at.is_some() {
        revoke_on_reuse(state, &current, now).await?;
        return Err(invalid());
    }
    if current.expires_at <= now || current.family_expires_at <= now {
        return Err(OAuthError::invalid_grant("the refresh token has expired"));
    }
    let grant_scope = Scope::parse(&current.scope).unwrap_or_default();
    let scope = narrowed_scope(&grant_scope, params.get("scope"))?;
    let user = find_active(&state.db, &current.user_id)
        .await?
        .ok_or_else(|| OAuthError::invalid_grant("the user no longer exists or is disabled"))?;

    let sid = current.sid.clone().unwrap_or_default();
    let issued = issue_user_tokens(
        state,
        client,
        &UserGrant {
            user: &user,
            scope: &scope,
            grant_scope: &grant_scope,
            sid: &sid,
            auth_time: current.auth_time,
            nonce: None,
            family_id: &current.family_id,
            family_expires_at: current.family_expires_at,
        },
        now,
    )?;
    let next = issued.refresh_token;
    let current_id = current.id.clone();
    // Its own savepoint in the writer's batch: all or nothing.
    let rotated = state
        .db
        .write(move |c| {
            if !sql::refresh_tokens::mark_rotated(c, &current_id, now)? {
                return Ok(false);
            }
            if let Some(next) = &next {
                sql::refresh_tokens::insert(c, next)?;
            }
            Ok(true)
        })
        .await?;
    if !rotated {
        // A concurrent request used the same token first: that is reuse.
        revoke_on_reuse(state, &current, now).await?;
        return Err(invalid());
    }
    Ok(issued.response)
}

fn invalid() -> OAuthError {
    OAuthError::invalid_grant("the refresh token is invalid, expired or revoked")
}

/// RFC 6749 §6: the requested scope must not exceed the original grant;
/// omitted means the original scope.
fn narrowed_scope(grant: &Scope, requested: Option<&str>) -> Result<Scope, OAuthError> {
    let Some(raw) = requested else { return Ok(grant.clone()) };
    let scope = Scope::parse(raw).ok_or_else(|| OAuthError::invalid_scope("malformed scope"))?;
    if scope.is_empty() || !scope.iter().all(|s| grant.contains(s)) {
        return Err(OAuthError::invalid_scope("the requested scope exceeds the original grant"));
    }
    Ok(scope)
}

async fn revoke_on_reuse(state: &AppState, token: &RefreshTokenRecord, now: i64) -> Result<(), OAuthError> {
    let family = FamilyRevocation {
        family_id: &token.family_id,
        client_id: &token.client_id,
        user_id: &token.user_id,
        reason: audit::REFRESH_TOKEN_REUSE,
    };
    revoke_family(state, family, None, now).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scope_may_narrow_but_not_widen() {
        let grant = Scope::parse("openid profile email").unwrap();
        assert_eq!(narrowed_scope(&grant, None).unwrap(), grant);
        assert_eq!(narrowed_scope(&grant, Some("openid")).unwrap().to_string(), "openid");
        assert_eq!(narrowed_scope(&grant, Some("openid admin")).unwrap_err().code.as_str(), "invalid_scope");
        assert_eq!(narrowed_scope(&grant, Some("a\"b")).unwrap_err().code.as_str(), "invalid_scope");
    }
}
