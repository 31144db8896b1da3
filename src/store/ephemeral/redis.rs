//! Redis ephemeral store, for several oxidp instances sharing SSO sessions
//! and authorization codes. Entries are `{prefix}{kind}:{id}`; expiry is
//! Redis' own (`SET .. PX`), and `take` is `GETDEL`, atomic on the server, so
//! a code is redeemed at most once across all instances (RFC 6749 §4.1.2).
//! Indexes are sets at `{prefix}idx:{index}:{owner}` whose expiry only ever
//! grows; storing an entry and listing it in its indexes is one script, so
//! neither exists without the other.
//!
//! One `ConnectionManager` (a multiplexed, auto-reconnecting connection) is
//! shared by every clone; no pool is needed.

use std::fmt;
use std::sync::LazyLock;
use std::time::Duration;

use ::redis::aio::{ConnectionManager, ConnectionManagerConfig};
use ::redis::{ErrorKind, RedisError, Script, ServerErrorKind};

use super::{MAX_TTL, StoreError};

/// Per-attempt connect timeout and per-command response timeout.
const TIMEOUT: Duration = Duration::from_secs(5);

/// Adds ARGV[1] to each set in KEYS and makes each live at least ARGV[2] ms
/// (PTTL is -1 for a new set, -2 for none: both below any TTL).
const EXTEND_INDEXES: &str = r"
for i = 1, #KEYS do
  redis.call('SADD', KEYS[i], ARGV[1])
  if redis.call('PTTL', KEYS[i]) < tonumber(ARGV[2]) then redis.call('PEXPIRE', KEYS[i], ARGV[2]) end
end
return 1";

/// SET KEYS[1] = ARGV[3] for ARGV[2] ms, then lists KEYS[1]'s member name
/// ARGV[1] in the index sets KEYS[2..] as [`EXTEND_INDEXES`] does.
const PUT_INDEXED: &str = r"
redis.call('SET', KEYS[1], ARGV[3], 'PX', ARGV[2])
for i = 2, #KEYS do
  redis.call('SADD', KEYS[i], ARGV[1])
  if redis.call('PTTL', KEYS[i]) < tonumber(ARGV[2]) then redis.call('PEXPIRE', KEYS[i], ARGV[2]) end
end
return 1";

/// As [`PUT_INDEXED`], but only over a live KEYS[1] (`SET .. XX`); 0 when
/// there was none, so a concurrent delete is never undone.
const REPLACE_INDEXED: &str = r"
if not redis.call('SET', KEYS[1], ARGV[3], 'PX', ARGV[2], 'XX') then return 0 end
for i = 2, #KEYS do
  redis.call('SADD', KEYS[i], ARGV[1])
  if redis.call('PTTL', KEYS[i]) < tonumber(ARGV[2]) then redis.call('PEXPIRE', KEYS[i], ARGV[2]) end
end
return 1";

static REPLACE_INDEXED_SCRIPT: LazyLock<Script> = LazyLock::new(|| Script::new(REPLACE_INDEXED));
static EXTEND_INDEXES_SCRIPT: LazyLock<Script> = LazyLock::new(|| Script::new(EXTEND_INDEXES));
static PUT_INDEXED_SCRIPT: LazyLock<Script> = LazyLock::new(|| Script::new(PUT_INDEXED));

#[derive(Clone)]
pub struct RedisStore {
    conn: ConnectionManager,
    prefix: String,
}

impl fmt::Debug for RedisStore {
    // The URL may carry a password; only the prefix is shown.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisStore").field("prefix", &self.prefix).finish_non_exhaustive()
    }
}

impl RedisStore {
    /// Connects and PINGs, so a wrong URL or a down server fails at startup.
    pub async fn connect(url: &str, prefix: &str) -> Result<RedisStore, StoreError> {
        let client =
            ::redis::Client::open(url).map_err(|e| StoreError::Config(format!("invalid Redis URL: {e}")))?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(TIMEOUT))
            .set_response_timeout(Some(TIMEOUT))
            .set_number_of_retries(3)
            .set_max_delay(Duration::from_secs(2));
        let mut conn = ConnectionManager::new_with_config(client, config).await.map_err(map_err)?;
        let pong: String = ::redis::cmd("PING").query_async(&mut conn).await.map_err(map_err)?;
        if pong != "PONG" {
            return Err(StoreError::Unavailable(format!("unexpected PING reply {pong:?}")));
        }
        Ok(RedisStore { conn, prefix: prefix.to_owned() })
    }

    /// The key prefix given at connect time.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    fn key(&self, key: &str) -> String {
        format!("{}{key}", self.prefix)
    }

    fn index_key(&self, index: &str) -> String {
        format!("{}idx:{index}", self.prefix)
    }

    /// `SET .. PX`, or the [`PUT_INDEXED`] script when the entry has indexes.
    pub async fn put(
        &self,
        key: &str,
        value: &str,
        ttl: Duration,
        indexes: &[String],
    ) -> Result<(), StoreError> {
        if indexes.is_empty() {
            return ::redis::cmd("SET")
                .arg(self.key(key))
                .arg(value)
                .arg("PX")
                .arg(px(ttl))
                .query_async::<()>(&mut self.conn.clone())
                .await
                .map_err(map_err);
        }
        let mut invocation = PUT_INDEXED_SCRIPT.key(self.key(key));
        for index in indexes {
            invocation.key(self.index_key(index));
        }
        invocation
            .arg(key)
            .arg(px(ttl))
            .arg(value)
            .invoke_async::<i64>(&mut self.conn.clone())
            .await
            .map(drop)
            .map_err(map_err)
    }

    /// The [`REPLACE_INDEXED`] script: stores only over a live key; returns
    /// whether it stored.
    pub async fn replace(
        &self,
        key: &str,
        value: &str,
        ttl: Duration,
        indexes: &[String],
    ) -> Result<bool, StoreError> {
        let mut invocation = REPLACE_INDEXED_SCRIPT.key(self.key(key));
        for index in indexes {
            invocation.key(self.index_key(index));
        }
        let stored: i64 = invocation
            .arg(key)
            .arg(px(ttl))
            .arg(value)
            .invoke_async(&mut self.conn.clone())
            .await
            .map_err(map_err)?;
        Ok(stored == 1)
    }

    /// `SET … NX PX`: stores only if the key is absent; returns whether it stored.
    pub async fn put_if_absent(&self, key: &str, value: &str, ttl: Duration) -> Result<bool, StoreError> {
        let reply: Option<String> = ::redis::cmd("SET")
            .arg(self.key(key))
            .arg(value)
            .arg("NX")
            .arg("PX")
            .arg(px(ttl))
            .query_async(&mut self.conn.clone())
            .await
            .map_err(map_err)?;
        Ok(reply.is_some())
    }

    pub async fn get(&self, key: &str) -> Result<Option<String>, StoreError> {
        ::redis::cmd("GET").arg(self.key(key)).query_async(&mut self.conn.clone()).await.map_err(map_err)
    }

    pub async fn take(&self, key: &str) -> Result<Option<String>, StoreError> {
        ::redis::cmd("GETDEL").arg(self.key(key)).query_async(&mut self.conn.clone()).await.map_err(map_err)
    }

    /// `DEL`; whether a live key was there (Redis expires a key on access).
    pub async fn delete(&self, key: &str) -> Result<bool, StoreError> {
        let deleted: u64 = ::redis::cmd("DEL")
            .arg(self.key(key))
            .query_async(&mut self.conn.clone())
            .await
            .map_err(map_err)?;
        Ok(deleted > 0)
    }

    pub async fn add_to_index(&self, index: &str, member: &str, ttl: Duration) -> Result<(), StoreError> {
        EXTEND_INDEXES_SCRIPT
            .key(self.index_key(index))
            .arg(member)
            .arg(px(ttl))
            .invoke_async::<i64>(&mut self.conn.clone())
            .await
            .map(drop)
            .map_err(map_err)
    }

    pub async fn index_members(&self, index: &str) -> Result<Vec<String>, StoreError> {
        ::redis::cmd("SMEMBERS")
            .arg(self.index_key(index))
            .query_async(&mut self.conn.clone())
            .await
            .map_err(map_err)
    }

    pub async fn remove_from_index(&self, index: &str, member: &str) -> Result<(), StoreError> {
        ::redis::cmd("SREM")
            .arg(self.index_key(index))
            .arg(member)
            .query_async::<()>(&mut self.conn.clone())
            .await
            .map_err(map_err)
    }

    pub async fn delete_index(&self, index: &str) -> Result<(), StoreError> {
        ::redis::cmd("DEL")
            .arg(self.index_key(index))
            .query_async::<()>(&mut self.conn.clone())
            .await
            .map_err(map_err)
    }

    /// Deletes every key under this store's prefix (test clean-up).
    #[cfg(test)]
    pub(crate) async fn delete_prefixed(&self) -> Result<usize, StoreError> {
        let mut conn = self.conn.clone();
        let pattern = format!("{}*", self.prefix);
        let mut cursor: u64 = 0;
        let mut deleted = 0;
        loop {
            let (next, keys): (u64, Vec<String>) = ::redis::cmd("SCAN")
                .arg(cursor)
                .arg("MATCH")
                .arg(&pattern)
                .arg("COUNT")
                .arg(1000)
                .query_async(&mut conn)
                .await
                .map_err(map_err)?;
            if !keys.is_empty() {
                deleted +=
                    ::redis::cmd("DEL").arg(&keys).query_async::<usize>(&mut conn).await.map_err(map_err)?;
            }
            if next == 0 {
                return Ok(deleted);
            }
            cursor = next;
        }
    }
}

/// Connection trouble is `Unavailable` (→ 503 `temporarily_unavailable`);
/// a value that is not a UTF-8 string is `Corrupt`; the rest is `Database`.
fn map_err(e: RedisError) -> StoreError {
    let transient_server = matches!(
        e.kind(),
        ErrorKind::Server(
            ServerErrorKind::BusyLoading
                | ServerErrorKind::MasterDown
                | ServerErrorKind::TryAgain
                | ServerErrorKind::ClusterDown
                | ServerErrorKind::ReadOnly
        )
    );
    if e.is_io_error()
        || e.is_connection_refusal()
        || e.is_connection_dropped()
        || e.is_timeout()
        || e.is_unrecoverable_error()
        || transient_server
    {
        StoreError::Unavailable(format!("redis: {e}"))
    } else if matches!(e.kind(), ErrorKind::InvalidClientConfig) {
        StoreError::Config(format!("redis: {e}"))
    } else if matches!(e.kind(), ErrorKind::UnexpectedReturnType | ErrorKind::Parse) {
        StoreError::Corrupt(format!("redis: {e}"))
    } else {
        StoreError::Database(format!("redis: {e}"))
    }
}

/// A TTL as Redis `PX` milliseconds: PX 0 is rejected, so clamp to
/// [1 ms, MAX_TTL].
fn px(ttl: Duration) -> u64 {
    u64::try_from(ttl.min(MAX_TTL).as_millis()).unwrap_or(u64::MAX).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn refused_connection_is_unavailable() {
        // Port 1 on localhost: nothing listens there.
        let err =
            RedisStore::connect("redis://127.0.0.1:1", "t:").await.expect_err("nothing listens on port 1");
        assert!(matches!(err, StoreError::Unavailable(_)), "{err:?}");
    }

    #[tokio::test]
    async fn bad_url_is_config() {
        let err = RedisStore::connect("http://example.com", "t:").await.expect_err("not a redis URL");
        assert!(matches!(err, StoreError::Config(_)), "{err:?}");
    }
}
