//! The standard claims of OpenID Connect Core §5.1 beyond name and email,
//! set through the admin API and released by scope (§5.4): `profile` adds
//! given/family name, locale, zone and picture; `phone` the number and
//! whether it is verified; `address` the postal address as an object. In
//! the ID token and at UserInfo alike, and never without the scope.

use crate::authorize::CB;
use crate::helpers::*;
use oxidp::flows::admin::NewClient;
use serde_json::{Value, json};

fn scopes(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

/// The ID token's claims and UserInfo's answer for `user` at `client` with `scope`.
async fn claims_of(app: &TestApp, user: &TestUser, client: &TestClient, scope: &str) -> (Value, Value) {
    let tokens = app.tokens_scoped(user, client, scope).await;
    let id_token = verify_jwt(&app.jwks().await, tokens.id_token()).claims;
    let resp = app.api.get(app.url("/userinfo")).bearer_auth(&tokens.access_token).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    (id_token, resp.json().await.unwrap())
}

backend_test!(profile_phone_and_address_claims_follow_their_scopes, |app| async move {
    let user = app.with_user("alice", "correct horse battery").await;
    let api = app.admin_api().await;
    let profile = json!({
        "given_name": "Alice",
        "family_name": "Example",
        "locale": "en-US",
        "zoneinfo": "Europe/Paris",
        "picture": "https://example.com/alice.png",
        "phone_number": "+14255551212",
        "phone_number_verified": true,
        "address": {"street_address": "1 Main St", "locality": "Springfield", "country": "US"}
    });
    let patched = api.patch(&format!("/users/{}", user.sub()), profile, None).await;
    assert_eq!(patched.status, 200, "{}", patched.json);
    let all = ["openid", "profile", "email", "phone", "address"];
    let client =
        app.with_client(NewClient { scopes: scopes(&all), ..new_client("app1", &[CB], false) }).await;

    let (id_token, info) = claims_of(&app, &user, &client, &all.join(" ")).await;
    for claims in [&id_token, &info] {
        assert_eq!(claims["given_name"], "Alice", "{claims}");
        assert_eq!(claims["family_name"], "Example");
        assert_eq!(claims["locale"], "en-US");
        assert_eq!(claims["zoneinfo"], "Europe/Paris");
        assert_eq!(claims["picture"], "https://example.com/alice.png");
        assert_eq!(claims["phone_number"], "+14255551212");
        assert_eq!(claims["phone_number_verified"], true);
        assert_eq!(
            claims["address"],
            json!({"street_address": "1 Main St", "locality": "Springfield", "country": "US"})
        );
    }

    // `profile` alone: no phone, no address.
    let (id_token, info) = claims_of(&app, &user, &client, "openid profile").await;
    for claims in [&id_token, &info] {
        assert_eq!(claims["given_name"], "Alice", "{claims}");
        for absent in ["phone_number", "phone_number_verified", "address", "email"] {
            assert!(claims.get(absent).is_none(), "{absent}: {claims}");
        }
    }
    // A client not registered for `phone` and `address` does not get them.
    let plain = app.with_confidential_client("plain", &[CB]).await;
    let (_, info) = claims_of(&app, &user, &plain, &all.join(" ")).await;
    assert!(info.get("phone_number").is_none() && info.get("address").is_none(), "{info}");

    let discovery = app.discovery().await;
    for claim in ["given_name", "phone_number", "address"] {
        assert!(discovery["claims_supported"].as_array().unwrap().contains(&json!(claim)), "{claim}");
    }
});

backend_test!(a_bad_profile_member_is_refused_by_name_and_changes_nothing, |app| async move {
    let user = app.with_user("alice", "correct horse battery").await;
    let api = app.admin_api().await;
    let before = api.get(&format!("/users/{}", user.sub())).await;
    for (member, value) in [
        ("phone_number", json!("call me")),
        ("locale", json!("english please")),
        ("picture", json!("javascript:alert(1)")),
        ("zoneinfo", json!("somewhere")),
    ] {
        let resp = api.patch(&format!("/users/{}", user.sub()), json!({ member: value }), None).await;
        assert_eq!(resp.status, 400, "{member}: {}", resp.json);
        assert_eq!(resp.json["field"], member, "{}", resp.json);
    }
    let after = api.get(&format!("/users/{}", user.sub())).await;
    assert_eq!(after.json["version"], before.json["version"], "nothing written");
});
