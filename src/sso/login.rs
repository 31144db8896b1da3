//! Login transactions: a validated authorization request waiting for the
//! user's credentials, stored under a random `challenge` for a limited time.

use std::time::Duration;

use crate::crypto::random_token;
use crate::oauth::OAuthError;
use crate::oauth::authorize::AuthorizationRequest;
use crate::oauth::revocation::end_session_tokens;
use crate::sso::session::{self, SsoSession};
use crate::state::AppState;
use crate::store::{Ephemeral, StoreError};

const KIND: &str = "login";

pub async fn begin(
    store: &Ephemeral,
    request: &AuthorizationRequest,
    ttl_secs: u64,
) -> Result<String, StoreError> {
    let challenge = random_token(32);
    store.put_json(KIND, &challenge, request, Duration::from_secs(ttl_secs)).await?;
    Ok(challenge)
}

pub async fn find(store: &Ephemeral, challenge: &str) -> Result<Option<AuthorizationRequest>, StoreError> {
    if challenge.len() != 43 {
        return Ok(None);
    }
    store.get_json(KIND, challenge).await
}

/// Consumes the transaction once the login succeeded, so it cannot be
/// replayed; `None` when another request consumed it first.
pub async fn finish(store: &Ephemeral, challenge: &str) -> Result<Option<AuthorizationRequest>, StoreError> {
    store.take_json(KIND, challenge).await
}

/// The SSO session after a successful login, always under a new cookie
/// secret (no fixation). The browser's previous session continues, keeping
/// its `sid`, when the same user logged in again; a different user's session
/// is ended, and the refresh tokens bound to it are revoked.
pub async fn start_session(
    state: &AppState,
    previous_cookie: Option<&str>,
    user_id: &str,
    now: i64,
) -> Result<(String, SsoSession), OAuthError> {
    let ttl = state.settings.session.ttl;
    let previous = match previous_cookie {
        Some(secret) => session::find(&state.ephemeral, secret, now).await?.map(|s| (secret, s)),
        None => None,
    };
    match previous {
        Some((secret, old)) if old.user_id == user_id => {
            Ok(session::renew(&state.ephemeral, secret, &old, now, ttl).await?)
        }
        Some((secret, old)) => {
            session::destroy(&state.ephemeral, secret).await?;
            end_session_tokens(state, &old, now).await?;
            Ok(session::create(&state.ephemeral, user_id, now, ttl).await?)
        }
        None => Ok(session::create(&state.ephemeral, user_id, now, ttl).await?),
    }
}
