//! Per-address rate limits on `/authorize`, `/login`, `/forgot` and
//! `/token`: each route has its own budget per minute and address; over it
//! the request is answered 429 with `Retry-After` (a page for browsers,
//! RFC 6749 §5.2 JSON for clients) before anything else happens, other
//! addresses are not held back, and the budget comes back as the minute
//! slides. With `rate_limits.shared`, instances count against one budget.

use reqwest::header::RETRY_AFTER;

use crate::authorize::CB;
use crate::helpers::*;
use crate::pending_logins::browser_from;

/// The limits of these tests, with a fixed clock at the start of a minute
/// so `Retry-After` is exact.
fn limited(authorize: u64, login: u64, forgot: u64, token: u64) -> SpawnOptions {
    let start = now() - now().rem_euclid(60);
    let options = SpawnOptions { clock: Some(oxidp::clock::Clock::fixed(start)), settings_override: None };
    options.settings(move |s| {
        s.rate_limits = oxidp::config::RateLimitSettings {
            authorize,
            login,
            forgot,
            token,
            client_registration: 0,
            shared: false,
        };
    })
}

fn retry_after(resp: &reqwest::Response) -> u64 {
    header(resp, RETRY_AFTER).and_then(|v| v.parse().ok()).expect("Retry-After in seconds")
}

async fn client_credentials_from(app: &TestApp, browser: &Browser, client: &TestClient) -> reqwest::Response {
    let form = [("grant_type", "client_credentials"), ("scope", "api.read")];
    let req = browser.client.post(app.url("/token")).basic_auth(&client.client_id, Some(client.secret()));
    req.form(&form).send().await.expect("POST /token")
}

backend_test!(
    the_token_endpoint_answers_429_json_over_the_budget,
    options = limited(0, 0, 0, 5),
    |app| async move {
        let client = app.with_service_client("svc", &["api.read"], &[]).await;
        let (first, second) = (browser_from(&app, "127.0.0.2"), browser_from(&app, "127.0.0.3"));
        for i in 0..5 {
            let resp = client_credentials_from(&app, &first, &client).await;
            assert_eq!(resp.status(), 200, "request {i} is within the budget");
        }
        let resp = client_credentials_from(&app, &first, &client).await;
        assert_eq!(resp.status(), 429);
        // 6 in this minute with 5 allowed: the next minute, 60·(1 − 5/6) s in.
        assert_eq!(retry_after(&resp), 60 + 10);
        assert_eq!(header(&resp, reqwest::header::CACHE_CONTROL).as_deref(), Some("no-store"));
        let body: serde_json::Value = resp.json().await.expect("JSON");
        assert_eq!(body["error"], "temporarily_unavailable", "{body}");
        assert!(body["error_description"].as_str().unwrap().contains("too many requests"), "{body}");

        // Another address has its own budget; the refused one gets its back as
        // the minute slides (50 s into the next minute the 6 counted weigh 1/6:
        // 6/6 + 1 <= 5).
        assert_eq!(client_credentials_from(&app, &second, &client).await.status(), 200);
        app.advance(60 + 50);
        assert_eq!(client_credentials_from(&app, &first, &client).await.status(), 200);
    }
);

backend_test!(
    browser_routes_answer_a_429_page_over_their_budgets,
    options = limited(2, 3, 1, 0),
    |app| async move {
        let client = app.with_public_client("app1", &[CB]).await;
        let browser = browser_from(&app, "127.0.0.2");
        for _ in 0..2 {
            assert_eq!(browser.authorize(&AuthRequest::new(&client)).await.status(), 200, "a login page");
        }
        let resp = browser.authorize(&AuthRequest::new(&client)).await;
        assert_eq!(resp.status(), 429);
        assert!(retry_after(&resp) > 0);
        let page = resp.text().await.expect("page");
        assert!(page.contains("Too many requests") && !page.contains("name=\"challenge\""), "{page}");

        // Each form has its own budget: a stale form is refused by its handler
        // (not by the limit) until the budget is spent.
        for _ in 0..3 {
            let status = browser.post_login(&[("challenge", "stale"), ("csrf_token", "x")]).await.status();
            assert_ne!(status, 429, "within the login budget");
        }
        assert_eq!(browser.post_login(&[("challenge", "stale"), ("csrf_token", "x")]).await.status(), 429);
        let forgot = || browser.client.post(app.url("/forgot")).form(&[("email", "a@example.com")]).send();
        assert_ne!(forgot().await.expect("POST /forgot").status(), 429, "within the budget");
        let resp = forgot().await.expect("POST /forgot");
        assert_eq!(resp.status(), 429);
        assert!(resp.text().await.expect("page").contains("Too many requests"));
        // Reading the form costs nothing.
        assert_eq!(browser.client.get(app.url("/forgot")).send().await.expect("GET /forgot").status(), 200);
    }
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(oxidp_pg_redis),
    ignore = "needs PostgreSQL + Redis: set OXIDP_TEST_DATABASE_URL and OXIDP_TEST_REDIS_URL"
)]
async fn shared_limits_hold_across_instances() {
    let options = limited(0, 0, 0, 4).settings(|s| s.rate_limits.shared = true);
    let a = spawn_app_with(Backend::PgRedis, options).await;
    let b = a.spawn_sibling().await;
    let client = a.with_service_client("svc", &["api.read"], &[]).await;
    for app in [&a, &b, &a, &b] {
        let browser = browser_from(app, "127.0.0.2");
        assert_eq!(client_credentials_from(app, &browser, &client).await.status(), 200);
    }
    for app in [&a, &b] {
        let browser = browser_from(app, "127.0.0.2");
        assert_eq!(
            client_credentials_from(app, &browser, &client).await.status(),
            429,
            "one budget for both"
        );
    }
}
