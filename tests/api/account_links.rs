//! Temporary secure links through a real SMTP server (aiosmtpd,
//! `tests/smtp/capture.py`): password reset end to end (the link works
//! once, expires, dies with the password, and an unknown account gets the
//! same answer and no mail), email verification flipping `email_verified`
//! in the ID token and UserInfo, re-sending from the CLI and the admin
//! API, and a dead SMTP server that never costs the user a 500.

use oxidp::flows::admin::{Actor, NewUser};
use oxidp::protocol::AuditKind;

use crate::authorize::CB;
use crate::helpers::*;

const PASSWORD: &str = "correct horse battery";
const NEW_PASSWORD: &str = "a much better passphrase";

fn input_value(page: &str, name: &str) -> String {
    parse_inputs(page)
        .into_iter()
        .find(|i| i.get("name").map(String::as_str) == Some(name))
        .and_then(|i| i.get("value").cloned())
        .unwrap_or_else(|| panic!("no input {name}: {page}"))
}

impl Browser {
    async fn page(&self, path: &str) -> (u16, String) {
        let resp = self.client.get(self.url(path)).send().await.expect("GET");
        (resp.status().as_u16(), resp.text().await.expect("body"))
    }

    /// Opens `path` and posts its form with `fields` (plus its CSRF token
    /// and hidden link token).
    async fn submit(&self, path: &str, action: &str, fields: &[(&str, &str)]) -> (u16, String) {
        let (status, page) = self.page(path).await;
        assert_eq!(status, 200, "{path}: {page}");
        self.post_page(&page, action, fields).await
    }

    async fn post_page(&self, page: &str, action: &str, fields: &[(&str, &str)]) -> (u16, String) {
        let csrf = input_value(page, "csrf_token");
        let mut all: Vec<(String, String)> = vec![("csrf_token".into(), csrf)];
        if page.contains(r#"name="token""#) {
            all.push(("token".into(), input_value(page, "token")));
        }
        all.extend(fields.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        let resp = self.client.post(self.url(action)).form(&all).send().await.expect("POST");
        (resp.status().as_u16(), resp.text().await.expect("body"))
    }

    async fn forgot(&self, identifier: &str) -> (u16, String) {
        self.submit("/forgot", "/forgot", &[("identifier", identifier)]).await
    }

    /// Follows a reset link and sets `password`.
    async fn reset(&self, link: &str, password: &str, confirmation: &str) -> (u16, String) {
        self.submit(&path_of(link), "/reset", &[("password", password), ("confirmation", confirmation)]).await
    }
}

fn path_of(link: &str) -> String {
    let url = url::Url::parse(link).expect("absolute link");
    format!("{}?{}", url.path(), url.query().unwrap_or_default())
}

backend_test!(
    reset_link_works_once_and_ends_sessions,
    options = with_smtp(SpawnOptions::default()),
    |app| async move {
        let user = app.with_user("alice", PASSWORD).await;
        let client = app.with_refresh_client("app1").await;
        let signed_in = app.browser();
        let tokens = app.tokens_with(&signed_in, &user, &client, &AuthRequest::new(&client)).await;
        let mailbox = app.mailbox();
        // The verification mail of the new account comes first.
        mailbox.wait_for("alice@example.com", 1).await;

        let browser = app.browser();
        let (status, answer) = browser.forgot("alice").await;
        assert_eq!(status, 200);
        assert!(answer.contains("Check your email"), "{answer}");
        let mail = mailbox.wait_for("alice@example.com", 2).await;
        assert_eq!(mail.subject, "Reset your password");
        assert_eq!(mail.content_type, "multipart/alternative", "plain text and HTML");
        let link = mail.link("/reset");
        assert!(link.starts_with(&app.issuer), "absolute on the issuer: {link}");
        assert!(mail.html.contains("/reset?token="), "{}", mail.html);

        // Showing the form (a mail scanner's prefetch) consumes nothing.
        let (status, _) = browser.page(&path_of(&link)).await;
        assert_eq!(status, 200);
        let (status, page) = browser.reset(&link, NEW_PASSWORD, "something else").await;
        assert_eq!(status, 400, "{page}");
        assert!(page.contains("do not match"), "{page}");
        let (status, page) = browser.reset(&link, NEW_PASSWORD, NEW_PASSWORD).await;
        assert_eq!(status, 200, "{page}");
        assert!(page.contains("Your password was changed"), "{page}");
        assert!(page.contains(r#"href="/account""#), "{page}");

        // Once only.
        let (status, page) = browser.page(&path_of(&link)).await;
        assert_eq!(status, 410);
        assert!(page.contains("This link has expired or was already used. Ask for a new one."), "{page}");
        assert!(page.contains(r#"href="/forgot""#), "{page}");

        // The new password works, the old one not; the sessions ended and
        // their refresh tokens with them.
        assert!(app.services.stores.users.find(&user.sub()).await.unwrap().is_some());
        let renamed = TestUser { record: user.record.clone(), password: NEW_PASSWORD.into() };
        app.tokens_for(&renamed, &client).await;
        let refresh = app.refresh(&client, tokens.refresh_token.as_deref().expect("refresh token")).await;
        assert_oauth_error(refresh, 400, "invalid_grant").await;
        let again = signed_in.authorize(&AuthRequest::new(&client)).await;
        assert_eq!(again.status(), 200, "the SSO session ended: the login page again");
        let resets = app.audit_events_of(AuditKind::PasswordReset.as_str()).await;
        assert_eq!(resets.len(), 1);
        assert_eq!(resets[0].user_id.as_deref(), Some(user.sub().as_str()));
        assert!(!resets[0].detail.contains("token"), "never the link: {}", resets[0].detail);
        // The reset lifted any lockout, as the user's own unlock.
        let unlocks = app.audit_events_of("admin_action").await;
        assert!(
            unlocks.iter().any(|e| e.detail.contains("user.unlock")
                && e.actor.as_deref() == Some(&format!("user:{}", user.sub()))),
            "{unlocks:?}"
        );
    }
);

backend_test!(reset_link_expires, options = with_smtp(SpawnOptions::fixed_clock()), |app| async move {
    app.with_user("bob", PASSWORD).await;
    let mailbox = app.mailbox();
    mailbox.wait_for("bob@example.com", 1).await;
    let browser = app.browser();
    browser.forgot("bob@example.com").await;
    let link = mailbox.wait_for("bob@example.com", 2).await.link("/reset");
    app.advance(1799);
    assert_eq!(browser.page(&path_of(&link)).await.0, 200, "alive just before links.reset_ttl");
    let (status, form) = browser.page(&path_of(&link)).await;
    assert_eq!(status, 200);
    app.advance(1);
    assert_eq!(browser.page(&path_of(&link)).await.0, 410, "dead at links.reset_ttl");
    let (status, page) = browser
        .post_page(&form, "/reset", &[("password", NEW_PASSWORD), ("confirmation", NEW_PASSWORD)])
        .await;
    assert_eq!(status, 410, "a form opened in time does not outlive the link: {page}");
});

backend_test!(
    reset_link_dies_when_the_password_changes,
    options = with_smtp(SpawnOptions::default()),
    |app| async move {
        let user = app.with_user("carol", PASSWORD).await;
        let mailbox = app.mailbox();
        mailbox.wait_for("carol@example.com", 1).await;
        let browser = app.browser();
        browser.forgot("carol").await;
        let link = mailbox.wait_for("carol@example.com", 2).await.link("/reset");
        app.services
            .admin
            .set_user_password(&Actor::Cli, &user.sub(), "changed by the admin".into(), now())
            .await
            .unwrap();
        let (status, page) = browser.page(&path_of(&link)).await;
        assert_eq!(status, 410, "{page}");
    }
);

backend_test!(
    unknown_and_disabled_accounts_get_the_same_answer_and_no_mail,
    options = with_smtp(SpawnOptions::default()),
    |app| async move {
        let dave = app.with_user("dave", PASSWORD).await;
        let erin = app.with_user("erin", PASSWORD).await;
        let mailbox = app.mailbox();
        mailbox.wait_for("dave@example.com", 1).await;
        mailbox.wait_for("erin@example.com", 1).await;
        app.services.admin.disable_user(&Actor::Cli, &erin.sub(), now()).await.unwrap();
        let browser = app.browser();
        let (s1, unknown) = browser.forgot("nobody").await;
        let (s2, unknown_mail) = browser.forgot("nobody@example.com").await;
        let (s3, disabled) = browser.forgot("erin").await;
        let (s4, known) = browser.forgot("dave").await;
        assert_eq!((s1, s2, s3, s4), (200, 200, 200, 200));
        assert_eq!(unknown, known);
        assert_eq!(unknown_mail, known);
        assert_eq!(disabled, known);
        mailbox.wait_for("dave@example.com", 2).await;
        assert_eq!(mailbox.to("erin@example.com").len(), 1, "only the verification mail from before");
        assert_eq!(mailbox.all().len(), 3, "{:?}", mailbox.all().iter().map(|m| &m.to).collect::<Vec<_>>());
        assert_eq!(mailbox.to("dave@example.com")[1].subject, "Reset your password", "{:?}", dave.sub());
    }
);

backend_test!(
    verification_flips_email_verified_in_tokens_and_userinfo,
    options = with_smtp(SpawnOptions::default()),
    |app| async move {
        let user = app.with_user("frank", PASSWORD).await;
        let client = app.with_confidential_client("app1", &[CB]).await;
        let before = app.tokens_for(&user, &client).await;
        let claims = decode_jwt(before.id_token.as_deref().unwrap()).claims;
        assert_eq!(claims["email_verified"], false);

        let mail = app.mailbox().wait_for("frank@example.com", 1).await;
        assert_eq!(mail.subject, "Confirm your email address");
        let link = mail.link("/verify");
        let browser = app.browser();
        let (status, page) = browser.page(&path_of(&link)).await;
        assert_eq!(status, 200);
        assert!(page.contains("frank@example.com"), "{page}");
        assert!(!app.services.admin.find_user("frank").await.unwrap().email_verified, "GET consumes nothing");
        let (status, page) = browser.post_page(&page, "/verify", &[]).await;
        assert_eq!(status, 200, "{page}");
        assert!(page.contains("confirmed"), "{page}");
        assert!(app.services.admin.find_user("frank").await.unwrap().email_verified);
        assert_eq!(browser.page(&path_of(&link)).await.0, 410, "once only");

        let after = app.tokens_for(&user, &client).await;
        let claims = decode_jwt(after.id_token.as_deref().unwrap()).claims;
        assert_eq!(claims["email_verified"], true, "{claims}");
        let info: serde_json::Value = app.userinfo(&after.access_token).await.json().await.unwrap();
        assert_eq!(info["email_verified"], true, "{info}");
        assert_eq!(app.audit_events_of(AuditKind::EmailVerified.as_str()).await.len(), 1);
    }
);

backend_test!(
    a_verification_link_dies_with_its_address,
    options = with_smtp(SpawnOptions::default()),
    |app| async move {
        let user = app.with_user("gina", PASSWORD).await;
        let link = app.mailbox().wait_for("gina@example.com", 1).await.link("/verify");
        let update = oxidp::flows::admin::UserUpdate {
            email: Some(Some("gina@example.org".into())),
            ..Default::default()
        };
        app.services.admin.update_user(&Actor::Cli, &user.sub(), update, None, now()).await.unwrap();
        assert_eq!(app.browser().page(&path_of(&link)).await.0, 410);
        // The new address gets its own link; an admin's verified address none.
        let mail = app.mailbox().wait_for("gina@example.org", 1).await;
        assert!(mail.link("/verify").contains("token="));
        let update = oxidp::flows::admin::UserUpdate {
            email: Some(Some("gina@example.net".into())),
            email_verified: Some(true),
            ..Default::default()
        };
        app.services.admin.update_user(&Actor::Cli, &user.sub(), update, None, now()).await.unwrap();
        let api = app.admin_api().await;
        let resend =
            api.post(&format!("/users/{}/send-verification", user.sub()), serde_json::json!({})).await;
        assert_eq!(resend.status, 202, "{:?}", resend.json);
        let mail = app.mailbox().wait_for("gina@example.net", 1).await;
        assert_eq!(mail.subject, "Confirm your email address", "only the one asked for through the API");
        let no_mail = app
            .with_user_details(NewUser {
                username: "hal".into(),
                password: PASSWORD.into(),
                email: None,
                name: None,
                profile: Default::default(),
            })
            .await;
        let refused =
            api.post(&format!("/users/{}/send-verification", no_mail.sub()), serde_json::json!({})).await;
        assert_eq!(refused.status, 400, "{:?}", refused.json);
        let unknown = api.post("/users/nobody/send-verification", serde_json::json!({})).await;
        assert_eq!(unknown.status, 404);
    }
);

backend_test!(
    a_dead_smtp_server_costs_no_request_and_is_audited,
    options = with_smtp_down(SpawnOptions::default()),
    |app| async move {
        let user = app.with_user("ivan", PASSWORD).await;
        let (status, page) = app.browser().forgot("ivan").await;
        assert_eq!(status, 200, "{page}");
        let mut failed = Vec::new();
        for _ in 0..600 {
            failed = app.audit_events_of(AuditKind::MailFailed.as_str()).await;
            if failed.len() >= 2 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        assert_eq!(failed.len(), 2, "the verification and the reset mail: {failed:?}");
        for event in &failed {
            assert_eq!(event.user_id.as_deref(), Some(user.sub().as_str()));
            assert!(!event.detail.contains("token="), "never the link: {}", event.detail);
        }
        let purposes: Vec<String> = failed.iter().map(|e| e.detail.clone()).collect();
        assert!(purposes.iter().any(|d| d.contains("\"reset\"")), "{purposes:?}");
    }
);

#[test]
fn the_cli_sends_verification_links() {
    let (port, mailbox) = start_smtp();
    let cli = CliProcess::new("oxidp-mail-cli");
    let out = cli.run(
        &["user", "create", "--username", "jane", "--email", "jane@example.com"],
        "correct horse battery\n",
    );
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(log.contains("mail.transport=log: NOT SENT") && log.contains("/verify?token="), "{log}");

    let smtp =
        [("OXIDP__MAIL__TRANSPORT", "smtp"), ("OXIDP__MAIL__SMTP_URL", &format!("smtp://127.0.0.1:{port}"))];
    let out = cli.run_with(&["user", "send-verification", "--username", "jane"], "", &smtp);
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
    let mail = mailbox.to("jane@example.com");
    assert_eq!(mail.len(), 1, "sent before the command returned");
    assert!(mail[0].link("/verify").contains("token="));

    let out = cli.run_with(&["user", "send-verification", "--username", "nobody"], "", &smtp);
    assert_eq!(out.status.code(), Some(2), "{}", describe(&out));
    let out = cli.run(&["user", "create", "--username", "kim"], "correct horse battery\n");
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
    let out = cli.run_with(&["user", "send-verification", "--username", "kim"], "", &smtp);
    assert_eq!(out.status.code(), Some(2), "no address: {}", describe(&out));
}
