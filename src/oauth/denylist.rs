//! Revoked access tokens. JWT access tokens cannot be recalled, so a revoked
//! token's `jti` is denied until the token would have expired anyway.
//! Requests consult the session store (Redis when configured, in-process
//! otherwise); every denial is also written to the database, and `restore`
//! reloads the live ones at start, so a restart never revives a revoked
//! token (RFC 7009 §2.1: "the token cannot be used again").

use std::time::Duration;

use crate::store::{Db, Ephemeral, StoreError, sql};

const KIND: &str = "denied_at";

/// Denies each `(jti, exp)` until `exp`; expired tokens need no entry.
pub async fn deny_all(
    db: &Db,
    store: &Ephemeral,
    tokens: &[(String, i64)],
    now: i64,
) -> Result<(), StoreError> {
    let live: Vec<(String, i64)> = tokens.iter().filter(|(_, exp)| *exp > now).cloned().collect();
    if live.is_empty() {
        return Ok(());
    }
    let durable = live.clone();
    db.run(move |c| sql::denied_tokens::insert(c, &durable)).await?;
    remember(store, &live, now).await
}

pub async fn deny(db: &Db, store: &Ephemeral, jti: &str, exp: i64, now: i64) -> Result<(), StoreError> {
    deny_all(db, store, &[(jti.to_string(), exp)], now).await
}

pub async fn is_denied(store: &Ephemeral, jti: &str) -> Result<bool, StoreError> {
    Ok(store.get(KIND, jti).await?.is_some())
}

/// Copies the database's live denials into the session store (at start).
pub async fn restore(db: &Db, store: &Ephemeral, now: i64) -> Result<usize, StoreError> {
    let live = db.run(move |c| sql::denied_tokens::live(c, now)).await?;
    remember(store, &live, now).await?;
    Ok(live.len())
}

async fn remember(store: &Ephemeral, tokens: &[(String, i64)], now: i64) -> Result<(), StoreError> {
    for (jti, exp) in tokens {
        if *exp > now {
            store.put(KIND, jti, "1", Duration::from_secs((exp - now) as u64)).await?;
        }
    }
    Ok(())
}
