//! Signed request objects (RFC 9101): a client signs its authorization
//! request with a key of its registered JWK Set and sends it as `request`,
//! by value through the browser or pushed to `/par`; only what it signed
//! counts, and what does not verify is refused on a page, never followed.

use crate::authorize::CB;
use crate::helpers::*;
use oxidp::flows::admin::NewClient;
use reqwest::header::LOCATION;
use serde_json::{Value, json};

const TYP: &str = "oauth-authz-req+jwt";

/// A confidential client with a secret and `key`'s public JWK Set.
async fn signing_client(app: &TestApp, client_id: &str, key: &ClientKey) -> TestClient {
    app.with_client(NewClient { jwks: Some(key.jwks()), ..new_client(client_id, &[CB, OTHER_CB], false) })
        .await
}

const OTHER_CB: &str = "http://127.0.0.1:9999/other";

/// The request object for `req`: its parameters as claims, from its
/// client to this server, valid for a minute.
fn object_claims(app: &TestApp, req: &AuthRequest) -> Value {
    let mut claims = json!({
        "iss": req.client_id,
        "aud": app.issuer,
        "iat": now(),
        "exp": now() + 60,
        "jti": random_token(12),
    });
    for (name, value) in req.params() {
        claims[name] = json!(value);
    }
    claims
}

fn signed(key: &ClientKey, claims: &Value) -> String {
    key.sign_with_header(&json!({ "alg": key.alg, "kid": key.kid, "typ": TYP }), claims)
}

/// `/authorize?client_id=…&request=…` plus whatever else the browser adds.
fn by_value(client_id: &str, request: &str, also: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut query =
        vec![("client_id".to_string(), client_id.to_string()), ("request".into(), request.into())];
    query.extend(also.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    query
}

/// A 400 page naming `invalid_request_object`, never a redirect (the
/// object's redirect URI is not trusted).
async fn assert_refused_page(resp: reqwest::Response, what: &str) {
    assert_eq!(resp.status(), 400, "{what}");
    assert!(resp.headers().get(LOCATION).is_none(), "{what}: no redirect");
    let page = resp.text().await.unwrap();
    assert!(page.contains("invalid_request_object"), "{what}: {page}");
}

fn pairs(params: &[(String, String)]) -> Vec<(&str, &str)> {
    params.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

backend_test!(a_signed_request_signs_in_with_only_its_own_parameters, |app| async move {
    let user = app.with_user("alice", "correct horse battery").await;
    let key = ClientKey::es256("req-1");
    let client = signing_client(&app, "app1", &key).await;
    let req = AuthRequest::new(&client).state("signed-state");
    let request = signed(&key, &object_claims(&app, &req));

    // What the browser sends next to the object is ignored (RFC 9101 §6.3).
    let browser = app.browser();
    let query = by_value("app1", &request, &[("state", "tampered"), ("redirect_uri", OTHER_CB)]);
    let form = LoginForm::from_response(browser.get_authorize(&query).await).await;
    let resp = browser.submit_login(&form, "alice", &user.password).await;
    assert_eq!(resp.status(), 303);
    let cb = Callback::from_redirect(&resp, CB);
    assert_eq!(cb.state.as_deref(), Some("signed-state"));
    let verifier = req.pkce.as_ref().map(|p| p.verifier.as_str());
    let tokens = Tokens::from_response(app.exchange_code(&client, &cb.code, CB, verifier).await).await;
    let id_token = verify_jwt(&app.jwks().await, tokens.id_token());
    assert_eq!(id_token.claims["nonce"], json!(req.nonce), "the signed nonce");
});

backend_test!(a_request_object_that_does_not_verify_is_refused_on_a_page, |app| async move {
    let key = ClientKey::rs256("req-1");
    let client = signing_client(&app, "app1", &key).await;
    let other_key = ClientKey::rs256("req-1");
    signing_client(&app, "app2", &other_key).await;
    let keyless = app.with_confidential_client("keyless", &[CB]).await;
    let good = object_claims(&app, &AuthRequest::new(&client));
    let with = |name: &str, value: Value| {
        let mut claims = good.clone();
        claims[name] = value;
        claims
    };
    let tampered = {
        let honest = signed(&key, &good);
        let parts: Vec<&str> = honest.split('.').collect();
        format!("{}.{}.{}", parts[0], segment(&with("redirect_uri", json!(OTHER_CB))), parts[2])
    };
    let cases: Vec<(&str, &str, String)> = vec![
        ("alg none", "app1", format!("{}.{}.", segment(&json!({"alg": "none", "typ": TYP})), segment(&good))),
        ("another key, same kid", "app1", signed(&other_key, &good)),
        ("altered after signing", "app1", tampered),
        ("another client's object", "app2", signed(&key, &good)),
        ("client_id inside differs", "app1", signed(&key, &with("client_id", json!("app2")))),
        ("expired", "app1", signed(&key, &with("exp", json!(now() - 120)))),
        ("for another server", "app1", signed(&key, &with("aud", json!("https://other-idp.example")))),
        (
            "an access token's type",
            "app1",
            key.sign_with_header(&json!({"alg": key.alg, "kid": key.kid, "typ": "at+jwt"}), &good),
        ),
        ("a client without keys", "keyless", signed(&key, &with("client_id", json!(keyless.client_id)))),
        ("encrypted", "app1", "a.b.c.d.e".into()),
    ];
    let browser = app.browser();
    for (what, client_id, request) in cases {
        assert_refused_page(browser.get_authorize(&by_value(client_id, &request, &[])).await, what).await;
    }
    // Both by value and by reference at once (RFC 9101 §5): refused
    // before the pushed request is taken, which then still works.
    let pushed = app.post_form("/par", &client.auth(), &pairs(&AuthRequest::new(&client).params())).await;
    let request_uri = pushed.json::<Value>().await.unwrap()["request_uri"].as_str().unwrap().to_string();
    let both = by_value("app1", &signed(&key, &good), &[("request_uri", &request_uri)]);
    let resp = browser.get_authorize(&both).await;
    assert_eq!(resp.status(), 400, "request and request_uri");
    assert!(resp.headers().get(LOCATION).is_none());
    let page = resp.text().await.unwrap();
    assert!(page.contains("invalid_request") && !page.contains("invalid_request_uri"), "{page}");
    let by_reference =
        [("client_id".to_string(), "app1".to_string()), ("request_uri".to_string(), request_uri)];
    LoginForm::from_response(browser.get_authorize(&by_reference).await).await;
});

backend_test!(a_request_object_can_be_pushed, |app| async move {
    let key = ClientKey::es256("req-1");
    let client = signing_client(&app, "app1", &key).await;
    let req = AuthRequest::new(&client).state("pushed-signed");
    let request = signed(&key, &object_claims(&app, &req));
    let form = [("client_id", "app1"), ("request", request.as_str())];
    let resp = app.post_form("/par", &client.auth(), &form).await;
    assert_eq!(resp.status(), 201);
    let body: Value = resp.json().await.unwrap();
    let request_uri = body["request_uri"].as_str().unwrap();
    let query = [("client_id".to_string(), "app1".to_string()), ("request_uri".into(), request_uri.into())];
    let resp = app.browser().get_authorize(&query).await;
    LoginForm::from_response(resp).await;

    // Pushed objects are checked as at /authorize, answered in JSON.
    let bad = signed(&ClientKey::es256("req-1"), &object_claims(&app, &req));
    let (status, error, body) =
        oauth_error(app.post_form("/par", &client.auth(), &[("request", bad.as_str())]).await).await;
    assert_eq!((status, error.as_str()), (400, "invalid_request_object"), "{body}");
    let mut foreign = object_claims(&app, &req);
    foreign["client_id"] = json!("app2");
    let foreign = signed(&key, &foreign);
    let (status, error, body) =
        oauth_error(app.post_form("/par", &client.auth(), &[("request", foreign.as_str())]).await).await;
    assert_eq!((status, error.as_str()), (400, "invalid_request_object"), "{body}");
});

backend_test!(a_client_can_be_required_to_sign, |app| async move {
    let key = ClientKey::es256("req-1");
    let strict = app
        .with_client(NewClient {
            jwks: Some(key.jwks()),
            require_signed_request_object: true,
            ..new_client("strict", &[CB], false)
        })
        .await;
    assert_eq!(app.discovery().await["require_signed_request_object"], false);

    let plain = AuthRequest::new(&strict);
    let query = query_map(&redirect_target(&app.browser().authorize(&plain).await, CB));
    assert_eq!(query.get("error").map(String::as_str), Some("invalid_request"), "{query:?}");
    assert_eq!(query.get("state"), Some(&plain.state));
    let (status, error, _) =
        oauth_error(app.post_form("/par", &strict.auth(), &pairs(&plain.params())).await).await;
    assert_eq!((status, error.as_str()), (400, "invalid_request"), "a plain push");

    let request = signed(&key, &object_claims(&app, &plain));
    LoginForm::from_response(app.browser().get_authorize(&by_value("strict", &request, &[])).await).await;
});

backend_test!(
    where_signing_is_required_every_client_signs,
    options = SpawnOptions::default().settings(|s| s.jar.required = true),
    |app| async move {
        let discovery = app.discovery().await;
        assert_eq!(discovery["require_signed_request_object"], true);
        assert_eq!(discovery["request_parameter_supported"], true);
        let key = ClientKey::rs256("req-1");
        let client = signing_client(&app, "app1", &key).await;
        let req = AuthRequest::new(&client);
        let query = query_map(&redirect_target(&app.browser().authorize(&req).await, CB));
        assert_eq!(query.get("error").map(String::as_str), Some("invalid_request"), "{query:?}");
        let request = signed(&key, &object_claims(&app, &req));
        LoginForm::from_response(app.browser().get_authorize(&by_value("app1", &request, &[])).await).await;
    }
);

backend_test!(
    switched_off_request_objects_are_not_supported,
    options = SpawnOptions::default().settings(|s| s.jar.enabled = false),
    |app| async move {
        let discovery = app.discovery().await;
        assert_eq!(discovery["request_parameter_supported"], false);
        assert!(discovery.get("request_object_signing_alg_values_supported").is_none(), "{discovery}");
        let key = ClientKey::es256("req-1");
        let client = signing_client(&app, "app1", &key).await;
        let req = AuthRequest::new(&client);
        let with_object = req.clone().param("request", &signed(&key, &object_claims(&app, &req)));
        let query = query_map(&redirect_target(&app.browser().authorize(&with_object).await, CB));
        assert_eq!(query.get("error").map(String::as_str), Some("request_not_supported"), "{query:?}");
        // A client that must sign is refused, not let through unsigned.
        let strict = app
            .with_client(NewClient {
                jwks: Some(key.jwks()),
                require_signed_request_object: true,
                ..new_client("strict", &[CB], false)
            })
            .await;
        let query =
            query_map(&redirect_target(&app.browser().authorize(&AuthRequest::new(&strict)).await, CB));
        assert_eq!(
            query.get("error").map(String::as_str),
            Some("invalid_request"),
            "fails closed: {query:?}"
        );
    }
);

/// `inner` encrypted to the server's `"use":"enc"` key from its JWKS (RFC
/// 9101 §6.1), as a client's JOSE library would.
fn encrypted_to(jwks: &Value, alg: &str, inner: &str) -> String {
    let keys = jwks["keys"].as_array().expect("keys");
    let enc: Vec<&Value> = keys.iter().filter(|k| k["use"] == "enc").collect();
    assert_eq!(enc.len(), 1, "one encryption key: {jwks}");
    assert!(keys.iter().filter(|k| k["use"] != "enc").all(|k| k["use"] == "sig"), "the rest sign: {jwks}");
    let jwk = josekit::jwk::Jwk::from_map(enc[0].as_object().unwrap().clone()).unwrap();
    let mut header = josekit::jwe::JweHeader::new();
    header.set_content_encryption("A256GCM");
    header.set_content_type("JWT");
    let encrypter: Box<dyn josekit::jwe::JweEncrypter> = match alg {
        "ECDH-ES" => Box::new(josekit::jwe::ECDH_ES.encrypter_from_jwk(&jwk).unwrap()),
        _ => Box::new(josekit::jwe::ECDH_ES_A256KW.encrypter_from_jwk(&jwk).unwrap()),
    };
    josekit::jwe::serialize_compact(inner.as_bytes(), &header, encrypter.as_ref()).unwrap()
}

backend_test!(a_request_object_encrypted_to_the_server_signs_in, |app| async move {
    let user = app.with_user("alice", "correct horse battery").await;
    let key = ClientKey::es256("req-1");
    let client = signing_client(&app, "app1", &key).await;
    let jwks = app.jwks().await;
    let discovery = app.discovery().await;
    assert_eq!(
        discovery["request_object_encryption_alg_values_supported"],
        json!(["ECDH-ES", "ECDH-ES+A256KW"])
    );

    for alg in ["ECDH-ES", "ECDH-ES+A256KW"] {
        let req = AuthRequest::new(&client).state(alg);
        let request = encrypted_to(&jwks, alg, &signed(&key, &object_claims(&app, &req)));
        assert_eq!(request.split('.').count(), 5);
        let browser = app.browser();
        let form =
            LoginForm::from_response(browser.get_authorize(&by_value("app1", &request, &[])).await).await;
        let resp = browser.submit_login(&form, "alice", &user.password).await;
        assert_eq!(Callback::from_redirect(&resp, CB).state.as_deref(), Some(alg), "{alg}");
    }

    // Inside must be a signed object: plain claims, or a forged signature, are refused.
    let req = AuthRequest::new(&client);
    let claims = object_claims(&app, &req);
    let unsigned = encrypted_to(&jwks, "ECDH-ES", &claims.to_string());
    assert_refused_page(
        app.browser().get_authorize(&by_value("app1", &unsigned, &[])).await,
        "unsigned inside",
    )
    .await;
    let forged = encrypted_to(&jwks, "ECDH-ES", &signed(&ClientKey::es256("req-1"), &claims));
    assert_refused_page(
        app.browser().get_authorize(&by_value("app1", &forged, &[])).await,
        "another key inside",
    )
    .await;
    // Encrypted to a key that is not ours.
    let stranger = json!({ "keys": [Value::Object(
        josekit::jwe::ECDH_ES.generate_ec_key_pair(josekit::jwk::alg::ec::EcCurve::P256).unwrap()
            .to_jwk_public_key().as_ref().clone()
    )] });
    let mut stranger = stranger;
    stranger["keys"][0]["use"] = json!("enc");
    stranger["keys"][0].as_object_mut().unwrap().remove("alg");
    let elsewhere = encrypted_to(&stranger, "ECDH-ES", &signed(&key, &claims));
    assert_refused_page(app.browser().get_authorize(&by_value("app1", &elsewhere, &[])).await, "not our key")
        .await;
});

backend_test!(
    without_encryption_no_key_is_published_and_encrypted_objects_are_refused,
    options = SpawnOptions::default().settings(|s| s.encryption.enabled = false),
    |app| async move {
        let jwks = app.jwks().await;
        assert!(jwks["keys"].as_array().unwrap().iter().all(|k| k["use"] == "sig"), "{jwks}");
        assert!(app.discovery().await.get("request_object_encryption_alg_values_supported").is_none());
        let key = ClientKey::es256("req-1");
        signing_client(&app, "app1", &key).await;
        let encrypted = "eyJhbGciOiJFQ0RILUVTIiwiZW5jIjoiQTI1NkdDTSJ9.a.b.c.d";
        assert_refused_page(
            app.browser().get_authorize(&by_value("app1", encrypted, &[])).await,
            "encrypted",
        )
        .await;
    }
);
