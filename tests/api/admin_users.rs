//! The user lifecycle through the admin operations (as the admin API and
//! console call them): listing and search, compare-and-set updates, new
//! passwords, disabling, enabling, deleting, and a user's sessions and
//! consents. Bad input writes nothing, audit rows included.

use oxidp::flows::admin::{Actor, AdminError, PageRequest, UserUpdate};
use oxidp::protocol::Scope;

use crate::helpers::*;

const PASSWORD: &str = "correct horse battery";
const NEW_PASSWORD: &str = "a brand new passphrase";

fn operator() -> Actor {
    Actor::User { id: "op-1".into(), username: "operator".into() }
}

/// Whether `username`/`password` get through the login form.
async fn login_works(app: &TestApp, client: &TestClient, username: &str, password: &str) -> bool {
    let browser = app.browser();
    let form = browser.login_page(&AuthRequest::new(client)).await;
    let status = browser.submit_login(&form, username, password).await.status();
    assert!(status == 303 || status == 200, "login answered {status}");
    status == 303
}

async fn session_count(app: &TestApp, user_id: &str) -> usize {
    app.services.admin.list_user_sessions(user_id, app.now()).await.expect("sessions").len()
}

async fn admin_actions(app: &TestApp, action: &str) -> Vec<oxidp::store::AuditEvent> {
    let needle = format!("\"action\":\"{action}\"");
    app.audit_events_of("admin_action").await.into_iter().filter(|e| e.detail.contains(&needle)).collect()
}

fn search(text: &str) -> PageRequest {
    PageRequest { search: Some(text.into()), ..PageRequest::default() }
}

async fn usernames(app: &TestApp, page: &PageRequest) -> (Vec<String>, Option<String>) {
    let page = app.services.admin.list_users(page).await.expect("list users");
    (page.items.into_iter().map(|u| u.username).collect(), page.next)
}

backend_test!(users_are_listed_searched_and_paged, |app| async move {
    for name in ["carol", "alice", "bob"] {
        app.with_user(name, PASSWORD).await;
    }
    let new = oxidp::flows::admin::NewUser {
        username: "dave_x".into(),
        password: PASSWORD.into(),
        email: Some("Dave@Elsewhere.org".into()),
        name: Some("Dave 100%".into()),
        profile: Default::default(),
    };
    app.with_user_details(new).await;

    let all = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    assert_eq!(
        usernames(&app, &PageRequest::default()).await,
        (all(&["alice", "bob", "carol", "dave_x"]), None)
    );
    // Case-insensitive, over username, email and name.
    assert_eq!(usernames(&app, &search("EXAMPLE.COM")).await.0, all(&["alice", "bob", "carol"]));
    assert_eq!(usernames(&app, &search("elsewhere")).await.0, all(&["dave_x"]));
    assert_eq!(usernames(&app, &search("Bob Ex")).await.0, all(&["bob"]));
    // LIKE wildcards are taken literally.
    assert_eq!(usernames(&app, &search("%")).await.0, all(&["dave_x"]));
    assert_eq!(usernames(&app, &search("_")).await.0, all(&["dave_x"]));
    assert_eq!(usernames(&app, &search("a%e")).await.0, Vec::<String>::new());

    let first = PageRequest { limit: Some(3), ..PageRequest::default() };
    assert_eq!(usernames(&app, &first).await, (all(&["alice", "bob", "carol"]), Some("carol".into())));
    let second = PageRequest { limit: Some(3), after: Some("carol".into()), ..PageRequest::default() };
    assert_eq!(usernames(&app, &second).await, (all(&["dave_x"]), None));
    let exact = PageRequest { limit: Some(2), after: Some("bob".into()), ..PageRequest::default() };
    assert_eq!(usernames(&app, &exact).await, (all(&["carol", "dave_x"]), None));
    let searched =
        PageRequest { limit: Some(1), search: Some("example".into()), after: Some("alice".into()) };
    assert_eq!(usernames(&app, &searched).await, (all(&["bob"]), Some("bob".into())));

    let bad = PageRequest { limit: Some(0), ..PageRequest::default() };
    let err = app.services.admin.list_users(&bad).await.unwrap_err();
    assert!(matches!(err, AdminError::Invalid { field: Some("limit"), .. }), "{err:?}");

    let admin = &app.services.admin;
    let alice = admin.find_user("ALICE").await.expect("by username");
    assert_eq!(admin.find_user(&alice.id).await.expect("by id").username, "alice");
    let missing = uuid::Uuid::new_v4().to_string();
    assert!(matches!(admin.find_user(&missing).await, Err(AdminError::NotFound(_))));
    assert!(matches!(admin.find_user("nobody").await, Err(AdminError::NotFound(_))));
});

backend_test!(updates_compare_and_set_on_the_version, |app| async move {
    let user = app.with_user("alice", PASSWORD).await;
    let admin = &app.services.admin;
    let now = app.now();
    assert_eq!(user.record.version, 1);

    let verify = UserUpdate { email_verified: Some(true), ..UserUpdate::default() };
    let v2 = admin.update_user(&operator(), &user.sub(), verify, Some(1), now).await.expect("update");
    assert_eq!((v2.version, v2.email_verified), (2, true));

    let rename = UserUpdate { name: Some(Some("Alice A.".into())), ..UserUpdate::default() };
    let audits = app.audit_events().await.len();
    let err = admin.update_user(&operator(), &user.sub(), rename.clone(), Some(1), now).await.unwrap_err();
    assert!(matches!(err, AdminError::Stale(_)), "{err:?}");
    let stored = admin.find_user(&user.sub()).await.unwrap();
    assert_eq!((stored.version, stored.name.as_deref()), (2, Some("alice Example")), "nothing written");
    assert_eq!(app.audit_events().await.len(), audits, "no audit row for a stale update");

    let v3 = admin.update_user(&operator(), &user.sub(), rename, Some(2), now).await.expect("update");
    assert_eq!((v3.version, v3.name.as_deref(), v3.email_verified), (3, Some("Alice A."), true));

    // A new address without a word on verification is unverified.
    let email = UserUpdate { email: Some(Some("new@example.org".into())), ..UserUpdate::default() };
    let v4 = admin.update_user(&operator(), &user.sub(), email, None, now).await.expect("update");
    assert_eq!((v4.version, v4.email.as_deref(), v4.email_verified), (4, Some("new@example.org"), false));
    // Clearing.
    let clear = UserUpdate { name: Some(None), email: Some(None), ..UserUpdate::default() };
    let v5 = admin.update_user(&Actor::Cli, &user.sub(), clear, Some(4), now).await.expect("update");
    assert_eq!((v5.version, v5.name.clone(), v5.email.clone()), (5, None, None));
    assert_eq!(admin.find_user(&user.sub()).await.unwrap(), v5, "what was returned is what is stored");

    let updates = admin_actions(&app, "user.update").await;
    assert_eq!(updates.len(), 4, "{updates:?}");
    // Events of the same second are in no particular order.
    let by_cli: Vec<_> = updates.iter().filter(|e| e.actor.as_deref() == Some("cli")).collect();
    assert_eq!(by_cli.len(), 1, "{updates:?}");
    assert_eq!(by_cli[0].user_id.as_deref(), Some(user.sub().as_str()));
    let detail = &by_cli[0].detail;
    assert!(
        detail.contains("\"before\"") && detail.contains("\"after\"") && detail.contains("\"version\":5"),
        "{detail}"
    );
    assert!(updates.iter().all(|e| !e.detail.contains("argon2")), "no password hash in the audit");
    assert!(updates.iter().any(|e| e.actor.as_deref() == Some("user:op-1")));

    let missing = uuid::Uuid::new_v4().to_string();
    let any = UserUpdate { name: Some(Some("x".into())), ..UserUpdate::default() };
    let err = admin.update_user(&Actor::Cli, &missing, any, None, now).await.unwrap_err();
    assert!(matches!(err, AdminError::NotFound(_)), "{err:?}");
});

backend_test!(invalid_input_changes_nothing, |app| async move {
    let user = app.with_user("alice", PASSWORD).await;
    let admin = &app.services.admin;
    let audits = app.audit_events().await.len();
    let now = app.now();
    let bad_email = UserUpdate {
        name: Some(Some("Fine Name".into())),
        email: Some(Some("not an address".into())),
        ..UserUpdate::default()
    };
    let err = admin.update_user(&Actor::Cli, &user.sub(), bad_email, Some(1), now).await.unwrap_err();
    assert!(matches!(err, AdminError::Invalid { field: Some("email"), .. }), "{err:?}");
    let blank = UserUpdate { name: Some(Some("   ".into())), ..UserUpdate::default() };
    let err = admin.update_user(&Actor::Cli, &user.sub(), blank, None, now).await.unwrap_err();
    assert!(matches!(err, AdminError::Invalid { field: Some("name"), .. }), "{err:?}");
    let err = admin.set_user_password(&Actor::Cli, &user.sub(), String::new(), now).await.unwrap_err();
    assert!(matches!(err, AdminError::Invalid { field: Some("password"), .. }), "{err:?}");

    assert_eq!(admin.find_user(&user.sub()).await.unwrap(), user.record, "nothing written");
    assert_eq!(app.audit_events().await.len(), audits, "no audit row");
});

backend_test!(a_new_password_ends_the_sessions, |app| async move {
    let f = Granted::new(app).await;
    let (app, sub) = (&f.app, f.user.sub());
    assert_eq!(session_count(app, &sub).await, 1);
    app.services.admin.set_user_password(&operator(), &sub, NEW_PASSWORD.into(), app.now()).await.unwrap();

    assert_eq!(session_count(app, &sub).await, 0, "the session ended");
    app.assert_refresh_fails(&f.client, &f.rt(), "refresh token of the ended session").await;
    assert!(!login_works(app, &f.client, "alice", PASSWORD).await, "the old password");
    assert!(login_works(app, &f.client, "alice", NEW_PASSWORD).await, "the new password");
    let set = admin_actions(app, "user.set_password").await;
    assert_eq!(set.len(), 1);
    assert!(!set[0].detail.contains(NEW_PASSWORD) && !set[0].detail.contains("argon2"), "{}", set[0].detail);
    assert_eq!(app.services.admin.find_user(&sub).await.unwrap().version, 2);
});

backend_test!(a_disabled_user_is_locked_out_until_enabled, |app| async move {
    let f = Granted::new(app).await;
    let (app, sub) = (&f.app, f.user.sub());
    let disabled = app.services.admin.disable_user(&Actor::Cli, &sub, app.now()).await.unwrap();
    assert!(disabled.disabled);
    assert_eq!(disabled.version, 2);

    assert_eq!(session_count(app, &sub).await, 0, "the session ended");
    assert!(!login_works(app, &f.client, "alice", PASSWORD).await, "a disabled user cannot log in");
    app.assert_refresh_fails(&f.client, &f.rt(), "refresh token of a disabled user").await;
    app.assert_access_token_dead(&f.client, &f.tokens.access_token, "access token of a disabled user").await;
    assert_eq!(admin_actions(app, "user.disable").await.len(), 1);
    // Again: nothing more happens.
    app.services.admin.disable_user(&Actor::Cli, &sub, app.now()).await.unwrap();
    assert_eq!(admin_actions(app, "user.disable").await.len(), 1);

    let enabled = app.services.admin.enable_user(&Actor::Cli, &sub, app.now()).await.unwrap();
    assert!(!enabled.disabled);
    assert!(login_works(app, &f.client, "alice", PASSWORD).await, "enabled again");
    app.assert_refresh_fails(&f.client, &f.rt(), "tokens revoked at the disabling stay revoked").await;
    assert_eq!(admin_actions(app, "user.enable").await.len(), 1);
});

backend_test!(disabling_revokes_offline_tokens_too, |app| async move {
    let f = Granted::offline(app).await;
    let (app, sub) = (&f.app, f.user.sub());
    app.services.admin.disable_user(&Actor::Cli, &sub, app.now()).await.unwrap();
    app.services.admin.enable_user(&Actor::Cli, &sub, app.now()).await.unwrap();
    app.assert_refresh_fails(&f.client, &f.rt(), "offline refresh token").await;
    app.assert_access_token_dead(&f.client, &f.tokens.access_token, "its access token").await;
});

backend_test!(a_deleted_user_leaves_only_the_audit_trail, |app| async move {
    let f = Granted::offline(app).await;
    let (app, sub) = (&f.app, f.user.sub());
    assert_eq!(session_count(app, &sub).await, 1);
    app.services.admin.delete_user(&operator(), &sub, app.now()).await.unwrap();

    assert!(matches!(app.services.admin.find_user(&sub).await, Err(AdminError::NotFound(_))));
    let sessions = app.services.admin.list_user_sessions(&sub, app.now()).await;
    assert!(matches!(sessions, Err(AdminError::NotFound(_))));
    let sid = decode_jwt(f.tokens.id_token()).claims["sid"].as_str().expect("sid").to_string();
    let ended = app.audit_events_of("session_ended").await;
    assert!(ended.iter().any(|e| e.detail.contains(&sid) && e.detail.contains("user_disabled_or_deleted")));
    app.assert_refresh_fails(&f.client, &f.rt(), "refresh token of a deleted user").await;
    app.assert_access_token_dead(&f.client, &f.tokens.access_token, "access token of a deleted user").await;
    let deleted = admin_actions(app, "user.delete").await;
    assert_eq!(deleted.len(), 1);
    assert_eq!(deleted[0].user_id.as_deref(), Some(sub.as_str()));
    assert_eq!(deleted[0].actor.as_deref(), Some("user:op-1"));
    assert!(deleted[0].detail.contains("alice") && !deleted[0].detail.contains("argon2"));

    let again = app.services.admin.delete_user(&operator(), &sub, app.now()).await;
    assert!(matches!(again, Err(AdminError::NotFound(_))), "{again:?}");
    assert_eq!(admin_actions(app, "user.delete").await.len(), 1);
});

backend_test!(an_admin_ends_one_session_or_all, |app| async move {
    let user = app.with_user("alice", PASSWORD).await;
    let bob = app.with_user("bob", PASSWORD).await;
    let client = app.with_refresh_client("app1").await;
    let tokens = app.tokens_for(&user, &client).await;
    app.tokens_for(&user, &client).await;
    app.tokens_for(&bob, &client).await;
    let admin = &app.services.admin;
    let sessions = admin.list_user_sessions(&user.sub(), app.now()).await.unwrap();
    assert_eq!(sessions.len(), 2);
    let bobs = admin.list_user_sessions(&bob.sub(), app.now()).await.unwrap();

    let err = admin.end_user_session(&Actor::Cli, &user.sub(), &bobs[0].sid, app.now()).await.unwrap_err();
    assert!(matches!(err, AdminError::NotFound(_)), "another user's session");
    let bogus = uuid::Uuid::new_v4().to_string();
    let err = admin.end_user_session(&Actor::Cli, &user.sub(), &bogus, app.now()).await.unwrap_err();
    assert!(matches!(err, AdminError::NotFound(_)), "no such session");

    // The first login's session (the list is newest first, ties by sid).
    let first = decode_jwt(tokens.id_token()).claims["sid"].as_str().expect("sid").to_string();
    admin.end_user_session(&Actor::Cli, &user.sub(), &first, app.now()).await.unwrap();
    let left = admin.list_user_sessions(&user.sub(), app.now()).await.unwrap();
    assert_eq!(left.len(), 1);
    assert_ne!(left[0].sid, first);
    app.assert_refresh_fails(&client, tokens.refresh_token(), "refresh token of the ended session").await;
    let ended = app.audit_events_of("session_ended").await;
    assert!(ended.iter().any(|e| e.detail.contains(&first) && e.detail.contains("\"admin\"")), "{ended:?}");
    assert_eq!(admin_actions(&app, "session.end").await.len(), 1);

    assert_eq!(admin.end_user_sessions(&Actor::Cli, &user.sub(), app.now()).await.unwrap(), 1);
    assert_eq!(session_count(&app, &user.sub()).await, 0);
    assert_eq!(session_count(&app, &bob.sub()).await, 1, "bob's session stays");
    assert_eq!(admin_actions(&app, "session.end_all").await.len(), 1);
});

backend_test!(an_admin_revokes_a_consent, |app| async move {
    let f = Granted::new(app).await;
    let (app, sub) = (&f.app, f.user.sub());
    let scope = Scope::parse("openid profile").expect("scope");
    app.services.stores.consents.grant(&sub, "app1", &scope, app.now()).await.unwrap();
    let admin = &app.services.admin;
    let consents = admin.list_user_consents(&sub).await.unwrap();
    assert_eq!(consents.iter().map(|c| c.client_id.as_str()).collect::<Vec<_>>(), ["app1"]);

    let audits = app.audit_events().await.len();
    let err = admin.revoke_consent(&Actor::Cli, &sub, "other", app.now()).await.unwrap_err();
    assert!(matches!(err, AdminError::NotFound(_)), "{err:?}");
    assert_eq!(app.audit_events().await.len(), audits, "no audit row for a consent that was not there");

    admin.revoke_consent(&Actor::Cli, &sub, "app1", app.now()).await.unwrap();
    assert!(admin.list_user_consents(&sub).await.unwrap().is_empty());
    app.assert_refresh_fails(&f.client, &f.rt(), "refresh token of the withdrawn consent").await;
    assert_eq!(admin_actions(app, "consent.revoke").await.len(), 1);
    let err = admin.revoke_consent(&Actor::Cli, &sub, "app1", app.now()).await.unwrap_err();
    assert!(matches!(err, AdminError::NotFound(_)), "{err:?}");
});

backend_test!(deleting_a_user_tells_their_clients, |app| async move {
    let receiver = LogoutReceiver::start().await;
    let spec = oxidp::flows::admin::NewClient {
        backchannel_logout_uri: Some(receiver.uri.clone()),
        ..refresh_client_spec("app1")
    };
    let client = app.with_client(spec).await;
    let f = Granted::with_client(app, client).await;
    let sid = decode_jwt(f.tokens.id_token()).claims["sid"].as_str().expect("sid").to_string();
    f.app.services.admin.delete_user(&Actor::Cli, &f.user.sub(), f.app.now()).await.unwrap();
    let claims = receiver.wait_for_sid(&sid).await;
    assert_eq!(claims["sub"].as_str(), Some(f.user.sub().as_str()));
});
