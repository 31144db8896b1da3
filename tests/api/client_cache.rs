//! Clients are cached in memory by every instance; a change made elsewhere
//! (the CLI, another instance) reaches running servers within
//! `database.cache_interval`, and a new secret works at once.

use std::time::{Duration, Instant};

use crate::helpers::*;

/// Longest wait for a change to reach a server (interval 1 s, plus slack
/// for a loaded machine).
const PROPAGATION: Duration = Duration::from_secs(10);

async fn token_status(app: &TestApp, client: &TestClient) -> u16 {
    app.client_credentials(client, &[]).await.status().as_u16()
}

/// Polls until `server` answers `client`'s token request with `status`;
/// panics when it does not within [`PROPAGATION`].
async fn wait_for_status(server: &TestApp, client: &TestClient, status: u16, what: &str) {
    let start = Instant::now();
    loop {
        let got = token_status(server, client).await;
        if got == status {
            return;
        }
        assert!(start.elapsed() < PROPAGATION, "{what}: still {got} after {PROPAGATION:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn with_secret(client: &TestClient, secret: &str) -> TestClient {
    TestClient { secret: Some(secret.to_string()), ..client.clone() }
}

backend_test!(secret_rotation_and_deletion_reach_every_running_instance, |app| async move {
    let sibling = app.spawn_sibling().await;
    let old = app.with_service_client("svc", &["api.read"], &[]).await;
    // Both instances now hold the client in their caches.
    assert_eq!(token_status(&app, &old).await, 200);
    assert_eq!(token_status(&sibling, &old).await, 200);

    let secret = app
        .services
        .admin
        .rotate_client_secret(&oxidp::flows::admin::Actor::Cli, "svc", now())
        .await
        .expect("rotate");
    let new = with_secret(&old, &secret);
    // A cached copy never refuses the new secret: a refusal re-reads the client.
    assert_eq!(token_status(&app, &new).await, 200);
    assert_eq!(token_status(&sibling, &new).await, 200);
    // The old secret stops working everywhere once the revision is seen.
    wait_for_status(&app, &old, 401, "old secret on the first instance").await;
    wait_for_status(&sibling, &old, 401, "old secret on the sibling").await;
    assert_eq!(token_status(&app, &new).await, 200, "the new secret still works");

    app.services.admin.delete_client(&oxidp::flows::admin::Actor::Cli, "svc", now()).await.expect("delete");
    wait_for_status(&app, &new, 401, "deleted client on the first instance").await;
    wait_for_status(&sibling, &new, 401, "deleted client on the sibling").await;
});
