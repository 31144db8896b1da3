//! How the pool connects, and what a database outage costs a request.
//!
//! [`Connector`] opens connections of the configured backend directly, so
//! a failure says what the driver said ("connection refused", "the
//! database system is starting up"), not the derived multi-backend
//! `establish`'s "Invalid connection url for multiconnection".
//!
//! [`Health`] is the circuit breaker (`store::breaker`) in front of the
//! pool. The pool reports every failed connection attempt to it (r2d2's
//! error handler); the first one opens the circuit. From then on requests that need the database fail
//! at once with [`CIRCUIT_OPEN`] (503), and those already waiting for a
//! connection give up within [`ACQUIRE_SLICE`], instead of each waiting
//! out the pool's timeout, while a background probe connects every
//! [`PROBE_INTERVAL`]. When it can, the circuit closes and the pool
//! replaces its broken connections as they are checked out: no restart.
//! Outside a tokio runtime (one-shot CLI commands) there is no probe, so
//! the circuit never opens there.

use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use diesel::r2d2::{HandleError, ManageConnection, Pool, PooledConnection, R2D2Connection};
use diesel::{Connection, PgConnection, SqliteConnection};

use super::{AnyConnection, Backend};
use crate::store::StoreError;
use crate::store::breaker::{self, Breaker, ProbeEnd};

/// The `StoreError::Unavailable` detail of every request refused while the
/// circuit is open.
pub const CIRCUIT_OPEN: &str = "database unavailable (circuit open)";

/// How long a request waits for a pooled connection in all (the pool may
/// be busy) before `Unavailable`.
pub const POOL_TIMEOUT: Duration = Duration::from_secs(10);

/// A waiting request looks at the circuit this often.
pub const ACQUIRE_SLICE: Duration = Duration::from_millis(25);

/// How often the probe tries to connect while the circuit is open.
pub const PROBE_INTERVAL: Duration = Duration::from_millis(250);

/// The longest one probe attempt may take (connect and `SELECT 1`).
const PROBE_TIMEOUT: Duration = Duration::from_secs(5);

/// Opens connections of one backend.
#[derive(Debug, Clone)]
pub struct Connector {
    pub backend: Backend,
    /// A file path for SQLite, the URL for PostgreSQL.
    pub location: String,
}

impl ManageConnection for Connector {
    type Connection = AnyConnection;
    type Error = diesel::r2d2::Error;

    fn connect(&self) -> Result<AnyConnection, Self::Error> {
        match self.backend {
            Backend::Sqlite => SqliteConnection::establish(&self.location).map(AnyConnection::Sqlite),
            Backend::Postgres => PgConnection::establish(&self.location).map(AnyConnection::Postgresql),
        }
        .map_err(diesel::r2d2::Error::ConnectionError)
    }

    fn is_valid(&self, conn: &mut AnyConnection) -> Result<(), Self::Error> {
        conn.ping().map(drop).map_err(diesel::r2d2::Error::QueryError)
    }

    fn has_broken(&self, conn: &mut AnyConnection) -> bool {
        conn.is_broken()
    }
}

/// The circuit in front of one pool; shared by the pool's error handler,
/// every `Db` clone, the writer thread and the probe.
#[derive(Debug)]
pub struct Health {
    breaker: Breaker,
    connector: Connector,
    /// Where the probe runs; `None` outside a runtime (no circuit then).
    runtime: Option<tokio::runtime::Handle>,
}

impl AsRef<Breaker> for Health {
    fn as_ref(&self) -> &Breaker {
        &self.breaker
    }
}

impl Health {
    pub fn new(connector: Connector) -> Arc<Health> {
        let runtime = tokio::runtime::Handle::try_current().ok();
        Arc::new(Health { breaker: Breaker::default(), connector, runtime })
    }

    /// `Err(CIRCUIT_OPEN)` while the database is known to be unreachable.
    pub fn admit(&self) -> Result<(), StoreError> {
        match self.breaker.admit() {
            Some(_) => Ok(()),
            None => Err(StoreError::Unavailable(CIRCUIT_OPEN.into())),
        }
    }

    /// A connection could not be made or failed its check: the first such
    /// failure opens the circuit and starts the probe.
    fn connection_failed(self: &Arc<Self>, error: &dyn std::fmt::Display) {
        let Some(runtime) = &self.runtime else { return };
        let Some(admitted) = self.breaker.admit() else { return };
        if self.breaker.trip(admitted, Instant::now()) {
            tracing::warn!(
                backend = self.connector.backend.name(),
                %error,
                "database unreachable: circuit open, requests that need it answer 503 at once until it accepts a connection again"
            );
            runtime.spawn(probe(Arc::downgrade(self)));
        }
    }

    /// A pooled connection: waits up to [`POOL_TIMEOUT`] for one while the
    /// circuit is closed, and gives up within [`ACQUIRE_SLICE`] of it
    /// opening. Runs on a blocking thread.
    pub fn acquire(&self, pool: &Pool<Connector>) -> Result<PooledConnection<Connector>, StoreError> {
        let deadline = Instant::now() + POOL_TIMEOUT;
        loop {
            self.admit()?;
            match pool.get_timeout(ACQUIRE_SLICE) {
                Ok(conn) => return Ok(conn),
                Err(e) if Instant::now() >= deadline => return Err(e.into()),
                Err(_) => {}
            }
        }
    }
}

/// Reports the pool's failed connection attempts to [`Health`]. A failed
/// check of an idle connection alone does not count: after an outage the
/// pool still holds connections the old server closed, and each is
/// replaced by a new one on checkout (whose failure, while the server is
/// still away, does count).
#[derive(Debug)]
pub struct ReportTo(pub Arc<Health>);

impl HandleError<diesel::r2d2::Error> for ReportTo {
    fn handle_error(&self, error: diesel::r2d2::Error) {
        if matches!(error, diesel::r2d2::Error::ConnectionError(_)) {
            self.0.connection_failed(&error);
        }
    }
}

/// Connects (and runs `SELECT 1`) every [`PROBE_INTERVAL`] until that
/// works, then closes the circuit.
async fn probe(health: Weak<Health>) {
    let end = breaker::probe(health, PROBE_INTERVAL, |health: Arc<Health>| async move {
        let connector = health.connector.clone();
        let attempt = tokio::task::spawn_blocking(move || {
            let mut conn = connector.connect()?;
            connector.is_valid(&mut conn)
        });
        matches!(tokio::time::timeout(PROBE_TIMEOUT, attempt).await, Ok(Ok(Ok(()))))
    })
    .await;
    if let ProbeEnd::Closed { pings, open_for } = end {
        tracing::info!(
            open_ms = open_for.as_millis() as u64,
            pings,
            "database reachable again: circuit closed"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refused_connection_says_so() {
        // Port 1 on loopback: nothing listens there.
        let connector =
            Connector { backend: Backend::Postgres, location: "postgres://postgres@127.0.0.1:1/x".into() };
        let Err(error) = connector.connect() else { panic!("nothing listens on port 1") };
        let error = error.to_string();
        assert!(error.contains("refused"), "{error}");
    }

    #[test]
    fn a_connection_lost_mid_transaction_is_an_outage() {
        let lost = StoreError::from(diesel::result::Error::BrokenTransactionManager);
        assert!(matches!(lost, StoreError::Unavailable(_)), "{lost:?}");
    }

    #[tokio::test]
    async fn a_failed_connection_opens_the_circuit_and_the_probe_closes_it() {
        let dir = tempfile::tempdir().expect("tempdir");
        let location = dir.path().join("h.db").display().to_string();
        let health = Health::new(Connector { backend: Backend::Sqlite, location });
        health.admit().expect("closed at first");
        health.connection_failed(&"connection refused");
        let refused = health.admit().expect_err("open after a failure");
        assert!(matches!(&refused, StoreError::Unavailable(d) if d == CIRCUIT_OPEN), "{refused:?}");
        // The probe connects (SQLite creates the file) and closes it.
        let deadline = Instant::now() + Duration::from_secs(10);
        while health.admit().is_err() {
            assert!(Instant::now() < deadline, "the probe did not close the circuit");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    #[test]
    fn without_a_runtime_there_is_no_circuit() {
        let health = Health::new(Connector { backend: Backend::Sqlite, location: "unused.db".into() });
        health.connection_failed(&"connection refused");
        health.admit().expect("no probe could close it, so it never opens");
    }
}
