//! The `groups` and `roles` claims (RFC 9068 §2.2.3.1) in ID tokens,
//! UserInfo and access tokens, read from the database at every issuance,
//! and the rule that keeps `oxidp:admin` for members of `oxidp-admins`.

use crate::helpers::*;
use oxidp::flows::admin::{Actor, NewClient};
use oxidp::protocol::admin::{ADMIN_GROUP, ADMIN_SCOPE};
use serde_json::{Value, json};

const PASSWORD: &str = "correct horse battery";

fn scopes(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

/// A code + refresh client that may ask for `extra` besides openid profile email.
fn client_spec(client_id: &str, extra: &[&str], role_claim: Option<&str>) -> NewClient {
    let mut all = scopes(&["openid", "profile", "email"]);
    all.extend(scopes(extra));
    NewClient { scopes: all, role_claim: role_claim.map(str::to_string), ..refresh_client_spec(client_id) }
}

async fn group(app: &TestApp, name: &str) {
    app.services.admin.create_group(&Actor::Cli, name, None, now()).await.expect("create group");
}

async fn join(app: &TestApp, name: &str, user: &TestUser) {
    app.services.admin.add_member(&Actor::Cli, name, &user.sub(), now()).await.expect("add member");
}

async fn leave(app: &TestApp, name: &str, user: &TestUser) {
    app.services.admin.remove_member(&Actor::Cli, name, &user.sub(), now()).await.expect("remove member");
}

/// The claims of the ID token, the access token and UserInfo.
async fn claims_everywhere(app: &TestApp, tokens: &Tokens) -> [Value; 3] {
    let id = decode_jwt(tokens.id_token()).claims;
    let access = verify_jwt(&app.jwks().await, &tokens.access_token).claims;
    let resp = app.userinfo(&tokens.access_token).await;
    assert_eq!(resp.status(), 200);
    let info: Value = resp.json().await.expect("userinfo JSON");
    [id, access, info]
}

backend_test!(the_groups_scope_releases_groups_everywhere, |app| async move {
    let user = app.with_user("alice", PASSWORD).await;
    for name in ["staff", "app1:admin"] {
        group(&app, name).await;
        join(&app, name, &user).await;
    }
    let client = app.with_client(client_spec("app1", &["groups"], None)).await;

    let tokens = app.tokens_scoped(&user, &client, "openid groups").await;
    assert_eq!(scope_of(&tokens.json), ["groups", "openid"]);
    for (what, claims) in
        ["id token", "access token", "userinfo"].iter().zip(claims_everywhere(&app, &tokens).await)
    {
        assert_eq!(claims["groups"], json!(["app1:admin", "staff"]), "{what}: {claims}");
        assert!(claims.get("roles").is_none(), "{what}: no role prefix, no roles: {claims}");
    }

    let without = app.tokens_scoped(&user, &client, "openid profile").await;
    for (what, claims) in
        ["id token", "access token", "userinfo"].iter().zip(claims_everywhere(&app, &without).await)
    {
        assert!(claims.get("groups").is_none(), "{what}: groups without the scope: {claims}");
    }
});

backend_test!(a_client_without_the_groups_scope_cannot_get_it, |app| async move {
    let user = app.with_user("alice", PASSWORD).await;
    group(&app, "staff").await;
    join(&app, "staff", &user).await;
    let client = app.with_client(client_spec("app1", &[], None)).await;
    let tokens = app.tokens_scoped(&user, &client, "openid groups").await;
    assert_eq!(scope_of(&tokens.json), ["openid"], "left out like any scope the client may not have");
    for claims in claims_everywhere(&app, &tokens).await {
        assert!(claims.get("groups").is_none(), "{claims}");
    }
});

backend_test!(roles_come_from_the_clients_prefix_and_only_for_it, |app| async move {
    let user = app.with_user("alice", PASSWORD).await;
    for name in ["app1:admin", "app2:viewer", "staff"] {
        group(&app, name).await;
        join(&app, name, &user).await;
    }
    let app1 = app.with_client(client_spec("app1", &[], Some("app1:"))).await;
    let app2 = app.with_client(client_spec("app2", &[], None)).await;

    let tokens = app.tokens_scoped(&user, &app1, "openid").await;
    for (what, claims) in
        ["id token", "access token", "userinfo"].iter().zip(claims_everywhere(&app, &tokens).await)
    {
        assert_eq!(claims["roles"], json!(["admin"]), "{what}: {claims}");
        assert!(claims.get("groups").is_none(), "{what}: roles need no groups scope: {claims}");
    }

    let other = app.tokens_scoped(&user, &app2, "openid").await;
    for (what, claims) in
        ["id token", "access token", "userinfo"].iter().zip(claims_everywhere(&app, &other).await)
    {
        assert!(claims.get("roles").is_none(), "{what}: another client's roles leaked: {claims}");
    }

    // No group under the prefix: the claim is left out, not empty.
    leave(&app, "app1:admin", &user).await;
    let none = app.tokens_scoped(&user, &app1, "openid").await;
    for claims in claims_everywhere(&app, &none).await {
        assert!(claims.get("roles").is_none(), "{claims}");
    }
});

backend_test!(the_next_refresh_shows_membership_changes, |app| async move {
    let user = app.with_user("alice", PASSWORD).await;
    group(&app, "staff").await;
    group(&app, "app1:editor").await;
    let client = app.with_client(client_spec("app1", &["groups"], Some("app1:"))).await;
    let tokens = app.tokens_scoped(&user, &client, "openid groups").await;
    let [id, access, _] = claims_everywhere(&app, &tokens).await;
    assert_eq!(id["groups"], json!([]), "granted scope, no groups: {id}");
    assert!(access.get("roles").is_none(), "{access}");

    join(&app, "staff", &user).await;
    join(&app, "app1:editor", &user).await;
    let refreshed = app.refreshed(&client, tokens.refresh_token()).await;
    for claims in claims_everywhere(&app, &refreshed).await {
        assert_eq!(claims["groups"], json!(["app1:editor", "staff"]), "{claims}");
        assert_eq!(claims["roles"], json!(["editor"]), "{claims}");
    }

    leave(&app, "staff", &user).await;
    app.services.admin.delete_group(&Actor::Cli, "app1:editor", now()).await.expect("delete group");
    let again = app.refreshed(&client, refreshed.refresh_token()).await;
    for claims in claims_everywhere(&app, &again).await {
        assert_eq!(claims["groups"], json!([]), "{claims}");
        assert!(claims.get("roles").is_none(), "{claims}");
    }
});

backend_test!(the_admin_scope_needs_the_admin_group, |app| async move {
    let user = app.with_user("alice", PASSWORD).await;
    group(&app, ADMIN_GROUP).await;
    let client = app.with_client(client_spec("console", &[ADMIN_SCOPE], None)).await;
    let asked = format!("openid {ADMIN_SCOPE}");

    // Not a member: left out of the grant, and the response says so.
    let denied = app.tokens_scoped(&user, &client, &asked).await;
    assert_eq!(scope_of(&denied.json), ["openid"]);
    let access = verify_jwt(&app.jwks().await, &denied.access_token).claims;
    assert_eq!(access["scope"], "openid");
    // Nor does joining later bring it to that grant's refresh tokens.
    join(&app, ADMIN_GROUP, &user).await;
    let refreshed = app.refreshed(&client, denied.refresh_token()).await;
    assert_eq!(scope_of(&refreshed.json), ["openid"]);

    // A member: granted.
    let granted = app.tokens_scoped(&user, &client, &asked).await;
    assert_eq!(scope_of(&granted.json), ["openid", ADMIN_SCOPE]);
    let access = verify_jwt(&app.jwks().await, &granted.access_token).claims;
    assert_eq!(sorted_scope(access["scope"].as_str().unwrap()), ["openid", ADMIN_SCOPE]);

    // Removed: the next refresh no longer carries it.
    leave(&app, ADMIN_GROUP, &user).await;
    let after = app.refreshed(&client, granted.refresh_token()).await;
    assert_eq!(scope_of(&after.json), ["openid"]);
    let access = verify_jwt(&app.jwks().await, &after.access_token).claims;
    assert_eq!(access["scope"], "openid");
});

backend_test!(only_the_admin_scope_asked_by_a_non_member_is_invalid_scope, |app| async move {
    let user = app.with_user("alice", PASSWORD).await;
    let client = app.with_client(client_spec("console", &[ADMIN_SCOPE], None)).await;
    let req = AuthRequest::new(&client).scope(ADMIN_SCOPE);
    let callback = app.browser().authorize_and_login(&req, &user).await;
    let verifier = req.pkce.as_ref().map(|p| p.verifier.as_str());
    let resp = app.exchange_code(&client, &callback.code, &req.redirect_uri, verifier).await;
    assert_oauth_error(resp, 400, "invalid_scope").await;
});

backend_test!(a_service_client_registered_for_the_admin_scope_gets_it, |app| async move {
    let client = app.with_service_client("automation", &[ADMIN_SCOPE], &[]).await;
    let resp = app.client_credentials(&client, &[("scope", ADMIN_SCOPE)]).await;
    let tokens = Tokens::from_response(resp).await;
    assert_eq!(tokens.json["scope"], ADMIN_SCOPE);
    let access = verify_jwt(&app.jwks().await, &tokens.access_token).claims;
    assert_eq!(access["scope"], ADMIN_SCOPE);
    assert_eq!(access["sub"], "automation");

    let other = app.with_service_client("other", &["api.read"], &[]).await;
    let resp = app.client_credentials(&other, &[("scope", ADMIN_SCOPE)]).await;
    assert_oauth_error(resp, 400, "invalid_scope").await;
});

backend_test!(groups_are_listed_by_name_searched_and_paged, |app| async move {
    use oxidp::flows::admin::{AdminError, PageRequest};
    let admin = &app.services.admin;
    let user = app.with_user("alice", PASSWORD).await;
    for name in ["app1:admin", "App1:Viewer", "staff", "app2:admin", "a_b"] {
        group(&app, name).await;
    }
    join(&app, "staff", &user).await;
    join(&app, "app1:admin", &user).await;

    let mut page = PageRequest { limit: Some(2), ..PageRequest::default() };
    let mut seen = Vec::new();
    loop {
        let listed = admin.list_groups(&page).await.expect("list");
        seen.extend(listed.items.into_iter().map(|g| (g.group.name, g.members)));
        match listed.next {
            Some(next) => page.after = Some(next),
            None => break,
        }
    }
    let mut names: Vec<&str> = seen.iter().map(|(n, _)| n.as_str()).collect();
    names.sort();
    names.dedup();
    assert_eq!((seen.len(), names.len()), (5, 5), "each group once, across pages: {seen:?}");
    let count = |name: &str| seen.iter().find(|(n, _)| n == name).map(|(_, c)| *c);
    assert_eq!((count("staff"), count("app1:admin"), count("app2:admin")), (Some(1), Some(1), Some(0)));

    let search = |text: &str| PageRequest { search: Some(text.into()), ..PageRequest::default() };
    let mut found: Vec<String> =
        admin.list_groups(&search("APP1")).await.unwrap().items.into_iter().map(|g| g.group.name).collect();
    found.sort();
    assert_eq!(found, ["App1:Viewer", "app1:admin"], "case-insensitive");
    let underscore: Vec<String> =
        admin.list_groups(&search("_")).await.unwrap().items.into_iter().map(|g| g.group.name).collect();
    assert_eq!(underscore, ["a_b"], "LIKE wildcards are searched literally");

    assert_eq!(admin.find_group("staff").await.unwrap().name, "staff");
    assert!(matches!(admin.find_group("nope").await, Err(AdminError::NotFound(_))));
    assert_eq!(admin.user_groups(&user.sub()).await.unwrap(), ["app1:admin", "staff"]);
    assert!(matches!(admin.user_groups("no-such-user").await, Err(AdminError::NotFound(_))));
    let members = admin.group_members("staff").await.unwrap();
    assert_eq!(members.iter().map(|u| u.username.as_str()).collect::<Vec<_>>(), ["alice"]);
    let duplicate = admin.add_member(&Actor::Cli, "staff", &user.sub(), now()).await;
    assert!(matches!(duplicate, Err(AdminError::Conflict(_))), "{duplicate:?}");
    let bad = admin.create_group(&Actor::Cli, "", None, now()).await;
    assert!(matches!(bad, Err(AdminError::Invalid { field: Some("name"), .. })), "{bad:?}");
});
