//! Short-lived state: every [`Entry`] (codes, sessions, interactions, ...)
//! under one contract after node-oidc-provider's storage adapter, on two
//! backends that one conformance suite checks alike:
//! - `put` with the entry's own expiry, `put_new` (set-if-absent, for
//!   single-use ids), `swap` (compare-and-swap), `get`, an atomic `take` (codes and other single-use
//!   values, RFC 6749 §4.1.2 / §10.5) and `delete`;
//! - secondary indexes: sets of ids under an owner ([`IndexKey`]) that an
//!   entry joins when stored, `index_members`, `add_to_index`,
//!   `remove_from_index`, and `revoke_by_grant`, which deletes every entry a
//!   grant listed.
//!
//! Memory is the zero-config default; Redis lets instances share the state.
//! One enum dispatches, so callers never see which one runs.

mod memory;
mod redis;
mod redis_topology;
#[cfg(test)]
mod tests;

use std::time::Duration;

pub use memory::MemoryStore;
pub use redis::{CIRCUIT_OPEN, RedisStore};
pub use redis_topology::Layout as RedisLayout;

use super::{RedisConfig, StoreError};
use crate::protocol::entries::{Entry, EntryKind, IndexKey, IndexKind, member_of, parse_member};

/// Longest TTL honoured; longer ones are clamped so deadlines never overflow.
pub(crate) const MAX_TTL: Duration = Duration::from_secs(10 * 365 * 24 * 60 * 60);

/// Cheap to clone: both variants share their state.
#[derive(Clone, Debug)]
pub enum Ephemeral {
    Memory(MemoryStore),
    Redis(RedisStore),
}

/// How long to keep something that dies at `expires_at`: at least a second,
/// so an entry written at its last moment is still readable once.
fn ttl(expires_at: i64, now: i64) -> Duration {
    Duration::from_secs(u64::try_from(expires_at.saturating_sub(now)).unwrap_or(0).max(1))
}

fn encode<E: Entry>(entry: &E) -> Result<String, StoreError> {
    serde_json::to_string(entry).map_err(|e| StoreError::Corrupt(format!("{}: cannot encode: {e}", E::KIND)))
}

fn decode<E: Entry>(raw: Option<String>) -> Result<Option<E>, StoreError> {
    raw.map(|s| {
        serde_json::from_str(&s).map_err(|e| StoreError::Corrupt(format!("{}: cannot decode: {e}", E::KIND)))
    })
    .transpose()
}

fn index_name(index: &IndexKey) -> String {
    format!("{}:{}", index.kind, index.owner)
}

impl Ephemeral {
    /// A process-local store; state is lost on restart and not shared.
    pub fn memory() -> Ephemeral {
        Ephemeral::Memory(MemoryStore::new())
    }

    /// Connects to Redis and PINGs it, so a wrong URL fails at startup.
    /// Entries are `{prefix}{kind}:{id}`, indexes `{prefix}idx:{index}:{owner}`.
    pub async fn connect_redis(config: &RedisConfig) -> Result<Ephemeral, StoreError> {
        Ok(Ephemeral::Redis(RedisStore::connect(config).await?))
    }

    /// Whether the store answers now: always for memory, a PING for Redis.
    pub async fn ping(&self) -> Result<(), StoreError> {
        match self {
            Ephemeral::Memory(_) => Ok(()),
            Ephemeral::Redis(s) => s.ping().await,
        }
    }

    /// Live entries by kind, for the in-process store (metrics); `None`
    /// for Redis, which has its own monitoring.
    pub fn entry_counts(&self) -> Option<Vec<(String, usize)>> {
        match self {
            Ephemeral::Memory(s) => Some(s.counts_by_kind()),
            Ephemeral::Redis(_) => None,
        }
    }

    /// `"memory"` or `"redis"`, for logs and health output.
    pub fn backend_name(&self) -> &'static str {
        match self {
            Ephemeral::Memory(_) => "memory",
            Ephemeral::Redis(_) => "redis",
        }
    }

    /// Stores `entry` under `id` until its expiry, replacing any previous
    /// value, and lists it in its indexes.
    pub async fn put<E: Entry>(&self, id: &str, entry: &E, now: i64) -> Result<(), StoreError> {
        let (key, value, ttl) = (member_of(E::KIND, id), encode(entry)?, ttl(entry.expires_at(), now));
        let indexes: Vec<String> = entry.indexes().iter().map(index_name).collect();
        match self {
            Ephemeral::Memory(s) => {
                s.put(&key, &value, ttl, &indexes);
                Ok(())
            }
            Ephemeral::Redis(s) => s.put(&key, &value, ttl, &indexes).await,
        }
    }

    /// Stores `entry` only if no live entry has this id (single-use ids such
    /// as assertion `jti`s: of concurrent writers exactly one wins); returns
    /// whether it stored.
    pub async fn put_new<E: Entry>(&self, id: &str, entry: &E, now: i64) -> Result<bool, StoreError> {
        let (key, value, ttl) = (member_of(E::KIND, id), encode(entry)?, ttl(entry.expires_at(), now));
        let stored = match self {
            Ephemeral::Memory(s) => s.put_if_absent(&key, &value, ttl),
            Ephemeral::Redis(s) => s.put_if_absent(&key, &value, ttl).await?,
        };
        if stored {
            for index in entry.indexes() {
                self.add_to_index(&index, &key, entry.expires_at(), now).await?;
            }
        }
        Ok(stored)
    }

    /// Compare-and-swap: stores `next` only while the entry is still
    /// `current` as read (and extends its indexes); returns whether it
    /// stored. A change made meanwhile is never overwritten, and an entry
    /// deleted meanwhile (a session ended) stays deleted.
    pub async fn swap<E: Entry>(
        &self,
        id: &str,
        current: &E,
        next: &E,
        now: i64,
    ) -> Result<bool, StoreError> {
        let (key, value, ttl) = (member_of(E::KIND, id), encode(next)?, ttl(next.expires_at(), now));
        let current = encode(current)?;
        let indexes: Vec<String> = next.indexes().iter().map(index_name).collect();
        match self {
            Ephemeral::Memory(s) => Ok(s.swap(&key, &current, &value, ttl, &indexes)),
            Ephemeral::Redis(s) => s.swap(&key, &current, &value, ttl, &indexes).await,
        }
    }

    /// The live entry, or `None` when absent or expired; undecodable data
    /// is `Corrupt`.
    pub async fn get<E: Entry>(&self, id: &str) -> Result<Option<E>, StoreError> {
        let key = member_of(E::KIND, id);
        decode(match self {
            Ephemeral::Memory(s) => s.get(&key),
            Ephemeral::Redis(s) => s.get(&key).await?,
        })
    }

    /// Atomic get-and-delete: of many concurrent takers exactly one gets the
    /// entry, which is what makes authorization codes single-use.
    /// Undecodable data is `Corrupt` (and is consumed all the same).
    pub async fn take<E: Entry>(&self, id: &str) -> Result<Option<E>, StoreError> {
        let key = member_of(E::KIND, id);
        decode(match self {
            Ephemeral::Memory(s) => s.take(&key),
            Ephemeral::Redis(s) => s.take(&key).await?,
        })
    }

    /// Removes the entry; absent ones are not an error.
    pub async fn delete<E: Entry>(&self, id: &str) -> Result<(), StoreError> {
        self.delete_key(&member_of(E::KIND, id)).await.map(drop)
    }

    /// Whether a live entry was there to delete.
    async fn delete_key(&self, key: &str) -> Result<bool, StoreError> {
        match self {
            Ephemeral::Memory(s) => Ok(s.delete(key)),
            Ephemeral::Redis(s) => s.delete(key).await,
        }
    }

    /// Counts one more under the counter `id` of `kind` (a new counter
    /// lives `ttl`) and reads the counter `other` of the same kind: the
    /// count after this one, and the other's. Counters are plain integers,
    /// not entries; `put` must not be used on their ids.
    pub async fn increment(
        &self,
        kind: EntryKind,
        id: &str,
        other: &str,
        ttl: Duration,
    ) -> Result<(u64, u64), StoreError> {
        let (key, other) = (member_of(kind, id), member_of(kind, other));
        match self {
            Ephemeral::Memory(s) => Ok(s.increment(&key, &other, ttl)),
            Ephemeral::Redis(s) => s.increment(&key, &other, ttl).await,
        }
    }

    /// Adds `member` to `index`, which then lives at least until `expires_at`.
    pub async fn add_to_index(
        &self,
        index: &IndexKey,
        member: &str,
        expires_at: i64,
        now: i64,
    ) -> Result<(), StoreError> {
        let ttl = ttl(expires_at, now);
        match self {
            Ephemeral::Memory(s) => {
                s.add_to_index(&index_name(index), member, ttl);
                Ok(())
            }
            Ephemeral::Redis(s) => s.add_to_index(&index_name(index), member, ttl).await,
        }
    }

    /// The members of `index` (entries listed there may have expired since:
    /// readers look them up).
    pub async fn index_members(&self, index: &IndexKey) -> Result<Vec<String>, StoreError> {
        match self {
            Ephemeral::Memory(s) => Ok(s.index_members(&index_name(index))),
            Ephemeral::Redis(s) => s.index_members(&index_name(index)).await,
        }
    }

    pub async fn remove_from_index(&self, index: &IndexKey, member: &str) -> Result<(), StoreError> {
        match self {
            Ephemeral::Memory(s) => {
                s.remove_from_index(&index_name(index), member);
                Ok(())
            }
            Ephemeral::Redis(s) => s.remove_from_index(&index_name(index), member).await,
        }
    }

    /// Deletes an index (not the entries it lists).
    async fn delete_index(&self, index: &IndexKey) -> Result<(), StoreError> {
        match self {
            Ephemeral::Memory(s) => {
                s.delete_index(&index_name(index));
                Ok(())
            }
            Ephemeral::Redis(s) => s.delete_index(&index_name(index)).await,
        }
    }

    /// Deletes every entry listed under the grant, and the index itself;
    /// returns how many entries were deleted.
    pub async fn revoke_by_grant(&self, grant_id: &str) -> Result<usize, StoreError> {
        let index = IndexKey::new(IndexKind::GrantEntries, grant_id);
        let members = self.index_members(&index).await?;
        let mut deleted = 0;
        for member in members.iter().filter(|m| parse_member(m).is_some()) {
            if self.delete_key(member).await? {
                deleted += 1;
            }
        }
        self.delete_index(&index).await?;
        Ok(deleted)
    }
}
