//! Two-step verification (TOTP, RFC 6238) and recovery codes: set up on
//! the account page, asked for after the password at login (a code works
//! once; recovery codes once each), required per client (`require_mfa`,
//! set up on the way) or by `acr_values=2` (a step-up of a one-factor
//! session), `amr`/`acr` in the ID token, the account page's own sign-in,
//! and the operator's reset.

use oxidp::flows::admin::NewClient;
use oxidp::protocol::mfa::totp_code_for_base32;

use crate::helpers::*;

const PASSWORD: &str = "correct horse battery";

/// What an authenticator app holds: the secret from a set-up page.
struct Phone {
    secret: String,
}

impl Phone {
    fn from_page(page: &str) -> Phone {
        const MARK: &str = "class=\"code-inline\">";
        let start = page.find(MARK).expect("the set-up page shows the key") + MARK.len();
        let secret = page[start..].split('<').next().unwrap().trim().to_string();
        Phone { secret }
    }

    fn code(&self, app: &TestApp) -> String {
        totp_code_for_base32(&self.secret, app.now()).expect("a base32 secret")
    }
}

fn input_value(page: &str, name: &str) -> String {
    parse_inputs(page)
        .into_iter()
        .find(|i| i.get("name").map(String::as_str) == Some(name))
        .and_then(|i| i.get("value").cloned())
        .unwrap_or_else(|| panic!("no `{name}` input: {page}"))
}

/// The recovery codes a page lists.
fn recovery_codes(page: &str) -> Vec<String> {
    let list = page.split("class=\"recovery-codes\"").nth(1).expect("a list of recovery codes");
    let list = list.split("</ol>").next().unwrap();
    list.split("<span class=\"code-inline\">")
        .skip(1)
        .map(|c| c.split('<').next().unwrap().to_string())
        .collect()
}

async fn text(resp: reqwest::Response) -> (u16, String) {
    (resp.status().as_u16(), resp.text().await.unwrap())
}

impl Browser {
    async fn mfa_page(&self, path: &str) -> (u16, String) {
        text(self.client.get(self.url(path)).send().await.expect("GET")).await
    }

    async fn form(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        self.client.post(self.url(path)).form(fields).send().await.expect("POST")
    }

    /// Signs in on the account page with a password only.
    async fn account_password_sign_in(&self, user: &TestUser) -> reqwest::Response {
        let (_, page) = self.mfa_page("/account").await;
        let token = input_value(&page, "csrf_token");
        let fields =
            [("csrf_token", token.as_str()), ("username", &user.username()), ("password", &user.password)];
        self.form("/account/login", &fields).await
    }

    /// Sets TOTP up from the account page (signed in already); the phone
    /// and the recovery codes.
    async fn set_up_totp(&self, app: &TestApp) -> (Phone, Vec<String>) {
        let (status, page) = self.mfa_page("/account/totp").await;
        assert_eq!(status, 200, "{page}");
        assert!(page.contains("<svg"), "a QR code: {page}");
        let phone = Phone::from_page(&page);
        let (token, id) = (input_value(&page, "csrf_token"), input_value(&page, "enrollment"));
        let wrong = [("csrf_token", token.as_str()), ("enrollment", &id), ("code", "000000")];
        let (status, body) = text(self.form("/account/totp", &wrong).await).await;
        assert_eq!(status, 400, "a wrong code: the page again: {body}");
        let code = phone.code(app);
        let (status, body) = text(
            self.form("/account/totp", &[("csrf_token", &token), ("enrollment", &id), ("code", &code)]).await,
        )
        .await;
        assert_eq!(status, 200, "{body}");
        assert!(body.contains("Two-step verification is on"), "{body}");
        let codes = recovery_codes(&body);
        assert_eq!(codes.len(), 10, "{body}");
        (phone, codes)
    }

    /// authorize → password → the second-factor page (asserted).
    async fn to_second_factor(&self, req: &AuthRequest, user: &TestUser) -> String {
        let form = self.login_page(req).await;
        let (status, page) = text(self.submit_login(&form, &user.username(), &user.password).await).await;
        assert_eq!(status, 200, "the second-factor page: {page}");
        assert!(page.contains("action=\"/login/mfa\""), "{page}");
        page
    }

    /// Posts a second-factor page's form.
    async fn answer_mfa(&self, page: &str, field: &str, value: &str) -> reqwest::Response {
        let (challenge, token) = (input_value(page, "challenge"), input_value(page, "csrf_token"));
        self.form("/login/mfa", &[("challenge", &challenge), ("csrf_token", &token), (field, value)]).await
    }
}

async fn claims_after(
    app: &TestApp,
    client: &TestClient,
    req: &AuthRequest,
    resp: reqwest::Response,
) -> serde_json::Value {
    assert_eq!(resp.status(), 303, "back to the client");
    let cb = Callback::from_redirect(&resp, &req.redirect_uri);
    let verifier = req.pkce.as_ref().map(|p| p.verifier.as_str());
    let tokens =
        Tokens::from_response(app.exchange_code(client, &cb.code, &req.redirect_uri, verifier).await).await;
    decode_jwt(tokens.id_token()).claims
}

fn factors(claims: &serde_json::Value) -> (String, serde_json::Value) {
    (claims["acr"].as_str().unwrap_or_default().to_string(), claims["amr"].clone())
}

backend_test!(
    totp_set_up_on_the_account_page_is_asked_for_after_the_password,
    options = SpawnOptions::fixed_clock(),
    |app| async move {
        let user = app.with_user("alice", PASSWORD).await;
        let client = app.with_refresh_client("app1").await;
        let laptop = app.browser();
        assert_eq!(laptop.account_password_sign_in(&user).await.status(), 303);
        let (_, page) = laptop.mfa_page("/account").await;
        assert!(page.contains("href=\"/account/totp\""), "offered: {page}");
        let (phone, codes) = laptop.set_up_totp(&app).await;
        let (_, page) = laptop.mfa_page("/account").await;
        assert!(page.contains("10 recovery codes left"), "{page}");
        assert_eq!(app.audit_events_of("mfa_enrolled").await.len(), 1);

        // A new browser: password, then the code. The code that set TOTP up
        // was used: the same one is refused; the next step's works.
        let phone_browser = app.browser();
        let req = AuthRequest::new(&client);
        let page = phone_browser.to_second_factor(&req, &user).await;
        let (status, again) = text(phone_browser.answer_mfa(&page, "code", &phone.code(&app)).await).await;
        assert_eq!(status, 200, "a used code is refused: {again}");
        assert!(again.contains("That code is not right"), "{again}");
        app.advance(30);
        let resp = phone_browser.answer_mfa(&again, "code", &phone.code(&app)).await;
        let claims = claims_after(&app, &client, &req, resp).await;
        assert_eq!(factors(&claims), ("2".into(), serde_json::json!(["pwd", "otp", "mfa"])));

        // The same code again, in another browser, within its window: refused.
        let other = app.browser();
        let req2 = AuthRequest::new(&client);
        let page = other.to_second_factor(&req2, &user).await;
        let (status, page) = text(other.answer_mfa(&page, "code", &phone.code(&app)).await).await;
        assert_eq!((status, page.contains("That code is not right")), (200, true), "replay: {page}");
        // A recovery code works once.
        let resp = other.answer_mfa(&page, "recovery_code", &codes[0].to_lowercase()).await;
        let claims = claims_after(&app, &client, &req2, resp).await;
        assert_eq!(claims["acr"], "2");
        let third = app.browser();
        let page = third.to_second_factor(&AuthRequest::new(&client), &user).await;
        let (status, page) = text(third.answer_mfa(&page, "recovery_code", &codes[0]).await).await;
        assert_eq!((status, page.contains("That code is not right")), (200, true), "used up: {page}");
        let failed = app.audit_events_of("mfa_failed").await;
        assert!(failed.len() >= 2, "{failed:?}");
        assert!(failed.iter().all(|e| !e.detail.contains(&codes[0])), "never a code in the trail");
    }
);

backend_test!(a_page_takes_five_wrong_codes_then_the_user_starts_again, |app| async move {
    let user = app.with_user("alice", PASSWORD).await;
    let client = app.with_refresh_client("app1").await;
    let browser = app.browser();
    assert_eq!(browser.account_password_sign_in(&user).await.status(), 303);
    browser.set_up_totp(&app).await;
    let fresh = app.browser();
    let mut page = fresh.to_second_factor(&AuthRequest::new(&client), &user).await;
    for attempt in 1..=5 {
        let (status, body) = text(fresh.answer_mfa(&page, "code", "000000").await).await;
        if attempt < 5 {
            assert_eq!(status, 200, "attempt {attempt}: {body}");
            page = body;
        } else {
            assert!(body.contains("Too many attempts on this page"), "{body}");
        }
    }
});

backend_test!(a_client_that_requires_mfa_has_users_set_it_up_on_the_way, |app| async move {
    let user = app.with_user("alice", PASSWORD).await;
    let strict = app.with_client(NewClient { require_mfa: true, ..refresh_client_spec("bank") }).await;
    let relaxed = app.with_refresh_client("blog").await;
    let browser = app.browser();
    let req = AuthRequest::new(&strict);
    let page = browser.to_second_factor(&req, &user).await;
    assert!(page.contains("Set up two-step verification") && page.contains("<svg"), "{page}");
    let phone = Phone::from_page(&page);
    let (status, codes_page) = text(browser.answer_mfa(&page, "code", &phone.code(&app)).await).await;
    assert_eq!(status, 200, "{codes_page}");
    assert_eq!(recovery_codes(&codes_page).len(), 10, "{codes_page}");
    let resp = browser.answer_mfa(&codes_page, "action", "continue").await;
    let claims = claims_after(&app, &strict, &req, resp).await;
    assert_eq!(claims["acr"], "2");
    // The session has both factors: another app gets a code at once.
    let cb = browser.authorize_with_session(&AuthRequest::new(&relaxed)).await;
    assert!(!cb.code.is_empty());
    // Discovery lists the level.
    let acr = app.discovery().await["acr_values_supported"].clone();
    assert_eq!(acr, serde_json::json!(["1", "2"]));
});

backend_test!(
    acr_values_2_steps_up_a_one_factor_session,
    options = SpawnOptions::fixed_clock(),
    |app| async move {
        let user = app.with_user("alice", PASSWORD).await;
        let client = app.with_refresh_client("app1").await;
        let browser = app.browser();
        // A one-factor session (TOTP set up after it started).
        let first = AuthRequest::new(&client);
        let claims = claims_after(&app, &client, &first, {
            let form = browser.login_page(&first).await;
            browser.submit_login(&form, &user.username(), &user.password).await
        })
        .await;
        assert_eq!(claims["acr"], "1");
        let sid = claims["sid"].clone();
        // The account page uses the same session.
        let (phone, _) = browser.set_up_totp(&app).await;
        app.advance(30);

        // prompt=none cannot step up.
        let none = AuthRequest::new(&client).param("acr_values", "2").prompt("none");
        let url = redirect_target(&browser.authorize(&none).await, &none.redirect_uri);
        assert_eq!(query_map(&url).get("error").map(String::as_str), Some("interaction_required"));
        // "2 1": one factor is acceptable, no step-up.
        let either = AuthRequest::new(&client).param("acr_values", "2 1");
        browser.authorize_with_session(&either).await;

        let req = AuthRequest::new(&client).param("acr_values", "2");
        let (status, page) = text(browser.authorize(&req).await).await;
        assert_eq!(status, 200, "{page}");
        assert!(
            page.contains("action=\"/login/mfa\"") && !page.contains("<svg"),
            "a code, not a set-up: {page}"
        );
        let resp = browser.answer_mfa(&page, "code", &phone.code(&app)).await;
        let claims = claims_after(&app, &client, &req, resp).await;
        assert_eq!(factors(&claims), ("2".into(), serde_json::json!(["pwd", "otp", "mfa"])));
        assert_eq!(claims["sid"], sid, "the same session, stepped up");
    }
);

backend_test!(
    the_account_page_sign_in_asks_for_the_code_and_an_operator_can_reset_it,
    options = SpawnOptions::fixed_clock(),
    |app| async move {
        let user = app.with_user("alice", PASSWORD).await;
        let browser = app.browser();
        assert_eq!(browser.account_password_sign_in(&user).await.status(), 303);
        let (phone, _) = browser.set_up_totp(&app).await;
        app.advance(30);

        let other = app.browser();
        let (status, page) = text(other.account_password_sign_in(&user).await).await;
        assert_eq!(status, 200, "the code comes next: {page}");
        assert!(page.contains("action=\"/account/login/mfa\""), "{page}");
        assert!(other.cookie(SESSION_COOKIE).is_none(), "no session before the second factor");
        let (challenge, token) = (input_value(&page, "challenge"), input_value(&page, "csrf_token"));
        let wrong = [("challenge", challenge.as_str()), ("csrf_token", &token), ("code", "000000")];
        let (status, page) = text(other.form("/account/login/mfa", &wrong).await).await;
        assert_eq!((status, page.contains("That code is not right")), (200, true), "{page}");
        let code = phone.code(&app);
        let resp = other
            .form("/account/login/mfa", &[("challenge", &challenge), ("csrf_token", &token), ("code", &code)])
            .await;
        assert_eq!(resp.status(), 303);
        let (status, page) = other.mfa_page("/account").await;
        assert_eq!(status, 200);
        assert!(page.contains("Two-step verification") && page.contains("recovery codes left"), "{page}");

        // The operator resets it: the next sign-in is the password alone.
        let api = app.admin_api().await;
        let answer = api.delete(&format!("/users/{}/mfa", user.record.id)).await;
        assert_eq!(
            (answer.status, answer.json["removed"].clone()),
            (200, serde_json::json!(true)),
            "{:?}",
            answer.json
        );
        let answer = api.delete(&format!("/users/{}/mfa", user.record.id)).await;
        assert_eq!(answer.json["removed"], false);
        assert_eq!(app.browser().account_password_sign_in(&user).await.status(), 303);
        let resets = app.audit_events_of("admin_action").await;
        assert!(resets.iter().any(|e| e.detail.contains("user.reset_mfa")), "{resets:?}");
    }
);
