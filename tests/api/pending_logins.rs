//! Bounded unauthenticated state: the login transactions anonymous
//! `/authorize` requests start are capped per client address (429) and in
//! total (503), with `Retry-After`; a refused request stores nothing, a
//! browser with a session is never refused, and the allowance comes back as
//! the window slides.

use std::sync::Arc;

use reqwest::cookie::Jar;

use crate::authorize::CB;
use crate::helpers::*;

const WINDOW: i64 = 600;

/// A fixed clock at the start of a window, so waits are exact.
fn capped(per_address: u64, total: u64) -> SpawnOptions {
    let start = now() - now().rem_euclid(WINDOW);
    let options = SpawnOptions { clock: Some(oxidp::clock::Clock::fixed(start)), settings_override: None };
    options.settings(move |s| {
        s.login.ttl = WINDOW as u64;
        s.login.max_pending_per_address = per_address;
        s.login.max_pending = total;
    })
}

/// A browser whose requests come from `address` (any 127/8 address is
/// this machine's loopback).
pub fn browser_from(app: &TestApp, address: &str) -> Browser {
    let jar = Arc::new(Jar::default());
    let client = reqwest::Client::builder()
        .cookie_provider(jar.clone())
        .redirect(reqwest::redirect::Policy::none())
        .local_address(address.parse::<std::net::IpAddr>().expect("address"))
        .build()
        .expect("build browser");
    Browser { client, jar, base: app.url("") }
}

/// A refused request: its status, `Retry-After` in seconds, and the page.
async fn refused(browser: &Browser, request: &AuthRequest) -> (u16, u64, String) {
    let resp = browser.authorize(request).await;
    let status = resp.status().as_u16();
    let retry = header(&resp, reqwest::header::RETRY_AFTER).and_then(|r| r.parse().ok()).unwrap_or(0);
    (status, retry, resp.text().await.unwrap())
}

backend_test!(an_address_may_start_only_so_many_logins, options = capped(3, 0), |app| async move {
    let user = app.with_user("alice", "correct horse battery").await;
    let client = app.with_public_client("app1", &[CB]).await;
    let (first, second) = (browser_from(&app, "127.0.0.2"), browser_from(&app, "127.0.0.3"));
    let mut forms = Vec::new();
    for _ in 0..3 {
        forms.push(first.login_page(&AuthRequest::new(&client)).await);
    }
    let (status, retry, page) = refused(&first, &AuthRequest::new(&client)).await;
    assert_eq!(status, 429, "{page}");
    assert!(page.contains("Too many sign-ins") && !page.contains("name=\"challenge\""), "{page}");
    // 4 started in a window of 600 s with 3 allowed: the next window, 600·(1 − 3/4) s in.
    assert_eq!(retry, WINDOW as u64 + 150);

    // Another address is not held back, and the pages already open still work.
    second.login_page(&AuthRequest::new(&client)).await;
    let resp = first.submit_login(&forms[0], "alice", &user.password).await;
    assert_eq!(resp.status(), 303, "an admitted login completes");
    // A browser with a session gets its code without a login transaction.
    first.authorize_with_session(&AuthRequest::new(&client)).await;
    let again = AuthRequest::new(&client).prompt("login");
    assert_eq!(refused(&first, &again).await.0, 429, "prompt=login starts one");

    // The allowance slides back: 400 s into the next window, the 5 started
    // (refusals count too) weigh a third: 5/3 + 1 <= 3.
    app.advance(WINDOW + 400);
    let anonymous = browser_from(&app, "127.0.0.2");
    anonymous.login_page(&AuthRequest::new(&client)).await;
});

backend_test!(the_server_holds_only_so_many_logins_in_all, options = capped(0, 2), |app| async move {
    let client = app.with_public_client("app1", &[CB]).await;
    browser_from(&app, "127.0.0.2").login_page(&AuthRequest::new(&client)).await;
    browser_from(&app, "127.0.0.3").login_page(&AuthRequest::new(&client)).await;
    let (status, retry, page) = refused(&browser_from(&app, "127.0.0.4"), &AuthRequest::new(&client)).await;
    assert_eq!(status, 503, "{page}");
    assert!(page.contains("Too busy to sign you in") && !page.contains("name=\"challenge\""), "{page}");
    // 3 started with 2 allowed: the next window, 600·(1 − 2/3) s in.
    assert_eq!(retry, WINDOW as u64 + 200);
    app.advance(2 * WINDOW);
    browser_from(&app, "127.0.0.4").login_page(&AuthRequest::new(&client)).await;
});

backend_test!(
    a_flood_from_one_address_leaves_others_their_logins,
    options = capped(5, 20),
    |app| async move {
        let client = app.with_public_client("app1", &[CB]).await;
        let flood = browser_from(&app, "127.0.0.2");
        let mut statuses = std::collections::BTreeMap::new();
        for _ in 0..40 {
            *statuses.entry(refused(&flood, &AuthRequest::new(&client)).await.0).or_insert(0) += 1;
        }
        assert_eq!(statuses, [(200, 5), (429, 35)].into(), "only the address's allowance is stored");
        for address in ["127.0.0.3", "127.0.0.4", "127.0.0.5"] {
            browser_from(&app, address).login_page(&AuthRequest::new(&client)).await;
        }
    }
);

/// GET /authorize as forwarded by a proxy for `client_address`.
async fn forwarded_for(app: &TestApp, client: &TestClient, client_address: &str) -> u16 {
    let browser = app.browser();
    let params = AuthRequest::new(client).params();
    let req = browser.client.get(app.url("/authorize")).query(&params);
    req.header("X-Forwarded-For", format!("6.6.6.6, {client_address}"))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

backend_test!(
    behind_a_trusted_proxy_each_forwarded_client_counts_alone,
    options = capped(1, 0).settings(|s| {
        s.server.trusted_proxies = vec!["127.0.0.0/8".into()];
    }),
    |app| async move {
        let client = app.with_public_client("app1", &[CB]).await;
        assert_eq!(forwarded_for(&app, &client, "203.0.113.1").await, 200);
        assert_eq!(forwarded_for(&app, &client, "203.0.113.2").await, 200, "another client behind the proxy");
        assert_eq!(forwarded_for(&app, &client, "203.0.113.1").await, 429, "the same client again");
    }
);

backend_test!(an_untrusted_peer_cannot_claim_another_address, options = capped(1, 0), |app| async move {
    let client = app.with_public_client("app1", &[CB]).await;
    assert_eq!(forwarded_for(&app, &client, "203.0.113.1").await, 200);
    assert_eq!(forwarded_for(&app, &client, "203.0.113.2").await, 429, "X-Forwarded-For is ignored");
});
