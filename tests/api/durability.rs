//! Refresh tokens and revocations are durable: they survive a restart (and,
//! on PostgreSQL + Redis, losing Redis) and hold across instances. Only
//! session-bound refresh tokens die with their session, which the embedded
//! (in-process) session store loses at a restart, as does a flushed Redis.

use crate::helpers::*;

const PASSWORD: &str = "correct horse battery";

backend_test!(refresh_works_after_a_restart, |app| async move {
    let f = Granted::offline(app).await;
    let restarted = f.app.restart().await;
    assert_eq!(restarted.issuer, f.app.issuer);
    assert_eq!(restarted.port, f.app.port);

    let next = restarted.refreshed(&f.client, &f.rt()).await;
    restarted.assert_access_token_alive(&f.client, &next.access_token, "access token after restart").await;
    // Same keys: the access token minted before the restart still verifies.
    restarted.assert_access_token_alive(&f.client, &f.tokens.access_token, "pre-restart access token").await;
});

backend_test!(session_bound_refresh_tokens_die_with_a_lost_session_store, |app| async move {
    let f = Granted::new(app).await;
    let restarted = f.app.restart().await;
    let shared_sessions = f.app.settings.redis.url.is_some();
    let resp = restarted.refresh(&f.client, &f.rt()).await;
    if shared_sessions {
        assert_eq!(resp.status(), 200, "Redis kept the session across the restart");
    } else {
        assert_oauth_error(resp, 400, "invalid_grant").await;
    }
});

backend_test!(reuse_is_detected_across_a_restart, |app| async move {
    let f = Granted::new(app).await;
    let rotated = f.rt();
    let latest = f.app.refreshed(&f.client, &rotated).await;
    let restarted = f.app.restart().await;

    restarted.assert_refresh_fails(&f.client, &rotated, "rotated before the restart, reused after").await;
    restarted
        .assert_refresh_fails(&f.client, latest.refresh_token(), "family revoked after the restart")
        .await;
    assert!(!restarted.audit_events_of("refresh_token_reuse").await.is_empty());
});

backend_test!(revoked_refresh_token_stays_revoked_after_a_restart, |app| async move {
    let f = Granted::new(app).await;
    f.app.revoked(&f.client, &f.rt()).await;
    let restarted = f.app.restart().await;
    restarted.assert_refresh_fails(&f.client, &f.rt(), "revoked before the restart").await;
});

backend_test!(revoked_access_token_stays_revoked_after_a_restart, |app| async move {
    let f = Granted::new(app).await;
    f.app.revoked(&f.client, &f.tokens.access_token).await;
    let restarted = f.app.restart().await;
    // RFC 7009 §2.2: "the token cannot be used again after the revocation".
    restarted.assert_access_token_dead(&f.client, &f.tokens.access_token, "revoked before the restart").await;
});

backend_test!(
    idle_clock_keeps_running_across_a_restart,
    options = SpawnOptions::fixed_clock(),
    |app| async move {
        let f = Granted::new(app).await;
        let restarted = f.app.restart().await;
        restarted.advance(f.app.settings.tokens.refresh_token_idle_ttl as i64 + 1);
        restarted.assert_refresh_fails(&f.client, &f.rt(), "idle-expired across a restart").await;
    }
);

/// PostgreSQL + Redis only.
async fn pg_redis_fixture() -> Granted {
    Granted::new(spawn_app(Backend::PgRedis).await).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(oxidp_pg_redis),
    ignore = "needs PostgreSQL + Redis: set OXIDP_TEST_DATABASE_URL and OXIDP_TEST_REDIS_URL"
)]
async fn refresh_works_after_redis_is_flushed() {
    let f = Granted::offline(spawn_app(Backend::PgRedis).await).await;
    let bob = f.app.with_user("bob", PASSWORD).await;
    let bound = f.app.tokens_for(&bob, &f.client).await;
    assert!(f.app.flush_redis().await);
    // The sessions went with Redis, and the refresh tokens bound to them.
    f.app.assert_refresh_fails(&f.client, bound.refresh_token(), "session-bound, session flushed").await;
    let next = f.app.refreshed(&f.client, &f.rt()).await;
    f.app.assert_access_token_alive(&f.client, &next.access_token, "access token after the flush").await;
    // Rotation state lives in the database too: reuse is still detected.
    f.app.assert_refresh_fails(&f.client, &f.rt(), "reuse after the flush").await;
    f.app.assert_refresh_fails(&f.client, next.refresh_token(), "family after the flush").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(oxidp_pg_redis),
    ignore = "needs PostgreSQL + Redis: set OXIDP_TEST_DATABASE_URL and OXIDP_TEST_REDIS_URL"
)]
async fn refresh_and_revocation_hold_across_instances() {
    let f = pg_redis_fixture().await;
    let sibling = f.app.spawn_sibling().await;
    let bob = f.app.with_user("bob", PASSWORD).await;
    let other = f.app.tokens_for(&bob, &f.client).await;

    // Rotated at A, rotated again at B, reused at A.
    let at_a = f.app.refreshed(&f.client, &f.rt()).await;
    let at_b = sibling.refreshed(&f.client, at_a.refresh_token()).await;
    f.app.assert_refresh_fails(&f.client, &f.rt(), "reuse at A").await;
    sibling.assert_refresh_fails(&f.client, at_b.refresh_token(), "family revoked, seen from B").await;
    sibling.assert_access_token_dead(&f.client, &at_b.access_token, "access token of the family at B").await;

    // Revoked at B, dead at A.
    sibling.revoked(&f.client, &other.access_token).await;
    f.app.assert_access_token_dead(&f.client, &other.access_token, "revoked at B, used at A").await;
}
