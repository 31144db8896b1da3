//! The admin REST API on clients: CRUD with ETags, field-named validation
//! that writes nothing, authorization, lost updates refused, and the
//! OpenAPI document in step with the route table.

use crate::helpers::*;
use serde_json::{Value, json};

fn web_app(client_id: &str) -> Value {
    json!({
        "client_id": client_id,
        "name": "Wiki",
        "redirect_uris": ["https://wiki.example.com/cb"],
        "grant_types": ["authorization_code", "refresh_token"],
        "scopes": ["openid", "profile"],
    })
}

backend_test!(clients_are_created_read_changed_and_deleted, |app| async move {
    let api = app.admin_api().await;
    let created = api.post("/clients", web_app("wiki")).await;
    assert_eq!(created.status, 201, "{}", created.json);
    assert_eq!(created.headers["location"], "/admin/api/v1/clients/wiki");
    let secret = created.json["client_secret"].as_str().expect("secret shown once").to_string();
    assert!(secret.len() >= 32);
    assert_eq!(created.json["client"]["token_endpoint_auth_method"], "client_secret_basic");
    assert!(created.json["client"].get("secret_hash").is_none(), "never the hash");
    let etag = created.etag.clone().expect("ETag");

    let read = api.get("/clients/wiki").await;
    assert_eq!(read.status, 200);
    assert_eq!(read.etag.as_deref(), Some(etag.as_str()));
    assert!(read.json.get("client_secret").is_none(), "the secret is not shown again");

    let listed = api.get("/clients?search=WIK").await;
    let ids: Vec<&str> =
        listed.json["items"].as_array().unwrap().iter().map(|c| c["client_id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["wiki"], "search is case-insensitive over id and name");

    let changed = api
        .patch(
            "/clients/wiki",
            json!({
                "name": "Team wiki",
                "consent": "required",
                "access_token_ttl": 120,
                "require_pushed_authorization_requests": true,
                "require_signed_request_object": true,
                "dpop_bound_access_tokens": true,
                "jwks_uri": "https://wiki.example.com/jwks.json"
            }),
            Some(&etag),
        )
        .await;
    assert_eq!(changed.status, 200, "{}", changed.json);
    assert_eq!(changed.json["client"]["name"], "Team wiki");
    assert_eq!(changed.json["client"]["consent"], "required");
    assert_eq!(created.json["client"]["require_pushed_authorization_requests"], false);
    assert_eq!(changed.json["client"]["require_pushed_authorization_requests"], true);
    assert_eq!(created.json["client"]["require_signed_request_object"], false);
    assert_eq!(changed.json["client"]["require_signed_request_object"], true);
    assert_eq!(created.json["client"]["dpop_bound_access_tokens"], false);
    assert_eq!(changed.json["client"]["dpop_bound_access_tokens"], true);
    assert_eq!(api.get("/clients/wiki").await.json["dpop_bound_access_tokens"], true, "stored");
    assert_eq!(changed.json["client"]["redirect_uris"], json!(["https://wiki.example.com/cb"]), "untouched");
    assert_ne!(changed.etag, Some(etag.clone()), "a new version");

    // The secret survived the update: the client still authenticates.
    let auth = ClientAuth::Basic { id: "wiki".into(), secret: secret.clone() };
    let resp = app.token(&auth, &[("grant_type", "refresh_token"), ("refresh_token", "x")]).await;
    assert_eq!(resp.status(), 400, "invalid_grant, not invalid_client");

    let cleared = api.patch("/clients/wiki", json!({"access_token_ttl": null}), None).await;
    assert_eq!(cleared.status, 200);
    assert!(cleared.json["client"]["access_token_ttl"].is_null());

    let rotated = api.post("/clients/wiki/secret", json!({})).await;
    assert_eq!(rotated.status, 200);
    assert_ne!(rotated.json["client_secret"], secret);

    assert_eq!(api.delete("/clients/wiki").await.status, 204);
    assert_eq!(api_error(&api.get("/clients/wiki").await, 404), "not_found");
    assert_eq!(api_error(&api.delete("/clients/wiki").await, 404), "not_found");

    // Every change left a record naming the automation client.
    let events = app.services.admin.recent_audit_events(50).await.unwrap();
    let mut actions: Vec<String> = events
        .iter()
        .filter(|e| e.actor.as_deref() == Some("client:automation"))
        .map(|e| serde_json::from_str::<Value>(&e.detail).unwrap()["action"].as_str().unwrap().to_string())
        .collect();
    actions.sort();
    assert_eq!(
        actions,
        ["client.create", "client.delete", "client.rotate_secret", "client.update", "client.update"]
    );
    let update = events
        .iter()
        .find(|e| e.detail.contains("\"before\":{") && e.detail.contains("\"name\":\"Wiki\""))
        .expect("update event");
    let detail: Value = serde_json::from_str(&update.detail).unwrap();
    assert_eq!(detail["before"]["name"], "Wiki");
    assert_eq!(detail["after"]["name"], "Team wiki");
    assert!(!update.detail.contains(&secret), "never a secret in the audit log");
});

/// A JWK Set with one fresh public ES256 key.
fn public_jwks() -> Value {
    let mut key = josekit::jws::ES256.generate_key_pair().expect("EC key").to_jwk_public_key();
    key.set_key_id("k1");
    json!({ "keys": [Value::Object(key.as_ref().clone())] })
}

backend_test!(any_client_may_register_public_keys_but_one_source, |app| async move {
    let api = app.admin_api().await;
    // A public client (method none) with inline keys, for signed request objects.
    let spa = json!({
        "client_id": "spa",
        "public": true,
        "redirect_uris": ["https://spa.example.com/cb"],
        "jwks": public_jwks(),
        "require_signed_request_object": true,
        "dpop_bound_access_tokens": true,
    });
    let created = api.post("/clients", spa).await;
    assert_eq!(created.status, 201, "{}", created.json);
    assert_eq!(created.json["client"]["token_endpoint_auth_method"], "none");
    assert_eq!(created.json["client"]["jwks"]["keys"][0]["kid"], "k1");
    assert_eq!(created.json["client"]["require_signed_request_object"], true);
    assert_eq!(created.json["client"]["require_pushed_authorization_requests"], false);
    assert_eq!(created.json["client"]["dpop_bound_access_tokens"], true, "set on creation");
    // A confidential client with a secret may name a jwks_uri.
    let mut web = web_app("web");
    web["jwks_uri"] = json!("https://web.example.com/jwks.json");
    let created = api.post("/clients", web).await;
    assert_eq!(created.status, 201, "{}", created.json);
    assert_eq!(created.json["client"]["jwks_uri"], "https://web.example.com/jwks.json");
    assert!(created.json["client_secret"].is_string(), "still a secret");

    let before = app.audit_count().await;
    let both = json!({
        "client_id": "both",
        "public": true,
        "redirect_uris": ["https://spa.example.com/cb"],
        "jwks": public_jwks(),
        "jwks_uri": "https://spa.example.com/jwks.json",
    });
    let refused = api.post("/clients", both).await;
    assert_eq!(api_error(&refused, 400), "invalid_request");
    assert_eq!(refused.json["field"], "jwks", "{}", refused.json);
    let patched =
        api.patch("/clients/spa", json!({"jwks_uri": "https://spa.example.com/jwks.json"}), None).await;
    assert_eq!(patched.json["field"], "jwks", "{}", patched.json);
    let mut bad_keys = web_app("bad");
    bad_keys["jwks"] = json!({"keys": [{"kty": "oct", "k": "c2VjcmV0"}]});
    assert_eq!(api.post("/clients", bad_keys).await.json["field"], "jwks", "keys are still checked");
    let mut bad_uri = web_app("bad");
    bad_uri["jwks_uri"] = json!("http://web.example.com/jwks.json");
    assert_eq!(api.post("/clients", bad_uri).await.json["field"], "jwks_uri", "https only");
    let mut keyless = web_app("bad");
    keyless["token_endpoint_auth_method"] = json!("private_key_jwt");
    assert_eq!(api.post("/clients", keyless).await.json["field"], "jwks", "private_key_jwt needs keys");
    let mut unverifiable = web_app("bad");
    unverifiable["require_signed_request_object"] = json!(true);
    let refused = api.post("/clients", unverifiable).await;
    assert_eq!(refused.json["field"], "require_signed_request_object", "JAR needs keys: {}", refused.json);
    assert_eq!(app.audit_count().await, before, "nothing refused was written");
});

backend_test!(validation_names_the_field_and_writes_nothing, |app| async move {
    let api = app.admin_api().await;
    assert_eq!(api.post("/clients", web_app("wiki")).await.status, 201);
    let before = app.audit_count().await;
    let cases: Vec<(Value, &str)> = vec![
        (json!({"client_id": "a", "redirect_uris": ["http://app.example/cb"]}), "redirect_uris"),
        (json!({"client_id": "a", "redirect_uris": ["https://app.example/cb#x"]}), "redirect_uris"),
        (json!({"client_id": "a", "redirect_uris": ["/cb"]}), "redirect_uris"),
        (
            json!({"client_id": "a", "redirect_uris": ["https://a/cb"], "grant_types": ["password"]}),
            "grant_types",
        ),
        (json!({"client_id": "a", "redirect_uris": ["https://a/cb"], "scopes": ["bad\"scope"]}), "scopes"),
        (
            json!({"client_id": "a", "redirect_uris": ["https://a/cb"], "id_token_signed_response_alg": "ES256"}),
            "id_token_signed_response_alg",
        ),
        (json!({"client_id": "a b", "redirect_uris": ["https://a/cb"]}), "client_id"),
        (
            json!({"client_id": "a", "redirect_uris": ["https://a/cb"], "refresh_reuse_leeway": 600}),
            "refresh_reuse_leeway",
        ),
        (json!({"client_id": "a", "redirect_uris": ["https://a/cb"], "colour": "red"}), "colour"),
    ];
    for (body, field) in cases {
        let answer = api.post("/clients", body.clone()).await;
        assert_eq!(api_error(&answer, 400), "invalid_request", "{body}");
        assert_eq!(answer.json["field"], field, "{body}: {}", answer.json);
    }
    let etag = api.get("/clients/wiki").await.etag.unwrap();
    let bad = api
        .patch(
            "/clients/wiki",
            json!({"redirect_uris": ["https://ok.example/cb", "http://evil.example/cb"]}),
            Some(&etag),
        )
        .await;
    assert_eq!(bad.json["field"], "redirect_uris", "{}", bad.json);
    let conflict = api.post("/clients", web_app("wiki")).await;
    assert_eq!(api_error(&conflict, 409), "conflict");

    let listed = api.get("/clients").await;
    let ids: Vec<&str> =
        listed.json["items"].as_array().unwrap().iter().map(|c| c["client_id"].as_str().unwrap()).collect();
    assert_eq!(
        ids,
        ["automation", "oxidp-admin-console", "wiki"],
        "nothing was created (the console's own client is there from startup)"
    );
    let wiki = api.get("/clients/wiki").await;
    assert_eq!(wiki.etag.as_deref(), Some(etag.as_str()), "nothing was changed");
    assert_eq!(wiki.json["redirect_uris"], json!(["https://wiki.example.com/cb"]));
    assert_eq!(app.audit_count().await, before, "no audit record for refused input");
    let malformed = api.get("/clients?limit=0").await;
    assert_eq!(malformed.json["field"], "limit");
    assert_eq!(api_error(&api.get("/clients?limit=x").await, 400), "invalid_request");
});

backend_test!(lost_updates_are_refused, |app| async move {
    let api = app.admin_api().await;
    api.post("/clients", web_app("wiki")).await;
    let etag = api.get("/clients/wiki").await.etag.unwrap();
    let first = api.patch("/clients/wiki", json!({"name": "First"}), Some(&etag)).await;
    assert_eq!(first.status, 200);
    let second = api.patch("/clients/wiki", json!({"name": "Second"}), Some(&etag)).await;
    assert_eq!(api_error(&second, 412), "precondition_failed");
    assert_eq!(api.get("/clients/wiki").await.json["name"], "First", "the lost update changed nothing");
    assert_eq!(
        api_error(&api.patch("/clients/wiki", json!({"name": "W"}), Some("W/\"1\"")).await, 412),
        "precondition_failed"
    );

    // RFC 9110 §13.1.1: a list of tags matches when one of them is current.
    let current = api.get("/clients/wiki").await.etag.unwrap();
    let listed =
        api.patch("/clients/wiki", json!({"name": "Listed"}), Some(&format!("\"999\", {current}"))).await;
    assert_eq!(listed.status, 200, "{}", listed.json);

    // Two editors with the same version at once: exactly one wins.
    let etag = api.get("/clients/wiki").await.etag.unwrap();
    let (a, b) = tokio::join!(
        api.patch("/clients/wiki", json!({"name": "A"}), Some(&etag)),
        api.patch("/clients/wiki", json!({"name": "B"}), Some(&etag)),
    );
    let mut statuses = [a.status, b.status];
    statuses.sort();
    assert_eq!(statuses, [200, 412]);
    let winner = if a.status == 200 { "A" } else { "B" };
    assert_eq!(api.get("/clients/wiki").await.json["name"], winner);
});

backend_test!(only_admin_tokens_open_the_api, |app| async move {
    let none = app.admin_api_with(None).get("/clients").await;
    assert_eq!(api_error(&none, 401), "invalid_token");
    assert!(none.headers["www-authenticate"].to_str().unwrap().starts_with("Bearer"));
    let garbage = app.admin_api_with(Some("not.a.token".into())).get("/clients").await;
    assert_eq!(api_error(&garbage, 401), "invalid_token");

    app.with_api("https://api.example.com/", &["api.read"]).await;
    let other = app.with_service_client("reporting", &["api.read"], &["https://api.example.com/"]).await;
    let token = app.service_token(&other, "api.read").await;
    let forbidden = app.admin_api_with(Some(token)).get("/clients").await;
    assert_eq!(api_error(&forbidden, 403), "insufficient_scope");
    assert!(forbidden.headers["www-authenticate"].to_str().unwrap().contains("oxidp:admin"));

    // A person's token without the admin scope.
    let user = app.with_user("alice", "correct horse battery").await;
    let web = app.with_confidential_client("web", &[crate::authorize::CB]).await;
    let tokens = app.tokens_for(&user, &web).await;
    let person = app.admin_api_with(Some(tokens.access_token)).post("/clients", web_app("x")).await;
    assert_eq!(api_error(&person, 403), "insufficient_scope");

    // Taking the scope away from the automation client closes the API to
    // the tokens it already holds.
    let api = app.admin_api().await;
    assert_eq!(api.get("/clients").await.status, 200);
    let boss = app.with_service_client("boss", &["oxidp:admin"], &[]).await;
    let boss_api = app.admin_api_with(Some(app.service_token(&boss, "oxidp:admin").await));
    let patched = boss_api.patch("/clients/automation", json!({"scopes": ["api.read"]}), None).await;
    assert_eq!(patched.status, 200, "{}", patched.json);
    assert_eq!(api_error(&api.get("/clients").await, 403), "insufficient_scope");
    assert!(app.services.admin.find_client("x").await.is_err(), "the refused requests wrote nothing");
});

backend_test!(the_openapi_document_lists_every_route, |app| async move {
    let resp = app.get("/admin/api/openapi.json").await;
    assert_eq!(resp.status(), 200);
    let doc: Value = resp.json().await.unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"), "{}", doc["openapi"]);
    let mut documented: Vec<(String, String)> = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in item.as_object().unwrap().keys() {
            if ["get", "post", "put", "patch", "delete"].contains(&method.as_str()) {
                documented.push((method.to_uppercase(), path.clone()));
            }
        }
    }
    let mut routed: Vec<(String, String)> = oxidp::web::admin_api::ROUTES
        .iter()
        .map(|(method, path)| (method.to_uppercase(), format!("/admin/api/v1{path}")))
        .collect();
    documented.sort();
    routed.sort();
    assert_eq!(documented, routed, "the document and the route table disagree");
    // Every operation needs the bearer token and says how it fails.
    for (method, path) in &routed {
        let op = &doc["paths"][path][method.to_lowercase()];
        assert_eq!(op["security"][0]["bearer"], json!([]), "{method} {path}");
        assert!(op["responses"].as_object().unwrap().keys().any(|k| k.starts_with('4')), "{method} {path}");
    }
    assert_eq!(doc["components"]["securitySchemes"]["bearer"]["scheme"], "bearer");
});
