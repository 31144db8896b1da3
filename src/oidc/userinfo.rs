//! The UserInfo endpoint (OIDC Core §5.3): claims about the user an access
//! token was issued for, limited to the token's scope.

use serde_json::{Map, Value};

use crate::accounts::users::find_active_cached;
use crate::oauth::tokens::{Verifier, verify_access_token};
use crate::oauth::{OAuthError, Scope};
use crate::oidc::claims::user_claims;
use crate::state::AppState;

/// `token` is the bearer token from the request (RFC 6750 §2).
pub async fn userinfo(state: &AppState, token: &str, now: i64) -> Result<Map<String, Value>, OAuthError> {
    let keyring = state.keyring.current();
    let claims = verify_access_token(
        Verifier { keyring: &keyring, verified: &state.verified_tokens },
        &state.ephemeral,
        state.issuer(),
        state.issuer(),
        token,
        now,
    )
    .await?;
    if !claims.has_scope("openid") {
        return Err(OAuthError::insufficient_scope("the access token lacks the openid scope"));
    }
    let user = find_active_cached(&state.users, &claims.sub)
        .await?
        .ok_or_else(|| OAuthError::invalid_token("the user no longer exists"))?;
    let scope = Scope::parse(&claims.scope).unwrap_or_default();
    Ok(user_claims(&user, &scope))
}
