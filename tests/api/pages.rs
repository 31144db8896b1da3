//! The pages look like one product: branding from the configuration, the
//! client's name and logo, German by `Accept-Language` or `ui_locales`
//! (OIDC Core §3.1.2.1), plain-language error pages with the protocol
//! code underneath, and branded `/`, 404 and favicon.

use oxidp::config::Settings;
use oxidp::flows::admin::NewClient;

use crate::authorize::CB;
use crate::helpers::*;

const LOGO: &str = "https://cdn.example/gallery.png";

async fn gallery(app: &TestApp) -> TestClient {
    app.with_client(NewClient {
        client_id: "gallery".into(),
        name: Some("Photo Gallery".into()),
        logo_uri: Some(LOGO.into()),
        redirect_uris: vec![CB.into()],
        ..NewClient::default()
    })
    .await
}

async fn page(resp: reqwest::Response) -> (u16, String, String) {
    let status = resp.status().as_u16();
    let csp = header(&resp, reqwest::header::CONTENT_SECURITY_POLICY).unwrap_or_default();
    (status, csp, resp.text().await.expect("page body"))
}

/// The `<input …>` tag with `id`.
fn input_tag<'a>(html: &'a str, id: &str) -> &'a str {
    let at = html.find(&format!(r#"id="{id}""#)).unwrap_or_else(|| panic!("no #{id}: {html}"));
    let start = html[..at].rfind('<').unwrap();
    let end = at + html[at..].find('>').unwrap();
    &html[start..=end]
}

backend_test!(the_login_page_shows_the_apps_name_and_logo, |app| async move {
    let client = gallery(&app).await;
    let (status, csp, html) = page(app.browser().authorize(&AuthRequest::new(&client)).await).await;
    assert_eq!(status, 200);
    assert!(html.contains("<strong>Photo Gallery</strong>") && !html.contains(">gallery<"), "{html}");
    let logo = html.find(&format!(r#"src="{LOGO}""#)).map(|at| &html[html[..at].rfind('<').unwrap()..]);
    let logo = logo.and_then(|tag| tag.split('>').next()).unwrap_or_else(|| panic!("no logo: {html}"));
    for attribute in [r#"referrerpolicy="no-referrer""#, r#"width="56""#, r#"alt="Logo of Photo Gallery""#] {
        assert!(logo.contains(attribute), "{attribute} missing: {logo}");
    }
    // The CSP lets exactly that origin's images in, nothing else.
    assert!(csp.contains("img-src 'self' https://cdn.example;"), "{csp}");
    assert!(html.contains(r#"<html lang="en">"#));
    // Labels are tied to the inputs; the cursor starts in the username.
    assert!(html.contains(r#"<label for="username">"#) && html.contains(r#"<label for="password">"#));
    assert!(input_tag(&html, "username").contains("autofocus"), "{html}");
    assert!(!input_tag(&html, "password").contains("autofocus"), "{html}");
});

backend_test!(after_a_wrong_password_the_cursor_is_in_the_password_field, |app| async move {
    let client = gallery(&app).await;
    app.with_user("alice", "correct horse battery").await;
    let browser = app.browser();
    let form = browser.login_page(&AuthRequest::new(&client)).await;
    let (status, _, html) = page(browser.submit_login(&form, "alice", "wrong").await).await;
    assert_eq!(status, 200);
    assert!(html.contains("Invalid username or password."), "{html}");
    assert!(input_tag(&html, "password").contains("autofocus"), "{html}");
    assert!(!input_tag(&html, "username").contains("autofocus"), "{html}");
});

backend_test!(german_by_accept_language, |app| async move {
    let client = gallery(&app).await;
    app.with_user("alice", "correct horse battery").await;
    let browser = app.browser();
    let resp = browser
        .client
        .get(browser.url("/authorize"))
        .query(&AuthRequest::new(&client).params())
        .header("Accept-Language", "fr-CH, de;q=0.9, en;q=0.8")
        .send()
        .await
        .unwrap();
    let (_, _, html) = page(resp).await;
    assert!(html.contains(r#"<html lang="de">"#), "{html}");
    assert!(
        html.contains("Anmelden") && html.contains("Benutzername") && html.contains("Passwort"),
        "{html}"
    );
    // The failed attempt's message is German too.
    let form = LoginForm::parse(&html);
    let resp = browser
        .client
        .post(browser.url("/login"))
        .header("Accept-Language", "de-DE")
        .form(&[
            ("challenge", form.challenge.as_str()),
            ("csrf_token", &form.csrf_token),
            ("username", "alice"),
            ("password", "wrong"),
        ])
        .send()
        .await
        .unwrap();
    assert!(resp.text().await.unwrap().contains("Benutzername oder Passwort ist falsch."));

    // The pages behind the mailed links speak it too, and are titled once.
    let resp =
        browser.client.get(browser.url("/forgot")).header("Accept-Language", "de").send().await.unwrap();
    let (_, _, html) = page(resp).await;
    assert!(html.contains("Passwort vergessen?") && html.contains("Link senden"), "{html}");
    assert!(html.contains("<title>Passwort vergessen? · oxidp</title>"), "{html}");
    let resp = browser
        .client
        .get(browser.url("/reset?token=unknown"))
        .header("Accept-Language", "de")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 410);
    assert!(resp.text().await.unwrap().contains("Dieser Link funktioniert nicht mehr"));
});

backend_test!(german_by_ui_locales_for_the_whole_interaction, |app| async move {
    let client = app
        .with_client(NewClient {
            client_id: "gallery".into(),
            name: Some("Photo Gallery".into()),
            consent: Some("required".into()),
            redirect_uris: vec![CB.into()],
            ..NewClient::default()
        })
        .await;
    let user = app.with_user("alice", "correct horse battery").await;
    let browser = app.browser();
    let req = AuthRequest::new(&client).scope("openid profile").param("ui_locales", "fr-CA de-AT en");
    // ui_locales wins over the browser's English.
    let resp = browser
        .client
        .get(browser.url("/authorize"))
        .query(&req.params())
        .header("Accept-Language", "en-US,en;q=0.9")
        .send()
        .await
        .unwrap();
    let (_, _, html) = page(resp).await;
    assert!(html.contains(r#"<html lang="de">"#) && html.contains("weiter zu"), "{html}");
    // The consent page after the login form keeps the language.
    let form = LoginForm::parse(&html);
    let consent = browser.submit_login(&form, &user.username(), &user.password).await.text().await.unwrap();
    assert!(consent.contains("Zugriff erlauben?"), "{consent}");
    assert!(consent.contains("Ihren Namen, Benutzernamen und Ihr Profil sehen"), "{consent}");
    assert!(consent.contains(">Erlauben</button>"), "{consent}");
});

backend_test!(error_pages_speak_plain_language_with_the_code_underneath, |app| async move {
    let client = gallery(&app).await;
    let req = AuthRequest::new(&client).redirect_uri("https://evil.example/cb");
    let (status, _, html) = page(app.browser().authorize(&req).await).await;
    assert_eq!(status, 400);
    assert!(
        html.contains(
            "This app sent you here with an address it has not registered. Go back to the app and try again, or contact its owner."
        ),
        "{html}"
    );
    assert!(html.contains("<code>invalid_request</code>") && html.contains("fine-print"), "{html}");
    // In German, by the request's own ui_locales.
    let req = req.param("ui_locales", "de");
    let (_, _, html) = page(app.browser().authorize(&req).await).await;
    assert!(html.contains("Adresse hierher geschickt, die sie nicht registriert hat"), "{html}");
    // An unknown app is explained as such.
    let mut unknown = AuthRequest::new(&client).params_without(&["client_id"]);
    unknown.push(("client_id".into(), "nobody".into()));
    let (_, _, html) = page(app.browser().get_authorize(&unknown).await).await;
    assert!(
        html.contains("We don&#39;t know this app")
            || html.contains("We don&#x27;t know this app")
            || html.contains("We don't know this app"),
        "{html}"
    );
});

backend_test!(the_start_page_the_404_page_and_the_favicon_are_branded, |app| async move {
    let (status, _, html) = page(app.get("/").await).await;
    assert_eq!(status, 200);
    assert!(html.contains("<h1>oxidp</h1>") && html.contains(r#"href="/account""#), "{html}");

    let (status, _, html) = page(app.get("/no/such/page").await).await;
    assert_eq!(status, 404);
    assert!(html.contains("Page not found") && html.contains(r#"href="/""#), "{html}");
    assert!(html.contains(r#"<link rel="stylesheet" href="/static/style.css"#), "{html}");

    // The admin API's clients are programs: JSON there.
    let resp = app.get("/admin/api/nothing").await;
    assert_eq!(resp.status(), 404);
    assert_eq!(resp.json::<serde_json::Value>().await.unwrap()["error"], "not_found");

    for path in ["/favicon.ico", "/static/favicon.svg"] {
        let resp = app.get(path).await;
        assert_eq!(resp.status(), 200, "{path}");
        assert_eq!(header(&resp, reqwest::header::CONTENT_TYPE).as_deref(), Some("image/svg+xml"));
        assert!(resp.text().await.unwrap().starts_with("<svg"), "{path}");
    }
});

backend_test!(
    branding_settings_reach_every_page,
    options = SpawnOptions::default().settings(|s| {
        s.branding.product_name = "Acme Login".into();
        s.branding.logo_url = Some("https://brand.example/acme.svg".into());
        s.branding.accent_color = "#1a56db".into();
    }),
    |app| async move {
        let client = gallery(&app).await;
        let (_, csp, html) = page(app.browser().authorize(&AuthRequest::new(&client)).await).await;
        assert!(html.contains("<span>Acme Login</span>") && html.contains("· Acme Login</title>"), "{html}");
        assert!(html.contains(r#"src="https://brand.example/acme.svg""#), "{html}");
        assert!(csp.contains("img-src 'self' https://brand.example https://cdn.example;"), "{csp}");
        let (_, csp, html) = page(app.get("/").await).await;
        assert!(html.contains("<h1>Acme Login</h1>"), "{html}");
        assert!(csp.contains("img-src 'self' https://brand.example;"), "{csp}");
        let version = html.split("/static/brand.css?v=").nth(1).and_then(|r| r.split('"').next()).unwrap();
        let css = app.get(&format!("/static/brand.css?v={version}")).await.text().await.unwrap();
        assert!(css.contains("--accent: #1a56db"), "{css}");
        // Dark mode gets a lighter shade that reads on the dark card.
        let dark = css.split("prefers-color-scheme: dark").nth(1).unwrap();
        assert!(dark.contains("--accent: #") && !dark.contains("#1a56db"), "{css}");
    }
);

#[tokio::test]
async fn an_accent_without_enough_contrast_is_refused_at_startup() {
    for (key, value) in [("accent_color", "#ffcc00"), ("accent_color_dark", "#303030")] {
        let mut settings = Settings::default();
        match key {
            "accent_color" => settings.branding.accent_color = value.into(),
            _ => settings.branding.accent_color_dark = Some(value.into()),
        }
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let refused = oxidp::app::Application::build_with_listener(settings, listener).await.err();
        let message = refused.map(|e| e.to_string()).expect("the server must not start");
        assert!(
            message.contains(&format!("branding.{key} {value}")) && message.contains("4.5:1"),
            "{message}"
        );
    }
    let mut settings = Settings::default();
    settings.branding.logo_url = Some("http://cdn.example/logo.png".into());
    assert!(settings.validate().unwrap_err().to_string().contains("branding.logo_url"));
}

backend_test!(a_logo_must_be_https, |app| async move {
    let admin = &app.services.admin;
    let bad = NewClient {
        client_id: "x".into(),
        logo_uri: Some("http://cdn.example/x.png".into()),
        redirect_uris: vec![CB.into()],
        ..NewClient::default()
    };
    let err = admin.create_client(&oxidp::flows::admin::Actor::Cli, bad, now()).await.err().expect("refused");
    assert!(err.to_string().contains("https"), "{err}");
    let loopback = NewClient {
        logo_uri: Some("http://127.0.0.1:9000/x.png".into()),
        client_id: "y".into(),
        redirect_uris: vec![CB.into()],
        ..NewClient::default()
    };
    assert!(admin.create_client(&oxidp::flows::admin::Actor::Cli, loopback, now()).await.is_ok());
});
