//! The janitor: what no request can use any more leaves the database, on
//! its interval, and nothing that still works goes with it.

use oxidp::crypto::secret_digest;
use oxidp::jose::SigningAlg;
use oxidp::protocol::KeyState;

use crate::helpers::*;

const DAY: i64 = 24 * 3600;

/// A fixed clock; dead refresh tokens kept a minute, audit events an hour.
fn options() -> SpawnOptions {
    SpawnOptions::fixed_clock().settings(|s| {
        s.retention.refresh_tokens = 60;
        s.retention.audit_events = 3600;
        s.keys.poll_interval = 1;
    })
}

async fn refresh_token_row_exists(app: &TestApp, token: &str) -> bool {
    app.services.stores.grants.find_by_hash(&secret_digest(token)).await.expect("lookup").is_some()
}

backend_test!(a_run_removes_dead_rows_and_keeps_live_ones, options = options(), |app| async move {
    let f = Granted::offline(app).await;
    let app = &f.app;
    // A dead family: rotated once, then revoked with its access tokens.
    let rotated = f.rt();
    let latest = app.refreshed(&f.client, &rotated).await;
    app.revoked(&f.client, latest.refresh_token()).await;
    // A live family, and a key retired by a rotation.
    let bob = app.with_user("bob", Granted::PASSWORD).await;
    // Offline, so it outlives bob's session, which ends before the sweep.
    let live = app.tokens_scoped(&bob, &f.client, "openid offline_access").await;
    let rotation = app
        .services
        .admin
        .rotate_keys(&oxidp::flows::admin::Actor::Cli, Some(SigningAlg::Rs256), true, app.now())
        .await
        .expect("rotate");
    assert_eq!(rotation.len(), 1);
    let retired: Vec<String> = app
        .services
        .admin
        .list_keys()
        .await
        .unwrap()
        .into_iter()
        .filter(|k| k.state == KeyState::Retired)
        .map(|k| k.kid)
        .collect();
    assert_eq!(retired.len(), 1);

    // Nothing is due yet.
    let swept = app.services.janitor.run(app.now()).await.expect("janitor");
    assert_eq!((swept.refresh_tokens, swept.retired_keys, swept.audit_events), (0, 0, 0), "{swept:?}");

    // A day later: the denials' tokens expired, the retired key's retention
    // passed, the dead family's retention too, and the audit events are old.
    app.advance(app.settings.keys.retired_retention as i64 + 1);
    let swept = app.services.janitor.run(app.now()).await.expect("janitor");
    assert_eq!(swept.refresh_tokens, 2, "both tokens of the dead family: {swept:?}");
    assert!(swept.denied_tokens >= 1, "the revoked access tokens' denials: {swept:?}");
    assert_eq!(swept.retired_keys, 1, "{swept:?}");
    assert!(swept.audit_events >= 1, "{swept:?}");
    for token in [&rotated, latest.refresh_token()] {
        assert!(!refresh_token_row_exists(app, token).await, "a dead family's token stayed");
    }
    assert!(refresh_token_row_exists(app, live.refresh_token()).await, "a live family went");
    app.refreshed(&f.client, live.refresh_token()).await;
    assert!(app.services.admin.list_keys().await.unwrap().iter().all(|k| k.kid != retired[0]));

    let again = app.services.janitor.run(app.now()).await.expect("janitor");
    assert_eq!(
        (again.refresh_tokens, again.denied_tokens, again.retired_keys, again.audit_events),
        (0, 0, 0, 0),
        "a second run finds nothing"
    );
    // The keyring drops the deleted key within keys.poll_interval.
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    while app.jwks().await.to_string().contains(&retired[0]) {
        assert!(tokio::time::Instant::now() < deadline, "the deleted key is still published");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
});

backend_test!(
    the_janitor_runs_on_its_interval,
    options = options().settings(|s| s.jobs.janitor_interval = 1),
    |app| async move {
        let f = Granted::new(app).await;
        f.app.revoked(&f.client, &f.rt()).await;
        assert!(refresh_token_row_exists(&f.app, &f.rt()).await, "kept while within its retention");
        f.app.advance(DAY);
        // One run deletes the family, then the old audit events: wait for both.
        let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
        while refresh_token_row_exists(&f.app, &f.rt()).await
            || !f.app.audit_events_of("token_revoked").await.is_empty()
        {
            assert!(
                tokio::time::Instant::now() < deadline,
                "the janitor did not delete the family and the old audit event within 10 s"
            );
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
    }
);
