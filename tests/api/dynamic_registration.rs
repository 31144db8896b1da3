//! Dynamic client registration (RFC 7591) and the client configuration
//! endpoint (RFC 7592) at `/connect/register`: an initial access token (or
//! open registration) registers a client through the admin rules, with
//! consent required; its registration access token reads, replaces and
//! deletes it; refusals write nothing; every change is audited.

use reqwest::header::{CACHE_CONTROL, PRAGMA, RETRY_AFTER, WWW_AUTHENTICATE};
use serde_json::{Value, json};

use crate::authorize::CB;
use crate::helpers::*;
use oxidp::flows::admin::{Actor, PageRequest};
use oxidp::protocol::ConsentMode;

const PATH: &str = "/connect/register";

/// POST /connect/register with `token` as bearer (if any).
async fn register(app: &TestApp, token: Option<&str>, body: &Value) -> reqwest::Response {
    let mut req = app.api.post(app.url(PATH)).json(body);
    if let Some(token) = token {
        req = req.bearer_auth(token);
    }
    req.send().await.expect("POST /connect/register")
}

/// A successful registration's client information response.
async fn registered(app: &TestApp, token: Option<&str>, body: &Value) -> Value {
    let resp = register(app, token, body).await;
    let status = resp.status();
    assert_eq!(header(&resp, CACHE_CONTROL).as_deref(), Some("no-store"));
    assert_eq!(header(&resp, PRAGMA).as_deref(), Some("no-cache"));
    let json: Value = resp.json().await.expect("JSON");
    assert_eq!(status, 201, "{json}");
    json
}

/// An initial access token made by an operator.
async fn initial_token(app: &TestApp, expires_in: Option<i64>, uses: Option<i64>) -> (String, String) {
    let issued = app
        .services
        .admin
        .create_registration_token(&Actor::Cli, expires_in, uses, app.now())
        .await
        .expect("initial access token");
    (issued.token, issued.record.id)
}

async fn client_count(app: &TestApp) -> usize {
    let page = PageRequest { limit: Some(100), ..PageRequest::default() };
    app.services.admin.list_clients(&page).await.expect("clients").items.len()
}

/// `(status, error, description)` of an RFC 7591 §3.2.2 error.
async fn refusal(resp: reqwest::Response) -> (u16, String, String) {
    let (status, code, body) = oauth_error(resp).await;
    (status, code, body["error_description"].as_str().unwrap_or_default().to_string())
}

fn web_app() -> Value {
    json!({
        "redirect_uris": [CB],
        "client_name": "Registered App",
        "grant_types": ["authorization_code", "refresh_token", "client_credentials"],
        "scope": "openid profile offline_access",
        "consent": "implicit",
        "require_mfa": true,
        "access_token_ttl": 99999,
    })
}

fn as_client(info: &Value) -> TestClient {
    TestClient {
        client_id: info["client_id"].as_str().unwrap().to_string(),
        secret: info["client_secret"].as_str().map(str::to_string),
        redirect_uris: vec![CB.to_string()],
    }
}

/// The configuration endpoint of `client_id` with `method`, `token` and `body`.
async fn configure(
    app: &TestApp,
    method: reqwest::Method,
    client_id: &str,
    token: &str,
    body: Option<&Value>,
) -> reqwest::Response {
    let mut req = app.api.request(method, app.url(&format!("{PATH}/{client_id}"))).bearer_auth(token);
    if let Some(body) = body {
        req = req.json(body);
    }
    req.send().await.expect("client configuration endpoint")
}

backend_test!(an_initial_access_token_registers_a_client_with_consent_required, |app| async move {
    let (token, token_id) = initial_token(&app, None, Some(2)).await;
    let info = registered(&app, Some(&token), &web_app()).await;
    let client_id = info["client_id"].as_str().unwrap();
    assert_eq!(uuid::Uuid::parse_str(client_id).map(|_| ()), Ok(()), "server-made id");
    assert_eq!(info["client_name"], "Registered App");
    assert_eq!(info["redirect_uris"], json!([CB]));
    assert_eq!(info["scope"], "openid profile offline_access");
    assert_eq!(info["response_types"], json!(["code"]));
    assert_eq!(info["token_endpoint_auth_method"], "client_secret_basic", "RFC 7591 §2 default");
    assert_eq!(info["client_secret_expires_at"], 0);
    assert!(info["client_id_issued_at"].as_i64().unwrap() > 0);
    assert_eq!(info["registration_client_uri"], format!("{}{PATH}/{client_id}", app.issuer));
    let rat = info["registration_access_token"].as_str().unwrap();
    assert!(rat.len() >= 40 && rat != token, "{rat}");

    // The operator's knobs were ignored; consent is required.
    let record = app.services.admin.find_client(client_id).await.unwrap();
    assert_eq!(record.consent, ConsentMode::Required);
    assert!(!record.require_mfa && record.access_token_ttl.is_none());

    // The secret works at the token endpoint.
    let client = as_client(&info);
    assert_eq!(app.client_credentials(&client, &[]).await.status(), 200);

    // The code flow asks the user first.
    let user = app.with_user("alice", "correct horse battery").await;
    let browser = app.browser();
    let req = AuthRequest::new(&client).scope("openid profile");
    let form = browser.login_page(&req).await;
    let resp = browser.submit_login(&form, "alice", &user.password).await;
    assert_eq!(resp.status(), 200, "the consent page");
    let page = resp.text().await.unwrap();
    assert!(page.contains("Registered App"), "{page}");
    let consent = LoginForm::parse(&page);
    let fields = [
        ("challenge", consent.challenge.as_str()),
        ("csrf_token", &consent.csrf_token),
        ("decision", "allow"),
    ];
    let resp = browser.client.post(browser.url("/consent")).form(&fields).send().await.unwrap();
    let cb = Callback::from_redirect(&resp, CB);
    let verifier = req.pkce.as_ref().map(|p| p.verifier.as_str());
    assert_eq!(app.exchange_code(&client, &cb.code, CB, verifier).await.status(), 200);

    // Audited as the registrant, naming the initial access token.
    let created = app
        .audit_events_of("admin_action")
        .await
        .into_iter()
        .find(|e| e.detail.contains("client.create") && e.client_id.as_deref() == Some(client_id))
        .expect("client.create event");
    assert_eq!(created.actor.as_deref(), Some(format!("registrant:{client_id}").as_str()));
    let detail: Value = serde_json::from_str(&created.detail).unwrap();
    assert_eq!(detail["initial_access_token"], token_id);
    assert!(!created.detail.contains(&token), "never the token itself");
});

backend_test!(
    missing_wrong_expired_used_up_or_revoked_tokens_register_nothing,
    options = SpawnOptions::fixed_clock(),
    |app| async move {
        let body = web_app();
        let (once, _) = initial_token(&app, None, Some(1)).await;
        let (short, _) = initial_token(&app, Some(60), None).await;
        let (revoked, revoked_id) = initial_token(&app, None, None).await;
        app.services.admin.revoke_registration_token(&Actor::Cli, &revoked_id, app.now()).await.unwrap();
        let (clients, audits) = (client_count(&app).await, app.audit_count().await);

        let resp = register(&app, None, &body).await;
        assert_eq!(resp.status(), 401);
        let challenge = header(&resp, WWW_AUTHENTICATE).unwrap_or_default();
        assert!(challenge.starts_with("Bearer") && !challenge.contains("error="), "{challenge}");
        for bad in ["made-up", revoked.as_str()] {
            let resp = register(&app, Some(bad), &body).await;
            assert_eq!(resp.status(), 401, "{bad}");
            let challenge = header(&resp, WWW_AUTHENTICATE).unwrap_or_default();
            assert!(challenge.contains(r#"error="invalid_token""#), "{challenge}");
        }
        assert_eq!((client_count(&app).await, app.audit_count().await), (clients, audits), "nothing written");

        registered(&app, Some(&once), &body).await;
        assert_eq!(register(&app, Some(&once), &body).await.status(), 401, "used up");
        registered(&app, Some(&short), &body).await;
        app.advance(61);
        assert_eq!(register(&app, Some(&short), &body).await.status(), 401, "expired");
        assert_eq!(client_count(&app).await, clients + 2);
    }
);

backend_test!(
    open_registration_needs_no_token_and_is_rate_limited,
    options = SpawnOptions::fixed_clock().settings(|s| {
        s.client_registration.open = true;
        s.rate_limits.client_registration = 3;
    }),
    |app| async move {
        let native = json!({
            "redirect_uris": ["http://127.0.0.1/callback"],
            "token_endpoint_auth_method": "none",
            "client_name": "Native App",
        });
        let info = registered(&app, None, &native).await;
        assert!(
            info.get("client_secret").is_none() && info.get("client_secret_expires_at").is_none(),
            "{info}"
        );
        assert_eq!(info["scope"], "openid profile email", "the default scopes open to registration");
        let record = app.services.admin.find_client(info["client_id"].as_str().unwrap()).await.unwrap();
        assert!(record.public);
        assert_eq!(record.consent, ConsentMode::Required);

        // Requests on the configuration endpoint count as well.
        let rat = info["registration_access_token"].as_str().unwrap();
        let id = info["client_id"].as_str().unwrap();
        assert_eq!(configure(&app, reqwest::Method::GET, id, rat, None).await.status(), 200);
        registered(&app, None, &native).await;
        let resp = register(&app, None, &native).await;
        assert_eq!(resp.status(), 429);
        assert!(header(&resp, RETRY_AFTER).is_some());
        let (_, code, _) = oauth_error(resp).await;
        assert_eq!(code, "temporarily_unavailable");
    }
);

backend_test!(bad_redirect_uris_and_metadata_are_refused_and_give_the_use_back, |app| async move {
    let (token, _) = initial_token(&app, None, Some(1)).await;
    let clients = client_count(&app).await;
    let with = |member: &str, value: Value| {
        let mut body = json!({ "redirect_uris": [CB] });
        body[member] = value;
        body
    };
    for (body, code, member) in [
        (
            with("redirect_uris", json!(["http://app.example.com/cb"])),
            "invalid_redirect_uri",
            "redirect_uris",
        ),
        (
            with("redirect_uris", json!(["https://app.example.com/cb#x"])),
            "invalid_redirect_uri",
            "redirect_uris",
        ),
        (with("redirect_uris", json!([])), "invalid_redirect_uri", "redirect_uris"),
        (with("grant_types", json!(["password"])), "invalid_client_metadata", "grant_types"),
        (
            with("grant_types", json!(["urn:ietf:params:oauth:grant-type:token-exchange"])),
            "invalid_client_metadata",
            "grant_types",
        ),
        (with("scope", json!("openid admin")), "invalid_client_metadata", "scope"),
        (
            json!({ "grant_types": ["client_credentials"], "response_types": ["code"] }),
            "invalid_client_metadata",
            "response_types",
        ),
        (with("response_types", json!(["code id_token"])), "invalid_client_metadata", "response_types"),
        (
            json!({ "grant_types": ["client_credentials"], "token_endpoint_auth_method": "none" }),
            "invalid_client_metadata",
            "grant_types",
        ),
        (with("logo_uri", json!("javascript:alert(1)")), "invalid_client_metadata", "logo_uri"),
        (with("client_name", json!(42)), "invalid_client_metadata", "client_name"),
    ] {
        let (status, error, description) = refusal(register(&app, Some(&token), &body).await).await;
        assert_eq!((status, error.as_str()), (400, code), "{body}: {description}");
        assert!(description.starts_with(&format!("{member}:")), "{body}: {description}");
    }
    let resp = app
        .api
        .post(app.url(PATH))
        .bearer_auth(&token)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("redirect_uris=x")
        .send()
        .await
        .unwrap();
    assert_eq!(refusal(resp).await.1, "invalid_client_metadata");
    assert_eq!(client_count(&app).await, clients, "nothing registered");
    // Every refused registration gave its use back.
    registered(&app, Some(&token), &json!({ "redirect_uris": [CB] })).await;
});

backend_test!(the_registration_access_token_reads_replaces_and_deletes_its_client, |app| async move {
    use reqwest::Method;
    let (token, _) = initial_token(&app, None, None).await;
    let a = registered(&app, Some(&token), &web_app()).await;
    let b = registered(&app, Some(&token), &web_app()).await;
    let (id, rat) = (a["client_id"].as_str().unwrap(), a["registration_access_token"].as_str().unwrap());
    let b_rat = b["registration_access_token"].as_str().unwrap();
    let client = as_client(&a);

    // Read: the registration without the secret (only its hash is kept).
    let resp = configure(&app, Method::GET, id, rat, None).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(header(&resp, CACHE_CONTROL).as_deref(), Some("no-store"));
    let read: Value = resp.json().await.unwrap();
    assert_eq!(read["registration_access_token"], rat);
    assert_eq!(read["client_name"], "Registered App");
    assert!(read.get("client_secret").is_none(), "{read}");
    // Another client's token, the initial access token, an unknown client: alike.
    for (who, token) in [(id, b_rat), (id, token.as_str()), ("no-such-client", rat)] {
        let resp = configure(&app, Method::GET, who, token, None).await;
        assert_eq!(resp.status(), 401, "{who}");
        let challenge = header(&resp, WWW_AUTHENTICATE).unwrap_or_default();
        assert!(challenge.contains(r#"error="invalid_token""#), "{challenge}");
    }

    // Replace: the body names the client, a secret in it must be current.
    let mut replacement = json!({
        "client_id": id,
        "redirect_uris": ["http://127.0.0.1:9999/new"],
        "grant_types": ["authorization_code", "client_credentials"],
        "client_secret": client.secret(),
    });
    let mut wrong_id = replacement.clone();
    wrong_id["client_id"] = json!(b["client_id"]);
    let mut wrong_secret = replacement.clone();
    wrong_secret["client_secret"] = json!("not-the-secret");
    for (body, member) in [(&wrong_id, "client_id"), (&wrong_secret, "client_secret")] {
        let (status, error, description) =
            refusal(configure(&app, Method::PUT, id, rat, Some(body)).await).await;
        assert_eq!((status, error.as_str()), (400, "invalid_client_metadata"), "{description}");
        assert!(description.starts_with(member), "{description}");
    }
    let resp = configure(&app, Method::PUT, id, b_rat, Some(&replacement)).await;
    assert_eq!(resp.status(), 401, "someone else's token");
    let resp = configure(&app, Method::PUT, id, rat, Some(&replacement)).await;
    assert_eq!(resp.status(), 200);
    let replaced: Value = resp.json().await.unwrap();
    assert_eq!(replaced["redirect_uris"], json!(["http://127.0.0.1:9999/new"]));
    assert!(replaced.get("client_name").is_none(), "left out, so cleared: {replaced}");
    assert_eq!(replaced["scope"], "openid profile email", "back to the default");
    assert_eq!(replaced["registration_access_token"], rat);
    let record = app.services.admin.find_client(id).await.unwrap();
    assert_eq!(record.consent, ConsentMode::Required, "kept");
    assert_eq!(record.web_origins, ["http://127.0.0.1:9999"]);
    assert_eq!(app.client_credentials(&client, &[]).await.status(), 200, "the secret stays");
    replacement["token_endpoint_auth_method"] = json!("none");
    let (status, error, _) = refusal(configure(&app, Method::PUT, id, rat, Some(&replacement)).await).await;
    assert_eq!((status, error.as_str()), (400, "invalid_client_metadata"), "confidential stays confidential");

    // Delete: gone, tokens and all.
    assert_eq!(configure(&app, Method::DELETE, id, b_rat, None).await.status(), 401);
    assert_eq!(configure(&app, Method::DELETE, id, rat, None).await.status(), 204);
    assert_eq!(configure(&app, Method::GET, id, rat, None).await.status(), 401);
    let (status, code, _) = oauth_error(app.client_credentials(&client, &[]).await).await;
    assert_eq!((status, code.as_str()), (401, "invalid_client"));
    assert!(app.services.admin.find_client(id).await.is_err());

    let mut actions: Vec<String> = app
        .audit_events_of("admin_action")
        .await
        .into_iter()
        .filter(|e| e.actor.as_deref() == Some(format!("registrant:{id}").as_str()))
        .map(|e| serde_json::from_str::<Value>(&e.detail).unwrap()["action"].as_str().unwrap().to_string())
        .collect();
    actions.sort();
    assert_eq!(actions, ["client.create", "client.delete", "client.update"]);
});

backend_test!(discovery_lists_the_registration_endpoint, |app| async move {
    let doc = app.discovery().await;
    assert_eq!(doc["registration_endpoint"], format!("{}{PATH}", app.issuer));
    let mut actions: Vec<String> = {
        let (_, id) = initial_token(&app, Some(600), None).await;
        app.services.admin.revoke_registration_token(&Actor::Cli, &id, app.now()).await.unwrap();
        let err = app.services.admin.revoke_registration_token(&Actor::Cli, &id, app.now()).await;
        assert!(err.is_err(), "already revoked");
        app.audit_events_of("admin_action")
            .await
            .into_iter()
            .filter(|e| e.actor.as_deref() == Some("cli"))
            .map(|e| {
                serde_json::from_str::<Value>(&e.detail).unwrap()["action"].as_str().unwrap().to_string()
            })
            .collect()
    };
    actions.sort();
    assert_eq!(actions, ["registration_token.create", "registration_token.revoke"]);
});

backend_test!(
    switched_off_there_is_no_endpoint,
    options = SpawnOptions::default().settings(|s| s.client_registration.enabled = false),
    |app| async move {
        assert!(app.discovery().await.get("registration_endpoint").is_none());
        let (token, _) = initial_token(&app, None, None).await;
        assert_eq!(register(&app, Some(&token), &web_app()).await.status(), 404);
        assert_eq!(app.get(&format!("{PATH}/some-client")).await.status(), 404);
    }
);

#[test]
fn the_cli_makes_lists_and_revokes_initial_access_tokens() {
    let cli = CliProcess::new("oxidp-cli-registration-");
    let ok = |args: &[&str]| {
        let out = cli.run(args, "");
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", describe(&out));
        String::from_utf8(out.stdout).unwrap()
    };
    let made: Value =
        serde_json::from_str(&ok(&["registration", "token", "create", "--uses", "3", "--json"])).unwrap();
    let id = made["id"].as_str().unwrap();
    assert!(made["token"].as_str().unwrap().len() >= 40);
    assert_eq!((made["uses_left"].clone(), made["usable"].clone()), (json!(3), json!(true)));
    let text = ok(&["registration", "token", "create", "--expires-in", "3600"]);
    assert!(text.contains("token: ") && text.contains("shown only once"), "{text}");
    let listed: Value = serde_json::from_str(&ok(&["registration", "token", "list", "--json"])).unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 2);
    assert!(!listed.to_string().contains(made["token"].as_str().unwrap()), "never the token");
    ok(&["registration", "token", "revoke", id]);
    let listed: Value = serde_json::from_str(&ok(&["registration", "token", "list", "--json"])).unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 1);
    for bad in [
        vec!["registration", "token", "revoke", id],
        vec!["registration", "token", "create", "--uses", "0"],
        vec!["registration", "token", "create", "--expires-in", "-5"],
    ] {
        let out = cli.run(&bad, "");
        assert_eq!(out.status.code(), Some(2), "{bad:?}: {}", describe(&out));
    }
}

backend_test!(an_independent_relying_party_registers_and_uses_its_client, |app| async move {
    use openidconnect::core::{
        CoreClient, CoreClientAuthMethod, CoreClientRegistrationRequest, CoreGrantType, CoreProviderMetadata,
    };
    use openidconnect::registration::EmptyAdditionalClientMetadata;
    use openidconnect::{
        AccessToken, ClientName, IssuerUrl, LocalizedClaim, OAuth2TokenResponse, RedirectUrl,
    };

    let (token, _) = initial_token(&app, None, Some(1)).await;
    let http = http_client();
    let issuer = IssuerUrl::new(app.issuer.clone()).unwrap();
    let metadata = CoreProviderMetadata::discover_async(issuer, &http).await.expect("discovery");
    let endpoint = metadata.registration_endpoint().expect("registration_endpoint").clone();
    let mut name = LocalizedClaim::new();
    name.insert(None, ClientName::new("Interop RP".into()));
    let response = CoreClientRegistrationRequest::new(
        vec![RedirectUrl::new(CB.into()).unwrap()],
        EmptyAdditionalClientMetadata {},
    )
    .set_client_name(Some(name))
    .set_grant_types(Some(vec![CoreGrantType::AuthorizationCode, CoreGrantType::ClientCredentials]))
    .set_token_endpoint_auth_method(Some(CoreClientAuthMethod::ClientSecretBasic))
    .set_initial_access_token(Some(AccessToken::new(token)))
    .register_async(&endpoint, &http)
    .await
    .expect("registration");
    assert!(response.registration_access_token().is_some());
    assert_eq!(
        response.registration_client_uri().map(|u| u.to_string()),
        Some(format!("{}{PATH}/{}", app.issuer, response.client_id().as_str()))
    );
    let rp = CoreClient::from_provider_metadata(
        metadata,
        response.client_id().clone(),
        response.client_secret().cloned(),
    );
    let tokens = rp
        .exchange_client_credentials()
        .expect("token endpoint known")
        .request_async(&http)
        .await
        .expect("client credentials");
    assert!(!tokens.access_token().secret().is_empty());
});
