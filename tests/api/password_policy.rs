//! The password policy (NIST SP 800-63B §5.1.1.2) on every way a password
//! is set: the CLI (exit 2, nothing created), the admin API (400 naming
//! the `password` field) and the account page (the message on the page).

use serde_json::json;

use crate::helpers::*;

const PASSWORD: &str = "correct horse battery";
const TOO_SHORT: &str = "Use at least 12 characters.";
const BREACHED: &str = "This password appears in lists of breached passwords; choose another.";

#[test]
fn the_cli_refuses_short_blank_and_breached_passwords_and_creates_nothing() {
    let cli = CliProcess::new("oxidp-pw-");
    let create = |password: &str| cli.run(&["user", "create", "--username", "bob"], &format!("{password}\n"));
    for (password, message) in [
        ("x", TOO_SHORT),
        ("eleven char", TOO_SHORT),
        ("              ", "Use more than spaces."),
        ("Qwertyuiop123", BREACHED),
        (&"long".repeat(65), "Use at most 256 characters."),
    ] {
        let out = create(password);
        assert_eq!(out.status.code(), Some(2), "{password:?}: {}", describe(&out));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(message), "{password:?}: {stderr}");
    }
    let listed = cli.run(&["user", "list", "--json"], "");
    assert_eq!(listed.status.code(), Some(0), "{}", describe(&listed));
    assert!(!String::from_utf8_lossy(&listed.stdout).contains("bob"), "nothing was created");
    // Twelve characters, any of them (spaces included), is enough.
    let out = create("twelve chars");
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
}

backend_test!(the_admin_api_names_the_password_field, |app| async move {
    let api = app.admin_api().await;
    for (password, message) in [("short", TOO_SHORT), ("1qaz2wsx3edc", BREACHED)] {
        let refused = api.post("/users", json!({"username": "bob", "password": password})).await;
        assert_eq!(api_error(&refused, 400), "invalid_request");
        assert_eq!(refused.json["field"], "password");
        assert_eq!(refused.json["error_description"], message);
    }
    assert_eq!(api.get("/users/bob").await.status, 404, "nothing was created");

    app.with_user("alice", PASSWORD).await;
    let refused = api.put("/users/alice/password", json!({"password": "PASSWORD1234"})).await;
    assert_eq!(api_error(&refused, 400), "invalid_request");
    assert_eq!(
        (refused.json["field"].as_str(), refused.json["error_description"].as_str()),
        (Some("password"), Some(BREACHED))
    );
    assert_eq!(api.get("/users/alice").await.json["version"], 1, "nothing was written");
});

backend_test!(
    the_minimum_length_is_configurable,
    options = SpawnOptions::default().settings(|s| s.password.min_length = 16),
    |app| async move {
        let api = app.admin_api().await;
        let refused = api.post("/users", json!({"username": "bob", "password": "fifteen chars!!"})).await;
        assert_eq!(refused.json["error_description"], "Use at least 16 characters.");
        let created = api.post("/users", json!({"username": "bob", "password": "sixteen chars!!!"})).await;
        assert_eq!(created.status, 201, "{}", created.json);
    }
);

backend_test!(the_account_page_shows_why_a_new_password_is_refused, |app| async move {
    let user = app.with_user("alice", PASSWORD).await;
    let browser = app.browser();
    let page = browser.client.get(browser.url("/account")).send().await.unwrap().text().await.unwrap();
    let form = LoginForm::parse(&page);
    let fields = [("csrf_token", form.csrf_token.as_str()), ("username", "alice"), ("password", PASSWORD)];
    let resp = browser.client.post(browser.url("/account/login")).form(&fields).send().await.unwrap();
    assert_eq!(resp.status(), 303);
    let page = browser.client.get(browser.url("/account")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("At least 12 characters"), "the form says the rule: {page}");
    let token = parse_inputs(&page)
        .into_iter()
        .find(|i| i.get("name").map(String::as_str) == Some("csrf_token"))
        .and_then(|i| i.get("value").cloned())
        .expect("csrf token");
    for (new, message) in [("short", TOO_SHORT), ("NeedForSpeed", BREACHED)] {
        let fields = [("csrf_token", token.as_str()), ("current_password", PASSWORD), ("new_password", new)];
        let resp = browser.client.post(browser.url("/account/password")).form(&fields).send().await.unwrap();
        assert_eq!(resp.status(), 400, "{new}");
        let page = resp.text().await.unwrap();
        assert!(page.contains(&askama_escaped(message)), "{new}: {page}");
    }
    let record = app.services.admin.find_user("alice").await.unwrap();
    assert_eq!(record.password_hash, user.record.password_hash, "the password did not change");
});

/// `message` as the pages print it (HTML-escaped).
fn askama_escaped(message: &str) -> String {
    message.replace('&', "&amp;").replace('\'', "&#39;").replace('"', "&quot;")
}
