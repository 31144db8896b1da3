//! Defaults, layering and validation.

use super::*;

#[test]
fn defaults_are_valid_and_embedded() {
    let s = Settings::default();
    s.validate().unwrap();
    assert_eq!(s.database.url, "sqlite://data/oxidp.db");
    assert!(s.redis.url.is_none());
    assert!(!s.secure_cookies());
}

#[test]
fn non_loopback_http_issuer_is_rejected() {
    let s = Settings { issuer: "http://idp.example.com".into(), ..Settings::default() };
    assert!(s.validate().is_err());
    let s = Settings { issuer: "https://idp.example.com".into(), ..Settings::default() };
    s.validate().unwrap();
    assert!(s.secure_cookies());
}

#[test]
fn issuer_with_trailing_slash_or_query_is_rejected() {
    for bad in ["http://127.0.0.1:8080/", "http://127.0.0.1:8080?x=1", "ftp://127.0.0.1"] {
        let s = Settings { issuer: bad.into(), ..Settings::default() };
        assert!(s.validate().is_err(), "{bad}");
    }
}

#[test]
fn debug_redacts_passwords() {
    let mut s = Settings::default();
    s.database.url = "postgres://oxidp:hunter2@db/oxidp".into();
    s.redis.url = Some("redis://:sekrit@cache:6379".into());
    let shown = format!("{s:?}");
    assert!(!shown.contains("hunter2") && !shown.contains("sekrit"), "{shown}");
}
