//! The database is the truth, whatever Redis does: a Redis of the test's own
//! (its own `redis-server` on its own port, SQLite beside it) is restarted,
//! stopped or hung (SIGSTOP) under a running server. A revoked token stays
//! revoked, and a revocation during an outage is whole: family, denylist
//! and audit event. Once an outage is known, what needs Redis answers 503
//! at once, what does not keeps working, and oxidp serves again by itself
//! when Redis is back.

use std::time::{Duration, Instant};

use oxidp::store::Ephemeral;
use reqwest::header::CONTENT_TYPE;

use crate::helpers::*;

/// A server on SQLite and the given Redis, with alice's tokens.
async fn granted_on(redis: &OwnRedis) -> Granted {
    granted_with(redis, SpawnOptions::default()).await
}

async fn granted_with(redis: &OwnRedis, options: SpawnOptions) -> Granted {
    let url = redis.url();
    let options = options.settings(move |s| s.redis.url = Some(url.clone()));
    // Offline tokens: the sessions they came from are lost with Redis' data,
    // and refreshing them needs no Redis.
    Granted::offline(spawn_app_with(Backend::Embedded, options).await).await
}

/// Whether the server's Redis circuit is open (commands fail at once).
fn circuit_open(app: &TestApp) -> bool {
    match &app.services.stores.ephemeral {
        Ephemeral::Redis(redis) => redis.circuit_open(),
        Ephemeral::Memory(_) => panic!("this server runs without Redis"),
    }
}

/// The HTML page of an outage: 503, saying so.
async fn assert_unavailable_page(resp: reqwest::Response, what: &str) {
    let status = resp.status();
    let content_type = header(&resp, CONTENT_TYPE).unwrap_or_default();
    let body = resp.text().await.expect("page body");
    assert_eq!(status, 503, "{what}: {body}");
    assert!(content_type.starts_with("text/html"), "{what}: {content_type}");
    assert!(body.contains("Temporarily unavailable") && body.contains("try again"), "{what}: {body}");
}

/// The RFC 6749 §5.2 answer of an outage to a client.
pub async fn assert_temporarily_unavailable(resp: reqwest::Response, what: &str) {
    let (status, code, body) = oauth_error(resp).await;
    assert_eq!((status, code.as_str()), (503, "temporarily_unavailable"), "{what}: {body}");
}

/// `count` consecutive GET /authorize that all answer the 503 page; how
/// long they took together.
async fn unavailable_batch(browser: &Browser, req: &AuthRequest, count: usize) -> Duration {
    let started = Instant::now();
    for i in 0..count {
        let resp = browser.authorize(req).await;
        assert_eq!(resp.status(), 503, "request {i} of the batch");
    }
    started.elapsed()
}

/// Polls GET /authorize until the login page is back (10 s: a hang guard;
/// the probe PINGs every 250 ms).
async fn assert_recovers(app: &TestApp, req: &AuthRequest, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let status = app.browser().authorize(req).await.status();
        if status == 200 {
            break;
        }
        assert!(Instant::now() < deadline, "{what}: /authorize still answers {status} after 10 s");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(!circuit_open(app), "{what}: the circuit closed");
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(oxidp_pg_redis),
    ignore = "needs redis-server: set OXIDP_TEST_DATABASE_URL and OXIDP_TEST_REDIS_URL"
)]
async fn a_stopped_redis_fails_requests_at_once_and_the_rest_keeps_working() {
    let mut redis = OwnRedis::start();
    let f = granted_on(&redis).await;
    let service = f.app.with_service_client("svc", &["api.read"], &[]).await;
    let browser = f.app.browser();
    let req = AuthRequest::new(&f.client);
    let form = browser.login_page(&req).await;
    let pending_req = AuthRequest::new(&f.client);
    let pending = f.app.browser().authorize_and_login(&pending_req, &f.user).await;
    let audit_before = f.app.audit_events().await.len();

    redis.down();
    assert_unavailable_page(browser.authorize(&req).await, "GET /authorize").await;
    assert!(circuit_open(&f.app), "the first failure opens the circuit");
    assert_unavailable_page(browser.post_authorize(&req.params()).await, "POST /authorize").await;
    let resp = browser.submit_login(&form, &f.user.username(), Granted::PASSWORD).await;
    assert_unavailable_page(resp, "POST /login").await;
    let verifier = pending_req.pkce.as_ref().map(|p| p.verifier.as_str());
    let resp = f.app.exchange_code(&f.client, &pending.code, &pending_req.redirect_uri, verifier).await;
    assert_temporarily_unavailable(resp, "code exchange").await;
    // Before the circuit, each of these waited ~1.15 s for reconnection
    // attempts (23 s for 20); now none touches the network. 2 s is about
    // ten times what they take on a loaded debug build.
    let batch = unavailable_batch(&browser, &req, 20).await;
    assert!(batch < Duration::from_secs(2), "20 requests during a known outage took {batch:?}");
    assert_eq!(f.app.audit_events().await.len(), audit_before, "the failed requests wrote nothing");

    // What does not need Redis keeps working.
    f.app.discovery().await;
    f.app.jwks().await;
    let resp = f.app.client_credentials(&service, &[]).await;
    assert_eq!(resp.status(), 200, "client_credentials during the outage");
    f.app.assert_access_token_alive(&f.client, &f.tokens.access_token, "during the outage").await;
    let next = f.app.refreshed(&f.client, &f.rt()).await;
    f.app.assert_access_token_alive(&f.client, &next.access_token, "refreshed during the outage").await;
    assert!(circuit_open(&f.app), "Redis is still down");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(oxidp_pg_redis),
    ignore = "needs redis-server: set OXIDP_TEST_DATABASE_URL and OXIDP_TEST_REDIS_URL"
)]
async fn oxidp_serves_again_by_itself_when_redis_is_back() {
    let mut redis = OwnRedis::start();
    let f = granted_on(&redis).await;
    let req = AuthRequest::new(&f.client);
    redis.down();
    assert_unavailable_page(f.app.browser().authorize(&req).await, "Redis stopped").await;
    assert!(circuit_open(&f.app));

    redis.up();
    assert_recovers(&f.app, &req, "Redis restarted on the same port").await;
    let tokens = f.app.tokens_for(&f.user, &f.client).await;
    f.app.assert_access_token_alive(&f.client, &tokens.access_token, "a login after the outage").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(oxidp_pg_redis),
    ignore = "needs redis-server: set OXIDP_TEST_DATABASE_URL and OXIDP_TEST_REDIS_URL"
)]
async fn a_hung_redis_answers_503_instead_of_holding_requests() {
    let mut redis = OwnRedis::start();
    // A command timeout long enough to tell "waited for Redis" from "did not".
    let options = SpawnOptions::default().settings(|s| s.redis.command_timeout_ms = 1500);
    let f = granted_with(&redis, options).await;
    let browser = f.app.browser();
    let req = AuthRequest::new(&f.client);

    redis.hang();
    let started = Instant::now();
    assert_unavailable_page(browser.authorize(&req).await, "the first request to a hung Redis").await;
    let first = started.elapsed();
    // It waits out the 1.5 s command timeout; it used to hang 5 s.
    assert!(first < Duration::from_secs(4), "the first request was held {first:?}");
    assert!(circuit_open(&f.app), "the timeout opens the circuit");
    // Had any of them waited for the hung Redis, the batch would take a
    // command timeout (1.5 s) at least.
    let batch = unavailable_batch(&browser, &req, 20).await;
    assert!(batch < Duration::from_millis(1500), "20 requests during a known hang took {batch:?}");
    let resp = f.app.exchange_code(&f.client, "no-such-code", &req.redirect_uri, None).await;
    assert_temporarily_unavailable(resp, "code exchange").await;
    f.app.assert_access_token_alive(&f.client, &f.tokens.access_token, "during the hang").await;

    redis.resume();
    assert_recovers(&f.app, &req, "after SIGCONT").await;
    f.app.tokens_for(&f.user, &f.client).await;
}

/// `/readyz` as a load balancer sees it.
pub async fn readiness(app: &TestApp) -> (u16, serde_json::Value) {
    let resp = app.api.get(app.url("/readyz")).send().await.expect("GET /readyz");
    (resp.status().as_u16(), resp.json().await.expect("JSON"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(oxidp_pg_redis),
    ignore = "needs redis-server: set OXIDP_TEST_DATABASE_URL and OXIDP_TEST_REDIS_URL"
)]
async fn readiness_says_when_redis_is_gone_and_when_it_is_back() {
    let mut redis = OwnRedis::start();
    let f = granted_on(&redis).await;
    let (status, body) = readiness(&f.app).await;
    assert_eq!((status, body["checks"]["sessions"]["detail"].as_str()), (200, Some("ok (redis)")), "{body}");

    redis.hang();
    let started = Instant::now();
    let (status, body) = readiness(&f.app).await;
    assert_eq!((status, body["status"].as_str()), (503, Some("not_ready")), "{body}");
    assert_eq!(body["checks"]["sessions"]["ok"], false, "{body}");
    assert_eq!(body["checks"]["database"]["ok"], true, "only Redis is to blame: {body}");
    assert!(started.elapsed() < Duration::from_secs(3), "the probe waited {:?}", started.elapsed());
    redis.resume();
    redis.down();
    let (status, body) = readiness(&f.app).await;
    assert_eq!(status, 503, "{body}");

    redis.up();
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let (status, body) = readiness(&f.app).await;
        if status == 200 {
            break;
        }
        assert!(Instant::now() < deadline, "still not ready after Redis came back: {body}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}
