//! Registering clients that want encrypted responses (OpenID Connect
//! Dynamic Client Registration §2: `id_token_encrypted_response_alg`/`_enc`,
//! `userinfo_signed_response_alg`, `userinfo_encrypted_response_alg`/`_enc`;
//! Core §10.2, §5.3.2) through the admin API, the CLI and the console: the
//! words come from the server's vocabularies, `enc` needs its `alg`, and a
//! client asking for encryption must register a key that can receive it
//! (`use` `enc`, of the right type) inline or at its `jwks_uri`. A refused
//! client or change is not written.

use josekit::jwe::RSA_OAEP_256;
use serde_json::{Value, json};

use crate::admin_console::{PASSWORD, admin_user, input_value, text};
use crate::helpers::*;

const REDIRECT: &str = "https://sealed.example/cb";

/// `{"keys":[...]}` with a fresh RSA public key for encryption
/// (`use` `enc`), as a client registers it.
fn rsa_enc_jwks(kid: &str) -> String {
    let pair = RSA_OAEP_256.generate_key_pair(2048).expect("RSA key");
    let mut public = pair.to_jwk_public_key();
    public.set_key_id(kid);
    public.set_key_use("enc");
    json!({ "keys": [Value::Object(public.as_ref().clone())] }).to_string()
}

fn jwks_value(jwks: &str) -> Value {
    serde_json::from_str(jwks).expect("JWKS JSON")
}

/// A client with the members of `extra`.
fn client(client_id: &str, extra: Value) -> Value {
    let mut body = json!({ "client_id": client_id, "redirect_uris": [REDIRECT] });
    for (name, value) in extra.as_object().expect("object") {
        body[name] = value.clone();
    }
    body
}

/// A loopback URL nothing listens on.
async fn closed_port_url() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("address");
    drop(listener);
    format!("http://{addr}/jwks.json")
}

fn description(answer: &Value) -> &str {
    answer["error_description"].as_str().unwrap_or_default()
}

backend_test!(the_admin_api_registers_response_encryption_and_echoes_it, |app| async move {
    let api = app.admin_api().await;
    let jwks = rsa_enc_jwks("enc-1");
    let body = client(
        "sealed",
        json!({
            "jwks": jwks_value(&jwks),
            "id_token_encrypted_response_alg": "RSA-OAEP-256",
            "id_token_encrypted_response_enc": "A256GCM",
            "userinfo_signed_response_alg": "RS256",
            "userinfo_encrypted_response_alg": "RSA-OAEP-256",
        }),
    );
    let created = api.post("/clients", body).await;
    assert_eq!(created.status, 201, "{}", created.json);
    let echoed = &created.json["client"];
    assert_eq!(echoed["id_token_encrypted_response_alg"], "RSA-OAEP-256");
    assert_eq!(echoed["id_token_encrypted_response_enc"], "A256GCM");
    assert_eq!(echoed["userinfo_signed_response_alg"], "RS256");
    assert_eq!(echoed["userinfo_encrypted_response_alg"], "RSA-OAEP-256");
    assert_eq!(echoed["userinfo_encrypted_response_enc"], "A128CBC-HS256", "the default enc (§2)");
    let read = api.get("/clients/sealed").await;
    assert_eq!(read.json["id_token_encrypted_response_enc"], "A256GCM", "stored: {}", read.json);
    assert_eq!(read.json["userinfo_encrypted_response_enc"], "A128CBC-HS256");
    let stored = app.services.admin.find_client("sealed").await.expect("stored");
    assert_eq!(stored.id_token_encryption.map(|e| e.enc.as_str()), Some("A256GCM"));
    assert_eq!(stored.userinfo_signed_response_alg.map(|a| a.as_str()), Some("RS256"));

    // A client without any of it shows nulls.
    let plain = api.post("/clients", client("plain", json!({}))).await;
    assert_eq!(plain.status, 201, "{}", plain.json);
    for member in ["id_token_encrypted_response_alg", "userinfo_signed_response_alg"] {
        assert_eq!(plain.json["client"][member], Value::Null, "{member}");
    }

    // Updates: an enc left without its alg is refused and changes nothing;
    // clearing both stops the encryption.
    let etag = created.etag.expect("ETag");
    let before = app.audit_count().await;
    let half = json!({"userinfo_encrypted_response_alg": null});
    let half = api.patch("/clients/sealed", half, Some(&etag)).await;
    assert_eq!(api_error(&half, 400), "invalid_request");
    assert_eq!(half.json["field"], "userinfo_encrypted_response_enc", "{}", half.json);
    let unchanged = api.get("/clients/sealed").await;
    assert_eq!(unchanged.etag.as_deref(), Some(etag.as_str()), "nothing was changed");
    assert_eq!(app.audit_count().await, before, "no audit record for refused input");
    let cleared = json!({
        "id_token_encrypted_response_alg": null,
        "id_token_encrypted_response_enc": null,
        "userinfo_signed_response_alg": null,
        "userinfo_encrypted_response_alg": null,
        "userinfo_encrypted_response_enc": null,
    });
    let cleared = api.patch("/clients/sealed", cleared, Some(&etag)).await;
    assert_eq!(cleared.status, 200, "{}", cleared.json);
    for member in [
        "id_token_encrypted_response_alg",
        "id_token_encrypted_response_enc",
        "userinfo_signed_response_alg",
        "userinfo_encrypted_response_alg",
        "userinfo_encrypted_response_enc",
    ] {
        assert_eq!(cleared.json["client"][member], Value::Null, "{member}: {}", cleared.json);
    }
    let stored = app.services.admin.find_client("sealed").await.expect("stored");
    assert_eq!((stored.id_token_encryption, stored.userinfo_encryption), (None, None));

    // And back on through a patch, checked against the stored keys.
    let etag = cleared.etag.expect("ETag");
    let again = json!({"id_token_encrypted_response_alg": "RSA-OAEP-256"});
    let again = api.patch("/clients/sealed", again, Some(&etag)).await;
    assert_eq!(again.status, 200, "{}", again.json);
    assert_eq!(again.json["client"]["id_token_encrypted_response_enc"], "A128CBC-HS256");
});

backend_test!(bad_encryption_settings_are_refused_and_nothing_is_written, |app| async move {
    let api = app.admin_api().await;
    let jwks = jwks_value(&rsa_enc_jwks("enc-1"));
    let cases = [
        (
            json!({"jwks": jwks, "id_token_encrypted_response_enc": "A256GCM"}),
            "id_token_encrypted_response_enc",
        ),
        (
            json!({"jwks": jwks, "id_token_encrypted_response_alg": "RSA1_5"}),
            "id_token_encrypted_response_alg",
        ),
        (
            json!({"jwks": jwks, "id_token_encrypted_response_alg": "RSA-OAEP-256",
                   "id_token_encrypted_response_enc": "A128GCM"}),
            "id_token_encrypted_response_enc",
        ),
        (
            json!({"jwks": jwks, "userinfo_encrypted_response_enc": "A256GCM"}),
            "userinfo_encrypted_response_enc",
        ),
        (json!({"jwks": jwks, "userinfo_encrypted_response_alg": "dir"}), "userinfo_encrypted_response_alg"),
        (json!({"userinfo_signed_response_alg": "HS256"}), "userinfo_signed_response_alg"),
        (json!({"userinfo_signed_response_alg": "ES256"}), "userinfo_signed_response_alg"),
    ];
    for (extra, field) in cases {
        api.refused_client(&app, client("bad", extra), field).await;
    }

    // No keys at all.
    let answer = api
        .refused_client(
            &app,
            client("keyless", json!({"id_token_encrypted_response_alg": "RSA-OAEP-256"})),
            "id_token_encrypted_response_alg",
        )
        .await;
    assert!(description(&answer).contains("needs the client's public keys: jwks or jwks_uri"), "{answer}");
    let keyless = client("keyless", json!({"userinfo_encrypted_response_alg": "ECDH-ES"}));
    api.refused_client(&app, keyless, "userinfo_encrypted_response_alg").await;

    // Keys, but none that can receive: a signing key only (use sig), or
    // an RSA key for ECDH-ES.
    let signing = jwks_value(&ClientKey::rs256("sig-1").jwks());
    let body =
        client("signing-only", json!({"jwks": signing, "id_token_encrypted_response_alg": "RSA-OAEP-256"}));
    let answer = api.refused_client(&app, body, "id_token_encrypted_response_alg").await;
    let why = description(&answer);
    assert!(
        why.contains("no key in jwks can receive RSA-OAEP-256") && why.contains("\"use\":\"enc\""),
        "{why}"
    );
    let body =
        client("wrong-type", json!({"jwks": jwks, "userinfo_encrypted_response_alg": "ECDH-ES+A256KW"}));
    api.refused_client(&app, body, "userinfo_encrypted_response_alg").await;
});

backend_test!(a_jwks_uri_must_serve_a_key_that_can_receive, |app| async move {
    let api = app.admin_api().await;
    let served = ServedJwks::start(ClientKey::es256("sig-1").jwks()).await;
    let wants = |client_id: &str, uri: &str| {
        client(client_id, json!({"jwks_uri": uri, "id_token_encrypted_response_alg": "RSA-OAEP-256"}))
    };
    let answer =
        api.refused_client(&app, wants("remote", &served.uri), "id_token_encrypted_response_alg").await;
    assert!(description(&answer).contains("can receive RSA-OAEP-256"), "{answer}");
    let ecdh =
        client("remote", json!({"jwks_uri": served.uri, "userinfo_encrypted_response_alg": "ECDH-ES"}));
    api.refused_client(&app, ecdh, "userinfo_encrypted_response_alg").await;
    let closed = closed_port_url().await;
    let answer = api.refused_client(&app, wants("remote", &closed), "id_token_encrypted_response_alg").await;
    assert!(description(&answer).contains("cannot read"), "{answer}");

    served.replace(rsa_enc_jwks("enc-1"));
    let created = api.post("/clients", wants("remote", &served.uri)).await;
    assert_eq!(created.status, 201, "{}", created.json);
    assert_eq!(created.json["client"]["id_token_encrypted_response_alg"], "RSA-OAEP-256");

    // A change of the encryption reads the keys again: the RSA key cannot
    // receive ECDH-ES.
    let etag = created.etag.expect("ETag");
    let more = json!({"userinfo_encrypted_response_alg": "ECDH-ES"});
    let more = api.patch("/clients/remote", more, Some(&etag)).await;
    assert_eq!(api_error(&more, 400), "invalid_request");
    assert_eq!(more.json["field"], "userinfo_encrypted_response_alg", "{}", more.json);
    // A rename does not depend on the client's key server.
    served.replace(ClientKey::es256("sig-2").jwks());
    let renamed = api.patch("/clients/remote", json!({"name": "Remote"}), Some(&etag)).await;
    assert_eq!(renamed.status, 200, "{}", renamed.json);
});

backend_test!(the_console_saves_the_encryption_selects, |app| async move {
    admin_user(&app, "root").await;
    let browser = app.browser();
    browser.console_sign_in_at("/admin/clients/new", "root", PASSWORD).await;
    let (status, page) = text(browser.get_page("/admin/clients/new").await).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("<legend>Encryption</legend>"), "{page}");
    let csrf = input_value(&page, "csrf_token");
    let served = ServedJwks::start(rsa_enc_jwks("enc-1")).await;
    let mut fields = vec![
        ("csrf_token", csrf.as_str()),
        ("client_id", "console-sealed"),
        ("type", "confidential"),
        ("redirect_uris", REDIRECT),
        ("grant_types", "authorization_code"),
        ("consent", "implicit"),
        ("subject_type", "public"),
        ("jwks_uri", served.uri.as_str()),
        ("id_token_encrypted_response_alg", "RSA-OAEP-256"),
        ("id_token_encrypted_response_enc", "A256GCM"),
        ("userinfo_signed_response_alg", "RS256"),
        ("userinfo_encrypted_response_alg", ""),
        ("userinfo_encrypted_response_enc", "A256GCM"),
    ];
    // An enc without its alg: the form again, the error by the field.
    let (status, page) = text(browser.console_form("/admin/clients", &fields).await).await;
    assert_eq!(status, 400, "{page}");
    assert!(page.contains("userinfo_encrypted_response_enc needs"), "{page}");
    assert!(app.services.admin.find_client("console-sealed").await.is_err(), "nothing was written");

    fields.retain(|(name, _)| *name != "userinfo_encrypted_response_enc");
    let (status, page) = text(browser.console_form("/admin/clients", &fields).await).await;
    assert_eq!(status, 201, "{page}");
    let stored = app.services.admin.find_client("console-sealed").await.expect("created");
    assert_eq!(
        stored.id_token_encryption.map(|e| (e.alg.as_str(), e.enc.as_str())),
        Some(("RSA-OAEP-256", "A256GCM"))
    );
    assert_eq!(stored.userinfo_signed_response_alg.map(|a| a.as_str()), Some("RS256"));
    assert_eq!(stored.userinfo_encryption, None, "an empty select is unset");

    let (_, edit) = text(browser.get_page("/admin/clients/console-sealed").await).await;
    assert!(
        edit.contains(
            r#"<select id="id_token_encrypted_response_enc" name="id_token_encrypted_response_enc">"#
        ) && edit.contains(r#"<option value="A256GCM" selected>"#)
            && edit.contains(r#"<option value="RSA-OAEP-256" selected>"#),
        "the selects show the stored choices: {edit}"
    );
});

#[test]
fn the_cli_registers_response_encryption_and_refuses_bad_input() {
    let cli = CliProcess::new("oxidp-encryption-cli-");
    let run = |args: &str| cli.run(&args.split_whitespace().collect::<Vec<_>>(), "");
    let file = |name: &str, jwks: String| {
        let path = cli.dir().join(name);
        std::fs::write(&path, jwks).expect("write the JWKS file");
        path.display().to_string()
    };
    let enc_keys = file("enc.json", rsa_enc_jwks("enc-1"));
    let sig_keys = file("sig.json", ClientKey::rs256("sig-1").jwks());

    let created = run(&format!(
        "client create --client-id sealed --redirect-uri {REDIRECT} --jwks-file {enc_keys} \
         --id-token-encrypted-response-alg RSA-OAEP-256 --id-token-encrypted-response-enc A256GCM \
         --userinfo-signed-response-alg RS256 --userinfo-encrypted-response-alg RSA-OAEP-256 --json"
    ));
    assert_eq!(created.status.code(), Some(0), "{}", describe(&created));
    let echoed: Value = serde_json::from_slice(&created.stdout).expect("JSON");
    assert_eq!(echoed["id_token_encrypted_response_alg"], "RSA-OAEP-256", "{echoed}");
    assert_eq!(echoed["id_token_encrypted_response_enc"], "A256GCM", "{echoed}");
    assert_eq!(echoed["userinfo_signed_response_alg"], "RS256", "{echoed}");
    assert_eq!(echoed["userinfo_encrypted_response_enc"], "A128CBC-HS256", "{echoed}");

    // A loopback key server with an EC signing key only, for --jwks-uri.
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let ec_sig_uri = runtime.block_on(serve_once_per_request(ClientKey::es256("sig-2").jwks()));
    let refused = [
        (format!("--jwks-file {enc_keys} --id-token-encrypted-response-enc A256GCM"), "needs"),
        (format!("--jwks-file {enc_keys} --id-token-encrypted-response-alg RSA1_5"), "RSA1_5"),
        ("--userinfo-encrypted-response-alg RSA-OAEP-256".to_string(), "needs the client's public keys"),
        (format!("--jwks-file {sig_keys} --id-token-encrypted-response-alg RSA-OAEP-256"), "no key in jwks"),
        (format!("--jwks-uri {ec_sig_uri} --userinfo-encrypted-response-alg RSA-OAEP-256"), "can receive"),
    ];
    for (flags, says) in refused {
        let out = run(&format!("client create --client-id bad --redirect-uri {REDIRECT} {flags}"));
        assert_eq!(out.status.code(), Some(2), "{flags}: {}", describe(&out));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(says), "{flags}: {stderr}");
    }
    let listed = run("client list --json");
    let listed: Value = serde_json::from_slice(&listed.stdout).expect("JSON");
    let ids: Vec<&str> =
        listed.as_array().expect("array").iter().filter_map(|c| c["client_id"].as_str()).collect();
    assert_eq!(ids, ["sealed"], "nothing refused was written");

    let conflicting = run(
        "client update --client-id sealed --no-id-token-encryption --id-token-encrypted-response-alg ECDH-ES",
    );
    assert_eq!(conflicting.status.code(), Some(2), "{}", describe(&conflicting));
    let human = run("client update --client-id sealed --userinfo-encrypted-response-enc A256GCM");
    assert_eq!(human.status.code(), Some(0), "{}", describe(&human));
    let stdout = String::from_utf8_lossy(&human.stdout);
    assert!(stdout.contains("id_token_encrypted_response: RSA-OAEP-256 A256GCM"), "{stdout}");
    assert!(stdout.contains("userinfo_encrypted_response: RSA-OAEP-256 A256GCM"), "{stdout}");

    let cleared =
        run("client update --client-id sealed --no-id-token-encryption --no-userinfo-signed-response-alg \
         --no-userinfo-encryption --json");
    assert_eq!(cleared.status.code(), Some(0), "{}", describe(&cleared));
    let updated: Value = serde_json::from_slice(&cleared.stdout).expect("JSON");
    for member in [
        "id_token_encrypted_response_alg",
        "id_token_encrypted_response_enc",
        "userinfo_signed_response_alg",
        "userinfo_encrypted_response_alg",
        "userinfo_encrypted_response_enc",
    ] {
        assert_eq!(updated[member], Value::Null, "{member}: {updated}");
    }
}

backend_test!(
    encryption_switched_off_refuses_such_clients,
    options = SpawnOptions::default().settings(|s| s.encryption.enabled = false),
    |app| async move {
        let api = app.admin_api().await;
        let jwks = jwks_value(&rsa_enc_jwks("enc-1"));
        let body = client("sealed", json!({"jwks": jwks, "userinfo_encrypted_response_alg": "RSA-OAEP-256"}));
        let answer = api.refused_client(&app, body, "userinfo_encrypted_response_alg").await;
        assert!(description(&answer).contains("encryption.enabled"), "{answer}");
        // Signed UserInfo needs no encryption.
        let signed = client("signed", json!({"userinfo_signed_response_alg": "RS256"}));
        assert_eq!(api.post("/clients", signed).await.status, 201);
    }
);
