//! The `oxidp` admin CLI, run as a real process on a temp SQLite database.

use std::process::Output;

use serde_json::Value;

use crate::helpers::{CliProcess, describe};

struct Cli(CliProcess);

impl std::ops::Deref for Cli {
    type Target = CliProcess;

    fn deref(&self) -> &CliProcess {
        &self.0
    }
}

impl Cli {
    fn new() -> Cli {
        Cli(CliProcess::new("oxidp-cli-"))
    }

    /// The change counters, read from the database file itself.
    fn revisions(&self) -> Vec<(String, i64)> {
        use diesel::{Connection, QueryableByName, RunQueryDsl};
        #[derive(QueryableByName)]
        struct Counter {
            #[diesel(sql_type = diesel::sql_types::Text)]
            name: String,
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            value: i64,
        }
        let path = self.database().display().to_string();
        let mut conn = diesel::SqliteConnection::establish(&path).expect("open the database");
        let rows: Vec<Counter> = diesel::sql_query("SELECT name, value FROM revisions ORDER BY name")
            .load(&mut conn)
            .expect("counters");
        rows.into_iter().map(|c| (c.name, c.value)).collect()
    }

    fn ok(&self, args: &[&str], stdin: &str) -> String {
        let out = self.run(args, stdin);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", describe(&out));
        String::from_utf8(out.stdout).unwrap()
    }

    fn usage_error(&self, args: &[&str], stdin: &str) -> Output {
        let out = self.run(args, stdin);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", describe(&out));
        out
    }

    fn clients(&self) -> Vec<Value> {
        let out = self.ok(&["client", "list", "--json"], "");
        let json: Value = serde_json::from_str(&out)
            .unwrap_or_else(|e| panic!("client list --json is not JSON ({e}): {out}"));
        match json {
            Value::Array(a) => a,
            Value::Object(ref o) if o.get("clients").is_some_and(Value::is_array) => {
                o["clients"].as_array().unwrap().clone()
            }
            other => panic!("unexpected client list shape: {other}"),
        }
    }

    fn client_ids(&self) -> Vec<String> {
        self.clients().iter().map(|c| c["client_id"].as_str().expect("client_id").to_string()).collect()
    }
}

const BOB: &[&str] = &["user", "create", "--username", "bob", "--email", "b@example.com", "--name", "Bob B"];

#[test]
fn user_create_and_duplicate() {
    let cli = Cli::new();
    cli.ok(BOB, "a long enough password\n");
    let out = cli.usage_error(BOB, "a long enough password\n");
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(stderr.trim_end_matches('\n').lines().count(), 1, "exactly one line on stderr: {stderr:?}");
    assert!(!stderr.trim().is_empty());
}

#[test]
fn user_create_rejects_empty_password() {
    let cli = Cli::new();
    cli.usage_error(BOB, "");
    cli.usage_error(BOB, "\n");
    // Nothing was written: the same user can still be created.
    cli.ok(BOB, "a long enough password\n");
}

#[test]
fn user_create_with_password_file() {
    let cli = Cli::new();
    let file = cli.dir().join("pw.txt");
    std::fs::write(&file, "a long enough password\n").unwrap();
    cli.ok(&["user", "create", "--username", "carol", "--password-file", file.to_str().unwrap()], "");
}

#[test]
fn client_create_confidential_json() {
    let cli = Cli::new();
    let out = cli.ok(
        &["client", "create", "--client-id", "app", "--redirect-uri", "http://127.0.0.1:1/cb", "--json"],
        "",
    );
    let json: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"));
    assert_eq!(json["client_id"], "app");
    assert_eq!(json["require_pushed_authorization_requests"], false);
    assert_eq!(json["require_signed_request_object"], false);
    assert_eq!(json["dpop_bound_access_tokens"], false);
    let secret = json["client_secret"].as_str().expect("client_secret");
    assert!(secret.len() >= 43, "secret too short: {secret}");
    assert_eq!(cli.client_ids(), ["app"]);
    // The listing never shows the secret.
    assert!(!serde_json::to_string(&cli.clients()).unwrap().contains(secret));
}

#[test]
fn a_client_can_be_required_to_push_its_requests() {
    let cli = Cli::new();
    let create = ["client", "create", "--client-id", "app", "--redirect-uri", "http://127.0.0.1:1/cb"];
    let out = cli.ok(&[&create[..], &["--require-par", "--json"]].concat(), "");
    let json: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"));
    assert_eq!(json["require_pushed_authorization_requests"], true);
    let out = cli.ok(&["client", "update", "--client-id", "app", "--require-par", "false", "--json"], "");
    let json: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"));
    assert_eq!(json["require_pushed_authorization_requests"], false);
}

#[test]
fn a_client_can_be_required_to_sign_its_requests() {
    let cli = Cli::new();
    let create = ["client", "create", "--client-id", "app", "--redirect-uri", "http://127.0.0.1:1/cb"];
    let keyless = cli.usage_error(&[&create[..], &["--require-signed-request-object"]].concat(), "");
    let said = String::from_utf8_lossy(&keyless.stderr);
    assert!(said.contains("require_signed_request_object"), "names the setting: {said}");
    let keys = ["--jwks-uri", "https://app.example/jwks.json"];
    let out = cli.ok(&[&create[..], &keys[..], &["--require-signed-request-object", "--json"]].concat(), "");
    let json: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"));
    assert_eq!(json["require_signed_request_object"], true);
    assert_eq!(json["require_pushed_authorization_requests"], false, "one flag does not set the other");
    let update = ["client", "update", "--client-id", "app", "--json"];
    let out = cli.ok(&[&update[..], &["--require-signed-request-object", "false"]].concat(), "");
    let json: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"));
    assert_eq!(json["require_signed_request_object"], false);
}

#[test]
fn a_client_can_be_required_to_use_dpop() {
    let cli = Cli::new();
    let create = ["client", "create", "--client-id", "app", "--redirect-uri", "http://127.0.0.1:1/cb"];
    let out = cli.ok(&[&create[..], &["--require-dpop", "--json"]].concat(), "");
    let json: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"));
    assert_eq!(json["dpop_bound_access_tokens"], true, "no keys needed: {json}");
    assert_eq!(json["require_signed_request_object"], false, "one flag does not set another");
    assert_eq!(json["require_pushed_authorization_requests"], false);
    let update = ["client", "update", "--client-id", "app", "--json"];
    let out = cli.ok(&[&update[..], &["--require-dpop", "false"]].concat(), "");
    let json: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"));
    assert_eq!(json["dpop_bound_access_tokens"], false);
    let out = cli.ok(&[&update[..], &["--require-dpop", "true"]].concat(), "");
    let json: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"));
    assert_eq!(json["dpop_bound_access_tokens"], true);
}

#[test]
fn client_create_rejects_bad_redirect_uris() {
    let cli = Cli::new();
    for uri in ["/cb", "http://x/cb#f"] {
        cli.usage_error(&["client", "create", "--client-id", "bad", "--redirect-uri", uri, "--json"], "");
    }
    assert!(!cli.client_ids().contains(&"bad".to_string()));
}

#[test]
fn client_create_public_has_no_secret() {
    let cli = Cli::new();
    let out = cli.ok(
        &[
            "client",
            "create",
            "--client-id",
            "spa",
            "--redirect-uri",
            "http://127.0.0.1:1/cb",
            "--public",
            "--json",
        ],
        "",
    );
    let json: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"));
    assert_eq!(json["client_id"], "spa");
    assert!(json.get("client_secret").is_none_or(Value::is_null), "{json}");
}

#[test]
fn client_create_secret_stdin() {
    let cli = Cli::new();
    let args = [
        "client",
        "create",
        "--client-id",
        "app",
        "--redirect-uri",
        "http://127.0.0.1:1/cb",
        "--secret-stdin",
        "--json",
    ];
    cli.usage_error(&args, "too-short-secret\n");
    assert!(cli.client_ids().is_empty());
    cli.ok(&args, "0123456789abcdef0123456789abcdef-long-enough\n");
    assert_eq!(cli.client_ids(), ["app"]);
}

#[test]
fn client_list_and_delete() {
    let cli = Cli::new();
    for id in ["one", "two"] {
        cli.ok(&["client", "create", "--client-id", id, "--redirect-uri", "http://127.0.0.1:1/cb"], "");
    }
    let mut ids = cli.client_ids();
    ids.sort();
    assert_eq!(ids, ["one", "two"]);
    cli.ok(&["client", "delete", "--client-id", "one"], "");
    assert_eq!(cli.client_ids(), ["two"]);
}

#[test]
fn read_only_and_modifying_commands_never_create_a_database() {
    let cli = Cli::new();
    for args in [
        &["client", "list"][..],
        &["client", "list", "--json"],
        &["client", "delete", "--client-id", "app"],
        &["client", "rotate-secret", "--client-id", "app"],
        &["keys", "list"],
        &["keys", "rotate"],
    ] {
        let out = cli.usage_error(args, "");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("does not exist"), "{args:?}: {stderr}");
    }
    assert!(!cli.database().exists(), "a database was created");
    assert!(!cli.dir().join("keys").exists(), "a key-encryption key was created");
    // Commands that create state create it.
    cli.ok(&["client", "create", "--client-id", "app", "--redirect-uri", "http://127.0.0.1:1/cb"], "");
    assert!(cli.database().exists());
    assert_eq!(cli.client_ids(), ["app"]);
}

#[test]
fn a_refused_command_writes_nothing_not_even_a_counter() {
    let cli = Cli::new();
    cli.ok(&["client", "create", "--client-id", "one", "--redirect-uri", "http://127.0.0.1:1/cb"], "");
    let before = cli.revisions();
    cli.usage_error(&["client", "delete", "--client-id", "nobody"], "");
    cli.usage_error(&["client", "rotate-secret", "--client-id", "nobody"], "");
    cli.usage_error(
        &["client", "create", "--client-id", "one", "--redirect-uri", "http://127.0.0.1:1/cb"],
        "",
    );
    cli.usage_error(BOB, "");
    assert_eq!(cli.revisions(), before);
    cli.ok(&["client", "delete", "--client-id", "one"], "");
    assert_ne!(cli.revisions(), before, "a deletion moves the clients counter");
}

#[test]
fn an_id_token_algorithm_needs_a_signing_key() {
    let cli = Cli::new();
    let args = |id: &'static str, alg: &'static str| {
        ["client", "create", "--client-id", id, "--redirect-uri", "http://127.0.0.1:1/cb"]
            .into_iter()
            .chain(["--id-token-signed-response-alg", alg])
            .collect::<Vec<_>>()
    };
    // PS256 is not among the default keys.algorithms.
    let out = cli.usage_error(&args("ps", "PS256"), "");
    assert!(String::from_utf8_lossy(&out.stderr).contains("keys.algorithms"), "{}", describe(&out));
    assert!(!cli.client_ids().contains(&"ps".to_string()));
    cli.ok(&args("es", "ES256"), "");
    // With PS256 keys configured, it is a valid choice.
    let out = cli.run_with(&args("ps", "PS256"), "", &[("OXIDP__KEYS__ALGORITHMS", "RS256,PS256")]);
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
    // Not a signing algorithm at all: refused by the parser.
    cli.usage_error(&args("hs", "HS256"), "");
}

#[test]
fn rs256_cannot_be_configured_away() {
    let cli = Cli::new();
    for algorithms in ["ES256", "ES256,EdDSA", "RS384"] {
        let out = cli.run_with(&["client", "list"], "", &[("OXIDP__KEYS__ALGORITHMS", algorithms)]);
        assert_eq!(out.status.code(), Some(2), "{algorithms}: {}", describe(&out));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("configuration"), "{algorithms}: {stderr}");
    }
}

#[test]
fn resource_create_list_and_delete() {
    let cli = Cli::new();
    let api = "https://api.example.com/orders";
    let out = cli.ok(
        &[
            "resource",
            "create",
            "--identifier",
            api,
            "--scope",
            "read:orders",
            "--signing-alg",
            "ES256",
            "--json",
        ],
        "",
    );
    let json: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"));
    let secret = json["secret"].as_str().expect("a generated secret, shown once");
    assert!(secret.len() >= 43, "{secret}");
    assert_eq!(
        (json["signing_alg"].as_str(), json["scopes"][0].as_str()),
        (Some("ES256"), Some("read:orders"))
    );
    let listed = cli.ok(&["resource", "list", "--json"], "");
    assert!(listed.contains(api) && !listed.contains(secret), "{listed}");

    let before = cli.revisions();
    for bad in [
        &["resource", "create", "--identifier", api][..],
        &["resource", "create", "--identifier", "not a uri"],
        &["resource", "create", "--identifier", "https://api.example.com/#x"],
        &["resource", "create", "--identifier", "https://other.example", "--scope", "openid"],
        &["resource", "create", "--identifier", "https://other.example", "--access-token-ttl", "0"],
        &["resource", "delete", "--identifier", "https://nobody.example"],
    ] {
        cli.usage_error(bad, "");
    }
    cli.usage_error(
        &["resource", "create", "--identifier", "https://other.example", "--secret-stdin"],
        "short\n",
    );
    assert_eq!(cli.revisions(), before, "refused commands write nothing");

    // Clients and resources share one name space (both authenticate at /introspect).
    cli.ok(&["client", "create", "--client-id", "urn:svc", "--grant-type", "client_credentials"], "");
    cli.usage_error(&["resource", "create", "--identifier", "urn:svc"], "");

    cli.ok(&["resource", "delete", "--identifier", api], "");
    assert_eq!(cli.ok(&["resource", "list", "--json"], "").trim(), "[]");
}

#[test]
fn client_registration_for_each_kind_of_app() {
    let cli = Cli::new();
    let create = |extra: &[&str]| -> Vec<String> {
        ["client", "create", "--json"].iter().chain(extra).map(|s| s.to_string()).collect()
    };
    let ok = |extra: &[&str]| -> Value {
        let args = create(extra);
        let out = cli.ok(&args.iter().map(String::as_str).collect::<Vec<_>>(), "");
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"))
    };
    // A service needs no redirect URI; a code-flow client does.
    ok(&["--client-id", "svc", "--grant-type", "client_credentials"]);
    let bad = create(&["--client-id", "web", "--grant-type", "authorization_code"]);
    cli.usage_error(&bad.iter().map(String::as_str).collect::<Vec<_>>(), "");
    // A browser app's origins default to its redirect URIs' origins.
    let spa = ok(&["--client-id", "spa", "--public", "--redirect-uri", "https://Photos.example:443/cb.html"]);
    assert_eq!(spa["web_origins"], serde_json::json!(["https://photos.example"]));
    assert_eq!(spa["pkce"], "required");
    // A native app may use a private-use scheme; a confidential client may not.
    ok(&["--client-id", "notes", "--public", "--redirect-uri", "com.example.notes:/cb"]);
    for refused in [
        &["--client-id", "x1", "--redirect-uri", "com.example.web:/cb"][..],
        &["--client-id", "x2", "--public", "--redirect-uri", "https://a.example/cb", "--pkce", "optional"],
        &[
            "--client-id",
            "x3",
            "--redirect-uri",
            "https://a.example/cb",
            "--web-origin",
            "https://a.example/app",
        ],
        &["--client-id", "x4", "--redirect-uri", "https://a.example/cb", "--refresh-reuse-leeway", "61"],
    ] {
        let args = create(refused);
        cli.usage_error(&args.iter().map(String::as_str).collect::<Vec<_>>(), "");
    }
    let legacy =
        ok(&["--client-id", "legacy", "--redirect-uri", "https://a.example/cb", "--pkce", "optional"]);
    assert_eq!(legacy["pkce"], "optional");
}
