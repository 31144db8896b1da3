//! SSO sessions. The cookie holds a 256-bit random secret; the store keys the
//! session by the secret's SHA-256, so a store dump yields no usable cookie.
//! A new secret is issued at every login (no session fixation).

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::crypto::{random_token, secret_digest};
use crate::store::{Ephemeral, StoreError};

const KIND: &str = "session";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SsoSession {
    /// Public session id (OIDC `sid` claim); unrelated to the cookie secret.
    pub sid: String,
    pub user_id: String,
    /// When the user last entered credentials (OIDC `auth_time`).
    pub auth_time: i64,
    pub expires_at: i64,
}

/// Starts a session for `user_id`; returns the cookie secret and the session.
pub async fn create(
    store: &Ephemeral,
    user_id: &str,
    now: i64,
    ttl_secs: u64,
) -> Result<(String, SsoSession), StoreError> {
    let secret = random_token(32);
    let session = SsoSession {
        sid: uuid::Uuid::new_v4().to_string(),
        user_id: user_id.to_string(),
        auth_time: now,
        expires_at: now + ttl_secs as i64,
    };
    store.put_json(KIND, &secret_digest(&secret), &session, Duration::from_secs(ttl_secs)).await?;
    Ok((secret, session))
}

/// Continues `previous` (same `sid`) under a new cookie secret with a fresh
/// `auth_time`: a re-authentication of the same user in the same browser.
pub async fn renew(
    store: &Ephemeral,
    previous_secret: &str,
    previous: &SsoSession,
    now: i64,
    ttl_secs: u64,
) -> Result<(String, SsoSession), StoreError> {
    let secret = random_token(32);
    let session = SsoSession { auth_time: now, expires_at: now + ttl_secs as i64, ..previous.clone() };
    store.put_json(KIND, &secret_digest(&secret), &session, Duration::from_secs(ttl_secs)).await?;
    destroy(store, previous_secret).await?;
    Ok((secret, session))
}

/// The live session behind a cookie value, if any.
pub async fn find(
    store: &Ephemeral,
    cookie_secret: &str,
    now: i64,
) -> Result<Option<SsoSession>, StoreError> {
    if cookie_secret.len() != 43 {
        return Ok(None);
    }
    let session: Option<SsoSession> = store.get_json(KIND, &secret_digest(cookie_secret)).await?;
    Ok(session.filter(|s| s.expires_at > now))
}

/// Ends the session behind a cookie value (used when a new login replaces it).
pub async fn destroy(store: &Ephemeral, cookie_secret: &str) -> Result<(), StoreError> {
    store.delete(KIND, &secret_digest(cookie_secret)).await
}
