//! Logout everywhere: RP-Initiated Logout 1.0 (with and without an ID token
//! hint, registered and unregistered post-logout redirect URIs), Back-Channel
//! Logout 1.0 to a receiver that verifies the logout token with the JWKS,
//! Front-Channel Logout 1.0 frames, and what a logout takes with it.

use oxidp::flows::admin::NewClient;

use crate::helpers::*;

const PASSWORD: &str = "correct horse battery";
const BYE: &str = "http://127.0.0.1:9000/bye";
const CB_B: &str = "http://127.0.0.1:9998/callback";

/// A client with the refresh grant, a post-logout redirect URI and, when
/// given, a back-channel and a front-channel logout URI.
fn logout_client(
    client_id: &str,
    redirect_uri: &str,
    backchannel: Option<&str>,
    frontchannel: Option<&str>,
) -> NewClient {
    NewClient {
        post_logout_redirect_uris: vec![BYE.into()],
        redirect_uris: vec![redirect_uri.into()],
        name: Some(format!("The {client_id} app")),
        backchannel_logout_uri: backchannel.map(str::to_string),
        frontchannel_logout_uri: frontchannel.map(str::to_string),
        ..refresh_client_spec(client_id)
    }
}

/// alice, logged in at app-a (in `browser`), with her tokens.
async fn logged_in(app: &TestApp, browser: &Browser, client: &TestClient) -> (TestUser, Tokens) {
    let user = app.with_user("alice", PASSWORD).await;
    let tokens = app.tokens_with(browser, &user, client, &AuthRequest::new(client)).await;
    (user, tokens)
}

async fn assert_login_required(browser: &Browser, client: &TestClient) {
    let resp = browser.authorize(&AuthRequest::new(client).prompt("none")).await;
    let target = redirect_target(&resp, client.redirect_uri());
    assert_eq!(query_map(&target).get("error").map(String::as_str), Some("login_required"), "{target}");
}

backend_test!(a_hinted_logout_ends_the_session_and_returns_to_the_app, |app| async move {
    let a = app.with_client(logout_client("app-a", crate::authorize::CB, None, None)).await;
    let browser = app.browser();
    let (_, tokens) = logged_in(&app, &browser, &a).await;

    let hint = tokens.id_token().to_string();
    let resp = browser
        .logout(&[("id_token_hint", &hint), ("post_logout_redirect_uri", BYE), ("state", "s 1")])
        .await;
    assert_eq!(resp.status(), 303, "no confirmation with a valid hint");
    let location = header(&resp, reqwest::header::LOCATION).expect("Location");
    assert_eq!(location, format!("{BYE}?state=s+1"), "state is echoed");
    let cookies = set_cookies(&resp);
    assert!(
        cookies.iter().any(|c| c.name == SESSION_COOKIE && c.is_removal()),
        "session cookie kept: {cookies:?}"
    );

    // The session is gone everywhere it mattered.
    assert_login_required(&browser, &a).await;
    app.assert_refresh_fails(&a, tokens.refresh_token(), "session-bound, after logout").await;
    let ended = app.audit_events_of("session_ended").await;
    assert_eq!(ended.len(), 1);
    assert!(ended[0].detail.contains("\"reason\":\"logout\""), "{}", ended[0].detail);
});

backend_test!(without_a_hint_the_user_confirms_and_a_forged_confirmation_changes_nothing, |app| async move {
    let a = app.with_client(logout_client("app-a", crate::authorize::CB, None, None)).await;
    let browser = app.browser();
    let (_, tokens) = logged_in(&app, &browser, &a).await;

    let resp = browser.logout(&[("client_id", "app-a"), ("post_logout_redirect_uri", BYE)]).await;
    assert_eq!(resp.status(), 200);
    let page = resp.text().await.unwrap();
    assert!(page.contains("Sign out?") && page.contains("The app-a app"), "{page}");

    // Another site cannot post the confirmation: no token, or a cross-site origin.
    let forged = browser
        .client
        .post(browser.url("/logout/confirm"))
        .form(&[("client_id", "app-a")])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 400);
    let cross_site = browser
        .client
        .post(browser.url("/logout/confirm"))
        .header("Origin", "https://evil.example")
        .form(&[("client_id", "app-a")])
        .send()
        .await
        .unwrap();
    assert_eq!(cross_site.status(), 400);
    app.refreshed(&a, tokens.refresh_token()).await;

    let resp = browser.confirm_logout(&page).await;
    assert_eq!(resp.status(), 303);
    assert_eq!(header(&resp, reqwest::header::LOCATION).as_deref(), Some(BYE));
    assert_login_required(&browser, &a).await;
});

backend_test!(an_unregistered_redirect_or_a_bad_hint_is_never_followed, |app| async move {
    let a = app.with_client(logout_client("app-a", crate::authorize::CB, None, None)).await;
    let browser = app.browser();
    let (_, tokens) = logged_in(&app, &browser, &a).await;

    // A garbage or tampered hint: an error, and the session lives on.
    for hint in ["garbage", &flip_char(tokens.id_token())] {
        let resp = browser.logout(&[("id_token_hint", hint), ("post_logout_redirect_uri", BYE)]).await;
        assert_eq!(resp.status(), 400, "{hint}");
    }
    let hint = tokens.id_token().to_string();
    let resp = browser.logout(&[("id_token_hint", &hint), ("client_id", "someone-else")]).await;
    assert_eq!(resp.status(), 400, "client_id outside the hint's audience");
    browser.authorize_with_session(&AuthRequest::new(&a)).await;

    // Valid hint, unregistered URI: logged out, but the page is shown.
    let resp = browser
        .logout(&[("id_token_hint", &hint), ("post_logout_redirect_uri", "https://evil.example/")])
        .await;
    assert_eq!(resp.status(), 200);
    let page = resp.text().await.unwrap();
    assert!(page.contains("You are signed out") && !page.contains("evil.example"), "{page}");
    assert_login_required(&browser, &a).await;
});

backend_test!(every_client_of_the_session_hears_of_the_logout, |app| async move {
    let receiver = LogoutReceiver::start().await;
    let a = app.with_client(logout_client("app-a", crate::authorize::CB, Some(&receiver.uri), None)).await;
    let frontchannel = "http://127.0.0.1:9997/frontchannel?tenant=1";
    let b = app.with_client(logout_client("app-b", CB_B, Some(&receiver.uri), Some(frontchannel))).await;
    let browser = app.browser();
    let (user, tokens_a) = logged_in(&app, &browser, &a).await;
    let req_b = AuthRequest::new(&b);
    let cb = browser.authorize_with_session(&req_b).await;
    let verifier = req_b.pkce.as_ref().map(|p| p.verifier.as_str());
    let tokens_b = Tokens::from_response(app.exchange_code(&b, &cb.code, CB_B, verifier).await).await;
    let sid = decode_jwt(tokens_a.id_token()).claims["sid"].as_str().unwrap().to_string();
    assert_eq!(decode_jwt(tokens_b.id_token()).claims["sid"], sid.as_str(), "one session, one sid");

    let hint = tokens_a.id_token().to_string();
    let resp = browser.logout(&[("id_token_hint", &hint), ("post_logout_redirect_uri", BYE)]).await;
    // app-b has a front-channel URI: the page frames it, then moves on.
    assert_eq!(resp.status(), 200);
    let csp = header(&resp, reqwest::header::CONTENT_SECURITY_POLICY).unwrap();
    assert!(csp.ends_with("; frame-src http://127.0.0.1:9997"), "{csp}");
    let page = resp.text().await.unwrap();
    let iss = url::form_urlencoded::byte_serialize(app.issuer.as_bytes()).collect::<String>();
    let framed = format!("{frontchannel}&amp;iss={iss}&amp;sid={sid}");
    assert!(
        page.contains(&format!("<iframe src=\"{framed}\""))
            || decode_entities(&page).contains(&framed.replace("&amp;", "&")),
        "{page}"
    );
    assert!(page.contains("url=") && page.contains("9000/bye"), "continues to the app: {page}");

    // Both back channels got a logout token that verifies with our JWKS.
    let jwks = app.jwks().await;
    let mut audiences = Vec::new();
    for token in receiver.wait_for(2).await {
        let jwt = verify_jwt(&jwks, &token);
        assert_eq!(jwt.header["typ"], "logout+jwt");
        let claims = &jwt.claims;
        assert_eq!(
            (claims["iss"].as_str(), claims["sub"].as_str()),
            (Some(app.issuer.as_str()), Some(user.sub().as_str()))
        );
        assert_eq!(claims["sid"], sid.as_str());
        assert!(
            claims["events"]["http://schemas.openid.net/event/backchannel-logout"].is_object(),
            "{claims}"
        );
        assert!(
            claims.get("nonce").is_none() && claims["jti"].is_string() && claims["exp"].is_i64(),
            "{claims}"
        );
        audiences.push(claims["aud"].as_str().unwrap().to_string());
    }
    audiences.sort();
    assert_eq!(audiences, ["app-a", "app-b"]);
    let deliveries = app.audit_events_of("backchannel_logout").await;
    assert_eq!(deliveries.len(), 2, "each outcome is on record");
    assert!(deliveries.iter().all(|e| e.detail.contains("\"delivered\":true")), "{deliveries:?}");

    for (client, tokens) in [(&a, &tokens_a), (&b, &tokens_b)] {
        assert_login_required(&browser, client).await;
        app.assert_refresh_fails(client, tokens.refresh_token(), "after the logout").await;
    }
});

backend_test!(discovery_advertises_logout, |app| async move {
    let d = app.discovery().await;
    assert_eq!(d["end_session_endpoint"], format!("{}/logout", app.issuer));
    for flag in [
        "backchannel_logout_supported",
        "backchannel_logout_session_supported",
        "frontchannel_logout_supported",
        "frontchannel_logout_session_supported",
    ] {
        assert_eq!(d[flag], true, "{flag}");
    }
});

backend_test!(
    a_hanging_back_channel_does_not_hold_the_logout_page,
    options = SpawnOptions::default().settings(|s| s.logout.backchannel_wait = 1),
    |app| async move {
        // A receiver that accepts connections and never answers: each
        // delivery attempt runs into its 5 s timeout, three times.
        let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let uri = format!("http://{}/backchannel", silent.local_addr().unwrap());
        let held = std::thread::spawn(move || {
            let _connections: Vec<_> = silent.incoming().take(3).collect();
            std::thread::sleep(std::time::Duration::from_secs(20));
        });
        let a = app.with_client(logout_client("app-a", crate::authorize::CB, Some(&uri), None)).await;
        let browser = app.browser();
        let (_, tokens) = logged_in(&app, &browser, &a).await;
        let hint = tokens.id_token().to_string();
        let started = std::time::Instant::now();
        let resp = browser.logout(&[("id_token_hint", &hint), ("post_logout_redirect_uri", BYE)]).await;
        // Functional bound: the deliveries alone take over 15 s; the page
        // waits logout.backchannel_wait (1 s) for them.
        assert!(started.elapsed() < std::time::Duration::from_secs(5), "{:?}", started.elapsed());
        assert_eq!(resp.status(), 303);
        assert_login_required(&browser, &a).await;
        drop(held);
    }
);
