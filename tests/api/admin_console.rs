//! The admin console driven over HTTP like a browser without scripts:
//! sign in through oxidp's own code flow (`/admin` → `/authorize` → the
//! login form → `/admin/callback`), create a client with the form, see it
//! listed, refuse a lost update, refuse forms without the console's CSRF
//! token, refuse non-administrators, and lose access when the oxidp
//! session ends.

use reqwest::header::LOCATION;

use crate::helpers::*;

pub(crate) const PASSWORD: &str = "correct horse battery";

impl Browser {
    pub(crate) async fn get_page(&self, path_or_url: &str) -> reqwest::Response {
        let url =
            if path_or_url.starts_with("http") { path_or_url.to_string() } else { self.url(path_or_url) };
        self.client.get(url).send().await.unwrap_or_else(|e| panic!("GET {path_or_url}: {e}"))
    }

    /// `/admin` → `/authorize` → login form → `/admin/callback` → the
    /// console's first page; returns the final response.
    async fn console_sign_in(&self, username: &str, password: &str) -> reqwest::Response {
        self.console_sign_in_at("/admin/keys", username, password).await
    }

    /// As [`console_sign_in`], asking for `page` first.
    pub(crate) async fn console_sign_in_at(
        &self,
        page: &str,
        username: &str,
        password: &str,
    ) -> reqwest::Response {
        let start = self.get_page(page).await;
        assert_eq!(start.status(), 303, "a signed-out console sends the browser to sign in");
        let authorize = location(&start);
        assert!(authorize.starts_with("/authorize?"), "{authorize}");
        assert!(authorize.contains("client_id=oxidp-admin-console") && authorize.contains("code_challenge="));
        let form = LoginForm::from_response(self.get_page(&authorize).await).await;
        let resp = self.submit_login(&form, username, password).await;
        assert_eq!(resp.status(), 303, "the login form answers with the code");
        let callback = location(&resp);
        assert!(callback.contains("/admin/callback?"), "{callback}");
        self.get_page(&callback).await
    }

    pub(crate) async fn console_form(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        self.client
            .post(self.url(path))
            .form(fields)
            .send()
            .await
            .unwrap_or_else(|e| panic!("POST {path}: {e}"))
    }
}

fn location(resp: &reqwest::Response) -> String {
    header(resp, LOCATION).unwrap_or_else(|| panic!("no Location (status {})", resp.status()))
}

pub(crate) fn input_value(page: &str, name: &str) -> String {
    parse_inputs(page)
        .into_iter()
        .find(|i| i.get("name").map(String::as_str) == Some(name))
        .and_then(|i| i.get("value").cloned())
        .unwrap_or_else(|| panic!("no `{name}` input: {page}"))
}

pub(crate) async fn text(resp: reqwest::Response) -> (u16, String) {
    (resp.status().as_u16(), resp.text().await.expect("body"))
}

/// A user in the administrators' group.
pub(crate) async fn admin_user(app: &TestApp, username: &str) -> TestUser {
    let user = app.with_user(username, PASSWORD).await;
    make_admin(app, &user).await;
    user
}

async fn make_admin(app: &TestApp, user: &TestUser) {
    use oxidp::flows::admin::Actor;
    use oxidp::protocol::admin::ADMIN_GROUP;
    let admin = &app.services.admin;
    if admin.find_group(ADMIN_GROUP).await.is_err() {
        admin.create_group(&Actor::Cli, ADMIN_GROUP, None, now()).await.expect("create the admins group");
    }
    admin.add_member(&Actor::Cli, ADMIN_GROUP, &user.record.id, now()).await.expect("add to admins");
}

backend_test!(an_admin_signs_in_creates_a_client_and_sees_it_listed, |app| async move {
    admin_user(&app, "root").await;
    let browser = app.browser();
    let resp = browser.console_sign_in_at("/admin/clients", "root", PASSWORD).await;
    assert_eq!(resp.status(), 303);
    assert_eq!(location(&resp), "/admin/clients", "back to the page asked for");
    let console = set_cookie(&resp, "oxidp_console").expect("the console cookie");
    assert!(
        console.has("httponly")
            && console.attr("samesite") == Some("Strict")
            && console.attr("path") == Some("/")
    );

    let resp = browser.get_page("/admin/clients").await;
    assert_eq!(header(&resp, reqwest::header::CACHE_CONTROL).as_deref(), Some("no-store"));
    assert!(
        header(&resp, reqwest::header::CONTENT_SECURITY_POLICY)
            .is_some_and(|csp| csp.contains("frame-ancestors 'none'"))
    );
    let (status, page) = text(resp).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("root") && page.contains("oxidp-admin-console"), "{page}");
    let csrf = input_value(&page, "csrf_token");

    let fields = [
        ("csrf_token", csrf.as_str()),
        ("client_id", "billing"),
        ("type", "confidential"),
        ("name", "Billing <App>"),
        ("redirect_uris", "https://billing.example/cb\r\nhttps://billing.example/cb2"),
        ("grant_types", "authorization_code"),
        ("grant_types", "refresh_token"),
        ("grant_types", "urn:ietf:params:oauth:grant-type:token-exchange"),
        ("token_exchange_from", "https://billing.example/api\r\n"),
        ("scopes", "openid profile"),
        ("consent", "implicit"),
        ("require_par", "yes"),
        ("require_jar", "yes"),
        ("require_dpop", "yes"),
        ("jwks_uri", "https://billing.example/jwks.json"),
        ("subject_type", "pairwise"),
    ];
    let (status, created) = text(browser.console_form("/admin/clients", &fields).await).await;
    assert_eq!(status, 201, "{created}");
    let secret = input_value(&created, "secret");
    assert!(secret.len() >= 32, "the secret is shown once: {created}");
    let (_, list) = text(browser.get_page("/admin/clients?q=bill").await).await;
    assert!(
        list.contains("billing") && list.contains("Billing &#60;App&#62;")
            || list.contains("Billing &lt;App&gt;"),
        "{list}"
    );
    assert!(!list.contains("oxidp-admin-console"), "the search narrows the list: {list}");
    let stored = app.services.admin.find_client("billing").await.expect("created");
    assert_eq!(stored.redirect_uris.len(), 2);
    assert!(stored.require_pushed_requests, "the PAR box was ticked");
    assert!(stored.require_signed_request_object, "the JAR box was ticked");
    assert!(stored.require_dpop, "the DPoP box was ticked");
    assert_eq!(stored.token_exchange_from, ["https://billing.example/api"], "one URI per line");
    assert_eq!(stored.subject_type, oxidp::protocol::SubjectType::Pairwise, "a one-host pairwise app");
    let events = app.audit_events_of("admin_action").await;
    assert!(
        events
            .iter()
            .any(|e| e.detail.contains("billing")
                && e.actor.as_deref().is_some_and(|a| a.starts_with("user:"))),
        "the creation is audited with the person as actor: {events:?}"
    );

    // A validation error shows the form again with the input; nothing is written.
    let bad = [
        ("csrf_token", csrf.as_str()),
        ("client_id", "broken"),
        ("type", "confidential"),
        ("redirect_uris", "not a uri"),
        ("grant_types", "authorization_code"),
    ];
    let (status, page) = text(browser.console_form("/admin/clients", &bad).await).await;
    assert_eq!(status, 400, "{page}");
    assert!(page.contains("not a uri") && page.contains("alert") || page.contains("field-error"), "{page}");
    assert!(app.services.admin.find_client("broken").await.is_err());

    // Edits carry the version they started from; a lost update is refused.
    let (_, edit) = text(browser.get_page("/admin/clients/billing").await).await;
    let version = input_value(&edit, "version");
    assert!(
        edit.contains(r#"name="require_jar" value="yes" checked"#),
        "the JAR box shows as ticked: {edit}"
    );
    assert!(
        edit.contains(r#"name="require_dpop" value="yes" checked"#),
        "the DPoP box shows as ticked: {edit}"
    );
    assert!(
        edit.contains(r#"<select id="subject_type" name="subject_type">"#)
            && edit.contains(r#"<option value="pairwise" selected>"#)
            && edit.contains(r#"name="sector_identifier_uri""#),
        "the subject identifier select shows pairwise: {edit}"
    );
    assert!(
        edit.contains(
            r#"value="urn:ietf:params:oauth:grant-type:token-exchange" checked> Token exchange (RFC 8693)"#
        ) && edit.contains("Token exchange: APIs it implements")
            && edit.contains(r#"name="token_exchange_from" rows="2""#)
            && edit.contains("https://billing.example/api</textarea>"),
        "the token-exchange grant and its APIs show: {edit}"
    );
    let update = |name: &'static str, version: String| {
        vec![
            ("csrf_token", csrf.clone()),
            ("version", version),
            ("name", name.to_string()),
            ("redirect_uris", "https://billing.example/cb".to_string()),
            ("grant_types", "authorization_code".to_string()),
            ("scopes", "openid".to_string()),
            ("consent", "implicit".to_string()),
        ]
    };
    let first = update("Billing", version.clone());
    let first: Vec<(&str, &str)> = first.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let resp = browser.console_form("/admin/clients/billing", &first).await;
    assert_eq!(resp.status(), 303);
    assert_eq!(location(&resp), "/admin/clients/billing?done=saved");
    let stale = update("Lost Update", version);
    let stale: Vec<(&str, &str)> = stale.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (status, page) = text(browser.console_form("/admin/clients/billing", &stale).await).await;
    assert_eq!(status, 409, "{page}");
    assert!(page.contains("changed by someone else"), "{page}");
    let saved = app.services.admin.find_client("billing").await.unwrap();
    assert_eq!(saved.name.as_deref(), Some("Billing"));
    assert!(!saved.require_pushed_requests, "an unticked box clears it");
    assert!(!saved.require_signed_request_object, "an unticked JAR box clears it");
    assert!(!saved.require_dpop, "an unticked DPoP box clears it");
});

backend_test!(console_forms_need_the_console_csrf_token, |app| async move {
    admin_user(&app, "root").await;
    let browser = app.browser();
    browser.console_sign_in("root", PASSWORD).await;
    let fields = [("client_id", "forged"), ("type", "public"), ("redirect_uris", "https://x.example/cb")];
    let (status, page) = text(browser.console_form("/admin/clients", &fields).await).await;
    assert_eq!(status, 400, "{page}");
    let wrong = [
        ("csrf_token", "not-the-token"),
        ("client_id", "forged"),
        ("type", "public"),
        ("redirect_uris", "https://x.example/cb"),
    ];
    assert_eq!(browser.console_form("/admin/clients", &wrong).await.status(), 400);
    // From another site, even with the token.
    let (_, page) = text(browser.get_page("/admin/clients").await).await;
    let csrf = input_value(&page, "csrf_token");
    let resp = browser
        .client
        .post(browser.url("/admin/clients"))
        .header("Origin", "https://evil.example")
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("client_id", "forged"),
            ("type", "public"),
            ("redirect_uris", "https://x.example/cb"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    assert!(app.services.admin.find_client("forged").await.is_err(), "nothing was written");
    // Without a console session, a form leads to the sign-in, not a change.
    let stranger = app.browser();
    let resp = stranger
        .console_form("/admin/clients", &[("csrf_token", csrf.as_str()), ("client_id", "forged")])
        .await;
    assert_eq!(resp.status(), 303);
    assert!(location(&resp).starts_with("/authorize?"));
});

backend_test!(a_non_admin_gets_403_not_a_loop, |app| async move {
    app.with_user("bob", PASSWORD).await;
    let browser = app.browser();
    let (status, page) = text(browser.console_sign_in("bob", PASSWORD).await).await;
    assert_eq!(status, 403, "{page}");
    assert!(page.contains("Your account is not an administrator") && page.contains("/logout?"), "{page}");
    // Again, through SSO this time: the same page, no loop.
    let resp = browser.get_page("/admin").await;
    let resp = browser.get_page(&location(&resp)).await;
    assert_eq!(resp.status(), 302, "SSO");
    let (status, _) = text(browser.get_page(&location(&resp)).await).await;
    assert_eq!(status, 403);
});

backend_test!(ending_the_oxidp_session_ends_console_access, |app| async move {
    admin_user(&app, "root").await;
    let browser = app.browser();
    browser.console_sign_in("root", PASSWORD).await;
    assert_eq!(browser.get_page("/admin/keys").await.status(), 200);
    // Sign out of oxidp from the account page (the same SSO session).
    let (_, account) = text(browser.get_page("/account").await).await;
    let sid = input_value(&account, "sid");
    let csrf = input_value(&account, "csrf_token");
    let resp = browser
        .console_form("/account/sessions/end", &[("csrf_token", csrf.as_str()), ("sid", sid.as_str())])
        .await;
    assert_eq!(resp.status(), 303);
    let resp = browser.get_page("/admin/keys").await;
    assert_eq!(resp.status(), 303, "the console session died with the oxidp session");
    assert!(location(&resp).starts_with("/authorize?"));
});

backend_test!(signing_out_of_the_console_signs_out_of_oxidp, |app| async move {
    admin_user(&app, "root").await;
    let browser = app.browser();
    browser.console_sign_in("root", PASSWORD).await;
    let (_, page) = text(browser.get_page("/admin/audit").await).await;
    assert!(page.contains("Audit log"), "{page}");
    let csrf = input_value(&page, "csrf_token");
    let resp = browser.console_form("/admin/logout", &[("csrf_token", csrf.as_str())]).await;
    assert_eq!(resp.status(), 303);
    let logout = location(&resp);
    assert!(logout.starts_with("/logout?") && logout.contains("id_token_hint="), "{logout}");
    let resp = browser.get_page(&logout).await;
    assert_eq!(resp.status(), 303, "logged out at once: the hint names the session's user");
    assert_eq!(location(&resp), format!("{}/admin", app.issuer));
    let resp = browser.get_page("/admin/audit").await;
    assert_eq!(resp.status(), 303);
    let login = browser.get_page(&location(&resp)).await;
    assert_eq!(login.status(), 200, "the login form again: no SSO session left");
});

backend_test!(users_and_groups_are_managed_through_the_console, |app| async move {
    admin_user(&app, "root").await;
    let browser = app.browser();
    browser.console_sign_in("root", PASSWORD).await;
    let (_, page) = text(browser.get_page("/admin/users/new").await).await;
    let csrf = input_value(&page, "csrf_token");
    let form = |fields: &[(&'static str, &str)]| {
        let mut all = vec![("csrf_token", csrf.clone())];
        all.extend(fields.iter().map(|(k, v)| (*k, v.to_string())));
        all
    };
    let post = |path: String, fields: Vec<(&'static str, String)>| {
        let browser = &browser;
        async move {
            let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            browser.console_form(&path, &fields).await
        }
    };

    let resp = post(
        "/admin/users".into(),
        form(&[("username", "carol"), ("password", PASSWORD), ("email", "carol@example.com")]),
    )
    .await;
    assert_eq!(resp.status(), 303);
    let carol = app.services.admin.find_user("carol").await.expect("created");
    assert_eq!(location(&resp), format!("/admin/users/{}?done=created", carol.id));
    let user_path = format!("/admin/users/{}", carol.id);
    let (status, page) = text(browser.get_page(&user_path).await).await;
    assert_eq!(status, 200, "{page}");
    // No form inside another (each button posts its own form).
    assert_eq!(page.matches("<form").count(), page.matches("</form>").count(), "{page}");
    assert!(page.contains("No TOTP · 0 passkeys"), "the second factors: {page}");
    let version = input_value(&page, "version");

    // A bad email shows the form again; nothing is written.
    let resp = post(
        format!("{user_path}/profile"),
        form(&[("name", "Carol"), ("email", "not an email"), ("version", &version)]),
    )
    .await;
    let (status, page) = text(resp).await;
    assert_eq!(status, 400, "{page}");
    assert!(page.contains("field-error") && page.contains("not an email"), "{page}");
    let resp = post(
        format!("{user_path}/profile"),
        form(&[("name", "Carol C"), ("email", "carol@example.com"), ("version", &version)]),
    )
    .await;
    assert_eq!(location(&resp), format!("{user_path}?done=saved"));
    assert_eq!(app.services.admin.find_user("carol").await.unwrap().name.as_deref(), Some("Carol C"));

    // Groups: create one, add carol by username, see it on her page.
    let resp = post("/admin/groups".into(), form(&[("name", "staff"), ("description", "Everyone")])).await;
    assert_eq!(location(&resp), "/admin/groups/staff?done=created");
    let resp = post("/admin/groups/staff/add-member".into(), form(&[("username", "carol")])).await;
    assert_eq!(location(&resp), "/admin/groups/staff?done=added");
    let resp = post("/admin/groups/staff/add-member".into(), form(&[("username", "nobody")])).await;
    let (status, page) = text(resp).await;
    assert_eq!(status, 400, "an unknown username is shown on the form: {page}");
    let (_, page) = text(browser.get_page(&user_path).await).await;
    assert!(page.contains("/admin/groups/staff"), "{page}");

    // The password policy shows on the form; unlocking sign-in is one button.
    let resp = post(format!("{user_path}/password"), form(&[("password", "too short")])).await;
    let (status, page) = text(resp).await;
    assert_eq!(status, 400, "{page}");
    assert!(page.contains("field-error") && page.contains("Use at least 12 characters."), "{page}");
    let resp = post(format!("{user_path}/unlock"), form(&[])).await;
    assert_eq!(location(&resp), format!("{user_path}?done=unlocked"));

    // Disable, then the audit log shows who did it.
    let resp = post(format!("{user_path}/disable"), form(&[])).await;
    assert_eq!(location(&resp), format!("{user_path}?done=disabled"));
    assert!(app.services.admin.find_user("carol").await.unwrap().disabled);
    let (status, page) = text(browser.get_page("/admin/audit?kind=admin_action&user=carol").await).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("user.disable") && page.contains("root"), "{page}");
    let (status, _) = text(browser.get_page("/admin/audit?since=yesterday").await).await;
    assert_eq!(status, 400, "a bad date is said, not ignored");
});

backend_test!(leaving_the_admins_group_ends_console_access_at_once, |app| async move {
    use oxidp::flows::admin::Actor;
    use oxidp::protocol::admin::ADMIN_GROUP;
    let root = admin_user(&app, "root").await;
    let browser = app.browser();
    browser.console_sign_in("root", PASSWORD).await;
    assert_eq!(browser.get_page("/admin/keys").await.status(), 200);
    app.services.admin.remove_member(&Actor::Cli, ADMIN_GROUP, &root.record.id, now()).await.unwrap();
    let (status, page) = text(browser.get_page("/admin/keys").await).await;
    assert_eq!(status, 403, "{page}");
    assert!(page.contains("Your account is not an administrator"), "{page}");
});

backend_test!(a_sign_in_is_finished_only_by_the_browser_that_started_it, |app| async move {
    admin_user(&app, "root").await;
    let attacker = app.browser();
    let start = attacker.get_page("/admin").await;
    let form = LoginForm::from_response(attacker.get_page(&location(&start)).await).await;
    let resp = attacker.submit_login(&form, "root", PASSWORD).await;
    let callback = location(&resp);
    // The victim is made to open the attacker's callback (login CSRF).
    let victim = app.browser();
    let resp = victim.get_page(&callback).await;
    assert_eq!(resp.status(), 400, "no console session for someone else's sign-in");
    assert!(set_cookie(&resp, "oxidp_console").is_none());
    // The code was not spent on the victim: its own browser still finishes.
    let resp = attacker.get_page(&callback).await;
    assert_eq!(resp.status(), 303);
    assert!(set_cookie(&resp, "oxidp_console").is_some());
    // And a callback only works once.
    assert_eq!(attacker.get_page(&callback).await.status(), 400);
});
