//! Past one Redis: a three-master Redis Cluster and a Sentinel-watched
//! master of the test's own (`helpers::redis_servers`), SQLite beside them.
//! On the cluster, sessions, codes, indexes and counters land on every
//! master and every flow works across two instances; behind Sentinel, a
//! failover keeps the session and oxidp follows the new master by itself.

use std::time::{Duration, Instant};

use crate::helpers::*;

const PASSWORD: &str = "correct horse battery";

fn on_redis(url: String) -> SpawnOptions {
    SpawnOptions::default().settings(move |s| s.redis.url = Some(url.clone()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(oxidp_pg_redis),
    ignore = "needs redis-server: set OXIDP_TEST_DATABASE_URL and OXIDP_TEST_REDIS_URL"
)]
async fn a_redis_cluster_carries_every_flow_across_instances() {
    let cluster = tokio::task::spawn_blocking(OwnCluster::start).await.expect("start the cluster");
    let a = spawn_app_with(Backend::Embedded, on_redis(cluster.url())).await;
    let b = a.spawn_sibling().await;
    let user = a.with_user("alice", PASSWORD).await;
    let client = a.with_refresh_client("app").await;

    // Enough logins that every master holds some of their keys.
    let mut sessions = Vec::new();
    for _ in 0..12 {
        let browser = a.browser();
        browser.authorize_and_login(&AuthRequest::new(&client), &user).await;
        sessions.push(browser);
    }
    let per_master = cluster.keys_per_master(&a.settings.redis.prefix);
    assert!(per_master.iter().all(|&keys| keys > 0), "keys per master: {per_master:?}");

    // A session from A is honoured by B, and B's code is redeemed at A.
    let browser_b = sessions[0].at(&b.address);
    let req = AuthRequest::new(&client);
    let cb = browser_b.authorize_with_session(&req).await;
    let verifier = req.pkce.as_ref().expect("PKCE").verifier.clone();
    let tokens = Tokens::from_response(
        a.exchange_code(&client, &cb.code, client.redirect_uri(), Some(&verifier)).await,
    )
    .await;
    assert_eq!(b.userinfo(&tokens.access_token).await.status(), 200);

    // Refresh rotation, then a replayed code: what the code issued dies
    // (its grant's index lists entries on other slots).
    let refreshed = b.refreshed(&client, tokens.refresh_token.as_deref().expect("refresh token")).await;
    let replay = b.exchange_code(&client, &cb.code, client.redirect_uri(), Some(&verifier)).await;
    assert_oauth_error(replay, 400, "invalid_grant").await;
    a.assert_access_token_dead(&client, &refreshed.access_token, "after the code's replay").await;
    a.assert_refresh_fails(&client, refreshed.refresh_token.as_deref().expect("rotated"), "after the replay")
        .await;

    // Logging out at B ends the session everywhere.
    let id_token = refreshed.id_token.clone().expect("id token");
    let resp = browser_b.logout(&[("id_token_hint", &id_token)]).await;
    assert_eq!(resp.status(), 200);
    let page = resp.text().await.expect("page");
    assert!(page.contains("You are signed out"), "a valid hint needs no confirmation: {page}");
    let again = sessions[0].authorize(&AuthRequest::new(&client)).await;
    assert_eq!(again.status(), 200, "a login page: the session is gone");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(oxidp_pg_redis),
    ignore = "needs redis-server: set OXIDP_TEST_DATABASE_URL and OXIDP_TEST_REDIS_URL"
)]
async fn behind_sentinel_a_failover_keeps_the_session() {
    let mut sentinel = tokio::task::spawn_blocking(OwnSentinel::start).await.expect("start the Sentinel");
    let app = spawn_app_with(Backend::Embedded, on_redis(sentinel.url())).await;
    let user = app.with_user("alice", PASSWORD).await;
    let client = app.with_confidential_client("app", &[CALLBACK]).await;
    let browser = app.browser();
    browser.authorize_and_login(&AuthRequest::new(&client), &user).await;

    // The session reached the replica before its master dies.
    let wait = redis::cmd("WAIT").arg(1).arg(5000).clone();
    let replicas: i64 = redis_command(sentinel.master.port, &wait).expect("WAIT");
    assert_eq!(replicas, 1);
    let old_master = sentinel.master.port;
    sentinel.master.down();

    // Until the Sentinel promotes the replica, session routes answer 503;
    // then the same session goes on, on the new master.
    let started = Instant::now();
    let deadline = started + Duration::from_secs(30);
    let req = AuthRequest::new(&client);
    let cb = loop {
        let resp = browser.authorize(&req).await;
        match resp.status().as_u16() {
            302 => break Callback::from_redirect(&resp, CALLBACK),
            503 => {}
            other => panic!("during the failover /authorize answered {other}"),
        }
        assert!(Instant::now() < deadline, "no failover within 30 s");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(sentinel.current_master_port(), Some(sentinel.replica.port), "the replica was promoted");
    assert_ne!(sentinel.replica.port, old_master);
    let verifier = req.pkce.as_ref().expect("PKCE").verifier.clone();
    let tokens =
        Tokens::from_response(app.exchange_code(&client, &cb.code, CALLBACK, Some(&verifier)).await).await;
    assert_eq!(app.userinfo(&tokens.access_token).await.status(), 200);
    eprintln!("sentinel failover: sessions served again after {:?}", started.elapsed());
}
