//! Revoked access tokens. JWT access tokens cannot be recalled, so a revoked
//! token's `jti` is kept in the session store (Redis when configured) until
//! the token would have expired anyway; userinfo and introspection consult it.

use std::time::Duration;

use crate::store::{Ephemeral, StoreError};

const KIND: &str = "denied_at";

/// Denies `jti` until `exp`; tokens already expired need no entry.
pub async fn deny(store: &Ephemeral, jti: &str, exp: i64, now: i64) -> Result<(), StoreError> {
    if exp <= now {
        return Ok(());
    }
    store.put(KIND, jti, "1", Duration::from_secs((exp - now) as u64)).await
}

pub async fn deny_all(store: &Ephemeral, tokens: &[(String, i64)], now: i64) -> Result<(), StoreError> {
    for (jti, exp) in tokens {
        deny(store, jti, *exp, now).await?;
    }
    Ok(())
}

pub async fn is_denied(store: &Ephemeral, jti: &str) -> Result<bool, StoreError> {
    Ok(store.get(KIND, jti).await?.is_some())
}
