//! The admin REST API on users, their sessions and consents: every
//! endpoint's happy path, a validation failure naming the field, a lost
//! update (412), and nothing written on error.

use crate::helpers::*;
use serde_json::json;

const PASSWORD: &str = "correct horse battery";

/// Whether `username`/`password` get through the login form.
async fn login_works(app: &TestApp, client: &TestClient, username: &str, password: &str) -> bool {
    let browser = app.browser();
    let form = browser.login_page(&AuthRequest::new(client)).await;
    browser.submit_login(&form, username, password).await.status() == 303
}

backend_test!(users_are_managed_through_the_api, |app| async move {
    let api = app.admin_api().await;
    let web = app.with_confidential_client("web", &[crate::authorize::CB]).await;
    let created = api
        .post(
            "/users",
            json!({"username": "Alice", "password": PASSWORD, "email": "alice@example.com", "name": "Alice"}),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.json);
    assert_eq!(created.json["username"], "alice", "usernames are normalised");
    assert!(created.json.get("password_hash").is_none() && created.json.get("password").is_none());
    let id = created.json["id"].as_str().unwrap().to_string();
    assert_eq!(created.headers["location"].to_str().unwrap(), format!("/admin/api/v1/users/{id}"));
    assert_eq!(
        api_error(&api.post("/users", json!({"username": "alice", "password": PASSWORD})).await, 409),
        "conflict"
    );

    let by_name = api.get("/users/alice").await;
    assert_eq!(by_name.json["id"], id.as_str());
    let etag = by_name.etag.clone().unwrap();
    let listed = api.get("/users?search=EXAMPLE.com").await;
    assert_eq!(listed.json["items"][0]["username"], "alice");

    let bad = api.patch("/users/alice", json!({"email": "not an email"}), Some(&etag)).await;
    assert_eq!(api_error(&bad, 400), "invalid_request");
    assert_eq!(bad.json["field"], "email");
    let verified =
        api.patch("/users/alice", json!({"email_verified": true, "name": null}), Some(&etag)).await;
    assert_eq!(verified.status, 200, "{}", verified.json);
    assert_eq!(verified.json["email_verified"], true);
    assert!(verified.json["name"].is_null());
    let lost = api.patch("/users/alice", json!({"name": "Late"}), Some(&etag)).await;
    assert_eq!(api_error(&lost, 412), "precondition_failed");
    assert!(api.get("/users/alice").await.json["name"].is_null(), "the lost update wrote nothing");

    // A session, a consent-free grant, then a new password ends it.
    assert!(login_works(&app, &web, "alice", PASSWORD).await);
    let sessions = api.get("/users/alice/sessions").await;
    assert_eq!(sessions.json.as_array().unwrap().len(), 1, "{}", sessions.json);
    assert!(sessions.json[0].get("secret_hash").is_none());
    let short = api.put("/users/alice/password", json!({"password": ""})).await;
    assert_eq!(short.json["field"], "password");
    assert_eq!(api.put("/users/alice/password", json!({"password": "a new passphrase"})).await.status, 204);
    assert_eq!(api.get("/users/alice/sessions").await.json, json!([]), "a new password ends the sessions");
    assert!(!login_works(&app, &web, "alice", PASSWORD).await);
    assert!(login_works(&app, &web, "alice", "a new passphrase").await);

    let sid = api.get("/users/alice/sessions").await.json[0]["sid"].as_str().unwrap().to_string();
    assert_eq!(api_error(&api.delete("/users/alice/sessions/nope").await, 404), "not_found");
    assert_eq!(api.delete(&format!("/users/alice/sessions/{sid}")).await.status, 204);
    assert!(login_works(&app, &web, "alice", "a new passphrase").await);
    assert_eq!(api.delete("/users/alice/sessions").await.json["ended"], 1);

    let disabled = api.post(&format!("/users/{id}/disable"), json!({})).await;
    assert_eq!(disabled.json["disabled"], true);
    assert!(!login_works(&app, &web, "alice", "a new passphrase").await);
    assert_eq!(api.post("/users/alice/enable", json!({})).await.json["disabled"], false);
    assert!(login_works(&app, &web, "alice", "a new passphrase").await);

    assert_eq!(api.get("/users/alice/consents").await.json, json!([]));
    assert_eq!(api_error(&api.delete("/users/alice/consents/web").await, 404), "not_found");

    assert_eq!(api.delete("/users/alice").await.status, 204);
    assert_eq!(api_error(&api.get("/users/alice").await, 404), "not_found");
    assert!(!login_works(&app, &web, "alice", "a new passphrase").await);
});

backend_test!(consents_are_listed_and_revoked, |app| async move {
    let api = app.admin_api().await;
    let user = app.with_user("bob", PASSWORD).await;
    app.with_confidential_client("partner", &[crate::authorize::CB]).await;
    let scope = oxidp::protocol::Scope::parse("openid profile").unwrap();
    app.services.stores.consents.grant(&user.record.id, "partner", &scope, now()).await.expect("grant");
    let consents = api.get("/users/bob/consents").await;
    assert_eq!(consents.json[0]["client_id"], "partner", "{}", consents.json);
    assert_eq!(consents.json[0]["scopes"], json!(["openid", "profile"]));
    assert_eq!(api.delete("/users/bob/consents/partner").await.status, 204);
    assert_eq!(api.get("/users/bob/consents").await.json, json!([]));
    assert_eq!(api_error(&api.delete("/users/bob/consents/partner").await, 404), "not_found");
});

backend_test!(profile_claims_are_set_changed_and_cleared, |app| async move {
    let api = app.admin_api().await;
    let address = json!({"street_address": "1 Main St", "locality": "Springfield", "region": "IL",
        "postal_code": "62701", "country": "US", "formatted": "1 Main St\nSpringfield, IL 62701"});
    let created = api
        .post(
            "/users",
            json!({"username": "carol", "password": PASSWORD, "given_name": " Carol ", "family_name": "Example",
                "locale": "en-US", "zoneinfo": "America/Chicago", "picture": "https://example.com/carol.png",
                "phone_number": "+12175551212", "phone_number_verified": true, "address": address}),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.json);
    let user = &created.json;
    assert_eq!((user["given_name"].as_str(), user["family_name"].as_str()), (Some("Carol"), Some("Example")));
    assert_eq!(
        (user["locale"].as_str(), user["zoneinfo"].as_str()),
        (Some("en-US"), Some("America/Chicago"))
    );
    assert_eq!(user["picture"], "https://example.com/carol.png");
    assert_eq!(
        (user["phone_number"].as_str(), user["phone_number_verified"].as_bool()),
        (Some("+12175551212"), Some(true))
    );
    assert_eq!(user["address"], address);
    assert!(user.get("profile").is_none(), "the members are at the top level");
    assert_eq!(api.get("/users/carol").await.json, created.json, "as stored");

    // Change some, clear others; a new number is unverified.
    let etag = api.get("/users/carol").await.etag.unwrap();
    let patched = api
        .patch(
            "/users/carol",
            json!({"given_name": "Caroline", "family_name": null, "picture": null,
                "phone_number": "+33123456789", "address": {"country": "FR"}}),
            Some(&etag),
        )
        .await;
    assert_eq!(patched.status, 200, "{}", patched.json);
    let user = &patched.json;
    assert_eq!((user["given_name"].as_str(), user["version"].as_i64()), (Some("Caroline"), Some(2)));
    assert!(user["family_name"].is_null() && user["picture"].is_null());
    assert_eq!(user["locale"], "en-US", "absent members stay");
    assert_eq!(
        (user["phone_number"].as_str(), user["phone_number_verified"].as_bool()),
        (Some("+33123456789"), Some(false))
    );
    assert_eq!(user["address"]["country"], "FR");
    assert!(user["address"]["locality"].is_null(), "the address is replaced whole");
    let cleared =
        api.patch("/users/carol", json!({"address": null, "phone_number": null, "locale": ""}), None).await;
    assert_eq!(cleared.status, 200, "{}", cleared.json);
    assert!(cleared.json["address"].is_null() && cleared.json["phone_number"].is_null());
    assert!(cleared.json["locale"].is_null(), "an empty string is no locale");
    assert_eq!(cleared.json["version"], 3);
    let unchanged = api.patch("/users/carol", json!({"given_name": "Caroline"}), None).await;
    assert_eq!(unchanged.json["version"], 3, "no change, no new version");

    // A bad member is named; nothing is written.
    for (body, field) in [
        (json!({"phone_number": "217 555 1212"}), "phone_number"),
        (json!({"locale": "english"}), "locale"),
        (json!({"picture": "javascript:alert(1)"}), "picture"),
        (json!({"zoneinfo": "Paris"}), "zoneinfo"),
        (json!({"phone_number_verified": true}), "phone_number_verified"),
        (json!({"given_name": "Carol", "address": {"street_address": "a\u{7}b"}}), "address"),
    ] {
        let bad = api.patch("/users/carol", body.clone(), None).await;
        assert_eq!(api_error(&bad, 400), "invalid_request", "{body}");
        assert_eq!(bad.json["field"], field, "{body}: {}", bad.json);
    }
    let after = api.get("/users/carol").await.json;
    assert_eq!(
        (after["version"].as_i64(), after["given_name"].as_str()),
        (Some(3), Some("Caroline")),
        "nothing written"
    );
    let bad = api
        .post("/users", json!({"username": "dan", "password": PASSWORD, "picture": "http://example.com/a"}))
        .await;
    assert_eq!(bad.json["field"], "picture", "{}", bad.json);
    assert_eq!(api_error(&api.get("/users/dan").await, 404), "not_found", "nothing created");
    let updates: Vec<_> = app
        .audit_events_of("admin_action")
        .await
        .into_iter()
        .filter(|e| e.detail.contains("\"action\":\"user.update\""))
        .collect();
    assert_eq!(updates.len(), 2, "each change audited once, refusals not at all");
    assert!(updates.iter().any(|e| e.detail.contains("\"phone_number\":\"+33123456789\"")), "{updates:?}");
});
