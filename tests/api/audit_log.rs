//! The audit trail: sign-ins (with address and user agent, never the
//! password), consent answers, key rotations and group administration
//! (naming the actor), and reading it back: filters and pages, newest first.

use std::sync::Arc;

use oxidp::flows::admin::{Actor, AdminError, AuditQuery, NewClient};
use oxidp::jose::SigningAlg;
use oxidp::protocol::{AuditEvent, AuditKind};
use oxidp::store::Audited;
use reqwest::cookie::Jar;
use serde_json::Value;

use crate::authorize::CB;
use crate::helpers::*;

const PASSWORD: &str = "correct horse battery";
const WRONG: &str = "Tr0ub4dor&3-not-it";
const AGENT: &str = "AuditTest/1.0 (oxidp)";

/// A browser that names itself.
fn browser(app: &TestApp) -> Browser {
    let jar = Arc::new(Jar::default());
    let client = reqwest::Client::builder()
        .cookie_provider(jar.clone())
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(AGENT)
        .build()
        .expect("build browser");
    Browser { client, jar, base: app.address.clone() }
}

fn detail(event: &AuditEvent) -> Value {
    serde_json::from_str(&event.detail).expect("detail is JSON")
}

async fn events(app: &TestApp, kind: AuditKind) -> Vec<AuditEvent> {
    app.audit_events_of(kind.as_str()).await
}

backend_test!(sign_ins_are_recorded_without_the_password, |app| async move {
    let user = app.with_user("alice", PASSWORD).await;
    let client = app.with_confidential_client("app1", &[CB]).await;
    let req = AuthRequest::new(&client);
    let browser = browser(&app);

    let form = browser.login_page(&req).await;
    let resp = browser.submit_login(&form, "alice", WRONG).await;
    assert_eq!(resp.status(), 200, "the form again");
    let form = LoginForm::from_response(resp).await;
    let resp = browser.submit_login(&form, "mallory", PASSWORD).await;
    assert_eq!(resp.status(), 200, "the form again");
    let form = LoginForm::from_response(resp).await;
    let resp = browser.submit_login(&form, "alice", PASSWORD).await;
    assert_eq!(resp.status(), 303, "signed in");

    let succeeded = events(&app, AuditKind::LoginSucceeded).await;
    assert_eq!(succeeded.len(), 1, "{succeeded:?}");
    let ok = &succeeded[0];
    assert_eq!(ok.user_id.as_deref(), Some(user.sub().as_str()));
    assert_eq!(ok.client_id.as_deref(), Some("app1"));
    let d = detail(ok);
    assert_eq!((d["method"].as_str(), d["ip"].as_str()), (Some("pwd"), Some("127.0.0.1")), "{d}");
    assert_eq!(d["user_agent"], AGENT);
    assert!(d.get("username").is_none(), "{d}");

    let failed = events(&app, AuditKind::LoginFailed).await;
    assert_eq!(failed.len(), 2, "{failed:?}");
    let wrong_password = failed.iter().find(|e| e.user_id.is_some()).expect("alice's failure");
    assert_eq!(wrong_password.user_id.as_deref(), Some(user.sub().as_str()));
    assert_eq!(detail(wrong_password)["username"], "alice");
    let unknown = failed.iter().find(|e| e.user_id.is_none()).expect("the unknown user's failure");
    let d = detail(unknown);
    assert_eq!(d["username"], "mallory");
    assert_eq!((d["ip"].as_str(), d["user_agent"].as_str()), (Some("127.0.0.1"), Some(AGENT)));
    assert_eq!(unknown.client_id.as_deref(), Some("app1"));

    for event in app.audit_events().await {
        for secret in [PASSWORD, WRONG] {
            assert!(!event.detail.contains(secret), "a password in the audit trail: {event:?}");
        }
    }
});

backend_test!(account_page_sign_ins_are_recorded_too, |app| async move {
    let user = app.with_user("alice", PASSWORD).await;
    let browser = browser(&app);
    for password in [WRONG, PASSWORD] {
        let page = browser.client.get(browser.url("/account")).send().await.unwrap().text().await.unwrap();
        let form = LoginForm::parse(&page);
        let fields =
            [("csrf_token", form.csrf_token.as_str()), ("username", "alice"), ("password", password)];
        browser.client.post(browser.url("/account/login")).form(&fields).send().await.unwrap();
    }
    let failed = events(&app, AuditKind::LoginFailed).await;
    let succeeded = events(&app, AuditKind::LoginSucceeded).await;
    assert_eq!((failed.len(), succeeded.len()), (1, 1), "{failed:?} {succeeded:?}");
    for event in [&failed[0], &succeeded[0]] {
        assert_eq!(event.user_id.as_deref(), Some(user.sub().as_str()));
        assert_eq!(event.client_id, None, "no client on the account page");
        assert_eq!(detail(event)["user_agent"], AGENT);
        assert!(!event.detail.contains(WRONG) && !event.detail.contains(PASSWORD));
    }
});

/// Logs in at a consent-requiring client and answers its consent page.
async fn answer_consent(app: &TestApp, client: &TestClient, user: &TestUser, decision: &str) {
    let browser = app.browser();
    let req = AuthRequest::new(client).scope("openid email");
    let form = browser.login_page(&req).await;
    let resp = browser.submit_login(&form, &user.username(), &user.password).await;
    assert_eq!(resp.status(), 200, "the consent page");
    let page = LoginForm::parse(&resp.text().await.unwrap());
    let fields =
        [("challenge", page.challenge.as_str()), ("csrf_token", &page.csrf_token), ("decision", decision)];
    let resp = browser.client.post(browser.url("/consent")).form(&fields).send().await.unwrap();
    assert!(resp.status().is_redirection(), "back to the client: {}", resp.status());
}

backend_test!(consent_answers_are_recorded, |app| async move {
    let user = app.with_user("alice", PASSWORD).await;
    let client = app
        .with_client(NewClient {
            client_id: "gallery".into(),
            consent: Some("required".into()),
            redirect_uris: vec![CB.into()],
            ..NewClient::default()
        })
        .await;
    answer_consent(&app, &client, &user, "deny").await;
    answer_consent(&app, &client, &user, "allow").await;
    for kind in [AuditKind::ConsentDenied, AuditKind::ConsentGranted] {
        let found = events(&app, kind).await;
        assert_eq!(found.len(), 1, "{kind}: {found:?}");
        assert_eq!(found[0].user_id.as_deref(), Some(user.sub().as_str()));
        assert_eq!(found[0].client_id.as_deref(), Some("gallery"));
        assert_eq!(detail(&found[0])["scope"], "openid email");
    }
});

backend_test!(key_rotations_name_the_operator, |app| async move {
    let by = Actor::User { id: "u-op".into(), username: "operator".into() };
    let rotated = app.services.admin.rotate_keys(&by, Some(SigningAlg::Rs256), true, now()).await.unwrap();
    let found = events(&app, AuditKind::KeyRotated).await;
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].actor.as_deref(), Some("user:u-op"));
    let d = detail(&found[0]);
    assert_eq!((d["action"].as_str(), d["alg"].as_str()), (Some("keys.rotate"), Some("RS256")), "{d}");
    let oxidp::protocol::key_lifecycle::Rotation::Rotated { active, .. } = &rotated[0].1 else {
        panic!("forced rotation did not rotate: {rotated:?}");
    };
    assert_eq!(d["active"], active.as_str());
});

backend_test!(group_administration_names_the_actor, |app| async move {
    let user = app.with_user("alice", PASSWORD).await;
    let admin = &app.services.admin;
    let by = Actor::User { id: "u-op".into(), username: "operator".into() };
    // A second apart: events of one second are ordered by their random ids.
    let t = now();
    admin.create_group(&by, "staff", Some("Everyone".into()), t).await.unwrap();
    admin.add_member(&by, "staff", &user.sub(), t + 1).await.unwrap();
    admin.remove_member(&Actor::Cli, "staff", &user.sub(), t + 2).await.unwrap();
    admin.delete_group(&Actor::Client("automation".into()), "staff", t + 3).await.unwrap();
    // Refusals change nothing and record nothing.
    assert!(matches!(admin.delete_group(&by, "staff", now()).await, Err(AdminError::NotFound(_))));

    let mut actions = events(&app, AuditKind::AdminAction).await;
    actions.retain(|e| detail(e)["action"].as_str().is_some_and(|a| a.starts_with("group.")));
    actions.reverse();
    let seen: Vec<(String, String, Option<String>)> = actions
        .iter()
        .map(|e| {
            (detail(e)["action"].as_str().unwrap().to_string(), e.actor.clone().unwrap(), e.user_id.clone())
        })
        .collect();
    let alice = Some(user.sub());
    assert_eq!(
        seen,
        [
            ("group.create".into(), "user:u-op".into(), None),
            ("group.add_member".into(), "user:u-op".into(), alice.clone()),
            ("group.remove_member".into(), "cli".into(), alice),
            ("group.delete".into(), "client:automation".into(), None),
        ]
    );
    assert!(actions.iter().all(|e| detail(e)["target"] == "staff"));
    assert_eq!(detail(&actions[0])["actor_username"], "operator");
});

/// Events at fixed times long ago, away from whatever the app records now.
const T: i64 = 1_000_000;

async fn seed(app: &TestApp) {
    let audit = &app.services.stores.audit;
    let rows: [(i64, AuditKind, Option<&str>, Option<&str>); 7] = [
        (T, AuditKind::LoginSucceeded, Some("u1"), Some("app1")),
        (T + 1, AuditKind::LoginFailed, Some("u2"), Some("app1")),
        (T + 2, AuditKind::ConsentGranted, Some("u1"), Some("app2")),
        (T + 2, AuditKind::TokenRevoked, Some("u1"), Some("app1")),
        (T + 3, AuditKind::LoginSucceeded, Some("u2"), Some("app2")),
        (T + 4, AuditKind::KeyRotated, None, None),
        (T + 5, AuditKind::LoginSucceeded, Some("u1"), Some("app1")),
    ];
    for (at, kind, user, client) in rows {
        let mut audited = Audited::new(kind);
        if let Some(user) = user {
            audited = audited.user(user);
        }
        if let Some(client) = client {
            audited = audited.client(client);
        }
        audit.record(audited, at).await.expect("record");
    }
}

fn window() -> AuditQuery {
    AuditQuery { since: Some(T), until: Some(T + 100), ..AuditQuery::default() }
}

async fn read(app: &TestApp, query: AuditQuery) -> Vec<AuditEvent> {
    app.services.admin.audit_events(&query).await.expect("query").items
}

fn times(events: &[AuditEvent]) -> Vec<i64> {
    events.iter().map(|e| e.at - T).collect()
}

backend_test!(the_audit_trail_is_filtered_and_paged_newest_first, |app| async move {
    seed(&app).await;
    let all = read(&app, window()).await;
    assert_eq!(times(&all), [5, 4, 3, 2, 2, 1, 0], "newest first");
    assert!(all[3].id > all[4].id, "ties on time go by id, descending");

    let u1 = read(&app, AuditQuery { user_id: Some("u1".into()), ..window() }).await;
    assert_eq!(times(&u1), [5, 2, 2, 0]);
    let app2 = read(&app, AuditQuery { client_id: Some("app2".into()), ..window() }).await;
    assert_eq!(times(&app2), [3, 2]);
    let logins = read(&app, AuditQuery { kind: Some(AuditKind::LoginSucceeded), ..window() }).await;
    assert_eq!(times(&logins), [5, 3, 0]);
    let middle = read(&app, AuditQuery { since: Some(T + 1), until: Some(T + 3), ..window() }).await;
    assert_eq!(times(&middle), [3, 2, 2, 1], "bounds are inclusive");
    let both = AuditQuery { user_id: Some("u1".into()), client_id: Some("app1".into()), ..window() };
    assert_eq!(times(&read(&app, both).await), [5, 2, 0]);

    // Pages of two, each continuing strictly after the last event shown.
    let mut paged = Vec::new();
    let mut query = AuditQuery { limit: Some(2), ..window() };
    loop {
        let page = app.services.admin.audit_events(&query).await.expect("page");
        assert!(page.items.len() <= 2);
        paged.extend(page.items);
        match page.next {
            Some(next) => query.before = Some(next),
            None => break,
        }
    }
    let ids = |events: &[AuditEvent]| events.iter().map(|e| e.id.clone()).collect::<Vec<_>>();
    assert_eq!(ids(&paged), ids(&all), "the pages together are the whole trail, once each");

    let invalid = |field: &'static str| move |e: AdminError| matches!(e, AdminError::Invalid { field: Some(f), .. } if f == field);
    let admin = &app.services.admin;
    for limit in [0, 201] {
        let bad = admin.audit_events(&AuditQuery { limit: Some(limit), ..window() }).await;
        assert!(bad.is_err_and(invalid("limit")), "limit {limit}");
    }
    let bad = admin.audit_events(&AuditQuery { before: Some("no-such-event".into()), ..window() }).await;
    assert!(bad.is_err_and(invalid("before")));
    let bad = admin.audit_events(&AuditQuery { since: Some(T + 5), until: Some(T), ..window() }).await;
    assert!(bad.is_err_and(invalid("since")));
});
