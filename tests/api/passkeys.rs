//! Passkeys (WebAuthn) with a software authenticator: registered on the
//! account page, then signing in without a username (the login prompt and
//! the account page), as the second factor an app requires, refused when
//! forged, replayed, cloned or someone else's, removed by the user and by
//! an operator's reset, and off where the issuer is not a domain name.

use oxidp::flows::admin::NewClient;
use serde_json::Value;

use crate::helpers::*;

const PASSWORD: &str = "correct horse battery";

/// Passkeys need a domain: the server's issuer is `http://localhost:PORT`
/// (the requests still go to 127.0.0.1).
fn on_localhost() -> SpawnOptions {
    SpawnOptions::default().settings(|s| s.issuer = s.issuer.replace("127.0.0.1", "localhost"))
}

fn origin(app: &TestApp) -> String {
    app.address.replace("127.0.0.1", "localhost")
}

fn input_value(page: &str, name: &str) -> String {
    parse_inputs(page)
        .into_iter()
        .find(|i| i.get("name").map(String::as_str) == Some(name))
        .and_then(|i| i.get("value").cloned())
        .unwrap_or_else(|| panic!("no `{name}` input: {page}"))
}

async fn text(resp: reqwest::Response) -> (u16, String) {
    (resp.status().as_u16(), resp.text().await.unwrap())
}

impl Browser {
    async fn passkey_page(&self, path: &str) -> (u16, String) {
        text(self.client.get(self.url(path)).send().await.expect("GET")).await
    }

    async fn post(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        self.client.post(self.url(path)).form(fields).send().await.expect("POST")
    }

    /// Posts a ceremony's options form; the JSON.
    async fn options(&self, path: &str, fields: &[(&str, &str)]) -> (u16, Value) {
        let resp = self.post(path, fields).await;
        let status = resp.status().as_u16();
        (status, resp.json().await.expect("JSON"))
    }

    async fn password_sign_in(&self, user: &TestUser) {
        let (_, page) = self.passkey_page("/account").await;
        let token = input_value(&page, "csrf_token");
        let fields =
            [("csrf_token", token.as_str()), ("username", &user.username()), ("password", &user.password)];
        assert_eq!(self.post("/account/login", &fields).await.status(), 303);
    }

    /// Adds a passkey named `name` from the account page (signed in).
    async fn add_passkey(&self, device: &mut SoftAuthenticator, name: &str) -> reqwest::Response {
        let (_, page) = self.passkey_page("/account").await;
        assert!(page.contains("data-passkey=\"create\""), "offered: {page}");
        let token = input_value(&page, "csrf_token");
        let (status, options) = self.options("/account/passkeys/options", &[("csrf_token", &token)]).await;
        assert_eq!(status, 200, "{options}");
        let credential = device.create(&options).to_string();
        self.post("/account/passkeys", &[("csrf_token", &token), ("credential", &credential), ("name", name)])
            .await
    }

    /// The login prompt's passkey ceremony for `page`: the options.
    async fn passkey_options(&self, page: &str) -> (u16, Value) {
        let (challenge, token) = (input_value(page, "challenge"), input_value(page, "csrf_token"));
        self.options("/login/passkey/options", &[("challenge", &challenge), ("csrf_token", &token)]).await
    }

    async fn post_passkey(&self, page: &str, credential: &Value) -> reqwest::Response {
        let (challenge, token) = (input_value(page, "challenge"), input_value(page, "csrf_token"));
        let credential = credential.to_string();
        self.post(
            "/login/passkey",
            &[("challenge", &challenge), ("csrf_token", &token), ("credential", &credential)],
        )
        .await
    }

    /// The login page for `req` (asserted to offer a passkey).
    async fn passkey_login_page(&self, req: &AuthRequest) -> String {
        let (status, page) = text(self.authorize(req).await).await;
        assert_eq!(status, 200, "{page}");
        assert!(page.contains("action=\"/login/passkey\""), "offered: {page}");
        page
    }

    /// authorize → "Sign in with a passkey" with `device`: the answer.
    async fn sign_in_with_passkey(
        &self,
        req: &AuthRequest,
        device: &mut SoftAuthenticator,
    ) -> reqwest::Response {
        let page = self.passkey_login_page(req).await;
        let (status, options) = self.passkey_options(&page).await;
        assert_eq!(status, 200, "{options}");
        self.post_passkey(&page, &device.get(&options)).await
    }
}

async fn id_token_claims(
    app: &TestApp,
    client: &TestClient,
    req: &AuthRequest,
    resp: reqwest::Response,
) -> Value {
    let status = resp.status();
    if status != 303 {
        panic!("expected a redirect to the client, got {status}: {}", resp.text().await.unwrap());
    }
    let cb = Callback::from_redirect(&resp, &req.redirect_uri);
    let verifier = req.pkce.as_ref().map(|p| p.verifier.as_str());
    let tokens =
        Tokens::from_response(app.exchange_code(client, &cb.code, &req.redirect_uri, verifier).await).await;
    decode_jwt(tokens.id_token()).claims
}

backend_test!(
    a_passkey_added_on_the_account_page_signs_in_without_a_username,
    options = on_localhost(),
    |app| async move {
        let user = app.with_user("alice", PASSWORD).await;
        let client = app.with_refresh_client("app1").await;
        let mut phone = SoftAuthenticator::new(&origin(&app));
        let laptop = app.browser();
        laptop.password_sign_in(&user).await;
        let resp = laptop.add_passkey(&mut phone, "  Work laptop ").await;
        assert_eq!(resp.headers()["location"], "/account?done=passkey_added");
        let (_, page) = laptop.passkey_page("/account?done=passkey_added").await;
        assert!(page.contains("Passkey added") && page.contains("Work laptop"), "{page}");
        assert!(page.contains("not used yet"), "{page}");
        assert_eq!(app.audit_events_of("passkey_added").await.len(), 1);

        // Another browser: no username, no password.
        let other = app.browser();
        let req = AuthRequest::new(&client);
        let page = other.passkey_login_page(&req).await;
        let (_, options) = other.passkey_options(&page).await;
        assert_eq!(options["publicKey"]["userVerification"], "required", "{options}");
        assert!(
            options["publicKey"]["allowCredentials"].as_array().is_none_or(|l| l.is_empty()),
            "discoverable: the browser offers the site's passkeys: {options}"
        );
        let assertion = phone.get(&options);
        let claims = id_token_claims(&app, &client, &req, other.post_passkey(&page, &assertion).await).await;
        assert_eq!(claims["sub"], user.record.id);
        assert_eq!(claims["acr"], "2", "user verification makes two factors");
        assert_eq!(claims["amr"], serde_json::json!(["hwk", "user", "mfa"]));
        let logins = app.audit_events_of("login_succeeded").await;
        assert!(logins.iter().any(|e| e.detail.contains("\"hwk\"")), "{logins:?}");

        // The same assertion again, on a fresh page: its challenge was used.
        let third = app.browser();
        let page = third.passkey_login_page(&AuthRequest::new(&client)).await;
        let (_, _options) = third.passkey_options(&page).await;
        let (status, body) = text(third.post_passkey(&page, &assertion).await).await;
        assert_eq!(status, 200);
        assert!(body.contains("That passkey did not work"), "replayed: {body}");
        let (_, page) = laptop.passkey_page("/account").await;
        assert!(page.contains("last used"), "{page}");
    }
);

backend_test!(a_synced_passkey_is_a_software_key, options = on_localhost(), |app| async move {
    let user = app.with_user("alice", PASSWORD).await;
    let client = app.with_refresh_client("app1").await;
    let mut synced = SoftAuthenticator::new(&origin(&app));
    synced.backup_eligible = true;
    synced.counts = false;
    let browser = app.browser();
    browser.password_sign_in(&user).await;
    assert_eq!(browser.add_passkey(&mut synced, "Phone").await.status(), 303);
    for _ in 0..2 {
        let req = AuthRequest::new(&client);
        let resp = app.browser().sign_in_with_passkey(&req, &mut synced).await;
        let claims = id_token_claims(&app, &client, &req, resp).await;
        assert_eq!(claims["amr"], serde_json::json!(["swk", "user", "mfa"]), "a counter of 0 stays usable");
    }
});

backend_test!(
    forged_cloned_and_unverified_passkeys_are_refused,
    options = on_localhost(),
    |app| async move {
        let alice = app.with_user("alice", PASSWORD).await;
        let bob = app.with_user("bob", PASSWORD).await;
        let client = app.with_refresh_client("app1").await;
        let mut alices = SoftAuthenticator::new(&origin(&app));
        let mut bobs = SoftAuthenticator::new(&origin(&app));
        let a = app.browser();
        a.password_sign_in(&alice).await;
        assert_eq!(a.add_passkey(&mut alices, "A").await.status(), 303);
        let b = app.browser();
        b.password_sign_in(&bob).await;
        assert_eq!(b.add_passkey(&mut bobs, "B").await.status(), 303);
        // The same passkey cannot be registered twice (excluded, and refused).
        let (_, page) = a.passkey_page("/account").await;
        let token = input_value(&page, "csrf_token");
        let (_, options) = a.options("/account/passkeys/options", &[("csrf_token", &token)]).await;
        let excluded = options["publicKey"]["excludeCredentials"].as_array().cloned().unwrap_or_default();
        assert_eq!(excluded.len(), 1, "{options}");

        let refused = |body: &str| body.contains("That passkey did not work");
        let browser = app.browser();
        let page = browser.passkey_login_page(&AuthRequest::new(&client)).await;

        // Bob's credential claiming to be Alice (her user handle).
        let (_, options) = browser.passkey_options(&page).await;
        let mut assertion = bobs.get(&options);
        assertion["response"]["userHandle"] = alices.get(&options)["response"]["userHandle"].clone();
        let (status, body) = text(browser.post_passkey(&page, &assertion).await).await;
        assert!(status == 200 && refused(&body), "someone else's handle: {body}");

        // A bad signature.
        let (_, options) = browser.passkey_options(&page).await;
        let mut assertion = alices.get(&options);
        assertion["response"]["signature"] = bobs.get(&options)["response"]["signature"].clone();
        let (_, body) = text(browser.post_passkey(&page, &assertion).await).await;
        assert!(refused(&body), "forged: {body}");

        // Wrong passkeys count against the page like wrong passwords: the
        // third ends it (`login.max_attempts_per_page`).
        let (_, options) = browser.passkey_options(&page).await;
        let mut assertion = bobs.get(&options);
        assertion["response"]["userHandle"] = alices.get(&options)["response"]["userHandle"].clone();
        let (_, body) = text(browser.post_passkey(&page, &assertion).await).await;
        assert!(body.contains("Too many attempts"), "{body}");

        // No user verification (a fresh page).
        let page = browser.passkey_login_page(&AuthRequest::new(&client)).await;
        alices.verifies_user = false;
        let (_, options) = browser.passkey_options(&page).await;
        let (_, body) = text(browser.post_passkey(&page, &alices.get(&options)).await).await;
        assert!(refused(&body), "unverified: {body}");
        alices.verifies_user = true;

        // No ceremony started for this page.
        let (_, body) = text(browser.post_passkey(&page, &alices.get(&options)).await).await;
        assert!(refused(&body) || body.contains("Too many attempts"), "{body}");
        let failed = app.audit_events_of("login_failed").await;
        assert!(failed.iter().filter(|e| e.detail.contains("passkey_rejected")).count() >= 3, "{failed:?}");

        // A clone: the counter goes backwards.
        let req = AuthRequest::new(&client);
        let fresh = app.browser();
        id_token_claims(&app, &client, &req, fresh.sign_in_with_passkey(&req, &mut alices).await).await;
        alices.credentials[0].counter = 0;
        let (_, body) =
            text(app.browser().sign_in_with_passkey(&AuthRequest::new(&client), &mut alices).await).await;
        assert!(refused(&body), "cloned: {body}");
    }
);

backend_test!(a_passkey_is_the_second_factor_an_app_requires, options = on_localhost(), |app| async move {
    let user = app.with_user("alice", PASSWORD).await;
    let bank = app.with_client(NewClient { require_mfa: true, ..refresh_client_spec("bank") }).await;
    let mut key = SoftAuthenticator::new(&origin(&app));
    let browser = app.browser();
    browser.password_sign_in(&user).await;
    assert_eq!(browser.add_passkey(&mut key, "Key").await.status(), 303);

    let other = app.browser();
    let req = AuthRequest::new(&bank);
    let form = other.login_page(&req).await;
    let (status, page) = text(other.submit_login(&form, &user.username(), &user.password).await).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("Confirm it’s you with your passkey"), "the passkey, not a set-up: {page}");
    assert!(!page.contains("<svg") && !page.contains("name=\"code\""), "{page}");
    let (status, options) = other.passkey_options(&page).await;
    assert_eq!(status, 200, "{options}");
    let allowed = options["publicKey"]["allowCredentials"].as_array().cloned().unwrap_or_default();
    assert_eq!(allowed.len(), 1, "the user's passkeys: {options}");
    let claims =
        id_token_claims(&app, &bank, &req, other.post_passkey(&page, &key.get(&options)).await).await;
    assert_eq!(claims["acr"], "2");
    assert_eq!(claims["amr"], serde_json::json!(["pwd", "hwk", "user", "mfa"]));
    let given = app.audit_events_of("mfa_succeeded").await;
    assert!(given.iter().any(|e| e.detail.contains("hwk")), "{given:?}");

    // Without a passkey of hers, a wrong one is refused on this page too.
    let mut stranger = SoftAuthenticator::new(&origin(&app));
    stranger.create(&serde_json::json!({"publicKey": {
        "rp": {"id": "localhost"}, "user": {"id": "AAAA"}, "challenge": "AAAA"
    }}));
    let third = app.browser();
    let req = AuthRequest::new(&bank);
    let form = third.login_page(&req).await;
    let (_, page) = text(third.submit_login(&form, &user.username(), &user.password).await).await;
    let (_, mut options) = third.passkey_options(&page).await;
    options["publicKey"]["allowCredentials"] = serde_json::json!([]);
    let (status, body) = text(third.post_passkey(&page, &stranger.get(&options)).await).await;
    assert_eq!(status, 200);
    assert!(body.contains("That passkey did not work"), "{body}");
});

backend_test!(
    the_account_page_signs_in_with_a_passkey_and_passkeys_can_be_removed,
    options = on_localhost(),
    |app| async move {
        let user = app.with_user("alice", PASSWORD).await;
        let client = app.with_refresh_client("app1").await;
        let mut key = SoftAuthenticator::new(&origin(&app));
        let browser = app.browser();
        browser.password_sign_in(&user).await;
        assert_eq!(browser.add_passkey(&mut key, "Key").await.status(), 303);

        let other = app.browser();
        let (_, page) = other.passkey_page("/account").await;
        assert!(page.contains("action=\"/account/login/passkey\""), "{page}");
        let token = input_value(&page, "csrf_token");
        let (status, options) =
            other.options("/account/login/passkey/options", &[("csrf_token", &token)]).await;
        assert_eq!(status, 200, "{options}");
        let ceremony = options["ceremony"].as_str().expect("the ceremony id").to_string();
        let credential = key.get(&options).to_string();
        let fields = [("csrf_token", token.as_str()), ("ceremony", &ceremony), ("credential", &credential)];
        assert_eq!(other.post("/account/login/passkey", &fields).await.status(), 303);
        let (_, account) = other.passkey_page("/account").await;
        assert!(account.contains("Signed in as") && account.contains(&user.username()), "{account}");
        // The ceremony was used up.
        let (status, body) = text(app.browser().post("/account/login/passkey", &fields).await).await;
        assert!(status == 400 || status == 200, "{status}");
        assert!(body.contains("That passkey did not work") || body.contains("expired"), "{body}");

        // Removed by the user: it signs in no more.
        let token = input_value(&account, "csrf_token");
        let id = key.credentials[0].id.clone();
        let id = base64::Engine::encode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, id);
        let resp = other.post("/account/passkeys/remove", &[("csrf_token", &token), ("id", &id)]).await;
        assert_eq!(resp.headers()["location"], "/account?done=passkey_removed");
        assert_eq!(app.audit_events_of("passkey_removed").await.len(), 1);
        let (_, body) =
            text(app.browser().sign_in_with_passkey(&AuthRequest::new(&client), &mut key).await).await;
        assert!(body.contains("That passkey did not work"), "{body}");

        // An operator's reset removes passkeys with the other second factors.
        assert_eq!(
            browser.add_passkey(&mut SoftAuthenticator::new(&origin(&app)), "Again").await.status(),
            303
        );
        let api = app.admin_api().await;
        let answer = api.delete(&format!("/users/{}/mfa", user.record.id)).await;
        assert_eq!(answer.json["removed"], true, "{:?}", answer.json);
        let (_, page) = browser.passkey_page("/account").await;
        assert!(page.contains("You have no passkeys yet"), "{page}");
    }
);

backend_test!(passkeys_are_off_where_the_issuer_is_an_address, |app| async move {
    let user = app.with_user("alice", PASSWORD).await;
    let client = app.with_refresh_client("app1").await;
    let browser = app.browser();
    let (status, page) = text(browser.authorize(&AuthRequest::new(&client)).await).await;
    assert_eq!(status, 200);
    assert!(!page.contains("/login/passkey") && !page.contains("<script"), "no passkey, no script: {page}");
    let (status, json) = browser.passkey_options(&page).await;
    assert_eq!((status, json["error"].as_str()), (409, Some("passkeys_unavailable")));
    browser.password_sign_in(&user).await;
    let (_, page) = browser.passkey_page("/account").await;
    assert!(page.contains("Passkeys need this server to be reached by a domain name"), "{page}");
    let token = input_value(&page, "csrf_token");
    let (status, _) = browser.options("/account/passkeys/options", &[("csrf_token", &token)]).await;
    assert_eq!(status, 409);
});
