//! Storage layer: durable records in SQL ([`Db`], SQLite or PostgreSQL chosen
//! by URL scheme) and short-lived protocol state in an [`Ephemeral`] store
//! (memory by default, Redis when instances must share it).
//!
//! The ephemeral contract follows node-oidc-provider's storage adapter:
//! `put` with a TTL, `get`, an atomic `take` (authorization codes and other
//! single-use values, RFC 6749 §4.1.2 / §10.5), and `delete`. One enum
//! dispatches to either backend so callers never see which one runs.

pub mod cache;
pub mod memory;
pub mod records;
pub mod redis;
pub mod sql;

#[cfg(test)]
mod tests;

use std::time::Duration;

pub use records::{AuditEvent, ClientRecord, RefreshTokenRecord, SigningKeyRecord, UserRecord};
pub use sql::{AnyConnection, Backend, Db};

/// Errors of both stores; callers map `Unavailable` to HTTP 503.
#[derive(Debug, Clone, thiserror::Error)]
pub enum StoreError {
    /// A unique constraint was violated (duplicate username, client_id, ...).
    #[error("already exists: {0}")]
    Duplicate(String),
    #[error("database error: {0}")]
    Database(String),
    /// Redis down, pool timeout, connection refused.
    #[error("store unavailable: {0}")]
    Unavailable(String),
    /// Stored data that does not decode (e.g. JSON).
    #[error("corrupt record: {0}")]
    Corrupt(String),
    /// Bad URL scheme and other configuration mistakes.
    #[error("configuration: {0}")]
    Config(String),
}

/// Longest TTL honoured; longer ones are clamped so deadlines never overflow.
pub(crate) const MAX_TTL: Duration = Duration::from_secs(10 * 365 * 24 * 60 * 60);

/// Short-lived state (SSO sessions, authorization codes, login transactions)
/// with TTL and atomic take. Cheap to clone: both variants share their state.
#[derive(Clone, Debug)]
pub enum Ephemeral {
    Memory(memory::MemoryStore),
    Redis(redis::RedisStore),
}

impl Ephemeral {
    /// A process-local store; state is lost on restart and not shared.
    pub fn memory() -> Ephemeral {
        Ephemeral::Memory(memory::MemoryStore::new())
    }

    /// Connects to Redis and PINGs it, so a wrong URL fails at startup.
    /// Keys are laid out as `{prefix}{kind}:{id}`.
    pub async fn connect_redis(url: &str, prefix: &str) -> Result<Ephemeral, StoreError> {
        Ok(Ephemeral::Redis(redis::RedisStore::connect(url, prefix).await?))
    }

    /// `"memory"` or `"redis"`, for logs and health output.
    pub fn backend_name(&self) -> &'static str {
        match self {
            Ephemeral::Memory(_) => "memory",
            Ephemeral::Redis(_) => "redis",
        }
    }

    /// Stores `value` under `kind`/`id`, replacing any previous value.
    pub async fn put(&self, kind: &str, id: &str, value: &str, ttl: Duration) -> Result<(), StoreError> {
        match self {
            Ephemeral::Memory(s) => {
                s.put(kind, id, value, ttl);
                Ok(())
            }
            Ephemeral::Redis(s) => s.put(kind, id, value, ttl).await,
        }
    }

    /// Atomically stores `value` unless a live entry exists (for single-use
    /// identifiers such as assertion `jti`s); returns whether it stored.
    pub async fn put_if_absent(
        &self,
        kind: &str,
        id: &str,
        value: &str,
        ttl: Duration,
    ) -> Result<bool, StoreError> {
        match self {
            Ephemeral::Memory(s) => Ok(s.put_if_absent(kind, id, value, ttl)),
            Ephemeral::Redis(s) => s.put_if_absent(kind, id, value, ttl).await,
        }
    }

    /// The live value, or `None` when absent or expired.
    pub async fn get(&self, kind: &str, id: &str) -> Result<Option<String>, StoreError> {
        match self {
            Ephemeral::Memory(s) => Ok(s.get(kind, id)),
            Ephemeral::Redis(s) => s.get(kind, id).await,
        }
    }

    /// Atomic get-and-delete: of many concurrent takers exactly one gets the
    /// value, which is what makes authorization codes single-use.
    pub async fn take(&self, kind: &str, id: &str) -> Result<Option<String>, StoreError> {
        match self {
            Ephemeral::Memory(s) => Ok(s.take(kind, id)),
            Ephemeral::Redis(s) => s.take(kind, id).await,
        }
    }

    /// Removes the value; absent keys are not an error.
    pub async fn delete(&self, kind: &str, id: &str) -> Result<(), StoreError> {
        match self {
            Ephemeral::Memory(s) => {
                s.delete(kind, id);
                Ok(())
            }
            Ephemeral::Redis(s) => s.delete(kind, id).await,
        }
    }

    /// [`put`](Self::put) of a value serialised as JSON.
    pub async fn put_json<T: serde::Serialize + ?Sized>(
        &self,
        kind: &str,
        id: &str,
        value: &T,
        ttl: Duration,
    ) -> Result<(), StoreError> {
        let json = serde_json::to_string(value)
            .map_err(|e| StoreError::Corrupt(format!("{kind}: cannot encode: {e}")))?;
        self.put(kind, id, &json, ttl).await
    }

    /// [`get`](Self::get) decoding JSON; undecodable data is `Corrupt`.
    pub async fn get_json<T: serde::de::DeserializeOwned>(
        &self,
        kind: &str,
        id: &str,
    ) -> Result<Option<T>, StoreError> {
        decode(kind, self.get(kind, id).await?)
    }

    /// [`take`](Self::take) decoding JSON; undecodable data is `Corrupt`
    /// (and is consumed all the same).
    pub async fn take_json<T: serde::de::DeserializeOwned>(
        &self,
        kind: &str,
        id: &str,
    ) -> Result<Option<T>, StoreError> {
        decode(kind, self.take(kind, id).await?)
    }
}

fn decode<T: serde::de::DeserializeOwned>(kind: &str, raw: Option<String>) -> Result<Option<T>, StoreError> {
    raw.map(|s| {
        serde_json::from_str(&s).map_err(|e| StoreError::Corrupt(format!("{kind}: cannot decode: {e}")))
    })
    .transpose()
}
