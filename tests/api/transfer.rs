//! `oxidp export` / `oxidp import`: an embedded (SQLite) deployment moves to
//! PostgreSQL and its users sign in there with the same passwords, its
//! clients keep their secrets, tokens verify with the keys they had; the
//! import is all or nothing, refuses a non-empty target unless merging, a
//! foreign key-encryption key and anything that is not an export.

use std::path::Path;
use std::process::{Command, Output, Stdio};

use oxidp::flows::admin::Actor;
use serde_json::Value;

use crate::authorize::CB;
use crate::helpers::*;

const PASSWORD: &str = "correct horse battery";

/// `oxidp <args>` on `settings`' database and keys, `stdin` piped in.
async fn oxidp(settings: &oxidp::config::Settings, args: &[&str], stdin: &str) -> Output {
    let (db, keys) = (settings.database.url.clone(), settings.keys.dir.clone());
    let (args, stdin): (Vec<String>, String) = (args.iter().map(|a| a.to_string()).collect(), stdin.into());
    tokio::task::spawn_blocking(move || {
        use std::io::Write;
        let mut child = Command::new(env!("CARGO_BIN_EXE_oxidp"))
            .args(&args)
            .env("OXIDP__DATABASE__URL", db)
            .env("OXIDP__KEYS__DIR", keys)
            .env_remove("OXIDP__REDIS__URL")
            .env_remove("OXIDP_ENV")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run oxidp");
        let _ = child.stdin.take().unwrap().write_all(stdin.as_bytes());
        child.wait_with_output().unwrap()
    })
    .await
    .unwrap()
}

fn text(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).to_string()
}

/// The document without its timestamp, for comparing two exports.
fn records(json: &str) -> Value {
    let mut doc: Value = serde_json::from_str(json).expect("an export is JSON");
    doc.as_object_mut().unwrap().remove("exported_at");
    doc
}

fn copy_kek(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    std::fs::copy(from.join("kek"), to.join("kek")).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(oxidp_pg_redis),
    ignore = "needs PostgreSQL + Redis: set OXIDP_TEST_DATABASE_URL and OXIDP_TEST_REDIS_URL"
)]
async fn an_embedded_deployment_moves_to_postgresql_and_its_users_sign_in_there() {
    let source = spawn_app(Backend::Embedded).await;
    let alice = source.with_user("alice", PASSWORD).await;
    let app = source.with_confidential_client("app1", &[CB]).await;
    source.with_public_client("spa", &[CB]).await;
    let admin = &source.services.admin;
    admin.create_group(&Actor::Cli, "staff", Some("Staff".into()), now()).await.unwrap();
    admin.add_member(&Actor::Cli, "staff", &alice.sub(), now()).await.unwrap();
    let before = source.tokens_for(&alice, &app).await;
    // A client that registered itself (RFC 7591) keeps its registration access token.
    let initial = admin.create_registration_token(&Actor::Cli, None, None, now()).await.unwrap().token;
    let body = serde_json::json!({ "redirect_uris": [CB], "client_name": "Self-registered" });
    let resp =
        source.api.post(source.url("/connect/register")).bearer_auth(&initial).json(&body).send().await;
    let registered: Value = resp.unwrap().json().await.unwrap();
    let (registered_id, registration_token) = (
        registered["client_id"].as_str().expect("client_id").to_string(),
        registered["registration_access_token"].as_str().expect("token").to_string(),
    );
    let source_kids: Vec<Value> =
        source.jwks().await["keys"].as_array().unwrap().iter().map(|k| k["kid"].clone()).collect();

    let exported = oxidp(&source.settings, &["export"], "").await;
    assert_eq!(exported.status.code(), Some(0), "{}", describe(&exported));
    let dump = text(&exported);
    assert!(String::from_utf8_lossy(&exported.stderr).contains("1 users"), "{}", describe(&exported));
    assert!(dump.contains("$argon2id$"), "password hashes travel as they are");

    // Into a new PostgreSQL database, with the source's key-encryption key.
    let target = Storage::create(Backend::PgRedis).unwrap();
    let settings = target.settings();
    copy_kek(&source.settings.keys.dir, &settings.keys.dir);
    let imported = oxidp(&settings, &["import"], &dump).await;
    assert_eq!(imported.status.code(), Some(0), "{}", describe(&imported));
    assert!(text(&imported).contains("imported 1 users, 1 groups, 1 group_members, "), "{}", text(&imported));
    let again = oxidp(&settings, &["export"], "").await;
    assert_eq!(records(&text(&again)), records(&dump), "the same records, column for column");

    // A server on PostgreSQL: the same password, secret, groups and keys.
    let moved = target.spawn(SpawnOptions::default()).await;
    let after = moved.tokens_for(&alice, &app).await;
    let id_token = verify_jwt(&moved.jwks().await, after.id_token.as_deref().unwrap());
    assert_eq!(id_token.claims["sub"], alice.sub());
    assert!(source_kids.contains(&id_token.header["kid"]), "signed with a key the source published");
    let userinfo: Value = moved.userinfo(&after.access_token).await.json().await.unwrap();
    assert_eq!(userinfo["preferred_username"], "alice", "{userinfo}");
    assert_ne!(before.access_token, after.access_token);
    let read = moved
        .api
        .get(moved.url(&format!("/connect/register/{registered_id}")))
        .bearer_auth(&registration_token);
    let read: Value = read.send().await.unwrap().json().await.unwrap();
    assert_eq!(read["client_name"], "Self-registered", "the registrant still manages its client: {read}");
}

backend_test!(an_import_is_all_or_nothing_and_refuses_what_it_cannot_trust, |app| async move {
    app.with_user("alice", PASSWORD).await;
    app.with_public_client("spa", &[CB]).await;
    let dump = text(&oxidp(&app.settings, &["export"], "").await);
    let count = |out: &Output| describe(out);

    // A target with records of its own: refused, unchanged.
    let refused = oxidp(&app.settings, &["import"], &dump).await;
    assert_eq!(refused.status.code(), Some(2), "{}", count(&refused));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("not empty"), "{}", count(&refused));
    // Merging adds only what is new; the target's own records stay.
    let mut doc: Value = serde_json::from_str(&dump).unwrap();
    let mut bob = doc["users"][0].clone();
    bob["id"] = "bob-id".into();
    bob["username"] = "bob".into();
    bob["email"] = Value::Null;
    assert_eq!(bob["profile"], "{}", "the profile claims are exported");
    bob.as_object_mut().unwrap().remove("profile").expect("as in exports made before it existed");
    doc["users"].as_array_mut().unwrap().push(bob);
    let merged = oxidp(&app.settings, &["import", "--merge"], &doc.to_string()).await;
    assert_eq!(merged.status.code(), Some(0), "{}", count(&merged));
    assert!(text(&merged).contains("imported 1 users, 0 groups"), "{}", text(&merged));
    assert!(text(&merged).contains("kept the target's own (already present): 1 users"), "{}", text(&merged));
    let bob = app.services.stores.users.find("bob-id").await.unwrap().expect("bob was added");
    assert_eq!(bob.username, "bob");
    assert_eq!(bob.profile, oxidp::protocol::profile::Profile::default());

    // Sealed with another key-encryption key: nothing is written.
    let elsewhere = Storage::create(Backend::Embedded).unwrap();
    let settings = elsewhere.settings();
    std::fs::create_dir_all(&settings.keys.dir).unwrap();
    std::fs::write(settings.keys.dir.join("kek"), "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n").unwrap();
    let foreign = oxidp(&settings, &["import"], &dump).await;
    assert_eq!(foreign.status.code(), Some(2), "{}", count(&foreign));
    assert!(String::from_utf8_lossy(&foreign.stderr).contains("does not open"), "{}", count(&foreign));
    let empty = oxidp(&settings, &["export"], "").await;
    assert_eq!(records(&text(&empty))["users"], serde_json::json!([]), "nothing was written");

    // Not an export at all.
    for bad in ["{}", "not json", r#"{"format":"other","version":1}"#] {
        let out = oxidp(&settings, &["import"], bad).await;
        assert_eq!(out.status.code(), Some(2), "{bad}: {}", count(&out));
        assert!(String::from_utf8_lossy(&out.stderr).contains("not an oxidp export"), "{}", count(&out));
    }
});
