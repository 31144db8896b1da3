//! Self-registration (`accounts.registration`): off by default (`/register`
//! is unknown), and when on a new account signs in only after following
//! the link mailed to it; the answer never tells whether a username or an
//! address is taken.

use oxidp::protocol::AuditKind;

use crate::authorize::CB;
use crate::helpers::*;

const PASSWORD: &str = "correct horse battery";

fn with_registration(options: SpawnOptions) -> SpawnOptions {
    with_smtp(options).settings(|s| s.accounts.registration = true)
}

fn csrf_of(page: &str) -> String {
    parse_inputs(page)
        .into_iter()
        .find(|i| i.get("name").map(String::as_str) == Some("csrf_token"))
        .and_then(|i| i.get("value").cloned())
        .unwrap_or_else(|| panic!("no CSRF token: {page}"))
}

async fn register(
    browser: &Browser,
    username: &str,
    email: &str,
    password: &str,
    again: &str,
) -> (u16, String) {
    let page = browser.client.get(browser.url("/register")).send().await.unwrap().text().await.unwrap();
    let csrf = csrf_of(&page);
    let fields = [
        ("csrf_token", csrf.as_str()),
        ("username", username),
        ("email", email),
        ("name", "New Person"),
        ("password", password),
        ("confirmation", again),
    ];
    let resp = browser.client.post(browser.url("/register")).form(&fields).send().await.unwrap();
    (resp.status().as_u16(), resp.text().await.unwrap())
}

backend_test!(registration_is_off_by_default, |app| async move {
    let client = app.with_confidential_client("app1", &[CB]).await;
    assert_eq!(app.get("/register").await.status(), 404);
    let resp = app.browser().authorize(&AuthRequest::new(&client)).await;
    let page = resp.text().await.unwrap();
    assert!(page.contains(r#"href="/forgot""#), "{page}");
    assert!(!page.contains(r#"href="/register""#), "{page}");
});

backend_test!(
    a_registered_account_signs_in_after_verifying,
    options = with_registration(SpawnOptions::default()),
    |app| async move {
        let client = app.with_confidential_client("app1", &[CB]).await;
        let browser = app.browser();
        let login = browser.authorize(&AuthRequest::new(&client)).await.text().await.unwrap();
        assert!(login.contains(r#"href="/register""#), "{login}");

        let (status, page) =
            register(&browser, "newbie", "newbie@example.com", PASSWORD, "not the same").await;
        assert_eq!(status, 400, "{page}");
        assert!(page.contains("do not match") && page.contains("newbie@example.com"), "{page}");
        let (status, page) = register(&browser, "newbie", "newbie@example.com", PASSWORD, PASSWORD).await;
        assert_eq!(status, 200, "{page}");
        assert!(page.contains("Check your email"), "{page}");
        let mailbox = app.mailbox();
        let first = mailbox.wait_for("newbie@example.com", 1).await;
        assert_eq!(first.subject, "Confirm your email address");
        let user = app.services.admin.find_user("newbie").await.unwrap();
        assert!(!user.email_verified);

        // The right password is refused until the address is verified (and
        // sends a new link); a wrong one gets the usual answer.
        let req = AuthRequest::new(&client);
        let form = browser.login_page(&req).await;
        let resp = browser.submit_login(&form, "newbie", "wrong password!").await;
        let page = resp.text().await.unwrap();
        assert!(page.contains("Invalid username or password."), "{page}");
        let form = LoginForm::parse(&page);
        let resp = browser.submit_login(&form, "newbie", PASSWORD).await;
        assert_eq!(resp.status(), 200);
        let page = resp.text().await.unwrap();
        assert!(page.contains("Confirm your email address first: we sent you a link."), "{page}");
        let second = mailbox.wait_for("newbie@example.com", 2).await;
        let failed = app.audit_events_of(AuditKind::LoginFailed.as_str()).await;
        assert!(failed.iter().any(|e| e.detail.contains("email_unverified")), "{failed:?}");

        // Either link verifies; then the sign-in works.
        let url = url::Url::parse(&second.link("/verify")).unwrap();
        let page = browser
            .client
            .get(browser.url(&format!("/verify?{}", url.query().unwrap())))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let csrf = csrf_of(&page);
        let token = second.token("/verify");
        let resp = browser
            .client
            .post(browser.url("/verify"))
            .form(&[("csrf_token", csrf.as_str()), ("token", token.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
        let user = TestUser {
            record: app.services.admin.find_user("newbie").await.unwrap(),
            password: PASSWORD.into(),
        };
        assert!(user.record.email_verified);
        let tokens = app.tokens_for(&user, &client).await;
        let claims = decode_jwt(tokens.id_token.as_deref().unwrap()).claims;
        assert_eq!(claims["email_verified"], true);
        let _ = first;
    }
);

backend_test!(
    taken_usernames_and_addresses_get_the_same_answer,
    options = with_registration(SpawnOptions::default()),
    |app| async move {
        app.with_user("owner", PASSWORD).await;
        let mailbox = app.mailbox();
        mailbox.wait_for("owner@example.com", 1).await;
        let browser = app.browser();
        let (s1, fresh) = register(&browser, "fresh", "fresh@example.com", PASSWORD, PASSWORD).await;
        let (s2, taken_name) = register(&browser, "owner", "other@example.com", PASSWORD, PASSWORD).await;
        let (s3, taken_address) =
            register(&browser, "someone", "OWNER@example.com", PASSWORD, PASSWORD).await;
        assert_eq!((s1, s2, s3), (200, 200, 200));
        assert_eq!(fresh, taken_name);
        assert_eq!(fresh, taken_address);
        let note = mailbox.wait_for("owner@example.com", 2).await;
        assert!(note.subject.contains("tried to create an account"), "{}", note.subject);
        assert!(note.text.contains("/forgot"), "{}", note.text);
        assert!(app.services.admin.find_user("someone").await.is_err(), "no account for a taken address");
        mailbox.wait_for("fresh@example.com", 1).await;
        assert!(mailbox.to("other@example.com").is_empty(), "nothing for a taken username");
    }
);
