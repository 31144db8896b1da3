//! Redis ephemeral store, for several oxidp instances sharing SSO sessions
//! and authorization codes. Entries are `{prefix}{kind}:{id}`; expiry is
//! Redis' own (`SET .. PX`), and `take` is `GETDEL`, atomic on the server, so
//! a code is redeemed at most once across all instances (RFC 6749 §4.1.2).
//! Indexes are sets at `{prefix}idx:{index}:{owner}` whose expiry only ever
//! grows; storing an entry and listing it in its indexes is one script, so
//! neither exists without the other.
//!
//! One multiplexed, auto-reconnecting connection ([`Conn`]) is shared by
//! every clone; no pool is needed. `redis.url` picks one server, a Redis
//! Cluster or a Sentinel-watched master ([`Topology`]). On a cluster, the
//! scripts that store an entry and list it in its indexes would span hash
//! slots, so there the indexes are extended first and the entry stored
//! after: a failure in between leaves an index member without its entry,
//! which readers already skip (members outlive expired entries anyway),
//! never an entry missing from its index. Counters pair two keys under one
//! hash tag (`{scope}`), which a cluster keeps on one slot.
//!
//! Outages cost requests little: a command waits at most
//! `redis.command_timeout` for its reply (and a reconnection at most
//! `redis.connect_timeout`, attempted once), and the first connection-class
//! failure opens the [`Breaker`]: from then on commands fail at once with
//! `Unavailable` (503) until the background probe's PING answers, which
//! closes it again without a restart. A connection that went silent for
//! good is replaced by a new one that answers.

use std::fmt;
use std::future::Future;
use std::sync::{Arc, LazyLock, RwLock, Weak};
use std::time::{Duration, Instant};

use ::redis::aio::ConnectionManagerConfig;
use ::redis::{
    Cmd, ErrorKind, FromRedisValue, RedisError, RedisResult, Script, ScriptInvocation, ServerErrorKind,
};

use super::redis_topology::{Conn, Topology};
use super::{MAX_TTL, StoreError};
use crate::store::RedisConfig;
use crate::store::breaker::{self, Breaker, ProbeEnd};

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

/// As [`PUT_INDEXED`], but only while KEYS[1] still holds ARGV[4]
/// (compare-and-swap); 0 when it does not (changed, deleted or expired), so
/// a concurrent change is never overwritten and a delete never undone.
const SWAP_INDEXED: &str = r"
if redis.call('GET', KEYS[1]) ~= ARGV[4] then return 0 end
redis.call('SET', KEYS[1], ARGV[3], 'PX', ARGV[2])
for i = 2, #KEYS do
  redis.call('SADD', KEYS[i], ARGV[1])
  if redis.call('PTTL', KEYS[i]) < tonumber(ARGV[2]) then redis.call('PEXPIRE', KEYS[i], ARGV[2]) end
end
return 1";

/// INCR KEYS[1] (a new counter lives ARGV[1] ms) and GET KEYS[2]: a
/// windowed counter and its previous window, one round trip.
const INCREMENT_READING: &str = r"
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return {n, tonumber(redis.call('GET', KEYS[2]) or '0')}";

static INCREMENT_READING_SCRIPT: LazyLock<Script> = LazyLock::new(|| Script::new(INCREMENT_READING));
static SWAP_INDEXED_SCRIPT: LazyLock<Script> = LazyLock::new(|| Script::new(SWAP_INDEXED));
static EXTEND_INDEXES_SCRIPT: LazyLock<Script> = LazyLock::new(|| Script::new(EXTEND_INDEXES));
static PUT_INDEXED_SCRIPT: LazyLock<Script> = LazyLock::new(|| Script::new(PUT_INDEXED));

/// The `StoreError::Unavailable` detail of every command refused while the
/// circuit is open.
pub const CIRCUIT_OPEN: &str = "redis unavailable (circuit open)";

#[derive(Clone)]
pub struct RedisStore {
    shared: Arc<Shared>,
    prefix: String,
}

/// What every clone shares, and the background probe holds while it PINGs.
struct Shared {
    /// Replaced by the probe when it stops answering while a new
    /// connection does (a vanished host, a moved address).
    conn: RwLock<Conn>,
    topology: Topology,
    manager: ConnectionManagerConfig,
    breaker: Breaker,
    /// The longest a command may take in all: one reconnection attempt
    /// plus the reply (both are also bounded inside the connection).
    deadline: Duration,
    probe_interval: Duration,
    /// The runtime the connection lives on; the probe runs there too.
    runtime: tokio::runtime::Handle,
}

impl Shared {
    fn conn(&self) -> Conn {
        self.conn.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// The probe's check: PING on the connection in use. When that gets no
    /// answer at all, the connection may be dead without knowing it (TCP
    /// takes minutes to notice a vanished host); a new one that answers
    /// replaces it. Other failures (refused, dropped) already make the
    /// connection reconnect on its own. Behind Sentinel the master may
    /// have moved: every check asks the Sentinels anew.
    async fn answers(&self) -> bool {
        let (mut conn, ping) = (self.conn(), ::redis::cmd("PING"));
        if !self.topology.follows_failover() {
            match tokio::time::timeout(self.deadline, ping.query_async::<String>(&mut conn)).await {
                Ok(Ok(_)) => return true,
                Ok(Err(e)) if !e.is_timeout() => return false,
                _ => {}
            }
        }
        match tokio::time::timeout(self.deadline, open(&self.topology, &self.manager)).await {
            Ok(Ok(fresh)) => {
                *self.conn.write().unwrap_or_else(|e| e.into_inner()) = fresh;
                true
            }
            _ => false,
        }
    }
}

impl AsRef<Breaker> for Shared {
    fn as_ref(&self) -> &Breaker {
        &self.breaker
    }
}

impl fmt::Debug for RedisStore {
    // The URL may carry a password; only the prefix is shown.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisStore")
            .field("prefix", &self.prefix)
            .field("circuit_open", &self.shared.breaker.is_open())
            .finish_non_exhaustive()
    }
}

impl RedisStore {
    /// Connects and PINGs, so a wrong URL or a down server fails at startup.
    pub async fn connect(config: &RedisConfig) -> Result<RedisStore, StoreError> {
        let topology = Topology::new(&config.url, config.connect_timeout, config.command_timeout)?;
        // One connection attempt per reconnection: while Redis is away the
        // probe is the retry, and requests do not wait for backoffs.
        let manager = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(config.connect_timeout))
            .set_response_timeout(Some(config.command_timeout))
            .set_number_of_retries(0);
        let deadline = config.connect_timeout + config.command_timeout;
        // A cluster's first connection also learns the slot map and meets
        // every node; a Sentinel's asks a Sentinel first: a few round trips.
        let conn = match tokio::time::timeout(deadline * 4, open(&topology, &manager)).await {
            Ok(opened) => opened.map_err(map_err)?,
            Err(_) => return Err(map_err(std::io::Error::from(std::io::ErrorKind::TimedOut).into())),
        };
        let shared = Shared {
            conn: RwLock::new(conn),
            topology,
            manager,
            breaker: Breaker::default(),
            deadline,
            probe_interval: config.probe_interval,
            runtime: tokio::runtime::Handle::current(),
        };
        Ok(RedisStore { shared: Arc::new(shared), prefix: config.prefix.clone() })
    }

    /// PING through the breaker: whether Redis answers now (readiness).
    pub async fn ping(&self) -> Result<(), StoreError> {
        self.query::<String>(&::redis::cmd("PING")).await.map(drop)
    }

    /// Whether commands currently fail at once because Redis is unreachable.
    pub fn circuit_open(&self) -> bool {
        self.shared.breaker.is_open()
    }

    async fn query<T: FromRedisValue>(&self, cmd: &Cmd) -> Result<T, StoreError> {
        let mut conn = self.shared.conn();
        self.guarded(cmd.query_async(&mut conn)).await
    }

    async fn invoke(&self, script: &ScriptInvocation<'_>) -> Result<(), StoreError> {
        let mut conn = self.shared.conn();
        self.guarded(script.invoke_async::<i64>(&mut conn)).await.map(drop)
    }

    /// Runs `command` through the breaker: refused at once while the
    /// circuit is open; a connection-class failure opens it.
    async fn guarded<T>(&self, command: impl Future<Output = RedisResult<T>>) -> Result<T, StoreError> {
        let Some(admitted) = self.shared.breaker.admit() else {
            crate::measure::store_operation("redis", Duration::ZERO, false);
            return Err(StoreError::Unavailable(CIRCUIT_OPEN.into()));
        };
        let started = Instant::now();
        let result = tokio::time::timeout(self.shared.deadline, command)
            .await
            .unwrap_or_else(|_| Err(std::io::Error::from(std::io::ErrorKind::TimedOut).into()));
        crate::measure::store_operation("redis", started.elapsed(), result.is_ok());
        result.map_err(|e| {
            // A master demoted by a failover answers writes with READONLY:
            // the connection must go to the new one, as after an outage.
            let demoted = self.shared.topology.follows_failover()
                && matches!(e.kind(), ErrorKind::Server(ServerErrorKind::ReadOnly));
            if (trips(&e) || demoted) && self.shared.breaker.trip(admitted, Instant::now()) {
                tracing::warn!(
                    error = %e,
                    "redis unreachable: circuit open, requests that need it answer 503 at once until a background PING succeeds"
                );
                self.shared.runtime.spawn(probe(Arc::downgrade(&self.shared)));
            }
            map_err(e)
        })
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
        let set = || ::redis::cmd("SET").arg(self.key(key)).arg(value).arg("PX").arg(px(ttl)).clone();
        if indexes.is_empty() {
            return self.query(&set()).await;
        }
        if self.shared.topology.is_cluster() {
            self.extend_indexes(key, ttl, indexes).await?;
            return self.query(&set()).await;
        }
        let mut invocation = PUT_INDEXED_SCRIPT.key(self.key(key));
        for index in indexes {
            invocation.key(self.index_key(index));
        }
        self.invoke(invocation.arg(key).arg(px(ttl)).arg(value)).await
    }

    /// Lists `member` in each index, one slot at a time (cluster).
    async fn extend_indexes(
        &self,
        member: &str,
        ttl: Duration,
        indexes: &[String],
    ) -> Result<(), StoreError> {
        for index in indexes {
            self.add_to_index(index, member, ttl).await?;
        }
        Ok(())
    }

    /// The [`SWAP_INDEXED`] script: stores `value` only while the key
    /// holds `current`; returns whether it stored.
    pub async fn swap(
        &self,
        key: &str,
        current: &str,
        value: &str,
        ttl: Duration,
        indexes: &[String],
    ) -> Result<bool, StoreError> {
        let mut invocation = SWAP_INDEXED_SCRIPT.key(self.key(key));
        if self.shared.topology.is_cluster() {
            self.extend_indexes(key, ttl, indexes).await?;
        } else {
            for index in indexes {
                invocation.key(self.index_key(index));
            }
        }
        invocation.arg(key).arg(px(ttl)).arg(value).arg(current);
        let mut conn = self.shared.conn();
        let stored: i64 = self.guarded(invocation.invoke_async(&mut conn)).await?;
        Ok(stored == 1)
    }

    /// `SET … NX PX`: stores only if the key is absent; returns whether it stored.
    pub async fn put_if_absent(&self, key: &str, value: &str, ttl: Duration) -> Result<bool, StoreError> {
        let reply: Option<String> = self
            .query(::redis::cmd("SET").arg(self.key(key)).arg(value).arg("NX").arg("PX").arg(px(ttl)))
            .await?;
        Ok(reply.is_some())
    }

    pub async fn get(&self, key: &str) -> Result<Option<String>, StoreError> {
        self.query(::redis::cmd("GET").arg(self.key(key))).await
    }

    pub async fn take(&self, key: &str) -> Result<Option<String>, StoreError> {
        self.query(::redis::cmd("GETDEL").arg(self.key(key))).await
    }

    /// `DEL`; whether a live key was there (Redis expires a key on access).
    pub async fn delete(&self, key: &str) -> Result<bool, StoreError> {
        let deleted: u64 = self.query(::redis::cmd("DEL").arg(self.key(key))).await?;
        Ok(deleted > 0)
    }

    /// The [`INCREMENT_READING`] script: the counter at `key` after adding
    /// one, and the counter at `other`.
    pub async fn increment(&self, key: &str, other: &str, ttl: Duration) -> Result<(u64, u64), StoreError> {
        let mut invocation = INCREMENT_READING_SCRIPT.key(self.key(key));
        invocation.key(self.key(other)).arg(px(ttl));
        let mut conn = self.shared.conn();
        self.guarded(invocation.invoke_async(&mut conn)).await
    }

    pub async fn add_to_index(&self, index: &str, member: &str, ttl: Duration) -> Result<(), StoreError> {
        self.invoke(EXTEND_INDEXES_SCRIPT.key(self.index_key(index)).arg(member).arg(px(ttl))).await
    }

    pub async fn index_members(&self, index: &str) -> Result<Vec<String>, StoreError> {
        self.query(::redis::cmd("SMEMBERS").arg(self.index_key(index))).await
    }

    pub async fn remove_from_index(&self, index: &str, member: &str) -> Result<(), StoreError> {
        self.query(::redis::cmd("SREM").arg(self.index_key(index)).arg(member)).await
    }

    pub async fn delete_index(&self, index: &str) -> Result<(), StoreError> {
        self.query(::redis::cmd("DEL").arg(self.index_key(index))).await
    }

    /// Deletes every key under this store's prefix (test clean-up).
    #[cfg(test)]
    pub(crate) async fn delete_prefixed(&self) -> Result<usize, StoreError> {
        let mut conn = self.shared.conn();
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

/// A new connection that has answered PING (on a cluster: every node).
async fn open(topology: &Topology, config: &ConnectionManagerConfig) -> RedisResult<Conn> {
    let mut conn = topology.open(config).await?;
    let pong: String = ::redis::cmd("PING").query_async(&mut conn).await?;
    if pong != "PONG" {
        return Err(RedisError::from((ErrorKind::UnexpectedReturnType, "unexpected PING reply", pong)));
    }
    Ok(conn)
}

/// The background probe of an open circuit: checks every
/// `redis.probe_interval` until Redis answers, then closes the circuit.
async fn probe(store: Weak<Shared>) {
    let Some(interval) = store.upgrade().map(|s| s.probe_interval) else { return };
    let end =
        breaker::probe(store, interval, |shared: Arc<Shared>| async move { shared.answers().await }).await;
    if let ProbeEnd::Closed { pings, open_for } = end {
        tracing::info!(open_ms = open_for.as_millis() as u64, pings, "redis reachable again: circuit closed");
    }
}

/// Whether `e` says Redis cannot be reached (refused, dropped, timed out,
/// a connection that must be replaced): that opens the circuit. An error
/// Redis replied with (WRONGTYPE, a script error, LOADING) proves it is
/// there, and a reply that does not convert is the data's fault: neither
/// does.
fn trips(e: &RedisError) -> bool {
    match e.kind() {
        ErrorKind::Server(_) | ErrorKind::Extension | ErrorKind::Parse | ErrorKind::UnexpectedReturnType => {
            false
        }
        _ => {
            e.is_io_error()
                || e.is_connection_refusal()
                || e.is_connection_dropped()
                || e.is_timeout()
                || e.is_unrecoverable_error()
        }
    }
}

/// Connection trouble and the server's transient refusals are
/// `Unavailable` (→ 503 `temporarily_unavailable`); a reply that does not
/// convert (e.g. not a UTF-8 string) is `Corrupt`; the rest is `Database`.
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
    if matches!(e.kind(), ErrorKind::UnexpectedReturnType | ErrorKind::Parse) {
        StoreError::Corrupt(format!("redis: {e}"))
    } else if trips(&e) || transient_server {
        StoreError::Unavailable(format!("redis: {e}"))
    } else if matches!(e.kind(), ErrorKind::InvalidClientConfig) {
        StoreError::Config(format!("redis: {e}"))
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
#[path = "redis_tests.rs"]
mod tests;
