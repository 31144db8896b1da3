//! `oxidp user ...` run as a real process on a temp SQLite database: list,
//! show, update, set-password (stdin), disable, enable and delete; bad
//! input exits 2 and no output ever holds a password or its hash.

use std::process::Output;

use serde_json::Value;

use crate::helpers::{CliProcess, describe};

struct Cli(CliProcess);

impl Cli {
    fn new() -> Cli {
        Cli(CliProcess::new("oxidp-cli-users-"))
    }

    /// Runs `oxidp <args>`; no output may ever hold a password hash.
    fn run(&self, args: &[&str], stdin: &str) -> Output {
        let out = self.0.run(args, stdin);
        let all = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        assert!(!all.contains("$argon2"), "a password hash was printed: {all}");
        out
    }

    fn ok(&self, args: &[&str], stdin: &str) -> String {
        let out = self.run(args, stdin);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", describe(&out));
        String::from_utf8(out.stdout).unwrap()
    }

    fn usage_error(&self, args: &[&str], stdin: &str) -> String {
        let out = self.run(args, stdin);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", describe(&out));
        String::from_utf8(out.stderr).unwrap()
    }

    fn create(&self, username: &str, email: &str) {
        self.ok(&["user", "create", "--username", username, "--email", email], "first password\n");
    }

    fn show(&self, username: &str) -> Value {
        let out = self.ok(&["user", "show", "--username", username, "--json"], "");
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("show --json is not JSON ({e}): {out}"))
    }
}

#[test]
fn list_pages_and_searches() {
    let cli = Cli::new();
    for (name, email) in [("carol", "c@example.com"), ("alice", "a@example.com"), ("bob", "b@other.org")] {
        cli.create(name, email);
    }
    let out = cli.ok(&["user", "list", "--json", "--limit", "2"], "");
    let page: Value = serde_json::from_str(&out).unwrap();
    let names: Vec<&str> =
        page["users"].as_array().unwrap().iter().map(|u| u["username"].as_str().unwrap()).collect();
    assert_eq!(names, ["alice", "bob"]);
    assert_eq!(page["next"], "bob");
    let out = cli.ok(&["user", "list", "--json", "--limit", "2", "--after", "bob"], "");
    let page: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(page["users"][0]["username"], "carol");
    assert_eq!(page["next"], Value::Null);
    let out = cli.ok(&["user", "list", "--search", "OTHER.ORG"], "");
    assert!(out.contains("bob") && !out.contains("alice") && !out.contains("carol"), "{out}");
    cli.usage_error(&["user", "list", "--limit", "0"], "");
}

#[test]
fn show_and_update() {
    let cli = Cli::new();
    cli.create("alice", "a@example.com");
    let shown = cli.show("ALICE");
    assert_eq!((shown["username"].as_str(), shown["version"].as_i64()), (Some("alice"), Some(1)));
    assert!(shown.get("password_hash").is_none());
    let id = shown["id"].as_str().unwrap().to_string();
    assert_eq!(cli.show(&id)["username"], "alice", "by id too");

    cli.ok(&["user", "update", "--username", "alice", "--name", "Alice A", "--email-verified", "true"], "");
    let shown = cli.show("alice");
    assert_eq!((shown["name"].as_str(), shown["email_verified"].as_bool()), (Some("Alice A"), Some(true)));
    cli.ok(&["user", "update", "--username", "alice", "--email", "new@example.org"], "");
    let shown = cli.show("alice");
    assert_eq!(shown["email"], "new@example.org");
    assert_eq!(shown["email_verified"], false, "a new address is unverified");
    cli.ok(&["user", "update", "--username", "alice", "--clear-name", "--clear-email"], "");
    let shown = cli.show("alice");
    assert_eq!(
        (shown["name"].clone(), shown["email"].clone(), shown["version"].as_i64()),
        (Value::Null, Value::Null, Some(4))
    );

    let err = cli.usage_error(&["user", "update", "--username", "alice", "--email", "nope"], "");
    assert!(err.contains("email"), "{err}");
    assert_eq!(cli.show("alice")["version"], 4, "nothing written");
    cli.usage_error(&["user", "update", "--username", "alice"], "");
    cli.usage_error(&["user", "update", "--username", "alice", "--name", "x", "--clear-name"], "");
}

#[test]
fn profile_claims_on_create_and_update() {
    let cli = Cli::new();
    let full = [
        "user",
        "create",
        "--username",
        "carol",
        "--given-name",
        "Carol",
        "--family-name",
        "Example",
        "--locale",
        "en-US",
        "--zoneinfo",
        "America/Chicago",
        "--picture",
        "https://example.com/c.png",
        "--phone-number",
        "+12175551212",
        "--phone-number-verified",
        "--address-street",
        "1 Main St",
        "--address-locality",
        "Springfield",
        "--address-region",
        "IL",
        "--address-postal-code",
        "62701",
        "--address-country",
        "US",
        "--address-formatted",
        "1 Main St, Springfield",
    ];
    cli.ok(&full, "first password\n");
    let shown = cli.show("carol");
    for (member, value) in [
        ("given_name", "Carol"),
        ("family_name", "Example"),
        ("locale", "en-US"),
        ("zoneinfo", "America/Chicago"),
        ("picture", "https://example.com/c.png"),
        ("phone_number", "+12175551212"),
    ] {
        assert_eq!(shown[member], value, "{member}: {shown}");
    }
    assert_eq!(shown["phone_number_verified"], true);
    assert_eq!(shown["address"]["street_address"], "1 Main St");
    assert_eq!(shown["address"]["formatted"], "1 Main St, Springfield");
    assert_eq!(shown["address"]["country"], "US");
    let out = cli.ok(&["user", "show", "--username", "carol"], "");
    assert!(out.contains("+12175551212") && out.contains("Springfield"), "{out}");

    // Change some, clear some with an empty value; other parts stay.
    cli.ok(
        &[
            "user",
            "update",
            "--username",
            "carol",
            "--given-name",
            "Caroline",
            "--family-name",
            "",
            "--address-locality",
            "Chicago",
            "--address-postal-code",
            "",
            "--phone-number",
            "+33123456789",
        ],
        "",
    );
    let shown = cli.show("carol");
    assert_eq!((shown["given_name"].as_str(), shown["version"].as_i64()), (Some("Caroline"), Some(2)));
    assert!(shown["family_name"].is_null(), "{shown}");
    assert_eq!(shown["locale"], "en-US", "not given, kept");
    assert_eq!(
        (shown["address"]["locality"].as_str(), shown["address"]["street_address"].as_str()),
        (Some("Chicago"), Some("1 Main St"))
    );
    assert!(shown["address"]["postal_code"].is_null(), "{shown}");
    assert_eq!(shown["phone_number_verified"], false, "a new number is unverified");
    cli.ok(&["user", "update", "--username", "carol", "--phone-number-verified", "true"], "");
    assert_eq!(cli.show("carol")["phone_number_verified"], true);
    let clear_address = [
        "user",
        "update",
        "--username",
        "carol",
        "--address-street",
        "",
        "--address-locality",
        "",
        "--address-region",
        "",
        "--address-country",
        "",
        "--address-formatted",
        "",
        "--picture",
        "",
    ];
    cli.ok(&clear_address, "");
    let shown = cli.show("carol");
    assert!(shown["address"].is_null() && shown["picture"].is_null(), "{shown}");
    assert_eq!(shown["version"], 4);

    // A bad value: exit 2, one line naming the member, nothing written.
    for (flag, value, member) in [
        ("--phone-number", "217 555 1212", "phone_number"),
        ("--locale", "english", "locale"),
        ("--picture", "ftp://example.com/c.png", "picture"),
    ] {
        let err =
            cli.usage_error(&["user", "update", "--username", "carol", "--given-name", "X", flag, value], "");
        assert!(err.contains(member) && err.trim().lines().count() == 1, "{flag}: {err}");
    }
    let shown = cli.show("carol");
    assert_eq!(
        (shown["version"].as_i64(), shown["given_name"].as_str()),
        (Some(4), Some("Caroline")),
        "nothing written"
    );
    let err =
        cli.usage_error(&["user", "create", "--username", "dan", "--zoneinfo", "Paris"], "first password\n");
    assert!(err.contains("zoneinfo"), "{err}");
    cli.usage_error(&["user", "show", "--username", "dan"], "");
}

#[test]
fn set_password_disable_enable_delete() {
    let cli = Cli::new();
    cli.create("alice", "a@example.com");
    let out = cli.ok(&["user", "set-password", "--username", "alice"], "the second password\n");
    assert!(!out.contains("the second password"), "{out}");
    assert_eq!(cli.show("alice")["version"], 2);
    let file = cli.0.dir().join("pw.txt");
    std::fs::write(&file, "a third password\n").unwrap();
    cli.ok(&["user", "set-password", "--username", "alice", "--password-file", file.to_str().unwrap()], "");
    assert_eq!(cli.show("alice")["version"], 3);
    cli.usage_error(&["user", "set-password", "--username", "alice"], "\n");

    cli.ok(&["user", "disable", "--username", "alice"], "");
    assert_eq!(cli.show("alice")["disabled"], true);
    cli.ok(&["user", "enable", "--username", "alice"], "");
    assert_eq!(cli.show("alice")["disabled"], false);
    assert_eq!(cli.ok(&["user", "sessions", "--username", "alice", "--json"], "").trim(), "[]");
    cli.ok(&["user", "end-sessions", "--username", "alice"], "");

    cli.ok(&["user", "delete", "--username", "alice"], "");
    cli.usage_error(&["user", "show", "--username", "alice"], "");
}

#[test]
fn unknown_users_exit_2() {
    let cli = Cli::new();
    cli.create("alice", "a@example.com");
    for args in [
        &["user", "show", "--username", "ghost"][..],
        &["user", "update", "--username", "ghost", "--name", "G"],
        &["user", "disable", "--username", "ghost"],
        &["user", "enable", "--username", "ghost"],
        &["user", "delete", "--username", "ghost"],
        &["user", "sessions", "--username", "ghost"],
        &["user", "end-sessions", "--username", "ghost"],
    ] {
        let err = cli.usage_error(args, "");
        assert!(err.contains("ghost") && err.lines().count() == 1, "{args:?}: {err}");
    }
    let err = cli.usage_error(&["user", "set-password", "--username", "ghost"], "some password\n");
    assert!(err.contains("ghost"), "{err}");
}

/// With Redis configured, the CLI reaches the server's SSO sessions.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(oxidp_pg_redis),
    ignore = "needs PostgreSQL + Redis: set OXIDP_TEST_DATABASE_URL and OXIDP_TEST_REDIS_URL"
)]
async fn end_sessions_reaches_the_servers_sessions_in_redis() {
    use crate::helpers::*;
    use std::process::{Command, Stdio};
    let f = Granted::new(spawn_app(Backend::PgRedis).await).await;
    let settings = f.app.settings.clone();
    let run = move |args: &'static [&'static str]| {
        let settings = settings.clone();
        tokio::task::spawn_blocking(move || {
            Command::new(env!("CARGO_BIN_EXE_oxidp"))
                .args(args)
                .env("OXIDP__DATABASE__URL", &settings.database.url)
                .env("OXIDP__REDIS__URL", settings.redis.url.as_deref().expect("redis url"))
                .env("OXIDP__REDIS__PREFIX", &settings.redis.prefix)
                .env("OXIDP__KEYS__DIR", &settings.keys.dir)
                .env_remove("OXIDP__KEYS__ALGORITHMS")
                .env_remove("OXIDP_ENV")
                .stdin(Stdio::null())
                .output()
                .expect("run oxidp")
        })
    };
    let out = run(&["user", "sessions", "--username", "alice", "--json"]).await.unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
    let listed: Value = serde_json::from_slice(&out.stdout).expect("sessions --json");
    assert_eq!(listed.as_array().map(Vec::len), Some(1), "{listed}");

    let out = run(&["user", "end-sessions", "--username", "alice"]).await.unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("Ended 1 session"), "{}", describe(&out));
    let left = f.app.services.admin.list_user_sessions(&f.user.sub(), f.app.now()).await.unwrap();
    assert!(left.is_empty(), "{left:?}");
    f.app.assert_refresh_fails(&f.client, &f.rt(), "refresh token of the session the CLI ended").await;
}
