//! Brute-force protection (NIST SP 800-63B §5.2.2): failures per username
//! and per address back off, then lock; a locked username refuses even the
//! right password with one message whether or not the account exists; a
//! login page takes only a few wrong passwords; an operator unlocks; every
//! lockout is audited once.

use serde_json::{Value, json};

use crate::authorize::CB;
use crate::helpers::*;

const PASSWORD: &str = "correct horse battery";
const WRONG: &str = "Tr0ub4dor&3-not-it";
const THROTTLED: &str = "Too many failed sign-ins. Wait a few minutes and try again, or reset your password.";
const BAD_CREDENTIALS: &str = "Invalid username or password.";

/// 3 failures, then 1 s, 2 s, 4 s of back-off, locked at the 6th for 60 s.
fn strict() -> SpawnOptions {
    SpawnOptions::fixed_clock().settings(|s| {
        s.login.max_failures = 3;
        s.login.failure_window = 600;
        s.login.lockout = 60;
    })
}

/// One sign-in on a fresh login page for `client`: its status,
/// `Retry-After` and body.
async fn sign_in(
    browser: &Browser,
    client: &TestClient,
    username: &str,
    password: &str,
) -> (u16, Option<String>, String) {
    let form = browser.login_page(&AuthRequest::new(client)).await;
    let resp = browser.submit_login(&form, username, password).await;
    let retry = header(&resp, reqwest::header::RETRY_AFTER);
    (resp.status().as_u16(), retry, resp.text().await.unwrap())
}

fn detail(event: &oxidp::protocol::AuditEvent) -> Value {
    serde_json::from_str(&event.detail).expect("detail is JSON")
}

backend_test!(failures_back_off_then_lock_even_the_right_password, options = strict(), |app| async move {
    app.with_user("alice", PASSWORD).await;
    let client = app.with_public_client("app1", &[CB]).await;
    let browser = app.browser();
    for _ in 0..3 {
        let (status, _, page) = sign_in(&browser, &client, "alice", WRONG).await;
        assert_eq!(status, 200);
        assert!(page.contains(BAD_CREDENTIALS), "{page}");
    }
    // Backing off: refused unchecked, the right password included.
    let (status, retry, page) = sign_in(&browser, &client, "Alice", PASSWORD).await;
    assert_eq!((status, retry.as_deref()), (429, Some("1")));
    assert!(page.contains(THROTTLED) && !page.contains(BAD_CREDENTIALS), "{page}");

    // An unknown username is counted and answered alike.
    for _ in 0..3 {
        assert_eq!(sign_in(&browser, &client, "mallory", WRONG).await.0, 200);
    }
    let (status, retry, unknown) = sign_in(&browser, &client, "mallory", PASSWORD).await;
    assert_eq!((status, retry.as_deref()), (429, Some("1")));
    assert!(unknown.contains(THROTTLED), "{unknown}");

    // Each back-off waited out, each failure doubles it, the 6th locks.
    for wait in [1, 2, 4] {
        app.advance(wait);
        assert_eq!(sign_in(&browser, &client, "alice", WRONG).await.0, 200);
    }
    let (status, retry, _) = sign_in(&browser, &client, "alice", PASSWORD).await;
    assert_eq!((status, retry.as_deref()), (429, Some("60")), "locked for login.lockout");
    app.advance(59);
    assert_eq!(sign_in(&browser, &client, "alice", PASSWORD).await.0, 429, "still locked");

    let locked = app.audit_events_of("login_locked").await;
    assert_eq!(locked.len(), 1, "one event per lockout: {locked:?}");
    let d = detail(&locked[0]);
    assert_eq!(
        (d["reason"].as_str(), d["username"].as_str(), d["ip"].as_str()),
        (Some("account"), Some("alice"), Some("127.0.0.1"))
    );
    let refused: Vec<Value> = app.audit_events_of("login_failed").await.iter().map(detail).collect();
    assert!(refused.iter().any(|d| d["reason"] == "throttled"), "{refused:?}");
    assert!(refused.iter().any(|d| d["reason"] == "locked" && d["username"] == "alice"), "{refused:?}");
    for event in app.audit_events().await {
        assert!(!event.detail.contains(PASSWORD) && !event.detail.contains(WRONG), "{event:?}");
    }

    app.advance(1);
    assert_eq!(sign_in(&browser, &client, "alice", PASSWORD).await.0, 303, "the lockout ended");
});

backend_test!(a_successful_sign_in_clears_the_count, options = strict(), |app| async move {
    app.with_user("alice", PASSWORD).await;
    let client = app.with_public_client("app1", &[CB]).await;
    let browser = app.browser();
    for _ in 0..2 {
        assert_eq!(sign_in(&browser, &client, "alice", WRONG).await.0, 200);
    }
    assert_eq!(sign_in(&browser, &client, "alice", PASSWORD).await.0, 303);
    let browser = app.browser();
    for _ in 0..2 {
        assert_eq!(sign_in(&browser, &client, "alice", WRONG).await.0, 200);
    }
    // Four failures in the window, but a success in between: no back-off.
    assert_eq!(sign_in(&browser, &client, "alice", PASSWORD).await.0, 303);
});

backend_test!(
    one_address_is_limited_across_usernames,
    options = SpawnOptions::fixed_clock().settings(|s| s.login.max_failures_per_ip = 4),
    |app| async move {
        app.with_user("alice", PASSWORD).await;
        let client = app.with_public_client("app1", &[CB]).await;
        let browser = app.browser();
        for name in ["ann", "ben", "cat", "dan"] {
            assert_eq!(sign_in(&browser, &client, name, WRONG).await.0, 200);
        }
        let (status, _, page) = sign_in(&browser, &client, "alice", PASSWORD).await;
        assert_eq!(status, 429, "credential stuffing from one address is slowed");
        assert!(page.contains(THROTTLED), "{page}");
        let refused: Vec<Value> = app.audit_events_of("login_failed").await.iter().map(detail).collect();
        assert!(refused.iter().any(|d| d["scope"] == "address" && d["reason"] == "throttled"), "{refused:?}");
        app.advance(1);
        assert_eq!(sign_in(&browser, &client, "alice", PASSWORD).await.0, 303);
    }
);

backend_test!(a_login_page_takes_only_a_few_wrong_passwords, |app| async move {
    let user = app.with_user("alice", PASSWORD).await;
    let client = app.with_public_client("app1", &[CB]).await;
    let browser = app.browser();
    let mut form = browser.login_page(&AuthRequest::new(&client)).await;
    for _ in 0..2 {
        let resp = browser.submit_login(&form, "alice", WRONG).await;
        assert_eq!(resp.status(), 200, "the form again");
        form = LoginForm::from_response(resp).await;
    }
    let resp = browser.submit_login(&form, "alice", WRONG).await;
    assert_eq!(resp.status(), 400);
    let page = resp.text().await.unwrap();
    assert!(
        page.contains("Too many attempts on this page. Please start again from the application."),
        "{page}"
    );
    let again = browser.submit_login(&form, "alice", PASSWORD).await;
    assert_eq!(again.status(), 400, "the interaction is gone");
    assert!(again.text().await.unwrap().contains("expired"));
    // A new page from the application works.
    browser.authorize_and_login(&AuthRequest::new(&client), &user).await;
});

backend_test!(an_operator_unlocks_through_the_api, options = strict(), |app| async move {
    let user = app.with_user("alice", PASSWORD).await;
    let client = app.with_public_client("app1", &[CB]).await;
    let browser = app.browser();
    lock(&app, &browser, &client, "alice").await;
    let api = app.admin_api().await;
    let unlocked = api.post(&format!("/users/{}/unlock", user.sub()), json!({})).await;
    assert_eq!(unlocked.status, 200, "{}", unlocked.json);
    assert_eq!(unlocked.json["username"], "alice");
    assert_eq!(api.post("/users/ghost/unlock", json!({})).await.status, 404);
    assert_eq!(sign_in(&browser, &client, "alice", PASSWORD).await.0, 303, "unlocked");
    let actions: Vec<Value> = app.audit_events_of("admin_action").await.iter().map(detail).collect();
    assert!(actions.iter().any(|d| d["action"] == "user.unlock"), "{actions:?}");
});

/// Six wrong passwords for `username`, waiting out each back-off: locked.
async fn lock(app: &TestApp, browser: &Browser, client: &TestClient, username: &str) {
    for wait in [0, 0, 0, 1, 2, 4] {
        app.advance(wait);
        assert_eq!(sign_in(browser, client, username, WRONG).await.0, 200);
    }
    assert_eq!(sign_in(browser, client, username, PASSWORD).await.1.as_deref(), Some("60"), "locked");
}

backend_test!(the_cli_unlocks_the_servers_count_in_redis, options = strict(), |app| async move {
    app.with_user("alice", PASSWORD).await;
    let client = app.with_public_client("app1", &[CB]).await;
    let browser = app.browser();
    lock(&app, &browser, &client, "alice").await;
    let settings = app.settings.clone();
    let out = tokio::task::spawn_blocking(move || {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_oxidp"));
        cmd.args(["user", "unlock", "--username", "ALICE"])
            .env("OXIDP__DATABASE__URL", &settings.database.url)
            .env("OXIDP__REDIS__PREFIX", &settings.redis.prefix)
            .env("OXIDP__KEYS__DIR", &settings.keys.dir)
            .env_remove("OXIDP__REDIS__URL")
            .env_remove("OXIDP__KEYS__ALGORITHMS")
            .env_remove("OXIDP_ENV")
            .stdin(std::process::Stdio::null());
        if let Some(url) = &settings.redis.url {
            cmd.env("OXIDP__REDIS__URL", url);
        }
        cmd.output().expect("run oxidp")
    })
    .await
    .unwrap();
    if app.settings.redis.url.is_none() {
        // The counts live in the server's memory: the CLI says so and exits 2.
        assert_eq!(out.status.code(), Some(2), "{}", describe(&out));
        assert!(String::from_utf8_lossy(&out.stderr).contains("admin API"), "{}", describe(&out));
        assert_eq!(sign_in(&browser, &client, "alice", PASSWORD).await.0, 429, "still locked");
        return;
    }
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
    assert_eq!(sign_in(&browser, &client, "alice", PASSWORD).await.0, 303, "unlocked by the CLI");
});

/// Two instances share the counts through Redis: failures at one lock the
/// username at the other.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(oxidp_pg_redis),
    ignore = "needs PostgreSQL + Redis: set OXIDP_TEST_DATABASE_URL and OXIDP_TEST_REDIS_URL"
)]
async fn the_count_is_shared_by_every_instance() {
    let a = spawn_app_with(Backend::PgRedis, strict()).await;
    let b = a.spawn_sibling().await;
    a.with_user("alice", PASSWORD).await;
    let client = a.with_public_client("app1", &[CB]).await;
    let (at_a, at_b) = (a.browser(), b.browser());
    for _ in 0..3 {
        assert_eq!(sign_in(&at_a, &client, "alice", WRONG).await.0, 200);
    }
    let (status, _, page) = sign_in(&at_b, &client, "alice", PASSWORD).await;
    assert_eq!(status, 429, "B sees A's failures");
    assert!(page.contains(THROTTLED), "{page}");
    b.advance(1);
    assert_eq!(sign_in(&at_b, &client, "alice", PASSWORD).await.0, 303);
}
