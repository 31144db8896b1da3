//! Revoked access tokens. JWT access tokens cannot be recalled, so a revoked
//! token's `jti` is denied until the token would have expired anyway
//! (RFC 7009 §2.1: "the token cannot be used again").
//!
//! The database (`denied_access_tokens`) is the truth; denials are written
//! there in the transaction that revokes (`Grants`). Lookups are answered
//! by two copies that can only err towards "denied":
//! - every instance's memory, loaded from the database at start and
//!   reloaded whenever the `denylist` revision moves (checked every
//!   `database.cache_interval`), plus its own denials at once;
//! - when Redis is configured, a shared copy there, so a denial made by one
//!   instance holds on every other at once.
//!
//! A flushed or restarted Redis, or a new instance, therefore never revives
//! a revoked token: memory is complete up to the last revision check, and a
//! lookup that cannot reach Redis asks the database itself.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};

use super::StoreError;
use super::ephemeral::{CIRCUIT_OPEN, Ephemeral};
use super::sql::{self, Db};
use crate::protocol::entries::DeniedToken;

#[derive(Clone)]
pub struct Denylist {
    db: Db,
    /// Live denials: jti → exp.
    memory: Arc<RwLock<HashMap<String, i64>>>,
    /// The Redis copy, when instances share one.
    shared: Option<Ephemeral>,
    /// The `denylist` revision the memory copy was loaded under.
    revision: Arc<Mutex<Option<i64>>>,
}

impl Denylist {
    pub(super) fn new(db: Db, shared: Option<Ephemeral>) -> Denylist {
        Denylist { db, memory: Arc::default(), shared, revision: Arc::default() }
    }

    /// Whether the access token `jti` has been revoked.
    pub async fn is_denied(&self, jti: &str, now: i64) -> Result<bool, StoreError> {
        if self.read().get(jti).is_some_and(|exp| *exp > now) {
            return Ok(true);
        }
        let Some(shared) = &self.shared else { return Ok(false) };
        match shared.get::<DeniedToken>(jti).await {
            Ok(Some(denied)) => {
                self.remember(&[(jti.to_string(), denied.exp)], now);
                Ok(denied.exp > now)
            }
            Ok(None) => Ok(false),
            // Something is stored under this jti: only a denial ever is (an
            // older format, say). Fail closed.
            Err(StoreError::Corrupt(e)) => {
                tracing::warn!(error = %e, "denylist: undecodable entry in Redis, treated as denied");
                Ok(true)
            }
            // While the circuit is open this costs no wait (the outage was
            // logged once when it began).
            Err(StoreError::Unavailable(e)) => {
                if e == CIRCUIT_OPEN {
                    tracing::debug!("denylist: Redis unavailable, asking the database");
                } else {
                    tracing::warn!(error = %e, "denylist: Redis unavailable, asking the database");
                }
                let id = jti.to_string();
                self.db.run(move |c| sql::denied_tokens::is_denied(c, &id, now)).await
            }
            Err(other) => Err(other),
        }
    }

    /// Copies denials the database already holds into memory and Redis.
    /// Redis trouble is logged, not returned: the database has the truth
    /// and every instance reloads it within one revision check.
    pub(super) async fn publish(&self, tokens: &[(String, i64)], now: i64) {
        self.remember(tokens, now);
        let Some(shared) = &self.shared else { return };
        for (jti, exp) in tokens.iter().filter(|(_, exp)| *exp > now) {
            if let Err(e) = shared.put(jti, &DeniedToken { exp: *exp }, now).await {
                tracing::warn!(error = %e, "denylist: cannot copy a denial to Redis (other instances see it within database.cache_interval)");
                return;
            }
        }
    }

    /// Records the current `denylist` revision; reloads from the database
    /// when it moved (and on the first call). Returns whether it reloaded
    /// after a change.
    pub(super) async fn observe_revision(&self, value: i64, now: i64) -> Result<bool, StoreError> {
        let seen = *self.revision.lock().unwrap_or_else(|e| e.into_inner());
        if seen == Some(value) {
            return Ok(false);
        }
        self.reload(now).await?;
        *self.revision.lock().unwrap_or_else(|e| e.into_inner()) = Some(value);
        Ok(seen.is_some())
    }

    /// Adds the database's live denials to memory (never removes one that
    /// is still live: denials are not undone) and drops expired ones.
    pub async fn reload(&self, now: i64) -> Result<usize, StoreError> {
        let live = self.db.run(move |c| sql::denied_tokens::live(c, now)).await?;
        let mut memory = self.memory.write().unwrap_or_else(|e| e.into_inner());
        memory.retain(|_, exp| *exp > now);
        memory.extend(live.iter().cloned());
        Ok(live.len())
    }

    fn remember(&self, tokens: &[(String, i64)], now: i64) {
        let mut memory = self.memory.write().unwrap_or_else(|e| e.into_inner());
        memory.extend(tokens.iter().filter(|(_, exp)| *exp > now).cloned());
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, HashMap<String, i64>> {
        self.memory.read().unwrap_or_else(|e| e.into_inner())
    }
}
