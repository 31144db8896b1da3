//! `oxidp group …` and `client create --role-claim`, run as a real process
//! on a temp SQLite database: bad input exits 2 and writes nothing, every
//! change is an audit event by `cli`.

use serde_json::{Value, json};

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
        Cli(CliProcess::new("oxidp-cli-groups-"))
    }

    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args, "");
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", describe(&out));
        String::from_utf8(out.stdout).unwrap()
    }

    /// Exit 2 with one line on stderr containing `message`.
    fn usage_error(&self, args: &[&str], message: &str) {
        let out = self.run(args, "");
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", describe(&out));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(message), "{args:?}: expected {message:?} in {stderr}");
    }

    fn json(&self, args: &[&str]) -> Value {
        serde_json::from_str(&self.ok(args)).expect("JSON output")
    }

    /// `(actor, action, target)` of the admin actions, oldest first.
    fn admin_actions(&self) -> Vec<(String, String, String)> {
        use diesel::{Connection, QueryableByName, RunQueryDsl};
        #[derive(QueryableByName)]
        struct Row {
            #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
            actor: Option<String>,
            #[diesel(sql_type = diesel::sql_types::Text)]
            detail: String,
        }
        let path = self.database().display().to_string();
        let mut conn = diesel::SqliteConnection::establish(&path).expect("open the database");
        let rows: Vec<Row> = diesel::sql_query(
            "SELECT actor, detail FROM audit_events WHERE kind = 'admin_action' ORDER BY at, id",
        )
        .load(&mut conn)
        .expect("audit rows");
        rows.into_iter()
            .map(|r| {
                let detail: Value = serde_json::from_str(&r.detail).unwrap();
                let field = |name: &str| detail[name].as_str().unwrap_or_default().to_string();
                (r.actor.unwrap_or_default(), field("action"), field("target"))
            })
            .collect()
    }
}

#[test]
fn groups_are_created_filled_emptied_and_deleted() {
    let cli = Cli::new();
    let out = cli.run(&["user", "create", "--username", "alice"], "correct horse battery\n");
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));

    cli.ok(&["group", "create", "--name", "app1:admin", "--description", "Admins of app1"]);
    cli.ok(&["group", "create", "--name", "staff"]);
    cli.usage_error(&["group", "create", "--name", "staff"], "already exists");
    cli.usage_error(&["group", "create", "--name", "two words"], "group name");

    cli.ok(&["group", "add-member", "--group", "app1:admin", "--username", "Alice"]);
    cli.usage_error(
        &["group", "add-member", "--group", "app1:admin", "--username", "alice"],
        "already a member",
    );
    cli.usage_error(
        &["group", "add-member", "--group", "app1:admin", "--username", "nobody"],
        "does not exist",
    );
    cli.usage_error(&["group", "add-member", "--group", "nope", "--username", "alice"], "does not exist");

    let members = cli.json(&["group", "members", "--group", "app1:admin", "--json"]);
    assert_eq!(members.as_array().unwrap().len(), 1, "{members}");
    assert_eq!(members[0]["username"], "alice");
    let groups = cli.json(&["group", "list", "--json"]);
    let summary: Vec<(Value, Value, Value)> = groups
        .as_array()
        .unwrap()
        .iter()
        .map(|g| (g["name"].clone(), g["members"].clone(), g["description"].clone()))
        .collect();
    assert_eq!(
        summary,
        [(json!("app1:admin"), json!(1), json!("Admins of app1")), (json!("staff"), json!(0), Value::Null)]
    );
    assert!(cli.ok(&["group", "list"]).contains("app1:admin"));

    cli.ok(&["group", "remove-member", "--group", "app1:admin", "--username", "alice"]);
    cli.usage_error(
        &["group", "remove-member", "--group", "app1:admin", "--username", "alice"],
        "not a member",
    );
    assert_eq!(cli.json(&["group", "members", "--group", "app1:admin", "--json"]), json!([]));
    cli.ok(&["group", "delete", "--name", "app1:admin"]);
    cli.usage_error(&["group", "delete", "--name", "app1:admin"], "does not exist");
    cli.usage_error(&["group", "members", "--group", "app1:admin"], "does not exist");

    // Sorted: events within one second have no defined order.
    let mut actions: Vec<(String, String)> =
        cli.admin_actions().into_iter().map(|(actor, action, _)| (actor, action)).collect();
    actions.sort();
    let cli_did = |action: &str| ("cli".to_string(), action.to_string());
    assert_eq!(
        actions,
        [
            cli_did("group.add_member"),
            cli_did("group.create"),
            cli_did("group.create"),
            cli_did("group.delete"),
            cli_did("group.remove_member"),
            cli_did("user.create"),
        ],
        "one event per change, none for refusals"
    );
}

#[test]
fn listing_groups_needs_an_existing_database() {
    let cli = Cli::new();
    cli.usage_error(&["group", "list"], "does not exist");
    assert!(!cli.database().exists(), "a read must not create the database");
}

#[test]
fn clients_take_a_role_prefix() {
    let cli = Cli::new();
    let created = cli.json(&[
        "client",
        "create",
        "--client-id",
        "app1",
        "--redirect-uri",
        "https://app1.example/cb",
        "--role-claim",
        "app1:",
        "--scope",
        "openid",
        "--scope",
        "groups",
        "--scope",
        "oxidp:admin",
        "--json",
    ]);
    assert_eq!(created["role_claim"], "app1:");
    assert_eq!(created["scopes"], json!(["openid", "groups", "oxidp:admin"]));
    cli.usage_error(
        &[
            "client",
            "create",
            "--client-id",
            "app2",
            "--redirect-uri",
            "https://app2.example/cb",
            "--role-claim",
            "app 2",
        ],
        "role claim prefix",
    );
}
