//! Consent (OIDC Core §3.1.2.4): clients that require it ask once per scope
//! set, remember the answer in the database, ask again for new scopes and
//! for `prompt=consent`; a refusal is `access_denied`; `prompt=none` without
//! consent is `consent_required`. Clients of the operator never ask.

use oxidp::flows::admin::NewClient;

use crate::authorize::CB;
use crate::helpers::*;

const PASSWORD: &str = "correct horse battery";

async fn third_party(app: &TestApp) -> TestClient {
    app.with_client(NewClient {
        client_id: "gallery".into(),
        name: Some("Photo Gallery".into()),
        consent: Some("required".into()),
        redirect_uris: vec![CB.into()],
        ..NewClient::default()
    })
    .await
}

impl Browser {
    /// Answers the consent page `html` with `decision` ("allow" or "deny").
    async fn answer_consent(&self, html: &str, decision: &str) -> reqwest::Response {
        let form = LoginForm::parse(html);
        let fields = [
            ("challenge", form.challenge.as_str()),
            ("csrf_token", &form.csrf_token),
            ("decision", decision),
        ];
        self.client.post(self.url("/consent")).form(&fields).send().await.expect("POST /consent")
    }

    /// Logs in for `req` and returns the consent page that follows.
    async fn login_to_consent(&self, req: &AuthRequest, user: &TestUser) -> String {
        let form = self.login_page(req).await;
        let resp = self.submit_login(&form, &user.username(), &user.password).await;
        assert_eq!(resp.status(), 200, "the consent page after the login");
        resp.text().await.unwrap()
    }
}

fn error_of(resp: &reqwest::Response) -> Option<String> {
    query_map(&redirect_target(resp, CB)).get("error").cloned()
}

backend_test!(consent_is_asked_once_and_remembered, |app| async move {
    let user = app.with_user("alice", PASSWORD).await;
    let gallery = third_party(&app).await;
    let browser = app.browser();
    let req = AuthRequest::new(&gallery).scope("openid profile");
    let page = browser.login_to_consent(&req, &user).await;
    assert!(page.contains("Photo Gallery") && page.contains("See your name, username and profile"), "{page}");
    let resp = browser.answer_consent(&page, "allow").await;
    assert_eq!(resp.status(), 303);
    let cb = Callback::from_redirect(&resp, CB);
    let verifier = req.pkce.as_ref().map(|p| p.verifier.as_str());
    assert_eq!(app.exchange_code(&gallery, &cb.code, CB, verifier).await.status(), 200);

    // Remembered: SSO goes straight through, also with prompt=none and in a narrower scope.
    browser.authorize_with_session(&AuthRequest::new(&gallery).scope("openid profile")).await;
    browser.authorize_with_session(&AuthRequest::new(&gallery).scope("openid").prompt("none")).await;
    // A new scope asks again; prompt=none cannot.
    let wider = || AuthRequest::new(&gallery).scope("openid profile email");
    assert_eq!(
        error_of(&browser.authorize(&wider().prompt("none")).await).as_deref(),
        Some("consent_required")
    );
    let resp = browser.authorize(&wider()).await;
    assert_eq!(resp.status(), 200);
    assert!(resp.text().await.unwrap().contains("See your email address"));
    // prompt=consent always asks.
    assert_eq!(
        browser.authorize(&AuthRequest::new(&gallery).scope("openid").prompt("consent")).await.status(),
        200
    );
});

backend_test!(a_refusal_is_access_denied_and_is_not_remembered, |app| async move {
    let user = app.with_user("alice", PASSWORD).await;
    let gallery = third_party(&app).await;
    let browser = app.browser();
    let req = AuthRequest::new(&gallery).state("st-1");
    let page = browser.login_to_consent(&req, &user).await;
    let resp = browser.answer_consent(&page, "deny").await;
    assert!(resp.status().is_redirection(), "{}", resp.status());
    let target = redirect_target(&resp, CB);
    let query = query_map(&target);
    assert_eq!((query["error"].as_str(), query["state"].as_str()), ("access_denied", "st-1"));
    assert_eq!(
        error_of(&browser.authorize(&req.clone().prompt("none")).await).as_deref(),
        Some("consent_required")
    );
    // A forged answer (no CSRF token) changes nothing.
    let resp = browser.authorize(&AuthRequest::new(&gallery)).await;
    let form = LoginForm::parse(&resp.text().await.unwrap());
    let forged = [("challenge", form.challenge.as_str()), ("decision", "allow")];
    let resp = browser.client.post(browser.url("/consent")).form(&forged).send().await.unwrap();
    assert_eq!(resp.status(), 400);
    assert_eq!(error_of(&browser.authorize(&req.prompt("none")).await).as_deref(), Some("consent_required"));
});

backend_test!(the_operators_clients_never_ask_unless_prompted, |app| async move {
    let user = app.with_user("alice", PASSWORD).await;
    let own = app.with_confidential_client("wiki", &[CB]).await;
    let browser = app.browser();
    browser.authorize_and_login(&AuthRequest::new(&own), &user).await;
    let resp = browser.authorize(&AuthRequest::new(&own).prompt("consent")).await;
    assert_eq!(resp.status(), 200, "prompt=consent asks even an implicit client's user");
    let page = resp.text().await.unwrap();
    let resp = browser.answer_consent(&page, "allow").await;
    Callback::from_redirect(&resp, CB);
});
