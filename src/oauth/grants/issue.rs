//! Issuing a user's tokens, shared by the code and refresh grants: an RFC
//! 9068 access token, an ID token for `openid`, and, when the client may
//! refresh, the next refresh token of the grant's family.

use crate::crypto::{random_token, secret_digest, time_ordered_id};
use crate::oauth::clients::allows_grant;
use crate::oauth::grants::{Lifetimes, TokenResponse};
use crate::oauth::tokens::{AccessTokenRequest, MintedAccessToken, mint_access_token};
use crate::oauth::{OAuthError, Scope};
use crate::oidc::claims::{IdTokenRequest, mint_id_token};
use crate::state::AppState;
use crate::store::{ClientRecord, RefreshTokenRecord, UserRecord};

/// What the tokens are issued for.
pub struct UserGrant<'a> {
    pub user: &'a UserRecord,
    /// Scope of the access token (may be narrower than the grant).
    pub scope: &'a Scope,
    /// Scope of the whole grant, carried by every refresh token.
    pub grant_scope: &'a Scope,
    pub sid: &'a str,
    pub auth_time: i64,
    pub nonce: Option<&'a str>,
    /// The refresh-token family, with its absolute expiry.
    pub family_id: &'a str,
    pub family_expires_at: i64,
}

pub struct Issued {
    pub response: TokenResponse,
    pub access_token: MintedAccessToken,
    /// The new refresh token's row, to be stored by the caller.
    pub refresh_token: Option<RefreshTokenRecord>,
}

/// A refresh token is issued to clients allowed the `refresh_token` grant,
/// and for `offline_access` when the client may request it (OIDC Core
/// §11). Offline tokens are not bound to the SSO session.
pub fn wants_refresh_token(client: &ClientRecord, grant_scope: &Scope) -> bool {
    allows_grant(client, "refresh_token")
        || (grant_scope.contains("offline_access") && client.scopes.iter().any(|s| s == "offline_access"))
}

/// The audience of access tokens for the user: the configured default and
/// the issuer itself (so UserInfo accepts them).
pub fn user_audience(state: &AppState) -> Vec<String> {
    let default = state.settings.default_audience().to_string();
    if default == state.issuer() { vec![default] } else { vec![default, state.issuer().to_string()] }
}

pub fn issue_user_tokens(
    state: &AppState,
    client: &ClientRecord,
    grant: &UserGrant<'_>,
    now: i64,
) -> Result<Issued, OAuthError> {
    let ttl = Lifetimes::for_client(&state.settings, client);
    // One snapshot, so both tokens carry the same key even mid-rotation.
    let keyring = state.keyring.current();
    let access_token = mint_access_token(
        &keyring,
        AccessTokenRequest {
            issuer: state.issuer(),
            subject: &grant.user.id,
            client_id: &client.client_id,
            audience: user_audience(state),
            scope: grant.scope.to_string(),
            auth_time: Some(grant.auth_time),
            sid: Some(grant.sid.to_string()),
            now,
            ttl_secs: ttl.access_token,
        },
    )?;
    let id_token = if grant.scope.contains("openid") {
        let alg = client.id_token_signed_response_alg.as_deref().unwrap_or(keyring.algorithm());
        Some(mint_id_token(
            &keyring,
            IdTokenRequest {
                alg,
                issuer: state.issuer(),
                user: grant.user,
                client_id: &client.client_id,
                scope: grant.scope,
                nonce: grant.nonce,
                auth_time: grant.auth_time,
                sid: grant.sid,
                access_token: &access_token.token,
                now,
                ttl_secs: state.settings.tokens.id_token_ttl,
            },
        )?)
    } else {
        None
    };
    let (refresh_token, record) = if wants_refresh_token(client, grant.grant_scope) {
        let secret = random_token(32);
        let offline = grant.grant_scope.contains("offline_access");
        let record = RefreshTokenRecord {
            id: time_ordered_id(now),
            token_hash: secret_digest(&secret),
            family_id: grant.family_id.to_string(),
            client_id: client.client_id.clone(),
            user_id: grant.user.id.clone(),
            scope: grant.grant_scope.to_string(),
            sid: (!offline).then(|| grant.sid.to_string()),
            auth_time: grant.auth_time,
            access_token_jti: Some(access_token.jti.clone()),
            access_token_exp: Some(access_token.exp),
            created_at: now,
            expires_at: (now + ttl.refresh_idle as i64).min(grant.family_expires_at),
            family_expires_at: grant.family_expires_at,
            rotated_at: None,
            revoked_at: None,
        };
        (Some(secret), Some(record))
    } else {
        (None, None)
    };
    Ok(Issued {
        response: TokenResponse {
            access_token: access_token.token.clone(),
            token_type: "Bearer",
            expires_in: ttl.access_token,
            refresh_token,
            id_token,
            scope: grant.scope.to_string(),
        },
        access_token,
        refresh_token: record,
    })
}
