//! POST /login: credentials, CSRF protection and the SSO session cookie.

use crate::authorize::CB;
use crate::helpers::*;

const PASSWORD: &str = "correct horse battery";
const INVALID: &str = "Invalid username or password.";

backend_test!(success_redirects_with_code_and_sets_session, |app| async move {
    let _user = app.with_user("alice", PASSWORD).await;
    let client = app.with_confidential_client("app1", &[CB]).await;
    let browser = app.browser();
    let req = AuthRequest::new(&client);
    let form = browser.login_page(&req).await;
    let resp = browser.submit_login(&form, "alice", PASSWORD).await;
    assert_eq!(resp.status(), 303);

    let cb = Callback::from_redirect(&resp, CB);
    assert!(!cb.code.is_empty());
    assert_eq!(cb.state.as_deref(), Some(req.state.as_str()));
    assert_eq!(cb.iss.as_deref(), Some(app.issuer.as_str()));

    let session = set_cookie(&resp, SESSION_COOKIE).expect("oxidp_session set");
    assert!(session.value.len() >= 22, "session id too short: {}", session.raw);
    assert!(session.has("httponly"), "{}", session.raw);
    assert!(session.attr("samesite").is_some_and(|v| v.eq_ignore_ascii_case("lax")), "{}", session.raw);
    assert_eq!(session.attr("path"), Some("/"), "{}", session.raw);
    // The issuer is plain http on loopback: a Secure cookie would never come back.
    assert!(!session.has("secure"), "{}", session.raw);
    assert_eq!(browser.cookie(SESSION_COOKIE), Some(session.value.clone()));
});

backend_test!(new_session_id_on_every_login, |app| async move {
    // Session fixation: the id changes whenever the user authenticates.
    let user = app.with_user("alice", PASSWORD).await;
    let client = app.with_confidential_client("app1", &[CB]).await;
    let browser = app.browser();

    let mut values = vec![];
    for _ in 0..2 {
        let req = AuthRequest::new(&client).prompt("login");
        let form = browser.login_page(&req).await;
        let resp = browser.submit_login(&form, "alice", &user.password).await;
        assert_eq!(resp.status(), 303);
        values.push(set_cookie(&resp, SESSION_COOKIE).expect("session cookie").value);
    }
    assert_ne!(values[0], values[1]);
});

backend_test!(bad_credentials_look_the_same, |app| async move {
    let _user = app.with_user("alice", PASSWORD).await;
    let client = app.with_confidential_client("app1", &[CB]).await;
    let browser = app.browser();

    for (username, password) in [("alice", "wrong password!"), ("mallory", PASSWORD)] {
        let form = browser.login_page(&AuthRequest::new(&client)).await;
        let resp = browser.submit_login(&form, username, password).await;
        assert_eq!(resp.status(), 200, "{username}");
        assert!(resp.headers().get("location").is_none());
        assert!(set_cookie(&resp, SESSION_COOKIE).is_none(), "{username}: no session");
        let html = resp.text().await.unwrap();
        assert!(html.contains(INVALID), "{username}: {html}");
        // The page can be submitted again.
        LoginForm::parse(&html);
    }
    assert!(browser.cookie(SESSION_COOKIE).is_none());
});

backend_test!(username_is_case_insensitive, |app| async move {
    let user = app.with_user("Alice", PASSWORD).await;
    assert_eq!(user.username(), "alice");
    let client = app.with_confidential_client("app1", &[CB]).await;
    for name in ["ALICE", "alice", "aLiCe"] {
        let browser = app.browser();
        let form = browser.login_page(&AuthRequest::new(&client)).await;
        let resp = browser.submit_login(&form, name, PASSWORD).await;
        assert_eq!(resp.status(), 303, "{name}");
    }
});

async fn assert_rejected(resp: reqwest::Response, what: &str) {
    assert_eq!(resp.status(), 400, "{what}");
    assert!(resp.headers().get("location").is_none(), "{what}");
    assert!(set_cookie(&resp, SESSION_COOKIE).is_none(), "{what}: no session");
}

backend_test!(csrf_is_enforced, |app| async move {
    let _user = app.with_user("alice", PASSWORD).await;
    let client = app.with_confidential_client("app1", &[CB]).await;
    let browser = app.browser();

    let form = browser.login_page(&AuthRequest::new(&client)).await;
    let resp = browser
        .post_login(&[("challenge", form.challenge.as_str()), ("username", "alice"), ("password", PASSWORD)])
        .await;
    assert_rejected(resp, "missing csrf_token").await;

    let form = browser.login_page(&AuthRequest::new(&client)).await;
    let wrong = flip_char(&form.csrf_token);
    let resp = browser
        .post_login(&[
            ("challenge", form.challenge.as_str()),
            ("csrf_token", wrong.as_str()),
            ("username", "alice"),
            ("password", PASSWORD),
        ])
        .await;
    assert_rejected(resp, "wrong csrf_token").await;

    // Another user agent without the oxidp_csrf cookie replays the form.
    let form = browser.login_page(&AuthRequest::new(&client)).await;
    let attacker = app.browser();
    let resp = attacker.submit_login(&form, "alice", PASSWORD).await;
    assert_rejected(resp, "missing oxidp_csrf cookie").await;

    // The csrf_token of one browser does not work with another's cookie.
    let mine = browser.login_page(&AuthRequest::new(&client)).await;
    let theirs = attacker.login_page(&AuthRequest::new(&client)).await;
    let resp = attacker
        .post_login(&[
            ("challenge", theirs.challenge.as_str()),
            ("csrf_token", mine.csrf_token.as_str()),
            ("username", "alice"),
            ("password", PASSWORD),
        ])
        .await;
    assert_rejected(resp, "csrf_token from another browser").await;

    // A valid form posted from an opaque origin (a sandboxed frame, a
    // data: page) or another site is refused.
    for origin in ["null", "https://evil.example"] {
        let form = browser.login_page(&AuthRequest::new(&client)).await;
        let fields = [
            ("challenge", form.challenge.as_str()),
            ("csrf_token", form.csrf_token.as_str()),
            ("username", "alice"),
            ("password", PASSWORD),
        ];
        let resp = browser
            .client
            .post(browser.url("/login"))
            .header("Origin", origin)
            .form(&fields)
            .send()
            .await
            .unwrap();
        assert_rejected(resp, &format!("Origin: {origin}")).await;
    }

    assert!(browser.cookie(SESSION_COOKIE).is_none());
    assert!(attacker.cookie(SESSION_COOKIE).is_none());
});

backend_test!(unknown_challenge_is_rejected, |app| async move {
    let _user = app.with_user("alice", PASSWORD).await;
    let client = app.with_confidential_client("app1", &[CB]).await;
    let browser = app.browser();
    let form = browser.login_page(&AuthRequest::new(&client)).await;
    let resp = browser
        .post_login(&[
            ("challenge", "not-a-real-challenge"),
            ("csrf_token", form.csrf_token.as_str()),
            ("username", "alice"),
            ("password", PASSWORD),
        ])
        .await;
    assert!(resp.status().is_client_error(), "status {}", resp.status());
    assert!(resp.headers().get("location").is_none());
    assert!(set_cookie(&resp, SESSION_COOKIE).is_none());
});

backend_test!(failed_login_page_escapes_username, |app| async move {
    let client = app.with_confidential_client("app1", &[CB]).await;
    let browser = app.browser();
    let form = browser.login_page(&AuthRequest::new(&client)).await;
    let evil = r#""><img src=x onerror=alert(1)>"#;
    let resp = browser.submit_login(&form, evil, "whatever password").await;
    assert_eq!(resp.status(), 200);
    let html = resp.text().await.unwrap();
    assert!(html.contains(INVALID));
    assert!(!html.contains("<img src=x"), "raw username reflected: {html}");
});
