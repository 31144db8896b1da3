//! The session lifecycle: idle and absolute lifetimes, tokens that die with
//! their session (and offline ones that do not), codes from ended sessions,
//! `id_token_hint` / `select_account` / `acr`, deleted users, and a logout
//! honoured by another instance on the very next request.

use crate::authorize::CB;
use crate::helpers::*;

const PASSWORD: &str = "correct horse battery";

fn short_sessions() -> SpawnOptions {
    SpawnOptions::fixed_clock().settings(|s| {
        s.session.idle_ttl = 600;
        s.session.ttl = 3600;
    })
}

async fn assert_prompt_none_error(browser: &Browser, req: AuthRequest, client: &TestClient, error: &str) {
    let resp = browser.authorize(&req.prompt("none")).await;
    let target = redirect_target(&resp, client.redirect_uri());
    assert_eq!(query_map(&target).get("error").map(String::as_str), Some(error), "{target}");
}

backend_test!(
    session_bound_refresh_tokens_die_with_idle_or_absolute_expiry,
    options = short_sessions(),
    |app| async move {
        let f = Granted::new(app).await;
        let app = &f.app;
        // Each refresh is a use that keeps the session from idling out...
        let mut rt = f.rt();
        for _ in 0..6 {
            app.advance(500);
            rt = app.refreshed(&f.client, &rt).await.refresh_token().to_string();
        }
        // ...until its absolute end (3000 s in, 3600 s lifetime).
        app.advance(601);
        app.assert_refresh_fails(&f.client, &rt, "past the session's absolute lifetime").await;

        // Idle: unused for longer than idle_ttl.
        let bob = app.with_user("bob", PASSWORD).await;
        let idle = app.tokens_for(&bob, &f.client).await;
        let introspect = || async {
            let form = [("token", idle.refresh_token())];
            let resp = app.post_form("/introspect", &f.client.auth(), &form).await;
            resp.json::<serde_json::Value>().await.unwrap()["active"].clone()
        };
        assert_eq!(introspect().await, true);
        app.advance(601);
        assert_eq!(introspect().await, false, "introspection: the session idled out");
        app.assert_refresh_fails(&f.client, idle.refresh_token(), "the session idled out").await;
    }
);

backend_test!(
    offline_tokens_outlive_the_session_and_keep_its_sid,
    options = short_sessions(),
    |app| async move {
        let f = Granted::offline(app).await;
        let sid = decode_jwt(f.tokens.id_token()).claims["sid"].as_str().unwrap().to_string();
        f.app.advance(3601);
        let next = f.app.refreshed(&f.client, &f.rt()).await;
        let claims = decode_jwt(next.id_token()).claims;
        assert_eq!(claims["sid"], sid.as_str(), "the original sid, not an empty one");
        assert_eq!(decode_jwt(&next.access_token).claims["sid"], sid.as_str());
    }
);

backend_test!(a_code_from_an_ended_session_cannot_be_redeemed, |app| async move {
    let user = app.with_user("alice", PASSWORD).await;
    let client = app.with_refresh_client("app1").await;
    let browser = app.browser();
    let first = app.tokens_with(&browser, &user, &client, &AuthRequest::new(&client)).await;
    let req = AuthRequest::new(&client);
    let cb = browser.authorize_with_session(&req).await;
    let hint = first.id_token().to_string();
    assert_eq!(browser.logout(&[("id_token_hint", &hint)]).await.status(), 200);
    let verifier = req.pkce.as_ref().map(|p| p.verifier.as_str());
    let resp = app.exchange_code(&client, &cb.code, client.redirect_uri(), verifier).await;
    assert_oauth_error(resp, 400, "invalid_grant").await;
});

backend_test!(an_id_token_hint_for_someone_else_asks_for_that_user, |app| async move {
    let alice = app.with_user("alice", PASSWORD).await;
    let bob = app.with_user("bob", PASSWORD).await;
    let client = app.with_refresh_client("app1").await;
    let bobs = app.tokens_for(&bob, &client).await;
    let browser = app.browser();
    let alices = app.tokens_with(&browser, &alice, &client, &AuthRequest::new(&client)).await;

    // Her own hint: SSO as usual.
    let own = AuthRequest::new(&client).param("id_token_hint", alices.id_token());
    browser.authorize_with_session(&own).await;
    // Bob's hint with alice's session: no code for alice.
    let for_bob = || AuthRequest::new(&client).param("id_token_hint", bobs.id_token());
    assert_prompt_none_error(&browser, for_bob(), &client, "login_required").await;
    let page = browser.authorize(&for_bob()).await.text().await.unwrap();
    let username =
        parse_inputs(&page).into_iter().find(|i| i.get("name").map(String::as_str) == Some("username"));
    assert_eq!(username.and_then(|i| i.get("value").cloned()).as_deref(), Some("bob"), "pre-filled: {page}");
    // Garbage is an invalid request, sent back to the client.
    let garbage = AuthRequest::new(&client).param("id_token_hint", "garbage");
    let resp = browser.authorize(&garbage).await;
    let target = redirect_target(&resp, client.redirect_uri());
    assert_eq!(query_map(&target).get("error").map(String::as_str), Some("invalid_request"));
});

backend_test!(select_account_shows_the_form_and_acr_amr_are_reported, |app| async move {
    let user = app.with_user("alice", PASSWORD).await;
    let client = app.with_refresh_client("app1").await;
    let browser = app.browser();
    let req = AuthRequest::new(&client).param("acr_values", "1 urn:unknown");
    let tokens = app.tokens_with(&browser, &user, &client, &req).await;
    let claims = decode_jwt(tokens.id_token()).claims;
    assert_eq!((claims["acr"].as_str(), claims["amr"].clone()), (Some("1"), serde_json::json!(["pwd"])));

    let resp = browser.authorize(&AuthRequest::new(&client).prompt("select_account")).await;
    assert_eq!(resp.status(), 200, "the login form, although a session exists");
    let resp = browser.authorize(&AuthRequest::new(&client).prompt("none select_account")).await;
    let target = redirect_target(&resp, client.redirect_uri());
    assert_eq!(query_map(&target).get("error").map(String::as_str), Some("invalid_request"));
    assert_eq!(app.discovery().await["acr_values_supported"], serde_json::json!(["1", "2"]));
});

backend_test!(a_deleted_user_gets_no_code_and_loses_the_session, |app| async move {
    let user = app.with_user("alice", PASSWORD).await;
    let client = app.with_confidential_client("app1", &[CB]).await;
    let browser = app.browser();
    browser.authorize_and_login(&AuthRequest::new(&client), &user).await;
    app.delete_user(&user).await;
    app.services.stores.flush_caches();
    assert_prompt_none_error(&browser, AuthRequest::new(&client), &client, "login_required").await;
    let ended = app.audit_events_of("session_ended").await;
    assert!(ended.iter().any(|e| e.detail.contains("user_disabled_or_deleted")), "{ended:?}");
});

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(oxidp_pg_redis),
    ignore = "needs PostgreSQL + Redis: set OXIDP_TEST_DATABASE_URL and OXIDP_TEST_REDIS_URL"
)]
async fn a_logout_at_one_instance_is_honoured_by_the_other_at_once() {
    let app = spawn_app(Backend::PgRedis).await;
    let sibling = app.spawn_sibling().await;
    let user = app.with_user("alice", PASSWORD).await;
    let client = app.with_refresh_client("app1").await;
    let browser = app.browser();
    let tokens = app.tokens_with(&browser, &user, &client, &AuthRequest::new(&client)).await;
    let at_sibling = browser.at(&sibling.address);
    at_sibling.authorize_with_session(&AuthRequest::new(&client)).await;

    // A copy of the cookie outlives the logout: the other instance must refuse it.
    let old_cookie = format!("{SESSION_COOKIE}={}", browser.cookie(SESSION_COOKIE).expect("session cookie"));
    let hint = tokens.id_token().to_string();
    assert_eq!(browser.logout(&[("id_token_hint", &hint)]).await.status(), 200);
    let resp = sibling
        .browser()
        .client
        .get(sibling.url("/authorize"))
        .query(&AuthRequest::new(&client).prompt("none").params())
        .header("Cookie", old_cookie)
        .send()
        .await
        .unwrap();
    let target = redirect_target(&resp, client.redirect_uri());
    assert_eq!(query_map(&target).get("error").map(String::as_str), Some("login_required"));
    sibling.assert_refresh_fails(&client, tokens.refresh_token(), "refresh at the other instance").await;
}
