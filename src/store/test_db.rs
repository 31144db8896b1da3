//! Stores for the unit tests: a temp SQLite file each, and PostgreSQL
//! databases of their own, so tests never share state or order. Test-only:
//! not part of the library's API.

use diesel::{Connection, PgConnection, RunQueryDsl};

use crate::store::StoreError;

/// Database names are interpolated into SQL, so only plain identifiers pass.
fn check_name(name: &str) -> Result<(), StoreError> {
    let ok =
        !name.is_empty() && name.len() <= 63 && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(StoreError::Config(format!("database name {name:?} must be 1-63 ASCII letters, digits or '_'")))
    }
}

fn connect(base_url: &str) -> Result<PgConnection, StoreError> {
    crate::store::sql::init_openssl();
    PgConnection::establish(base_url).map_err(|e| StoreError::Unavailable(format!("postgres: {e}")))
}

/// Connects to `base_url` (e.g. `postgres://postgres@127.0.0.1:5432/test`),
/// runs `CREATE DATABASE "name"` and returns the URL of the new database.
pub(crate) fn create_postgres_database(base_url: &str, name: &str) -> Result<String, StoreError> {
    check_name(name)?;
    let mut url =
        url::Url::parse(base_url).map_err(|e| StoreError::Config(format!("invalid PostgreSQL URL: {e}")))?;
    if !matches!(url.scheme(), "postgres" | "postgresql") {
        return Err(StoreError::Config("PostgreSQL URL must start with postgres:// or postgresql://".into()));
    }
    url.set_path(&format!("/{name}"));
    let mut conn = connect(base_url)?;
    diesel::sql_query(format!("CREATE DATABASE \"{name}\"")).execute(&mut conn)?;
    Ok(url.into())
}

/// `DROP DATABASE IF EXISTS "name" WITH (FORCE)`: also ends open sessions.
pub(crate) fn drop_postgres_database(base_url: &str, name: &str) -> Result<(), StoreError> {
    check_name(name)?;
    let mut conn = connect(base_url)?;
    diesel::sql_query(format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)")).execute(&mut conn)?;
    Ok(())
}

/// Drops the test database when the test ends, also when it fails.
pub(crate) struct DropOnExit {
    base: String,
    name: String,
}

impl DropOnExit {
    pub(crate) fn new(base: &str, name: &str) -> DropOnExit {
        DropOnExit { base: base.to_string(), name: name.to_string() }
    }
}

impl Drop for DropOnExit {
    fn drop(&mut self) {
        let (base, name) = (self.base.clone(), self.name.clone());
        // Outside any runtime: diesel's PgConnection blocks.
        let dropped = std::thread::spawn(move || drop_postgres_database(&base, &name)).join();
        if !matches!(dropped, Ok(Ok(()))) {
            eprintln!("could not drop test database {}", self.name);
        }
    }
}

/// Stores on a temp SQLite file and the memory ephemeral store, as one
/// instance of the embedded server has them; the dir must outlive them.
pub(crate) async fn temp_stores() -> (super::Stores, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = super::StoreConfig {
        database_url: format!("sqlite://{}/oxidp.db", dir.path().display()),
        max_connections: 2,
        cache_rows: true,
        redis: None,
    };
    let stores = super::Stores::open(&config, super::OpenMode::CreateIfMissing).await.expect("stores");
    (stores, dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_unsafe_names() {
        for bad in ["", "a\"b", "a b", "a;drop", &"x".repeat(64)] {
            assert!(matches!(check_name(bad), Err(StoreError::Config(_))), "{bad}");
        }
        assert!(check_name("oxidp_test_01").is_ok());
        let err = create_postgres_database("sqlite://x.db", "ok").expect_err("not postgres");
        assert!(matches!(err, StoreError::Config(_)), "{err:?}");
    }
}
