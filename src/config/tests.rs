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
    for (url, shown) in [
        ("redis+cluster://u:sekrit@a:7000,b:7001", "redis+cluster://u:redacted@a:7000,b:7001"),
        (
            "redis+sentinel://:sekrit@s1:26379,s2:26379/m/1",
            "redis+sentinel://:redacted@s1:26379,s2:26379/m/1",
        ),
        ("redis+cluster://a:7000,b:7001", "redis+cluster://a:7000,b:7001"),
    ] {
        assert_eq!(super::redact_url(url), shown);
    }
}

#[test]
fn redis_urls_and_prefixes_are_checked() {
    let mut s = Settings::default();
    s.redis.url = Some("redis+cluster://a:7000,b".into());
    let err = s.validate().expect_err("bad cluster URL").to_string();
    assert!(err.contains("redis.url") && err.contains("host:port"), "{err}");
    s.redis.url = Some("redis+sentinel://s:26379/mymaster".into());
    s.validate().expect("a Sentinel URL");
    s.redis.prefix = "oxidp:{x}:".into();
    let err = s.validate().expect_err("braces in the prefix").to_string();
    assert!(err.contains("redis.prefix"), "{err}");
}

#[test]
fn redis_timeouts_reach_the_store_and_are_bounded() {
    let mut s = Settings::default();
    s.redis.url = Some("redis://cache:6379".into());
    s.redis.command_timeout_ms = 80;
    let redis = s.store_config().redis.expect("redis configured");
    assert_eq!(redis.command_timeout, std::time::Duration::from_millis(80));
    assert_eq!(redis.connect_timeout, crate::store::RedisConfig::DEFAULT_CONNECT_TIMEOUT);
    s.validate().unwrap();
    for bad in [0, 60_001] {
        s.redis.probe_interval_ms = bad;
        assert!(s.validate().is_err(), "probe_interval_ms = {bad}");
    }
}

#[test]
fn audit_events_are_logged_and_kept_90_days_by_default() {
    let s = Settings::default();
    assert!(s.audit.log, "every event was a log line before audit.log existed");
    assert_eq!(s.retention_policy().audit_retention, 90 * 24 * 3600);
    let off: Settings = ::config::Config::builder()
        .add_source(::config::File::from_str("[audit]\nlog = false\n", ::config::FileFormat::Toml))
        .build()
        .and_then(|c| c.try_deserialize())
        .expect("parse");
    assert!(!off.audit.log);
}
