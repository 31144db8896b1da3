//! Single sign-on across clients and the `prompt` / `max_age` request
//! parameters (OIDC Core §3.1.2.1, §3.1.2.3).

use crate::authorize::CB;
use crate::helpers::*;

const PASSWORD: &str = "correct horse battery";
const CB_B: &str = "http://127.0.0.1:9998/callback";

backend_test!(second_client_gets_code_without_login, |app| async move {
    let user = app.with_user("alice", PASSWORD).await;
    let a = app.with_confidential_client("app-a", &[CB]).await;
    let b = app.with_public_client("app-b", &[CB_B]).await;
    let browser = app.browser();

    browser.authorize_and_login(&AuthRequest::new(&a), &user).await;
    let req = AuthRequest::new(&b);
    let resp = browser.authorize(&req).await;
    assert_eq!(resp.status(), 302, "SSO session should skip the login page");
    let cb = Callback::from_redirect(&resp, CB_B);
    assert_eq!(cb.state.as_deref(), Some(req.state.as_str()));
    assert_eq!(cb.iss.as_deref(), Some(app.issuer.as_str()));

    let v = req.pkce.as_ref().unwrap().verifier.clone();
    let tokens = Tokens::from_response(app.exchange_code(&b, &cb.code, CB_B, Some(&v)).await).await;
    let claims = decode_jwt(tokens.id_token()).claims;
    assert_eq!(claims["sub"], user.sub());
    assert_eq!(audiences(&claims), ["app-b"]);
});

backend_test!(prompt_none_with_session, |app| async move {
    let user = app.with_user("alice", PASSWORD).await;
    let a = app.with_confidential_client("app-a", &[CB]).await;
    let b = app.with_public_client("app-b", &[CB_B]).await;
    let browser = app.browser();
    browser.authorize_and_login(&AuthRequest::new(&a), &user).await;

    let req = AuthRequest::new(&b).prompt("none");
    let cb = browser.authorize_with_session(&req).await;
    assert_eq!(cb.state.as_deref(), Some(req.state.as_str()));
    let v = req.pkce.as_ref().unwrap().verifier.clone();
    let resp = app.exchange_code(&b, &cb.code, CB_B, Some(&v)).await;
    assert_eq!(resp.status(), 200);
});

backend_test!(prompt_login_forces_the_form, |app| async move {
    let user = app.with_user("alice", PASSWORD).await;
    let a = app.with_confidential_client("app-a", &[CB]).await;
    let browser = app.browser();
    let first = app.tokens_with(&browser, &user, &a, &AuthRequest::new(&a)).await;

    let req = AuthRequest::new(&a).prompt("login");
    let form = browser.login_page(&req).await;
    let resp = browser.submit_login(&form, "alice", PASSWORD).await;
    assert_eq!(resp.status(), 303);
    let cb = Callback::from_redirect(&resp, CB);
    let v = req.pkce.as_ref().unwrap().verifier.clone();
    let second = Tokens::from_response(app.exchange_code(&a, &cb.code, CB, Some(&v)).await).await;
    let (t1, t2) = (
        decode_jwt(first.id_token()).claims["auth_time"].as_i64().unwrap(),
        decode_jwt(second.id_token()).claims["auth_time"].as_i64().unwrap(),
    );
    assert!(t2 >= t1, "re-authentication cannot go back in time");
});

backend_test!(max_age_zero_forces_the_form, |app| async move {
    let user = app.with_user("alice", PASSWORD).await;
    let a = app.with_confidential_client("app-a", &[CB]).await;
    let browser = app.browser();
    browser.authorize_and_login(&AuthRequest::new(&a), &user).await;

    browser.login_page(&AuthRequest::new(&a).param("max_age", "0")).await;
    // A generous max_age is satisfied by the session.
    browser.authorize_with_session(&AuthRequest::new(&a).param("max_age", "86400")).await;
});

backend_test!(max_age_requires_auth_time, |app| async move {
    // OIDC Core §3.1.2.1: with max_age, auth_time is REQUIRED in the ID token.
    let user = app.with_user("alice", PASSWORD).await;
    let a = app.with_confidential_client("app-a", &[CB]).await;
    let req = AuthRequest::new(&a).param("max_age", "86400");
    let tokens = app.tokens_with(&app.browser(), &user, &a, &req).await;
    assert!(decode_jwt(tokens.id_token()).claims["auth_time"].is_i64());
});

backend_test!(other_browser_has_no_session, |app| async move {
    let user = app.with_user("alice", PASSWORD).await;
    let a = app.with_confidential_client("app-a", &[CB]).await;
    app.browser().authorize_and_login(&AuthRequest::new(&a), &user).await;
    app.browser().login_page(&AuthRequest::new(&a)).await;
});

backend_test!(forged_session_cookie_is_ignored, |app| async move {
    let _user = app.with_user("alice", PASSWORD).await;
    let a = app.with_confidential_client("app-a", &[CB]).await;
    let browser = app.browser();
    let url = url::Url::parse(&app.address).unwrap();
    browser.jar.add_cookie_str(&format!("{SESSION_COOKIE}=forged-session-id-0123456789abcdef; Path=/"), &url);
    browser.login_page(&AuthRequest::new(&a)).await;
    let req = AuthRequest::new(&a).prompt("none");
    let resp = browser.authorize(&req).await;
    assert_eq!(resp.status(), 302);
    let q = query_map(&redirect_target(&resp, CB));
    assert_eq!(q.get("error").map(String::as_str), Some("login_required"));
});

backend_test!(re_login_by_the_same_user_keeps_the_session, |app| async move {
    let user = app.with_user("alice", PASSWORD).await;
    let client = app.with_refresh_client("app1").await;
    let browser = app.browser();
    let first = app.tokens_with(&browser, &user, &client, &AuthRequest::new(&client)).await;
    let cookie_before = browser.cookie(SESSION_COOKIE).expect("session cookie");
    let again = app.tokens_with(&browser, &user, &client, &AuthRequest::new(&client).prompt("login")).await;
    let cookie_after = browser.cookie(SESSION_COOKIE).expect("session cookie");
    assert_ne!(cookie_before, cookie_after, "a new cookie secret at every login");
    let (sid1, sid2) = (
        decode_jwt(first.id_token()).claims["sid"].clone(),
        decode_jwt(again.id_token()).claims["sid"].clone(),
    );
    assert_eq!(sid1, sid2, "the same user's session continues");
    let refreshed = app.refresh(&client, first.refresh_token()).await;
    assert_eq!(refreshed.status(), 200, "tokens of the continued session keep working");
});

backend_test!(another_users_login_ends_the_session_and_its_refresh_tokens, |app| async move {
    let alice = app.with_user("alice", PASSWORD).await;
    let bob = app.with_user("bob", "battery staple horse").await;
    let client = app.with_refresh_client("app1").await;
    let browser = app.browser();
    let alices = app.tokens_with(&browser, &alice, &client, &AuthRequest::new(&client)).await;
    let bobs = app.tokens_with(&browser, &bob, &client, &AuthRequest::new(&client).prompt("login")).await;
    assert_ne!(decode_jwt(alices.id_token()).claims["sid"], decode_jwt(bobs.id_token()).claims["sid"]);
    app.assert_refresh_fails(&client, alices.refresh_token(), "alice's session ended").await;
    app.assert_access_token_dead(&client, &alices.access_token, "alice's session ended").await;
    assert_eq!(app.audit_events_of("session_ended").await.len(), 1);
    let resp = app.refresh(&client, bobs.refresh_token()).await;
    assert_eq!(resp.status(), 200, "bob's tokens are unaffected");
});
