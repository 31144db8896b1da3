//! Per-test infrastructure: a temp dir (SQLite file, signing keys) and, on the
//! `PgRedis` backend, a fresh PostgreSQL database plus a unique Redis prefix.
//! Everything is removed again when the last [`Infra`] handle is dropped.

use oxidp::config::Settings;

/// Which storage backends a test server runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// Temp-dir SQLite + the in-process ephemeral store.
    Embedded,
    /// A fresh PostgreSQL database + Redis under a unique key prefix.
    PgRedis,
}

pub const DATABASE_URL_ENV: &str = "OXIDP_TEST_DATABASE_URL";
pub const REDIS_URL_ENV: &str = "OXIDP_TEST_REDIS_URL";

/// `(database base url, redis url)` when both env vars are set.
fn pg_redis_env() -> Option<(String, String)> {
    let db = std::env::var(DATABASE_URL_ENV).ok().filter(|v| !v.is_empty())?;
    let redis = std::env::var(REDIS_URL_ENV).ok().filter(|v| !v.is_empty())?;
    Some((db, redis))
}

struct PgDatabase {
    base_url: String,
    name: String,
    url: String,
}

struct RedisNamespace {
    url: String,
    prefix: String,
}

/// Storage owned by one test (shared by every server instance of that test).
pub struct Infra {
    dir: tempfile::TempDir,
    pg: Option<PgDatabase>,
    redis: Option<RedisNamespace>,
}

impl Infra {
    /// Creates the storage for `backend`; `None` when `PgRedis` is requested
    /// but the env vars are not set.
    pub fn create(backend: Backend) -> Option<Infra> {
        let dir = tempfile::Builder::new().prefix("oxidp-test-").tempdir().expect("create temp dir");
        let (pg, redis) = match backend {
            Backend::Embedded => (None, None),
            Backend::PgRedis => {
                let (base_url, redis_url) = pg_redis_env()?;
                let name = format!("oxidp_test_{}", uuid::Uuid::new_v4().simple());
                let url = run_off_runtime({
                    let base_url = base_url.clone();
                    let name = name.clone();
                    move || create_database(&base_url, &name)
                })
                .unwrap_or_else(|e| panic!("create postgres database {name}: {e}"));
                let prefix = format!("oxidp-test:{}:", uuid::Uuid::new_v4());
                (Some(PgDatabase { base_url, name, url }), Some(RedisNamespace { url: redis_url, prefix }))
            }
        };
        Some(Infra { dir, pg, redis })
    }

    /// Settings for one server instance on this storage.
    pub fn settings(&self, issuer: &str) -> Settings {
        let mut s = Settings { issuer: issuer.to_string(), ..Settings::default() };
        s.server.workers = Some(1);
        // Every test client is on loopback; tests/api/rate_limits.rs turns
        // the limits on.
        s.rate_limits = oxidp::config::RateLimitSettings {
            authorize: 0,
            login: 0,
            forgot: 0,
            token: 0,
            client_registration: 0,
            shared: false,
        };
        s.keys.dir = self.dir.path().join("keys");
        // One algorithm keeps start-up fast; tests/api/algorithms.rs enables all.
        s.keys.algorithms = vec![oxidp::jose::SigningAlg::Rs256];
        s.database.url = match &self.pg {
            Some(pg) => pg.url.clone(),
            None => format!("sqlite://{}/oxidp.db", self.dir.path().display()),
        };
        if let Some(redis) = &self.redis {
            s.redis.url = Some(redis.url.clone());
            s.redis.prefix = redis.prefix.clone();
            // Dozens of servers share two cores under `cargo test`: a reply
            // slower than the production default (250 ms) is load, not an
            // outage. tests/api/redis_faults.rs sets its own timeouts.
            s.redis.command_timeout_ms = 2_000;
        }
        s
    }
}

impl Infra {
    /// Deletes every Redis key under this test's prefix; `false` when the
    /// test does not use Redis.
    pub fn flush_redis(&self) -> bool {
        let Some(redis) = &self.redis else { return false };
        let (url, prefix) = (redis.url.clone(), redis.prefix.clone());
        run_off_runtime(move || delete_redis_prefix(&url, &prefix))
            .unwrap_or_else(|e| panic!("flush redis prefix: {e}"));
        true
    }
}

impl Drop for Infra {
    fn drop(&mut self) {
        if let Some(redis) = self.redis.take() {
            let result = run_off_runtime(move || delete_redis_prefix(&redis.url, &redis.prefix));
            if let Err(e) = result {
                eprintln!("warning: redis cleanup failed: {e}");
            }
        }
        if let Some(pg) = self.pg.take() {
            let result = run_off_runtime(move || drop_database(&pg));
            if let Err(e) = result {
                eprintln!("warning: postgres cleanup failed: {e}");
            }
        }
    }
}

/// Runs a blocking closure on a plain thread, outside any tokio runtime
/// context, so sync store code may do whatever it likes.
fn run_off_runtime<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::spawn(f).join().expect("cleanup thread panicked")
}

fn delete_redis_prefix(url: &str, prefix: &str) -> redis::RedisResult<()> {
    let client = redis::Client::open(url)?;
    let mut con = client.get_connection()?;
    let pattern = format!("{prefix}*");
    let keys: Vec<String> = redis::cmd("SCAN")
        .cursor_arg(0)
        .arg("MATCH")
        .arg(&pattern)
        .arg("COUNT")
        .arg(1000)
        .clone()
        .iter(&mut con)?
        .collect::<Result<Vec<String>, _>>()?;
    for chunk in keys.chunks(500) {
        redis::cmd("DEL").arg(chunk).exec(&mut con)?;
    }
    Ok(())
}

/// `CREATE DATABASE "name"` next to `base_url`'s; returns the new URL. The
/// name is ours (`oxidp_test_<uuid>`), safe to interpolate.
fn create_database(base_url: &str, name: &str) -> Result<String, String> {
    use diesel::{Connection, RunQueryDsl};
    let mut url = url::Url::parse(base_url).map_err(|e| format!("invalid {DATABASE_URL_ENV}: {e}"))?;
    url.set_path(&format!("/{name}"));
    // Before libpq: see oxidp's `store::sql::init_openssl`.
    openssl::init();
    let mut conn = diesel::PgConnection::establish(base_url).map_err(|e| e.to_string())?;
    diesel::sql_query(format!("CREATE DATABASE \"{name}\"")).execute(&mut conn).map_err(|e| e.to_string())?;
    Ok(url.into())
}

/// `DROP DATABASE … WITH (FORCE)`: the servers of this test may still hold
/// pooled connections.
fn drop_database(pg: &PgDatabase) -> Result<(), String> {
    use diesel::{Connection, RunQueryDsl};
    openssl::init();
    let mut conn = diesel::PgConnection::establish(&pg.base_url).map_err(|e| e.to_string())?;
    diesel::sql_query(format!("DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)", pg.name))
        .execute(&mut conn)
        .map(|_| ())
        .map_err(|e| e.to_string())
}
