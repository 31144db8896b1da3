//! The refresh-token reuse leeway (`--refresh-reuse-leeway`): within it a
//! rotated token works again, so two tabs that race with one refresh token
//! both succeed; after it, reuse revokes the family (RFC 9700 §4.14.2).

use crate::helpers::*;
use oxidp::flows::admin::NewClient;

async fn granted(app: TestApp, leeway: i64) -> Granted {
    let client =
        app.with_client(NewClient { refresh_reuse_leeway: Some(leeway), ..refresh_client_spec("spa") }).await;
    Granted::with_client(app, client).await
}

backend_test!(
    within_the_leeway_a_rotated_token_works_again,
    options = SpawnOptions::fixed_clock(),
    |app| async move {
        let f = granted(app, 10).await;
        let rt1 = f.rt();
        let rt2 = f.app.refreshed(&f.client, &rt1).await.refresh_token().to_string();
        f.app.advance(10);
        let second_tab = f.app.refreshed(&f.client, &rt1).await;
        let rt3 = second_tab.refresh_token().to_string();
        assert!(rt3 != rt2 && rt3 != rt1, "a token of its own for the second tab");
        // Both branches live on, and nothing was taken for reuse.
        f.app
            .assert_access_token_alive(&f.client, &second_tab.access_token, "second tab's access token")
            .await;
        f.app.refreshed(&f.client, &rt2).await;
        f.app.refreshed(&f.client, &rt3).await;
        assert!(f.app.audit_events_of("refresh_token_reuse").await.is_empty());
    }
);

backend_test!(
    after_the_leeway_reuse_revokes_the_family,
    options = SpawnOptions::fixed_clock(),
    |app| async move {
        let f = granted(app, 10).await;
        let rt1 = f.rt();
        let t2 = f.app.refreshed(&f.client, &rt1).await;
        f.app.advance(11);
        f.app.assert_refresh_fails(&f.client, &rt1, "reuse after the leeway").await;
        f.app.assert_refresh_fails(&f.client, t2.refresh_token(), "the family is revoked").await;
        f.app.assert_access_token_dead(&f.client, &t2.access_token, "its access token too").await;
        assert_eq!(f.app.audit_events_of("refresh_token_reuse").await.len(), 1);
    }
);

backend_test!(racing_tabs_both_succeed_within_the_leeway, |app| async move {
    let f = granted(app, 30).await;
    let rt1 = f.rt();
    let (a, b) = tokio::join!(f.app.refresh(&f.client, &rt1), f.app.refresh(&f.client, &rt1));
    let (a, b) = (Tokens::from_response(a).await, Tokens::from_response(b).await);
    assert_ne!(a.refresh_token(), b.refresh_token());
    f.app.refreshed(&f.client, a.refresh_token()).await;
    f.app.refreshed(&f.client, b.refresh_token()).await;
});

backend_test!(without_a_leeway_racing_reuse_revokes_the_family, |app| async move {
    let f = granted(app, 0).await;
    let rt1 = f.rt();
    let (a, b) = tokio::join!(f.app.refresh(&f.client, &rt1), f.app.refresh(&f.client, &rt1));
    let statuses = [a.status().as_u16(), b.status().as_u16()];
    assert!(statuses.contains(&400), "one of the two is a reuse: {statuses:?}");
    let winner = if a.status() == 200 {
        Some(a)
    } else if b.status() == 200 {
        Some(b)
    } else {
        None
    };
    if let Some(winner) = winner {
        let tokens = Tokens::from_response(winner).await;
        f.app.assert_refresh_fails(&f.client, tokens.refresh_token(), "family revoked on reuse").await;
    }
});

backend_test!(the_leeway_is_bounded, |app| async move {
    for bad in [-1, 61] {
        let spec = NewClient { refresh_reuse_leeway: Some(bad), ..refresh_client_spec("x") };
        let err = app
            .services
            .admin
            .create_client(&oxidp::flows::admin::Actor::Cli, spec, now())
            .await
            .err()
            .expect("refused");
        assert!(err.to_string().contains("leeway"), "{err}");
    }
});
