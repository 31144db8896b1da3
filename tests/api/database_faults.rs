//! PostgreSQL stopped under a running server (a PostgreSQL of the test's
//! own, `helpers::own_postgres`; sessions in memory). What needs the
//! database answers 503 at once instead of waiting out the pool's 10 s,
//! readiness says why, nothing committed is lost, and the server serves
//! again by itself when PostgreSQL is back.

use std::time::{Duration, Instant};

use crate::helpers::*;
use crate::redis_faults::{assert_temporarily_unavailable, readiness};

async fn granted_on(pg: &OwnPostgres) -> Granted {
    let url = pg.url();
    let options = SpawnOptions::default().settings(move |s| s.database.url = url.clone());
    Granted::offline(spawn_app_with(Backend::Embedded, options).await).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(oxidp_pg_redis),
    ignore = "needs PostgreSQL's binaries: set OXIDP_TEST_DATABASE_URL and OXIDP_TEST_REDIS_URL"
)]
async fn a_stopped_database_answers_503_at_once_and_the_pool_heals() {
    let mut pg = tokio::task::spawn_blocking(OwnPostgres::start).await.expect("start PostgreSQL");
    let f = granted_on(&pg).await;
    // A rotation committed before the outage.
    let committed = f.app.refreshed(&f.client, &f.rt()).await;
    let refresh_token = committed.refresh_token().to_string();

    let mut pg = tokio::task::spawn_blocking(move || {
        pg.down();
        pg
    })
    .await
    .expect("stop PostgreSQL");
    // The first request finds the pool's connections dead and none to be
    // made: 503, not a wait for the pool's 10 s timeout.
    let started = Instant::now();
    assert_temporarily_unavailable(f.app.refresh(&f.client, &refresh_token).await, "first refresh").await;
    let first = started.elapsed();
    assert!(first < Duration::from_secs(3), "the first request was held {first:?}");
    // Once known, the outage costs nothing: had any of these waited for a
    // connection, 20 would take far longer than 2 s.
    let started = Instant::now();
    for i in 0..20 {
        let what = format!("refresh {i} during the outage");
        assert_temporarily_unavailable(f.app.refresh(&f.client, &refresh_token).await, &what).await;
    }
    let batch = started.elapsed();
    assert!(batch < Duration::from_secs(2), "20 refreshes during a known outage took {batch:?}");
    let (status, body) = readiness(&f.app).await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["checks"]["database"]["ok"], false, "{body}");
    // Served from memory, no database needed.
    assert_eq!(f.app.get("/.well-known/jwks.json").await.status(), 200);

    let pg = tokio::task::spawn_blocking(move || {
        pg.up();
        pg
    })
    .await
    .expect("start PostgreSQL again");
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let (status, body) = readiness(&f.app).await;
        if status == 200 {
            break;
        }
        assert!(Instant::now() < deadline, "still not ready 15 s after PostgreSQL came back: {body}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // The rotation committed before the outage holds, and none of the
    // refused refreshes consumed its token.
    let after = f.app.refreshed(&f.client, &refresh_token).await;
    f.app.assert_access_token_alive(&f.client, &after.access_token, "after the outage").await;
    // The server goes first, so its pool never sees this PostgreSQL vanish.
    drop(f);
    drop(pg);
}
