//! Database URLs: which backend, and errors that never echo a password.

use super::super::{Backend, Db, Target, parse_url};
use crate::store::StoreError;

#[test]
fn url_parsing() {
    let sqlite = |p: &str| Target { backend: Backend::Sqlite, location: p.into() };
    assert_eq!(parse_url("sqlite://data/oxidp.db").ok(), Some(sqlite("data/oxidp.db")));
    assert_eq!(parse_url("sqlite:///var/lib/o.db").ok(), Some(sqlite("/var/lib/o.db")));
    for pg in ["postgres://u:p@h/db", "postgresql://h/db?sslmode=disable"] {
        assert_eq!(parse_url(pg).ok(), Some(Target { backend: Backend::Postgres, location: pg.into() }));
    }
    for bad in [
        "",
        "sqlite://",
        "sqlite://:memory:",
        "sqlite:data.db",
        "mysql://root:hunter2@h/db",
        "data.db",
        "://hunter2",
    ] {
        let err = parse_url(bad).expect_err(bad);
        assert!(matches!(err, StoreError::Config(_)), "{bad}: {err:?}");
        assert!(!err.to_string().contains("hunter2"), "{err}");
    }
}

#[test]
fn connect_errors() {
    let err = Db::connect("mysql://root:hunter2@localhost/db", 1).expect_err("bad scheme");
    assert!(matches!(err, StoreError::Config(_)), "{err:?}");
    assert!(!err.to_string().contains("hunter2"));
    // Nothing listens on port 1: refused at once.
    let err = Db::connect("postgres://u:hunter2@127.0.0.1:1/db", 1).expect_err("refused");
    assert!(matches!(err, StoreError::Unavailable(_)), "{err:?}");
    assert!(!err.to_string().contains("hunter2"), "{err}");
}
