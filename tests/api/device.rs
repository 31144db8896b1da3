//! The Device Authorization Grant (RFC 8628): the device authorization
//! endpoint (§3.1–3.2), the user-code page driven like a person would
//! (§3.3: confirm the prefilled code, log in, consent where the client asks,
//! allow or deny), polling (§3.4–3.5: authorization_pending, slow_down,
//! expired_token, access_denied, single use), and the bound on wrong
//! user-code guesses (§5.1).

use oxidp::flows::admin::NewClient;

use crate::helpers::*;

pub const DEVICE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";
const PASSWORD: &str = "correct horse battery";
const ALPHABET: &str = "BCDFGHJKLMNPQRSTVWXZ";

/// A public device client allowed to refresh, with no redirect URI.
async fn tv(app: &TestApp, consent: Option<&str>) -> TestClient {
    app.with_client(NewClient {
        client_id: "tv".into(),
        name: Some("Living Room TV".into()),
        grant_types: vec![DEVICE_GRANT.into(), "refresh_token".into()],
        public: true,
        consent: consent.map(str::to_string),
        ..NewClient::default()
    })
    .await
}

/// A device authorization response (§3.2).
struct Started {
    device_code: String,
    user_code: String,
    json: serde_json::Value,
}

impl TestApp {
    async fn device_authorization(&self, client: &TestClient, scope: &str) -> reqwest::Response {
        self.post_form("/device_authorization", &client.auth(), &[("scope", scope)]).await
    }

    async fn start_device(&self, client: &TestClient, scope: &str) -> Started {
        let resp = self.device_authorization(client, scope).await;
        assert_eq!(header(&resp, reqwest::header::CACHE_CONTROL).as_deref(), Some("no-store"));
        let status = resp.status();
        let json: serde_json::Value = resp.json().await.expect("JSON");
        assert_eq!(status, 200, "{json}");
        Started {
            device_code: json["device_code"].as_str().expect("device_code").into(),
            user_code: json["user_code"].as_str().expect("user_code").into(),
            json,
        }
    }

    async fn poll(&self, client: &TestClient, device_code: &str) -> reqwest::Response {
        self.token(&client.auth(), &[("grant_type", DEVICE_GRANT), ("device_code", device_code)]).await
    }

    async fn assert_poll(&self, client: &TestClient, device_code: &str, error: &str) {
        assert_oauth_error(self.poll(client, device_code).await, 400, error).await;
    }
}

impl Browser {
    /// GET /device (with a query) and its page.
    async fn device_page(&self, query: &str) -> String {
        let resp = self.client.get(self.url(&format!("/device{query}"))).send().await.expect("GET /device");
        assert_eq!(resp.status(), 200);
        resp.text().await.unwrap()
    }

    /// Types `code` into the form of GET /device and submits it.
    async fn enter_code(&self, code: &str) -> reqwest::Response {
        let page = self.device_page("").await;
        self.submit_code_form(&page, code).await
    }

    async fn submit_code_form(&self, page: &str, code: &str) -> reqwest::Response {
        let csrf = input_value(page, "csrf_token");
        let fields = [("csrf_token", csrf.as_str()), ("user_code", code)];
        self.client.post(self.url("/device")).form(&fields).send().await.expect("POST /device")
    }

    /// Answers a page with a challenge (consent, device approval) at `path`.
    async fn answer(&self, path: &str, page: &str, decision: &str) -> reqwest::Response {
        let form = LoginForm::parse(page);
        let fields = [
            ("challenge", form.challenge.as_str()),
            ("csrf_token", &form.csrf_token),
            ("decision", decision),
        ];
        self.client.post(self.url(path)).form(&fields).send().await.expect("POST answer")
    }

    /// Code entered from the complete URI → login → the approval page.
    async fn approval_page_via_login(&self, started: &Started, user: &TestUser) -> String {
        let complete = started.json["verification_uri_complete"].as_str().unwrap();
        let query = &complete[complete.find('?').unwrap()..];
        let page = self.device_page(query).await;
        assert!(page.contains("Check that this code"), "asks to confirm: {page}");
        assert_eq!(input_value(&page, "user_code"), started.user_code, "prefilled, not submitted");
        let resp = self.submit_code_form(&page, &started.user_code).await;
        let form = LoginForm::from_response(resp).await;
        let resp = self.submit_login(&form, &user.username(), &user.password).await;
        assert_eq!(resp.status(), 200, "the next page is rendered");
        resp.text().await.unwrap()
    }
}

fn input_value(html: &str, name: &str) -> String {
    parse_inputs(html)
        .into_iter()
        .find(|i| i.get("name").map(String::as_str) == Some(name))
        .and_then(|i| i.get("value").cloned())
        .unwrap_or_else(|| panic!("no `{name}` input with a value:\n{html}"))
}

fn is_approval_page(page: &str) -> bool {
    page.contains("Allow this device?") && page.contains(r#"action="/device/approve""#)
}

backend_test!(
    a_device_is_approved_through_the_user_code_page,
    options = SpawnOptions::fixed_clock(),
    |app| async move {
        let user = app.with_user("alice", PASSWORD).await;
        let tv = tv(&app, None).await;
        let started = app.start_device(&tv, "openid profile").await;
        let json = &started.json;
        assert_eq!((json["expires_in"].as_u64(), json["interval"].as_u64()), (Some(600), Some(5)));
        assert_eq!(json["verification_uri"], format!("{}/device", app.issuer));
        assert_eq!(
            json["verification_uri_complete"],
            format!("{}/device?user_code={}", app.issuer, started.user_code)
        );
        let (head, tail) = started.user_code.split_once('-').expect("grouped XXXX-XXXX");
        assert!(head.len() == 4 && tail.len() == 4, "{}", started.user_code);
        assert!(format!("{head}{tail}").chars().all(|c| ALPHABET.contains(c)), "{}", started.user_code);
        assert!(started.device_code.len() >= 43, "a high-entropy device code");
        app.assert_poll(&tv, &started.device_code, "authorization_pending").await;

        let browser = app.browser();
        let page = browser.approval_page_via_login(&started, &user).await;
        assert!(is_approval_page(&page), "{page}");
        assert!(page.contains("Living Room TV") && page.contains(&started.user_code), "{page}");
        assert!(page.contains("alice") && page.contains("See your name, username and profile"), "{page}");
        app.advance(5);
        app.assert_poll(&tv, &started.device_code, "authorization_pending").await;
        let resp = browser.answer("/device/approve", &page, "allow").await;
        assert_eq!(resp.status(), 200);
        assert!(resp.text().await.unwrap().contains("return to your device"));

        app.advance(5);
        let tokens = Tokens::from_response(app.poll(&tv, &started.device_code).await).await;
        let id_token = verify_jwt(&app.jwks().await, tokens.id_token());
        assert_eq!(
            (id_token.claims["sub"].as_str(), id_token.claims["aud"].as_str()),
            (Some(&*user.sub()), Some("tv"))
        );
        assert!(id_token.claims["sid"].is_string(), "bound to the SSO session");
        assert_eq!(sorted_scope(tokens.json["scope"].as_str().unwrap()), ["openid", "profile"]);
        let ui: serde_json::Value = app.userinfo(&tokens.access_token).await.json().await.unwrap();
        assert_eq!(ui["preferred_username"], "alice");
        app.advance(5);
        app.assert_poll(&tv, &started.device_code, "invalid_grant").await;
        let refreshed = app.refreshed(&tv, tokens.refresh_token()).await;
        assert!(refreshed.refresh_token.is_some(), "rotated for a public client");
        assert_eq!(app.audit_events_of("device_approved").await.len(), 1);

        // The same browser is signed in: the next device goes straight to the question.
        let second = app.start_device(&tv, "openid").await;
        let resp = browser.enter_code(&second.user_code.to_lowercase().replace('-', " ")).await;
        assert_eq!(resp.status(), 200);
        let page = resp.text().await.unwrap();
        assert!(is_approval_page(&page), "SSO, lower case and a space are fine: {page}");
        let sid = id_token.claims["sid"].as_str().unwrap().to_string();
        assert_eq!(browser.answer("/device/approve", &page, "allow").await.status(), 200);
        let tokens = Tokens::from_response(app.poll(&tv, &second.device_code).await).await;
        assert_eq!(decode_jwt(tokens.id_token()).claims["sid"].as_str(), Some(sid.as_str()));
    }
);

backend_test!(
    polling_too_fast_slows_the_device_down,
    options = SpawnOptions::fixed_clock(),
    |app| async move {
        let tv = tv(&app, None).await;
        let started = app.start_device(&tv, "openid").await;
        let code = started.device_code.as_str();
        app.assert_poll(&tv, code, "authorization_pending").await;
        app.advance(1);
        app.assert_poll(&tv, code, "slow_down").await;
        app.advance(5);
        app.assert_poll(&tv, code, "slow_down").await; // the interval is 10 now, 15 after this
        app.advance(15);
        app.assert_poll(&tv, code, "authorization_pending").await;
        app.advance(14);
        app.assert_poll(&tv, code, "slow_down").await;
        app.advance(20);
        app.assert_poll(&tv, code, "authorization_pending").await;
    }
);

backend_test!(device_codes_expire, options = SpawnOptions::fixed_clock(), |app| async move {
    let user = app.with_user("alice", PASSWORD).await;
    let tv = tv(&app, None).await;
    let started = app.start_device(&tv, "openid").await;
    let browser = app.browser();
    let page = browser.approval_page_via_login(&started, &user).await;
    app.advance(600);
    app.assert_poll(&tv, &started.device_code, "expired_token").await;
    let resp = browser.answer("/device/approve", &page, "allow").await;
    assert_eq!(resp.status(), 400, "too late to approve");
    app.assert_poll(&tv, &started.device_code, "expired_token").await;
    let page = browser.enter_code(&started.user_code).await.text().await.unwrap();
    assert!(page.contains("not valid or has expired"), "{page}");
});

backend_test!(a_denied_device_hears_access_denied, options = SpawnOptions::fixed_clock(), |app| async move {
    let user = app.with_user("alice", PASSWORD).await;
    let tv = tv(&app, None).await;
    let started = app.start_device(&tv, "openid").await;
    let browser = app.browser();
    let page = browser.approval_page_via_login(&started, &user).await;
    let resp = browser.answer("/device/approve", &page, "deny").await;
    assert_eq!(resp.status(), 200);
    assert!(resp.text().await.unwrap().contains("Device not connected"));
    app.assert_poll(&tv, &started.device_code, "access_denied").await;
    app.advance(5);
    app.assert_poll(&tv, &started.device_code, "access_denied").await;
    assert_eq!(app.audit_events_of("device_denied").await.len(), 1);
    // The answered ticket cannot answer again.
    assert_eq!(browser.answer("/device/approve", &page, "allow").await.status(), 400);
    app.assert_poll(&tv, &started.device_code, "access_denied").await;
});

backend_test!(
    wrong_user_codes_are_rate_limited_per_address,
    options = SpawnOptions::fixed_clock().settings(|s| s.device.max_failures = 3),
    |app| async move {
        let tv = tv(&app, None).await;
        let started = app.start_device(&tv, "openid").await;
        let browser = app.browser();
        let wrong = if started.user_code == "BBBB-BBBB" { "CCCC-CCCC" } else { "BBBB-BBBB" };
        let page = browser.enter_code("ABC").await.text().await.unwrap();
        assert!(page.contains("Enter the 8-letter code"), "malformed input is not a guess: {page}");
        for _ in 0..2 {
            let page = browser.enter_code(wrong).await.text().await.unwrap();
            assert!(page.contains("not valid or has expired"), "{page}");
        }
        // A right code gives its attempt back (and does not reset the count).
        let resp = browser.enter_code(&started.user_code).await;
        assert!(resp.text().await.unwrap().contains("Sign in"));
        let page = browser.enter_code(wrong).await.text().await.unwrap();
        assert!(page.contains("not valid or has expired"), "the third wrong code: {page}");
        assert_eq!(app.audit_events_of("device_code_guessing").await.len(), 1);
        // The budget is spent: even the right code waits, from any browser of the address.
        let resp = app.browser().enter_code(&started.user_code).await;
        assert_eq!(resp.status(), 429);
        assert!(resp.text().await.unwrap().contains("Too many wrong codes"));
        app.advance(900);
        let fresh = app.start_device(&tv, "openid").await;
        let resp = browser.enter_code(&fresh.user_code).await;
        assert!(resp.text().await.unwrap().contains("Sign in"), "a new window");
    }
);

backend_test!(only_clients_with_the_grant_may_start_or_poll, |app| async move {
    let web = app.with_confidential_client("web", &[CALLBACK]).await;
    let tv = tv(&app, None).await;
    let resp = app.device_authorization(&web, "openid").await;
    assert_oauth_error(resp, 400, "unauthorized_client").await;
    assert_oauth_error(app.poll(&web, "anything").await, 400, "unauthorized_client").await;
    let stranger = ClientAuth::PublicId("nobody".into());
    assert_invalid_client(app.post_form("/device_authorization", &stranger, &[]).await).await;
    // Scopes the client may not use are left out; nothing left is invalid_scope.
    let resp = app.device_authorization(&tv, "admin").await;
    assert_oauth_error(resp, 400, "invalid_scope").await;
    app.assert_poll(&tv, "not-a-device-code", "invalid_grant").await;
    let resp = app.token(&tv.auth(), &[("grant_type", DEVICE_GRANT)]).await;
    assert_oauth_error(resp, 400, "invalid_request").await;
    // A device code works only for the client it was issued to.
    let other = app
        .with_client(NewClient {
            client_id: "radio".into(),
            grant_types: vec![DEVICE_GRANT.into()],
            public: true,
            ..NewClient::default()
        })
        .await;
    let started = app.start_device(&tv, "openid").await;
    app.assert_poll(&other, &started.device_code, "invalid_grant").await;
    app.assert_poll(&tv, &started.device_code, "authorization_pending").await;

    let discovery = app.discovery().await;
    assert_eq!(discovery["device_authorization_endpoint"], format!("{}/device_authorization", app.issuer));
    assert!(discovery["grant_types_supported"].as_array().unwrap().iter().any(|g| g == DEVICE_GRANT));
});

backend_test!(
    a_client_that_requires_consent_asks_before_the_device_question,
    options = SpawnOptions::fixed_clock(),
    |app| async move {
        let user = app.with_user("alice", PASSWORD).await;
        let tv = tv(&app, Some("required")).await;
        let started = app.start_device(&tv, "openid email").await;
        let browser = app.browser();
        let page = browser.approval_page_via_login(&started, &user).await;
        assert!(
            page.contains("Allow access?") && page.contains("See your email address"),
            "consent first: {page}"
        );
        let resp = browser.answer("/consent", &page, "allow").await;
        assert_eq!(resp.status(), 200);
        let page = resp.text().await.unwrap();
        assert!(is_approval_page(&page), "{page}");
        assert_eq!(browser.answer("/device/approve", &page, "allow").await.status(), 200);
        Tokens::from_response(app.poll(&tv, &started.device_code).await).await;

        // Refusing consent refuses the device at once.
        let second = app.start_device(&tv, "openid profile").await;
        let page = browser.enter_code(&second.user_code).await.text().await.unwrap();
        assert!(page.contains("Allow access?"), "a new scope asks again: {page}");
        let resp = browser.answer("/consent", &page, "deny").await;
        assert_eq!(resp.status(), 400);
        app.assert_poll(&tv, &second.device_code, "access_denied").await;
    }
);

backend_test!(
    the_device_forms_are_bound_to_browser_and_session,
    options = SpawnOptions::fixed_clock(),
    |app| async move {
        let user = app.with_user("alice", PASSWORD).await;
        let tv = tv(&app, None).await;
        let started = app.start_device(&tv, "openid").await;
        // No CSRF token: nothing happens.
        let browser = app.browser();
        let fields = [("user_code", started.user_code.as_str())];
        let resp = browser.client.post(browser.url("/device")).form(&fields).send().await.unwrap();
        assert_eq!(resp.status(), 400);
        // Another browser cannot answer the question asked of alice's session.
        let page = browser.approval_page_via_login(&started, &user).await;
        let other = app.browser();
        other.device_page("").await;
        let form = LoginForm::parse(&page);
        let fields =
            [("challenge", form.challenge.as_str()), ("csrf_token", &form.csrf_token), ("decision", "allow")];
        let resp = other.client.post(other.url("/device/approve")).form(&fields).send().await.unwrap();
        assert_eq!(resp.status(), 400, "CSRF token of another browser");
        app.assert_poll(&tv, &started.device_code, "authorization_pending").await;
        assert_eq!(browser.answer("/device/approve", &page, "allow").await.status(), 200);
        app.advance(5);
        Tokens::from_response(app.poll(&tv, &started.device_code).await).await;
    }
);
