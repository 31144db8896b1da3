//! `oxidp admin bootstrap`: the first administrators of an empty
//! deployment, then never again; the automation client's token opens the
//! admin API and the person belongs to oxidp-admins.

use oxidp::flows::admin::{Actor, Bootstrap};

use crate::helpers::*;

backend_test!(bootstrap_makes_the_first_administrators_once, |app| async move {
    let admin = &app.services.admin;
    let none = admin.bootstrap(&Actor::Cli, Bootstrap::default(), now()).await;
    assert!(none.is_err(), "nothing to create");
    let bad = Bootstrap { user: Some(("root".into(), "pw".into())), client_id: Some("bad id".into()) };
    assert!(admin.bootstrap(&Actor::Cli, bad, now()).await.is_err());
    assert!(admin.find_user("root").await.is_err(), "a bad client id wrote nothing, not even the user");

    let request = Bootstrap {
        user: Some(("root".into(), "a long admin passphrase".into())),
        client_id: Some("ops".into()),
    };
    let done = admin.bootstrap(&Actor::Cli, request, now()).await.expect("bootstrap");
    let user = done.user.expect("user");
    assert_eq!(admin.user_groups(&user.id).await.unwrap(), ["oxidp-admins"]);
    let created = done.client.expect("client");
    let client =
        TestClient { client_id: "ops".into(), secret: created.secret.clone(), redirect_uris: Vec::new() };
    let api = app.admin_api_with(Some(app.service_token(&client, "oxidp:admin").await));
    let users = api.get("/users").await;
    assert_eq!(users.json["items"][0]["username"], "root", "{}", users.json);

    let again = Bootstrap { user: Some(("second".into(), "another passphrase".into())), client_id: None };
    let refused = admin.bootstrap(&Actor::Cli, again, now()).await.err().expect("only once");
    assert!(refused.to_string().contains("already has an administrator"), "{refused}");
    assert!(admin.find_user("second").await.is_err());
});

#[test]
fn the_cli_bootstraps_an_empty_database_once() {
    let cli = CliProcess::new("oxidp-bootstrap-");
    let run = |args: &[&str], stdin: &str| cli.run(args, stdin);
    let usage = run(&["admin", "bootstrap"], "");
    assert_eq!(usage.status.code(), Some(2), "{usage:?}");
    let out = run(
        &["admin", "bootstrap", "--username", "root", "--client-id", "ops", "--json"],
        "a long passphrase\n",
    );
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["username"], "root");
    assert!(json["client_secret"].as_str().is_some_and(|s| s.len() >= 32), "{json}");
    assert!(!String::from_utf8_lossy(&out.stdout).contains("passphrase"));
    let again = run(&["admin", "bootstrap", "--client-id", "ops2"], "");
    assert_eq!(again.status.code(), Some(2), "{again:?}");
    assert!(String::from_utf8_lossy(&again.stderr).contains("already has an administrator"));
    let groups = run(&["group", "members", "--group", "oxidp-admins"], "");
    assert!(String::from_utf8_lossy(&groups.stdout).contains("root"), "{groups:?}");
}
