//! Durable storage on diesel, one code base for SQLite and PostgreSQL (the
//! vaultwarden recipe): a `MultiConnection` enum picked by URL scheme, one
//! portable `schema.rs`, an r2d2 pool, and per-backend embedded migrations
//! run at connect time. Blocking diesel work runs on tokio's blocking pool
//! via [`Db::run`], one hop per request. Private to `store`: the
//! repositories are the only callers.

pub mod account_links;
pub mod audit;
pub mod client_registrations;
pub mod clients;
pub mod consents;
pub mod denied_tokens;
pub mod dump;
pub mod groups;
pub mod health;
pub mod models;
pub mod passkeys;
pub mod refresh_tokens;
pub mod resources;
pub mod revisions;
pub mod schema;
pub mod search;
pub mod second_factors;
pub mod signing_keys;
pub mod users;
mod writer;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod write_transaction_tests;

use std::fmt;
use std::path::Path;

use diesel::connection::SimpleConnection;
#[cfg(test)]
use diesel::r2d2::PooledConnection;
use diesel::r2d2::{CustomizeConnection, Pool};
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel::{Connection, PgConnection, SqliteConnection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use super::StoreError;

pub(crate) const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
pub(crate) const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// Applied to every new SQLite connection (WAL for concurrent readers,
/// waiting instead of failing on a locked file, enforced foreign keys,
/// reads through a memory map instead of a read() per page).
/// busy_timeout comes first: switching to WAL needs a lock another starting
/// process may hold.
const SQLITE_PRAGMAS: &str = "PRAGMA busy_timeout = 5000; PRAGMA journal_mode = WAL; \
     PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL; PRAGMA mmap_size = 268435456;";

/// An arbitrary constant key for `pg_advisory_lock`, so instances starting
/// together do not run the same migration twice.
const PG_MIGRATION_LOCK: i64 = 0x6f78_6964_7000;

/// One connection to either backend; match on it only where SQL differs.
#[derive(diesel::MultiConnection)]
pub enum AnyConnection {
    Postgresql(PgConnection),
    Sqlite(SqliteConnection),
}

/// Connects to the database at `url` and asks `SELECT 1`, changing
/// nothing: no migration, and a missing SQLite file is reported, not
/// created. How many migrations the server would still apply, with it.
pub fn probe(url: &str) -> Result<usize, StoreError> {
    use diesel::RunQueryDsl;
    let target = parse_url(url)?;
    match target.backend {
        Backend::Sqlite => {
            if !Path::new(&target.location).is_file() {
                return Err(StoreError::Missing(format!(
                    "the database {} does not exist yet (the server creates it when it starts)",
                    target.location
                )));
            }
            let mut conn = SqliteConnection::establish(&target.location)
                .map_err(|e| StoreError::Unavailable(format!("sqlite: {e}")))?;
            diesel::sql_query("SELECT 1").execute(&mut conn)?;
            pending(&mut conn, SQLITE_MIGRATIONS)
        }
        Backend::Postgres => {
            let mut conn = PgConnection::establish(&target.location)
                .map_err(|e| StoreError::Unavailable(format!("postgres: {e}")))?;
            diesel::sql_query("SELECT 1").execute(&mut conn)?;
            pending(&mut conn, POSTGRES_MIGRATIONS)
        }
    }
}

/// The number of `migrations` not applied yet, read in a transaction that
/// is rolled back (diesel creates its bookkeeping table when it is absent).
fn pending<C>(conn: &mut C, migrations: EmbeddedMigrations) -> Result<usize, StoreError>
where
    C: MigrationHarness<C::Backend> + Connection,
{
    let mut count = None;
    let _ = conn.transaction::<(), DieselError, _>(|c| {
        count = Some(c.pending_migrations(migrations).map(|p| p.len()).map_err(|e| e.to_string()));
        Err(DieselError::RollbackTransaction)
    });
    match count {
        Some(Ok(n)) => Ok(n),
        Some(Err(e)) => Err(StoreError::Database(format!("cannot read the applied migrations: {e}"))),
        None => Err(StoreError::Database("cannot open a transaction".into())),
    }
}

/// Runs `f` in a transaction that writes. On SQLite it begins with `BEGIN
/// IMMEDIATE`, taking the write lock first (waiting up to the busy
/// timeout): a deferred transaction that reads before it writes fails at
/// once with "database is locked" when another connection committed in
/// between, since a WAL read snapshot cannot be upgraded and the busy
/// timeout does not apply to that. Nested, and on PostgreSQL, it is a
/// plain (savepoint or) transaction.
pub fn write_transaction<T, E>(
    conn: &mut AnyConnection,
    f: impl FnOnce(&mut AnyConnection) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<DieselError>,
{
    use diesel::connection::{AnsiTransactionManager, TransactionManager};
    let AnyConnection::Sqlite(sqlite) = conn else { return conn.transaction(f) };
    match AnsiTransactionManager::begin_transaction_sql(sqlite, "BEGIN IMMEDIATE") {
        Ok(()) => {}
        Err(DieselError::AlreadyInTransaction) => return conn.transaction(f),
        Err(e) => return Err(e.into()),
    }
    let outcome = f(conn);
    let finished = match &outcome {
        Ok(_) => <AnyConnection as TransactionManager<AnyConnection>>::commit_transaction(conn),
        Err(_) => <AnyConnection as TransactionManager<AnyConnection>>::rollback_transaction(conn),
    };
    match (outcome, finished) {
        (Ok(value), Ok(())) => Ok(value),
        (Ok(_), Err(e)) => {
            // A failed COMMIT leaves the transaction open: end it.
            let _ = <AnyConnection as TransactionManager<AnyConnection>>::rollback_transaction(conn);
            Err(e.into())
        }
        (Err(e), _) => Err(e),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// For metrics and logs.
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

type Manager = health::Connector;

/// Pooled handle to the durable store. Cheap to clone.
#[derive(Clone)]
pub struct Db {
    pool: Pool<Manager>,
    /// The circuit in front of the pool (see [`health`]).
    health: std::sync::Arc<health::Health>,
    /// Group commit for the token path's writes (see [`Db::write`]).
    writer: std::sync::Arc<writer::Writer>,
    backend: Backend,
}

impl fmt::Debug for Db {
    // Never the URL: it may carry a password.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.pool.state();
        f.debug_struct("Db")
            .field("backend", &self.backend)
            .field("connections", &state.connections)
            .field("idle", &state.idle_connections)
            .finish()
    }
}

/// What a database URL names: the backend and what to hand to `establish`.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Target {
    pub backend: Backend,
    /// A file path for SQLite, the URL itself for PostgreSQL.
    pub location: String,
}

/// Splits `sqlite://path`, `postgres://…` and `postgresql://…`. Errors never
/// echo the URL, which may hold credentials.
pub(crate) fn parse_url(url: &str) -> Result<Target, StoreError> {
    if let Some(path) = url.strip_prefix("sqlite://") {
        if path.is_empty() {
            return Err(StoreError::Config(
                "sqlite:// URL needs a file path, e.g. sqlite://data/oxidp.db".into(),
            ));
        }
        if path.starts_with(':') || path.starts_with("file:") {
            return Err(StoreError::Config(
                "sqlite:// URL must name a file (no :memory: or file: URIs)".into(),
            ));
        }
        return Ok(Target { backend: Backend::Sqlite, location: path.to_owned() });
    }
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return Ok(Target { backend: Backend::Postgres, location: url.to_owned() });
    }
    let scheme = url.split_once("://").map(|(s, _)| s);
    Err(StoreError::Config(match scheme {
        Some(s) if !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '+') => {
            format!("unsupported database URL scheme {s:?} (use sqlite://, postgres:// or postgresql://)")
        }
        _ => "database URL must start with sqlite://, postgres:// or postgresql://".into(),
    }))
}

/// Per-connection set-up: SQLite PRAGMAs.
#[derive(Debug)]
struct Customizer;

impl CustomizeConnection<AnyConnection, diesel::r2d2::Error> for Customizer {
    fn on_acquire(&self, conn: &mut AnyConnection) -> Result<(), diesel::r2d2::Error> {
        match conn {
            AnyConnection::Sqlite(c) => {
                c.batch_execute(SQLITE_PRAGMAS).map_err(diesel::r2d2::Error::QueryError)
            }
            AnyConnection::Postgresql(_) => Ok(()),
        }
    }
}

impl Db {
    /// Opens `sqlite://relative/path.db`, `sqlite:///abs/path.db` (creating
    /// parent folders) or `postgres://…` / `postgresql://…`, runs pending
    /// embedded migrations, then builds a pool of up to `max_connections`.
    #[cfg(test)]
    pub fn connect(url: &str, max_connections: u32) -> Result<Db, StoreError> {
        Db::open(url, max_connections, true)
    }

    /// As [`connect`](Self::connect) with `create`; without it a missing
    /// SQLite file is [`StoreError::Missing`] and nothing is created.
    pub fn open(url: &str, max_connections: u32, create: bool) -> Result<Db, StoreError> {
        init_openssl();
        let target = parse_url(url)?;
        // Migrate on a direct connection first: it fails fast with the
        // driver's own error message, which the pool would swallow.
        match target.backend {
            Backend::Sqlite => {
                if !create && !Path::new(&target.location).is_file() {
                    return Err(StoreError::Missing(format!(
                        "the database {} does not exist (start the server once, or create a user or client)",
                        target.location
                    )));
                }
                if let Some(parent) = Path::new(&target.location).parent()
                    && !parent.as_os_str().is_empty()
                {
                    std::fs::create_dir_all(parent).map_err(|e| {
                        StoreError::Config(format!("cannot create {}: {e}", parent.display()))
                    })?;
                }
                let mut conn = SqliteConnection::establish(&target.location)
                    .map_err(|e| StoreError::Unavailable(format!("sqlite: {e}")))?;
                conn.batch_execute(SQLITE_PRAGMAS)?;
                migrate_sqlite(&mut conn)?;
            }
            Backend::Postgres => {
                let mut conn = PgConnection::establish(&target.location)
                    .map_err(|e| StoreError::Unavailable(format!("postgres: {e}")))?;
                migrate_postgres(&mut conn)?;
            }
        }
        let connector = health::Connector { backend: target.backend, location: target.location };
        let health = health::Health::new(connector.clone());
        let pool = Pool::builder()
            .max_size(max_connections.max(1))
            .min_idle(Some(1))
            .connection_timeout(health::POOL_TIMEOUT)
            .connection_customizer(Box::new(Customizer))
            .error_handler(Box::new(health::ReportTo(health.clone())))
            .build(connector)
            .map_err(|e| StoreError::Unavailable(format!("connection pool: {e}")))?;
        let writer = std::sync::Arc::new(writer::Writer::start(pool.clone(), health.clone())?);
        Ok(Db { pool, health, backend: target.backend, writer })
    }

    #[cfg(test)]
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The pool's connections: open, idle among them, and the most it may open.
    pub fn pool_state(&self) -> (&'static str, u32, u32, u32) {
        let state = self.pool.state();
        (self.backend.name(), state.connections, state.idle_connections, self.pool.max_size())
    }

    /// A pooled connection for synchronous tests. Everything else uses
    /// [`Db::run`] or [`Db::write`].
    #[cfg(test)]
    pub fn conn(&self) -> Result<PooledConnection<Manager>, StoreError> {
        Ok(self.pool.get()?)
    }

    /// Runs a write together with the writes other requests queued
    /// meanwhile: one transaction, one savepoint each (group commit), on
    /// the writer thread. For frequent small writes on the request path.
    pub async fn write<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        F: FnOnce(&mut AnyConnection) -> Result<T, StoreError> + Send + 'static,
        T: Send + 'static,
    {
        let started = std::time::Instant::now();
        let written = match self.health.admit() {
            Ok(()) => self.writer.write(f).await,
            Err(refused) => Err(refused),
        };
        crate::measure::store_operation(self.backend.name(), started.elapsed(), written.is_ok());
        written
    }

    /// Runs blocking diesel work off the async threads
    /// (`tokio::task::spawn_blocking`), with one pooled connection.
    pub async fn run<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        F: FnOnce(&mut AnyConnection) -> Result<T, StoreError> + Send + 'static,
        T: Send + 'static,
    {
        let (pool, health, started) = (self.pool.clone(), self.health.clone(), std::time::Instant::now());
        let ran = match self.health.admit() {
            Ok(()) => tokio::task::spawn_blocking(move || {
                let mut conn = health.acquire(&pool)?;
                f(&mut conn)
            })
            .await
            .map_err(|e| StoreError::Database(format!("database task failed: {e}")))
            .and_then(|ran| ran),
            Err(refused) => Err(refused),
        };
        crate::measure::store_operation(self.backend.name(), started.elapsed(), ran.is_ok());
        ran
    }
}

/// libpq initializes OpenSSL too, and the first to do so decides whether
/// OpenSSL frees its state in an `atexit` handler; that handler races the
/// threads still running at exit (the pool's workers) and can crash the
/// process as it exits (seen: SIGSEGV in libcrypto after every test had
/// passed). rust-openssl initializes without it, so it must come first.
pub fn init_openssl() {
    openssl::init();
}

fn migrate_sqlite(conn: &mut SqliteConnection) -> Result<(), StoreError> {
    conn.run_pending_migrations(SQLITE_MIGRATIONS)
        .map(|_| ())
        .map_err(|e| StoreError::Database(format!("sqlite migrations: {e}")))
}

fn migrate_postgres(conn: &mut PgConnection) -> Result<(), StoreError> {
    use diesel::RunQueryDsl;
    let lock = format!("SELECT pg_advisory_lock({PG_MIGRATION_LOCK})");
    let unlock = format!("SELECT pg_advisory_unlock({PG_MIGRATION_LOCK})");
    diesel::sql_query(lock).execute(conn)?;
    let result = conn
        .run_pending_migrations(POSTGRES_MIGRATIONS)
        .map(|_| ())
        .map_err(|e| StoreError::Database(format!("postgres migrations: {e}")));
    // The lock also ends with the session, which the caller drops next.
    diesel::sql_query(unlock).execute(conn)?;
    result
}

impl From<DieselError> for StoreError {
    fn from(e: DieselError) -> Self {
        match e {
            DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => {
                StoreError::Duplicate(info.message().to_owned())
            }
            // The connection went away under a statement or a transaction
            // (the server stopped): an outage, not a fault of the request.
            DieselError::DatabaseError(
                DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand,
                info,
            ) => StoreError::Unavailable(info.message().to_owned()),
            DieselError::BrokenTransactionManager => {
                StoreError::Unavailable("the connection broke during a transaction".into())
            }
            other => StoreError::Database(other.to_string()),
        }
    }
}

impl From<r2d2::Error> for StoreError {
    fn from(e: r2d2::Error) -> Self {
        StoreError::Unavailable(format!("connection pool: {e}"))
    }
}
