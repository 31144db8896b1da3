//! The account page: sign-in, the user's sessions (ending one is a full
//! logout: its tokens die), withdrawing a consent (that app's refresh
//! tokens die), and changing the password (other sessions end); every form
//! CSRF-protected.

use oxidp::flows::admin::NewClient;

use crate::authorize::CB;
use crate::helpers::*;

const PASSWORD: &str = "correct horse battery";

impl Browser {
    async fn account(&self) -> (u16, String) {
        let resp = self.client.get(self.url("/account")).send().await.expect("GET /account");
        (resp.status().as_u16(), resp.text().await.unwrap())
    }

    /// Signs in on the account page's own form.
    async fn account_sign_in(&self, user: &TestUser) -> reqwest::Response {
        let (_, page) = self.account().await;
        let form = LoginForm::parse(&page);
        let fields = [
            ("csrf_token", form.csrf_token.as_str()),
            ("username", &user.username()),
            ("password", &user.password),
        ];
        self.client.post(self.url("/account/login")).form(&fields).send().await.expect("POST /account/login")
    }

    /// Posts one of the account page's forms with the page's CSRF token.
    async fn account_form(&self, page: &str, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        let token = csrf_of(page);
        let mut all = vec![("csrf_token", token.as_str())];
        all.extend_from_slice(fields);
        self.client.post(self.url(path)).form(&all).send().await.expect("POST account form")
    }
}

fn csrf_of(page: &str) -> String {
    parse_inputs(page)
        .into_iter()
        .find(|i| i.get("name").map(String::as_str) == Some("csrf_token"))
        .and_then(|i| i.get("value").cloned())
        .unwrap_or_else(|| panic!("no CSRF token: {page}"))
}

/// The `sid` values of the page's "end session" forms.
fn listed_sids(page: &str) -> Vec<String> {
    parse_inputs(page)
        .into_iter()
        .filter(|i| i.get("name").map(String::as_str) == Some("sid"))
        .filter_map(|i| i.get("value").cloned())
        .collect()
}

fn see_other_to(resp: &reqwest::Response, location: &str) {
    assert_eq!(resp.status(), 303);
    assert_eq!(header(resp, reqwest::header::LOCATION).as_deref(), Some(location));
}

backend_test!(the_account_page_lists_sessions_and_ends_them_everywhere, |app| async move {
    let user = app.with_user("alice", PASSWORD).await;
    let client = app.with_refresh_client("app1").await;
    let (laptop, phone) = (app.browser(), app.browser());
    assert_eq!(laptop.account().await.0, 200, "the sign-in form");
    let wrong = TestUser { record: user.record.clone(), password: "nope nope nope".into() };
    assert_eq!(laptop.account_sign_in(&wrong).await.status(), 200, "the form again, with the error");
    see_other_to(&laptop.account_sign_in(&user).await, "/account");
    let on_phone = app.tokens_with(&phone, &user, &client, &AuthRequest::new(&client)).await;

    let (status, page) = laptop.account().await;
    assert_eq!(status, 200);
    assert!(page.contains("alice") && page.contains("this device"), "{page}");
    let sids = listed_sids(&page);
    assert_eq!(sids.len(), 2, "both sessions: {page}");
    let phone_sid = decode_jwt(on_phone.id_token()).claims["sid"].as_str().unwrap().to_string();
    assert!(sids.contains(&phone_sid));

    // A form without the page's token changes nothing.
    let forged = laptop
        .client
        .post(laptop.url("/account/sessions/end"))
        .form(&[("sid", &phone_sid)])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 400);
    app.assert_access_token_alive(&client, &on_phone.access_token, "still signed in").await;

    see_other_to(
        &laptop.account_form(&page, "/account/sessions/end", &[("sid", &phone_sid)]).await,
        "/account?done=session_ended",
    );
    app.assert_refresh_fails(&client, on_phone.refresh_token(), "the ended session's refresh token").await;
    let resp = phone.authorize(&AuthRequest::new(&client).prompt("none")).await;
    assert_eq!(
        query_map(&redirect_target(&resp, CB)).get("error").map(String::as_str),
        Some("login_required")
    );
    let notice = laptop.client.get(laptop.url("/account?done=session_ended")).send().await.unwrap();
    let page = notice.text().await.unwrap();
    assert_eq!(listed_sids(&page).len(), 1);
    assert!(page.contains("The session was ended."), "{page}");

    // Ending this device's session signs the page out.
    let own = listed_sids(&page).remove(0);
    let resp = laptop.account_form(&page, "/account/sessions/end", &[("sid", &own)]).await;
    see_other_to(&resp, "/account");
    assert!(set_cookies(&resp).iter().any(|c| c.name == SESSION_COOKIE && c.is_removal()));
    let (_, page) = laptop.account().await;
    assert!(page.contains("your account") && page.contains("name=\"password\""), "signed out: {page}");
});

backend_test!(withdrawing_a_consent_forgets_it_and_kills_the_apps_tokens, |app| async move {
    app.with_user("alice", PASSWORD).await;
    let gallery = app
        .with_client(NewClient {
            name: Some("Photo Gallery".into()),
            consent: Some("required".into()),
            ..refresh_client_spec("gallery")
        })
        .await;
    let browser = app.browser();
    let req = AuthRequest::new(&gallery);
    let form = browser.login_page(&req).await;
    let consent_page = browser.submit_login(&form, "alice", PASSWORD).await.text().await.unwrap();
    let consent = LoginForm::parse(&consent_page);
    let fields = [
        ("challenge", consent.challenge.as_str()),
        ("csrf_token", &consent.csrf_token),
        ("decision", "allow"),
    ];
    let resp = browser.client.post(browser.url("/consent")).form(&fields).send().await.unwrap();
    let cb = Callback::from_redirect(&resp, gallery.redirect_uri());
    let verifier = req.pkce.as_ref().map(|p| p.verifier.as_str());
    let tokens =
        Tokens::from_response(app.exchange_code(&gallery, &cb.code, gallery.redirect_uri(), verifier).await)
            .await;

    let (_, page) = browser.account().await;
    assert!(page.contains("Photo Gallery"), "{page}");
    let resp = browser.account_form(&page, "/account/apps/revoke", &[("client_id", "gallery")]).await;
    see_other_to(&resp, "/account?done=app_removed");
    app.assert_refresh_fails(&gallery, tokens.refresh_token(), "after the consent was withdrawn").await;
    app.assert_access_token_dead(&gallery, &tokens.access_token, "its access token too").await;
    let resp = browser.authorize(&AuthRequest::new(&gallery).prompt("none")).await;
    let error = query_map(&redirect_target(&resp, gallery.redirect_uri())).get("error").cloned();
    assert_eq!(error.as_deref(), Some("consent_required"), "forgotten");
    assert_eq!(app.audit_events_of("consent_withdrawn").await.len(), 1);
    let (_, page) = browser.account().await;
    assert!(!page.contains("Photo Gallery"), "{page}");
});

backend_test!(changing_the_password_ends_the_other_sessions, |app| async move {
    let user = app.with_user("alice", PASSWORD).await;
    let client = app.with_refresh_client("app1").await;
    let (laptop, phone) = (app.browser(), app.browser());
    laptop.account_sign_in(&user).await;
    let on_phone = app.tokens_with(&phone, &user, &client, &AuthRequest::new(&client)).await;
    let (_, page) = laptop.account().await;

    let wrong = laptop
        .account_form(
            &page,
            "/account/password",
            &[("current_password", "wrong"), ("new_password", "a new secret")],
        )
        .await;
    assert_eq!(wrong.status(), 400);
    assert!(wrong.text().await.unwrap().contains("current password is not correct"));
    let short = laptop
        .account_form(
            &page,
            "/account/password",
            &[("current_password", PASSWORD), ("new_password", "short")],
        )
        .await;
    assert_eq!(short.status(), 400);
    app.refreshed(&client, on_phone.refresh_token()).await;

    let resp = laptop
        .account_form(
            &page,
            "/account/password",
            &[("current_password", PASSWORD), ("new_password", "a new secret")],
        )
        .await;
    see_other_to(&resp, "/account?done=password_changed");
    assert_eq!(laptop.account().await.0, 200, "this session stays");
    let (_, page) = laptop.account().await;
    assert_eq!(listed_sids(&page).len(), 1, "the phone's session ended");
    let resp = phone.authorize(&AuthRequest::new(&client).prompt("none")).await;
    assert_eq!(
        query_map(&redirect_target(&resp, CB)).get("error").map(String::as_str),
        Some("login_required")
    );
    // The new password works, the old one does not.
    let fresh = app.browser();
    let form = fresh.login_page(&AuthRequest::new(&client)).await;
    assert_eq!(fresh.submit_login(&form, "alice", PASSWORD).await.status(), 200, "old password refused");
    let form = fresh.login_page(&AuthRequest::new(&client)).await;
    assert_eq!(fresh.submit_login(&form, "alice", "a new secret").await.status(), 303);
    assert_eq!(app.audit_events_of("password_changed").await.len(), 1);
});
