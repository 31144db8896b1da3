//! Storage: repositories over the durable database (SQLite or PostgreSQL,
//! chosen by URL scheme) and the ephemeral store (memory by default, Redis
//! when instances share it).
//!
//! The database is the truth. Repositories own every persistence decision:
//! transactions, group commit on the token path, and the revision bump that
//! keeps every instance's in-memory caches coherent happen inside their
//! write methods, so no caller can forget one. Redis and memory hold only
//! short-lived state (`ephemeral`) and caches of durable state that are
//! rebuilt from the database whenever they may be incomplete.

mod audit;
mod breaker;
mod cache;
mod client_registrations;
mod clients;
mod consents;
mod denylist;
pub mod ephemeral;
mod grants;
mod groups;
mod links;
mod passkeys;
mod resources;
mod second_factors;
mod signing_keys;
mod sql;
#[cfg(test)]
pub(crate) mod test_db;
#[cfg(test)]
mod tests;
pub mod transfer;
mod users;
mod web_origins;

pub use audit::{Audit, AuditFilter, Audited};
pub use client_registrations::ClientRegistrations;
pub use clients::Clients;
pub use consents::Consents;
pub use denylist::Denylist;
pub use ephemeral::Ephemeral;
pub use grants::Grants;
pub use groups::{Groups, MemberChange};
pub use links::AccountLinks;
pub use passkeys::{PasskeyRow, Passkeys};
pub use resources::Resources;
pub use second_factors::{SecondFactors, TotpFactor};
pub use signing_keys::{KeySetError, SigningKeys};
pub use sql::probe as probe_database;
pub use users::{Cas, UserProfile, Users};

use std::time::Duration;

use crate::protocol::OAuthError;
pub use crate::protocol::{
    AuditEvent, ClientRecord, GroupRecord, RefreshTokenRecord, ResourceRecord, SigningKeyRecord, UserRecord,
};

/// Errors of both stores; callers map `Unavailable` to HTTP 503.
#[derive(Debug, Clone, thiserror::Error)]
pub enum StoreError {
    /// A unique constraint was violated (duplicate username, client_id, ...).
    #[error("already exists: {0}")]
    Duplicate(String),
    #[error("database error: {0}")]
    Database(String),
    /// Redis down, pool timeout, connection refused; while a circuit is
    /// open the detail is [`ephemeral::CIRCUIT_OPEN`] or
    /// `sql::health::CIRCUIT_OPEN`.
    #[error("store unavailable: {0}")]
    Unavailable(String),
    /// Stored data that does not decode (e.g. JSON).
    #[error("corrupt record: {0}")]
    Corrupt(String),
    /// Bad URL scheme and other configuration mistakes.
    #[error("configuration: {0}")]
    Config(String),
    /// The database does not exist and the caller may not create it.
    #[error("{0}")]
    Missing(String),
}

/// What a client or user is told while a backing service is down.
const UNAVAILABLE: &str = "The service is temporarily unavailable. Please try again in a moment.";

/// Infrastructure failures become `server_error`, or `temporarily_unavailable`
/// when a backing service is down; details go to the log, not the client.
impl From<StoreError> for OAuthError {
    fn from(err: StoreError) -> Self {
        match err {
            // A known outage was logged once when it began.
            StoreError::Unavailable(detail)
                if detail == ephemeral::CIRCUIT_OPEN || detail == sql::health::CIRCUIT_OPEN =>
            {
                tracing::debug!(%detail, "backing store unavailable");
                OAuthError::temporarily_unavailable(UNAVAILABLE)
            }
            StoreError::Unavailable(detail) => {
                tracing::error!(%detail, "backing store unavailable");
                OAuthError::temporarily_unavailable(UNAVAILABLE)
            }
            other => {
                tracing::error!(error = %other, "store error");
                OAuthError::server_error("internal error")
            }
        }
    }
}

/// Where the stores are and how they behave.
#[derive(Clone)]
pub struct StoreConfig {
    pub database_url: String,
    pub max_connections: u32,
    /// Keep clients and users in memory between revision checks.
    pub cache_rows: bool,
    /// `None`: ephemeral state stays in this process.
    pub redis: Option<RedisConfig>,
}

#[derive(Clone)]
pub struct RedisConfig {
    pub url: String,
    pub prefix: String,
    /// The longest wait for a command's reply; a longer one counts as an
    /// outage (the circuit opens, see `ephemeral::redis`).
    pub command_timeout: Duration,
    /// The longest wait for a connection (TCP, TLS, handshake).
    pub connect_timeout: Duration,
    /// How often an unreachable Redis is PINGed, in the background.
    pub probe_interval: Duration,
}

impl RedisConfig {
    pub const DEFAULT_COMMAND_TIMEOUT: Duration = Duration::from_millis(250);
    pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_millis(500);
    pub const DEFAULT_PROBE_INTERVAL: Duration = Duration::from_millis(250);

    /// `url` and `prefix` with the default timeouts.
    pub fn new(url: &str, prefix: &str) -> RedisConfig {
        RedisConfig {
            url: url.to_owned(),
            prefix: prefix.to_owned(),
            command_timeout: Self::DEFAULT_COMMAND_TIMEOUT,
            connect_timeout: Self::DEFAULT_CONNECT_TIMEOUT,
            probe_interval: Self::DEFAULT_PROBE_INTERVAL,
        }
    }
}

/// Every repository, over one database and one ephemeral store.
#[derive(Clone)]
pub struct Stores {
    pub clients: Clients,
    /// Dynamic registration's tokens (RFC 7591, RFC 7592).
    pub client_registrations: ClientRegistrations,
    pub resources: Resources,
    pub users: Users,
    pub consents: Consents,
    pub grants: Grants,
    pub groups: Groups,
    pub second_factors: SecondFactors,
    pub passkeys: Passkeys,
    pub denylist: Denylist,
    pub audit: Audit,
    pub signing_keys: SigningKeys,
    pub ephemeral: Ephemeral,
    pub links: AccountLinks,
    db: sql::Db,
    audit_log: audit::AuditLog,
}

/// Whether [`Stores::open`] may create a missing (SQLite) database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpenMode {
    /// The server and commands that create state.
    CreateIfMissing,
    /// Read-only and modifying commands: a missing database is an error.
    MustExist,
}

impl Stores {
    /// Whether the database answers now (`SELECT 1` on a pooled connection).
    /// The database pool's backend, open and idle connections, and size.
    pub fn db_pool_state(&self) -> (&'static str, u32, u32, u32) {
        self.db.pool_state()
    }

    pub async fn ping_database(&self) -> Result<(), StoreError> {
        use diesel::RunQueryDsl;
        self.db.run(|c| Ok(diesel::sql_query("SELECT 1").execute(c).map(drop)?)).await
    }

    /// Opens the database (applying pending migrations) and the ephemeral
    /// store. Errors never show a password from the URLs.
    pub async fn open(config: &StoreConfig, mode: OpenMode) -> Result<Stores, StoreError> {
        let (url, max) = (config.database_url.clone(), config.max_connections);
        let create = mode == OpenMode::CreateIfMissing;
        let db = tokio::task::spawn_blocking(move || sql::Db::open(&url, max, create))
            .await
            .map_err(|e| StoreError::Database(format!("database task failed: {e}")))??;
        let ephemeral = match &config.redis {
            Some(redis) => Ephemeral::connect_redis(redis).await?,
            None => Ephemeral::memory(),
        };
        let shared = matches!(ephemeral, Ephemeral::Redis(_)).then(|| ephemeral.clone());
        let denylist = Denylist::new(db.clone(), shared);
        let audit_log = audit::AuditLog::new();
        let audit = Audit::new(db.clone(), audit_log.clone());
        let users = Users::new(db.clone(), config.cache_rows, audit_log.clone());
        Ok(Stores {
            links: AccountLinks::new(db.clone(), users.clone(), audit_log.clone()),
            clients: Clients::new(db.clone(), config.cache_rows, audit_log.clone()),
            client_registrations: ClientRegistrations::new(db.clone(), audit_log.clone()),
            resources: Resources::new(db.clone(), config.cache_rows, audit_log.clone()),
            users,
            consents: Consents::new(db.clone()),
            grants: Grants::new(db.clone(), denylist.clone(), audit_log.clone()),
            groups: Groups::new(db.clone(), audit_log.clone()),
            second_factors: SecondFactors::new(db.clone(), audit_log.clone()),
            passkeys: Passkeys::new(db.clone(), audit_log.clone()),
            denylist,
            audit,
            signing_keys: SigningKeys::new(db.clone()),
            ephemeral,
            db,
            audit_log,
        })
    }

    /// Whether audit events are also written as log lines (`audit.log`,
    /// on by default); they are stored either way.
    pub fn log_audit_events(&self, enabled: bool) {
        self.audit_log.set(enabled);
    }

    /// Reads every revision counter in one query and refreshes what moved:
    /// the client and user caches are dropped, the denylist reloaded. The
    /// first call only records where the counters stand (and loads the
    /// denylist). Returns the names of the caches that changed.
    pub async fn revalidate(&self, now: i64) -> Result<Vec<&'static str>, StoreError> {
        use sql::revisions::Counter;
        let counters = self.db.run(sql::revisions::all).await?;
        let mut changed = Vec::new();
        for (counter, value) in counters {
            let moved = match counter {
                Counter::Clients => self.clients.observe_revision(value),
                Counter::Users => self.users.observe_revision(value),
                Counter::Resources => self.resources.observe_revision(value),
                Counter::Denylist => self.denylist.observe_revision(value, now).await?,
            };
            if moved {
                changed.push(counter.as_str());
            }
        }
        Ok(changed)
    }

    /// Drops every cached row (when the counters cannot be read).
    pub fn flush_caches(&self) {
        self.clients.flush();
        self.users.flush();
        self.resources.flush();
    }
}
