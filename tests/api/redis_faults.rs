//! The database is the truth, whatever Redis does: a Redis of the test's own
//! (its own `redis-server` on its own port, SQLite beside it) is restarted
//! or stopped under a running server. A revoked token stays revoked, and a
//! revocation during an outage is whole: family, denylist and audit event.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::helpers::*;

/// A `redis-server` of this test alone: no persistence, loopback only.
struct OwnRedis {
    port: u16,
    dir: tempfile::TempDir,
    child: Option<Child>,
}

impl OwnRedis {
    fn start() -> OwnRedis {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let mut redis = OwnRedis { port, dir: tempfile::tempdir().unwrap(), child: None };
        redis.up();
        redis
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    fn up(&mut self) {
        let child = Command::new("redis-server")
            .args([
                "--port",
                &self.port.to_string(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ])
            .arg("--dir")
            .arg(self.dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server (Debian: apt-get install redis-server)");
        self.child = Some(child);
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while !self.answers() {
            assert!(std::time::Instant::now() < deadline, "redis-server on port {} did not start", self.port);
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn answers(&self) -> bool {
        redis::Client::open(self.url())
            .and_then(|c| c.get_connection_with_timeout(Duration::from_millis(200)))
            .and_then(|mut c| redis::cmd("PING").query::<String>(&mut c))
            .is_ok()
    }

    fn down(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Stops and starts again on the same port: every key is gone.
    fn restart(&mut self) {
        self.down();
        self.up();
    }
}

impl Drop for OwnRedis {
    fn drop(&mut self) {
        self.down();
    }
}

/// A server on SQLite and the given Redis, with alice's tokens.
async fn granted_on(redis: &OwnRedis) -> Granted {
    let url = redis.url();
    let options = SpawnOptions::default().settings(move |s| s.redis.url = Some(url.clone()));
    // Offline tokens: the sessions they came from are lost with Redis' data.
    Granted::offline(spawn_app_with(Backend::Embedded, options).await).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(oxidp_pg_redis),
    ignore = "needs redis-server: set OXIDP_TEST_DATABASE_URL and OXIDP_TEST_REDIS_URL"
)]
async fn a_revoked_access_token_stays_revoked_when_redis_restarts() {
    let mut redis = OwnRedis::start();
    let f = granted_on(&redis).await;
    f.app.revoked(&f.client, &f.tokens.access_token).await;
    f.app.assert_access_token_dead(&f.client, &f.tokens.access_token, "revoked").await;

    redis.restart();
    f.app.assert_access_token_dead(&f.client, &f.tokens.access_token, "after Redis restarted").await;
    // A new instance, with nothing in its memory and an empty Redis.
    let sibling = f.app.spawn_sibling().await;
    sibling.assert_access_token_dead(&f.client, &f.tokens.access_token, "at a new instance").await;
    // Tokens that were not revoked still work.
    let next = f.app.refreshed(&f.client, &f.rt()).await;
    sibling.assert_access_token_alive(&f.client, &next.access_token, "a fresh token").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(oxidp_pg_redis),
    ignore = "needs redis-server: set OXIDP_TEST_DATABASE_URL and OXIDP_TEST_REDIS_URL"
)]
async fn a_revocation_during_a_redis_outage_is_whole() {
    let mut redis = OwnRedis::start();
    let f = granted_on(&redis).await;
    let rotated = f.rt();
    let latest = f.app.refreshed(&f.client, &rotated).await;
    // A second family, from a second login (logins need Redis).
    let other = f.app.tokens_for(&f.user, &f.client).await;

    redis.down();
    // Refresh-token reuse: the family is revoked and the event recorded.
    f.app.assert_refresh_fails(&f.client, &rotated, "reused during the outage").await;
    assert_eq!(f.app.audit_events_of("refresh_token_reuse").await.len(), 1, "the reuse is on record");
    f.app.assert_refresh_fails(&f.client, latest.refresh_token(), "family revoked").await;
    f.app.assert_access_token_dead(&f.client, &latest.access_token, "access token of the family").await;

    // RFC 7009 revocation answers 200 and is on record.
    let resp = f.app.revoke(&f.client.auth(), other.refresh_token(), Some("refresh_token")).await;
    assert_revocation_ok(resp).await;
    assert_eq!(f.app.audit_events_of("token_revoked").await.len(), 1, "the revocation is on record");
    f.app.assert_refresh_fails(&f.client, other.refresh_token(), "revoked during the outage").await;
    f.app.assert_access_token_dead(&f.client, &other.access_token, "revoked during the outage").await;

    redis.up();
    for (token, what) in [(&latest.access_token, "reuse"), (&other.access_token, "revocation")] {
        f.app.assert_access_token_dead(&f.client, token, &format!("after the outage ({what})")).await;
    }
}
