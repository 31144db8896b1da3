//! The `claims` request parameter (OpenID Connect Core §5.5): claims asked
//! for by name land in the ID token or at UserInfo as asked, keep doing so
//! after a refresh, are consented to like their scope, and never go beyond
//! the client's scopes; `acr` asks for a level like `acr_values`, a `sub`
//! value admits only that user (§3.1.2.2), and malformed requests are
//! refused. Switched off, the parameter is ignored.

use oxidp::flows::admin::NewClient;
use serde_json::{Value, json};

use crate::authorize::CB;
use crate::helpers::*;

const PASSWORD: &str = "correct horse battery";

/// A client registered for `openid profile email phone`, consent as given.
async fn client(app: &TestApp, consent: Option<&str>) -> TestClient {
    let scopes = ["openid", "profile", "email", "phone"].iter().map(|s| s.to_string()).collect();
    let spec = NewClient {
        scopes,
        consent: consent.map(str::to_string),
        redirect_uris: vec![CB.into()],
        ..refresh_client_spec("app1")
    };
    app.with_client(spec).await
}

/// alice, with a phone number and a given name.
async fn alice(app: &TestApp) -> TestUser {
    let user = app.with_user("alice", PASSWORD).await;
    let profile = json!({"given_name": "Alice", "phone_number": "+14255551212"});
    let patched = app.admin_api().await.patch(&format!("/users/{}", user.sub()), profile, None).await;
    assert_eq!(patched.status, 200, "{}", patched.json);
    user
}

fn asking(client: &TestClient, claims: &Value) -> AuthRequest {
    AuthRequest::new(client).scope("openid").param("claims", &claims.to_string())
}

async fn userinfo(app: &TestApp, access_token: &str) -> Value {
    let resp = app.userinfo(access_token).await;
    assert_eq!(resp.status(), 200);
    resp.json().await.unwrap()
}

fn error_of(resp: &reqwest::Response) -> Option<String> {
    query_map(&redirect_target(resp, CB)).get("error").cloned()
}

backend_test!(claims_asked_by_name_land_where_asked_and_survive_a_refresh, |app| async move {
    let user = alice(&app).await;
    let client = client(&app, None).await;
    let claims = json!({
        "id_token": {"email": {"essential": true}, "address": null},
        "userinfo": {"phone_number": null, "given_name": {"essential": false}, "unknown_claim": null}
    });
    let tokens = app.tokens_with(&app.browser(), &user, &client, &asking(&client, &claims)).await;
    assert_eq!(tokens.json["scope"], "openid", "the scope is what was asked");

    let check = |id_token: Value, info: Value| {
        assert_eq!(id_token["email"], "alice@example.com", "{id_token}");
        for absent in ["phone_number", "given_name", "address"] {
            assert!(id_token.get(absent).is_none(), "{absent} in the ID token: {id_token}");
        }
        assert_eq!(
            (info["phone_number"].as_str(), info["given_name"].as_str()),
            (Some("+14255551212"), Some("Alice"))
        );
        for absent in ["email", "address", "unknown_claim", "preferred_username"] {
            assert!(info.get(absent).is_none(), "{absent} at UserInfo: {info}");
        }
    };
    check(decode_jwt(tokens.id_token()).claims, userinfo(&app, &tokens.access_token).await);
    let refreshed = app.refreshed(&client, tokens.refresh_token()).await;
    check(decode_jwt(refreshed.id_token()).claims, userinfo(&app, &refreshed.access_token).await);

    // Without the parameter, `openid` alone releases no user claims.
    let plain = app.tokens_scoped(&user, &client, "openid").await;
    assert!(decode_jwt(plain.id_token()).claims.get("email").is_none());
    assert!(userinfo(&app, &plain.access_token).await.get("phone_number").is_none());
    assert_eq!(app.discovery().await["claims_parameter_supported"], true);
});

backend_test!(the_user_consents_to_the_scopes_of_the_claims_asked_for, |app| async move {
    let user = alice(&app).await;
    let client = client(&app, Some("required")).await;
    let browser = app.browser();
    let req = asking(&client, &json!({"userinfo": {"phone_number": null}}));
    let form = browser.login_page(&req).await;
    let resp = browser.submit_login(&form, &user.username(), &user.password).await;
    let page = resp.text().await.unwrap();
    assert!(page.contains("See your phone number"), "the consent names what is released: {page}");
    let form = LoginForm::parse(&page);
    let fields =
        [("challenge", form.challenge.as_str()), ("csrf_token", &form.csrf_token), ("decision", "allow")];
    let resp = browser.client.post(browser.url("/consent")).form(&fields).send().await.unwrap();
    assert_eq!(resp.status(), 303);
    // Remembered: the same claims go through with prompt=none; a claim of
    // another scope needs consent again.
    browser.authorize_with_session(&req.clone().prompt("none")).await;
    let email = asking(&client, &json!({"userinfo": {"email": null}})).prompt("none");
    assert_eq!(error_of(&browser.authorize(&email).await).as_deref(), Some("consent_required"));
});

backend_test!(acr_asks_for_a_level_and_sub_admits_only_its_user, |app| async move {
    let user = alice(&app).await;
    let client = client(&app, None).await;
    let browser = app.browser();
    let tokens = app.tokens_with(&browser, &user, &client, &AuthRequest::new(&client)).await;

    // An essential acr of "2" needs a second factor: prompt=none cannot.
    let two = json!({"id_token": {"acr": {"essential": true, "values": ["2"]}}});
    assert_eq!(
        error_of(&browser.authorize(&asking(&client, &two).prompt("none")).await).as_deref(),
        Some("interaction_required")
    );
    let either = json!({"id_token": {"acr": {"values": ["2", "1"]}}});
    browser.authorize_with_session(&asking(&client, &either).prompt("none")).await;
    // An essential level we do not have fails the request.
    let gold = json!({"id_token": {"acr": {"essential": true, "value": "urn:example:gold"}}});
    assert_eq!(
        error_of(&browser.authorize(&asking(&client, &gold)).await).as_deref(),
        Some("unmet_authentication_requirements")
    );

    // `sub` with a value: the session's user passes, anyone else does not.
    let sub = decode_jwt(tokens.id_token()).claims["sub"].as_str().unwrap().to_string();
    let mine = json!({"id_token": {"sub": {"value": sub}}});
    browser.authorize_with_session(&asking(&client, &mine).prompt("none")).await;
    let bob = app.with_user("bob", PASSWORD).await;
    let theirs = json!({"id_token": {"sub": {"value": bob.sub()}}});
    assert_eq!(
        error_of(&browser.authorize(&asking(&client, &theirs).prompt("none")).await).as_deref(),
        Some("login_required")
    );
    // Logging in as someone else than the sub names gets no code.
    let other = app.browser();
    let req = asking(&client, &theirs);
    let form = other.login_page(&req).await;
    let resp = other.submit_login(&form, &user.username(), &user.password).await;
    assert_eq!(error_of(&resp).as_deref(), Some("access_denied"));
});

backend_test!(malformed_claims_are_refused_back_to_the_client, |app| async move {
    let client = client(&app, None).await;
    for bad in
        ["not json", "[1]", r#"{"userinfo":{"email":true}}"#, r#"{"id_token":{"email":{"essential":"yes"}}}"#]
    {
        let req = AuthRequest::new(&client).scope("openid").param("claims", bad);
        let resp = app.browser().authorize(&req).await;
        assert_eq!(error_of(&resp).as_deref(), Some("invalid_request"), "{bad}");
    }
});

backend_test!(
    switched_off_the_parameter_is_ignored,
    options = SpawnOptions::default().settings(|s| s.claims.parameter = false),
    |app| async move {
        assert_eq!(app.discovery().await["claims_parameter_supported"], false);
        let user = alice(&app).await;
        let client = client(&app, None).await;
        let req = AuthRequest::new(&client).scope("openid").param("claims", "not even json");
        let tokens = app.tokens_with(&app.browser(), &user, &client, &req).await;
        assert!(decode_jwt(tokens.id_token()).claims.get("email").is_none());
    }
);
