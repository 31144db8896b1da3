//! The admin REST API on groups, keys, resources and the audit log, and
//! people as administrators: a member of oxidp-admins gets oxidp:admin by
//! logging in and loses the API the moment the membership ends.

use crate::helpers::*;
use oxidp::flows::admin::{Actor, NewClient};
use serde_json::json;

const PASSWORD: &str = "correct horse battery";

backend_test!(groups_keys_resources_and_audit_through_the_api, |app| async move {
    let api = app.admin_api().await;
    app.with_user("alice", PASSWORD).await;
    let created = api.post("/groups", json!({"name": "app1:admin", "description": "Wiki admins"})).await;
    assert_eq!(created.status, 201, "{}", created.json);
    assert_eq!(api.post("/groups", json!({"name": "bad name"})).await.json["field"], "name");
    assert_eq!(api_error(&api.post("/groups", json!({"name": "app1:admin"})).await, 409), "conflict");
    assert_eq!(api.post("/groups/app1:admin/members", json!({"user": "alice"})).await.status, 204);
    assert_eq!(
        api_error(&api.post("/groups/app1:admin/members", json!({"user": "alice"})).await, 409),
        "conflict"
    );
    assert_eq!(
        api_error(&api.post("/groups/app1:admin/members", json!({"user": "nobody"})).await, 404),
        "not_found"
    );
    let group = api.get("/groups/app1:admin").await;
    assert_eq!(group.json["members"][0]["username"], "alice", "{}", group.json);
    assert_eq!(api.get("/groups?search=APP1").await.json["items"][0]["members"], 1);
    assert_eq!(api.get("/users/alice/groups").await.json, json!(["app1:admin"]));
    assert_eq!(api.delete("/groups/app1:admin/members/alice").await.status, 204);
    assert_eq!(api.get("/users/alice/groups").await.json, json!([]));
    assert_eq!(api.delete("/groups/app1:admin").await.status, 204);
    assert_eq!(api_error(&api.get("/groups/app1:admin").await, 404), "not_found");

    let keys = api.get("/keys").await;
    let kids: Vec<String> =
        keys.json.as_array().unwrap().iter().map(|k| k["kid"].as_str().unwrap().to_string()).collect();
    assert!(!kids.is_empty());
    assert!(keys.json.as_array().unwrap().iter().all(|k| k.get("private_key").is_none()));
    assert_eq!(api.post("/keys/rotate", json!({"alg": "HS256"})).await.json["field"], "alg");
    let rotated = api.post("/keys/rotate", json!({"alg": "RS256", "force": true})).await;
    assert_eq!(rotated.status, 200, "{}", rotated.json);
    assert_eq!(rotated.json[0]["rotated"], true);
    assert_ne!(api.get("/keys").await.json, keys.json, "the key set moved");

    let rsa = openssl::rsa::Rsa::generate(2048).unwrap();
    let pem =
        String::from_utf8(openssl::pkey::PKey::from_rsa(rsa).unwrap().private_key_to_pem_pkcs8().unwrap())
            .unwrap();
    let imported = api.post("/keys", json!({"pem": pem})).await;
    assert_eq!(imported.status, 201, "{}", imported.json);
    assert_eq!(imported.json["alg"], "RS256");
    let kid = imported.json["kid"].as_str().unwrap();
    let listed = api.get("/keys").await;
    let next = listed.json.as_array().unwrap().iter().find(|k| k["kid"] == kid).expect("listed");
    assert_eq!(next["state"], "next");
    let again = api.post("/keys", json!({"pem": pem})).await;
    assert_eq!(
        (api_error(&again, 400), again.json["field"].as_str()),
        ("invalid_request".into(), Some("pem"))
    );
    assert_eq!(api.post("/keys", json!({"pem": "not a key"})).await.json["field"], "pem");
    assert!(!format!("{}", api.get("/audit-events?limit=200").await.json).contains("PRIVATE KEY"));
    let resource = api
        .post("/resources", json!({"identifier": "https://api.example.com/", "scopes": ["api.read"]}))
        .await;
    assert_eq!(resource.status, 201, "{}", resource.json);
    assert!(resource.json["secret"].as_str().is_some_and(|s| s.len() >= 32));
    assert_eq!(api.post("/resources", json!({"identifier": "not a uri"})).await.status, 400);
    assert_eq!(api.get("/resources").await.json[0]["identifier"], "https://api.example.com/");
    assert_eq!(api.delete("/resources?identifier=https%3A%2F%2Fapi.example.com%2F").await.status, 204);
    assert_eq!(api.get("/resources").await.json, json!([]));

    let events = api.get("/audit-events?kind=admin_action&limit=200").await;
    assert_eq!(events.status, 200, "{}", events.json);
    let actions: Vec<&str> = events.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["detail"]["action"].as_str().unwrap())
        .collect();
    for action in [
        "group.create",
        "group.add_member",
        "group.remove_member",
        "group.delete",
        "resource.create",
        "resource.delete",
    ] {
        assert!(actions.contains(&action), "{action} in {actions:?}");
    }
    let items = events.json["items"].as_array().unwrap();
    let by_api = items.iter().filter(|e| e["detail"]["action"].as_str().unwrap().starts_with("group."));
    assert!(by_api.clone().count() == 4 && by_api.into_iter().all(|e| e["actor"] == "client:automation"));
    let rotations = api.get("/audit-events?kind=key_rotated").await;
    assert_eq!(rotations.json["items"][0]["actor"], "client:automation", "{}", rotations.json);
    let page = api.get("/audit-events?limit=2").await;
    assert_eq!(page.json["items"].as_array().unwrap().len(), 2);
    let next = page.json["next"].as_str().expect("more").to_string();
    let older = api.get(&format!("/audit-events?limit=2&before={next}")).await;
    assert_ne!(older.json["items"][0]["id"], page.json["items"][0]["id"]);
    assert_eq!(api.get("/audit-events?kind=nonsense").await.json["field"], "kind");
});

backend_test!(administrators_are_members_of_oxidp_admins, |app| async move {
    let admin = &app.services.admin;
    let alice = app.with_user("alice", PASSWORD).await;
    let console = app
        .with_client(NewClient {
            scopes: vec!["openid".into(), "oxidp:admin".into()],
            ..new_client("tool", &[crate::authorize::CB], true)
        })
        .await;
    // Not a member: the scope is left out, the API answers 403.
    let tokens = app.tokens_scoped(&alice, &console, "openid oxidp:admin").await;
    assert!(!tokens.json["scope"].as_str().unwrap().contains("oxidp:admin"), "{}", tokens.json);
    let api = app.admin_api_with(Some(tokens.access_token));
    assert_eq!(api_error(&api.get("/users").await, 403), "insufficient_scope");

    admin.create_group(&Actor::Cli, "oxidp-admins", None, now()).await.unwrap();
    admin.add_member(&Actor::Cli, "oxidp-admins", &alice.record.id, now()).await.unwrap();
    let tokens = app.tokens_scoped(&alice, &console, "openid oxidp:admin").await;
    assert!(tokens.json["scope"].as_str().unwrap().contains("oxidp:admin"), "{}", tokens.json);
    let api = app.admin_api_with(Some(tokens.access_token));
    let created = api.post("/groups", json!({"name": "editors"})).await;
    assert_eq!(created.status, 201, "{}", created.json);
    let events = app.admin_api().await.get("/audit-events?kind=admin_action").await;
    let by_alice =
        events.json["items"].as_array().unwrap().iter().find(|e| e["detail"]["target"] == "editors").cloned();
    assert_eq!(by_alice.expect("recorded")["actor"], format!("user:{}", alice.record.id));

    // Membership ends: the token in hand stops opening the API at once.
    admin.remove_member(&Actor::Cli, "oxidp-admins", &alice.record.id, now()).await.unwrap();
    assert_eq!(api_error(&api.get("/users").await, 403), "insufficient_scope");
    assert_eq!(api_error(&api.post("/groups", json!({"name": "x"})).await, 403), "insufficient_scope");
    assert!(admin.find_group("x").await.is_err(), "nothing written");
});
