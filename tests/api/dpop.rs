//! DPoP (RFC 9449) through the real server: a proof at `/token` binds the
//! access token (`cnf.jkt`) and a public client's refresh token to the
//! client's key; UserInfo then wants the `DPoP` scheme with a proof of that
//! key over the request and the token. Proofs that do not fit the request
//! (method, URI, time, reuse, nonce, key) are refused, and refusing one
//! spends nothing: the code still works with a good proof.

use crate::authorize::CB;
use crate::helpers::*;
use oxidp::flows::admin::NewClient;
use reqwest::header::WWW_AUTHENTICATE;
use serde_json::{Value, json};

/// The `DPoP-Nonce` response header (RFC 9449 §8.1).
fn nonce_header(resp: &reqwest::Response) -> Option<String> {
    resp.headers().get("dpop-nonce").map(|v| v.to_str().unwrap().to_string())
}

/// A client's DPoP key and the proofs it makes.
struct DpopKey(ClientKey);

impl DpopKey {
    fn new() -> DpopKey {
        DpopKey(ClientKey::es256("dpop"))
    }

    fn claims(htm: &str, htu: &str) -> Value {
        json!({ "jti": random_token(12), "htm": htm, "htu": htu, "iat": now() })
    }

    /// A proof of `claims`, signed with the key, its public JWK in the header.
    fn sign(&self, claims: &Value) -> String {
        let key = &self.0;
        key.sign_with_header(
            &json!({ "typ": "dpop+jwt", "alg": key.alg, "jwk": key.public.as_ref() }),
            claims,
        )
    }

    /// A proof for `POST {issuer}/token` carrying `nonce`.
    fn for_token(&self, app: &TestApp, nonce: Option<&str>) -> String {
        let mut claims = Self::claims("POST", &format!("{}/token", app.issuer));
        if let Some(nonce) = nonce {
            claims["nonce"] = json!(nonce);
        }
        self.sign(&claims)
    }

    /// A proof for `GET {issuer}/userinfo` with `access_token`.
    fn for_userinfo(&self, app: &TestApp, access_token: &str, nonce: Option<&str>) -> String {
        let mut claims = Self::claims("GET", &format!("{}/userinfo", app.issuer));
        claims["ath"] = json!(b64url(openssl::sha::sha256(access_token.as_bytes())));
        if let Some(nonce) = nonce {
            claims["nonce"] = json!(nonce);
        }
        self.sign(&claims)
    }

    /// RFC 7638 §3, computed here from the key's members.
    fn thumbprint(&self) -> String {
        let member = |name: &str| self.0.public.parameter(name).and_then(Value::as_str).unwrap().to_string();
        let input = format!(
            r#"{{"crv":"{}","kty":"EC","x":"{}","y":"{}"}}"#,
            member("crv"),
            member("x"),
            member("y")
        );
        b64url(openssl::sha::sha256(input.as_bytes()))
    }
}

/// `POST /token` with `params` as `auth` and an optional `DPoP` header.
async fn token(
    app: &TestApp,
    auth: &ClientAuth,
    params: &[(&str, &str)],
    proof: Option<&str>,
) -> reqwest::Response {
    let headers: Vec<(&str, &str)> = proof.map(|p| ("DPoP", p)).into_iter().collect();
    app.post_form_with_headers("/token", auth, params, &headers).await
}

/// Signs `user` in for `req` and returns the token request redeeming the code.
async fn code_form(app: &TestApp, user: &TestUser, req: &AuthRequest) -> Vec<(String, String)> {
    let cb = app.browser().authorize_and_login(req, user).await;
    let verifier = req.pkce.as_ref().expect("PKCE").verifier.clone();
    [
        ("grant_type", "authorization_code"),
        ("code", &cb.code),
        ("redirect_uri", CB),
        ("code_verifier", &verifier),
    ]
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .to_vec()
}

fn pairs(form: &[(String, String)]) -> Vec<(&str, &str)> {
    form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

/// A `use_dpop_nonce` answer and the nonce it gives (RFC 9449 §8).
async fn nonce_from(resp: reqwest::Response) -> String {
    let nonce = nonce_header(&resp).expect("DPoP-Nonce");
    let (status, error, _) = oauth_error(resp).await;
    assert_eq!((status, error.as_str()), (400, "use_dpop_nonce"));
    nonce
}

/// `GET /userinfo` with `Authorization: {scheme} {token}` and a proof.
async fn userinfo(app: &TestApp, scheme: &str, token: &str, proof: Option<&str>) -> reqwest::Response {
    let mut req = app.api.get(app.url("/userinfo")).header("Authorization", format!("{scheme} {token}"));
    if let Some(proof) = proof {
        req = req.header("DPoP", proof);
    }
    req.send().await.unwrap()
}

/// A 401 with a `DPoP` challenge naming `error`.
async fn assert_dpop_challenge(resp: reqwest::Response, error: &str, what: &str) {
    assert_eq!(resp.status(), 401, "{what}");
    let challenge = header(&resp, WWW_AUTHENTICATE).unwrap_or_default();
    assert!(
        challenge.starts_with("DPoP ") && challenge.contains(&format!("error=\"{error}\"")),
        "{what}: {challenge}"
    );
    assert!(challenge.contains("algs=\""), "{what}: {challenge}");
}

fn public_refreshing_client(client_id: &str) -> NewClient {
    NewClient {
        grant_types: vec!["authorization_code".into(), "refresh_token".into()],
        ..new_client(client_id, &[CB], true)
    }
}

backend_test!(a_proof_binds_the_tokens_to_the_clients_key, |app| async move {
    let user = app.with_user("alice", "correct horse battery").await;
    let client = app.with_client(public_refreshing_client("spa")).await;
    let key = DpopKey::new();
    let form = code_form(&app, &user, &AuthRequest::new(&client)).await;
    let form = pairs(&form);

    // The first proof has no nonce: the server gives one (RFC 9449 §8).
    let nonce = nonce_from(token(&app, &client.auth(), &form, Some(&key.for_token(&app, None))).await).await;
    let resp = token(&app, &client.auth(), &form, Some(&key.for_token(&app, Some(&nonce)))).await;
    assert!(nonce_header(&resp).is_some(), "a fresh nonce with every answer to a proof");
    let tokens = Tokens::from_response(resp).await;
    assert_eq!(tokens.json["token_type"], "DPoP");
    let claims = decode_jwt(&tokens.access_token).claims;
    assert_eq!(claims["cnf"]["jkt"], json!(key.thumbprint()), "cnf.jkt is the key's RFC 7638 thumbprint");

    // UserInfo: only with the DPoP scheme and a proof of that key.
    let at = tokens.access_token.as_str();
    let resp = userinfo(&app, "Bearer", at, None).await;
    assert_eq!(resp.status(), 401, "a bound token as a bearer token");
    assert_dpop_challenge(userinfo(&app, "DPoP", at, None).await, "invalid_dpop_proof", "no proof").await;
    let other = DpopKey::new();
    let resp = userinfo(&app, "DPoP", at, Some(&other.for_userinfo(&app, at, Some(&nonce)))).await;
    assert_dpop_challenge(resp, "invalid_dpop_proof", "another key's proof").await;
    let no_ath = key.sign(&DpopKey::claims("GET", &format!("{}/userinfo", app.issuer)));
    assert_dpop_challenge(userinfo(&app, "DPoP", at, Some(&no_ath)).await, "invalid_dpop_proof", "no ath")
        .await;
    let resp = userinfo(&app, "DPoP", at, Some(&key.for_userinfo(&app, at, None))).await;
    assert!(nonce_header(&resp).is_some(), "use_dpop_nonce comes with the nonce");
    assert_dpop_challenge(resp, "use_dpop_nonce", "no nonce").await;
    let proof = key.for_userinfo(&app, at, Some(&nonce));
    let resp = userinfo(&app, "DPoP", at, Some(&proof)).await;
    assert_eq!(resp.status(), 200);
    let info: Value = resp.json().await.unwrap();
    assert_eq!(info["sub"], json!(user.sub()));
    assert_dpop_challenge(userinfo(&app, "DPoP", at, Some(&proof)).await, "invalid_dpop_proof", "replayed")
        .await;

    // The public client's refresh token is bound too (RFC 9449 §5).
    let refresh = tokens.refresh_token();
    let grant = [("grant_type", "refresh_token"), ("refresh_token", refresh)];
    let (status, error, _) = oauth_error(token(&app, &client.auth(), &grant, None).await).await;
    assert_eq!((status, error.as_str()), (400, "invalid_dpop_proof"), "refresh without a proof");
    let resp = token(&app, &client.auth(), &grant, Some(&other.for_token(&app, Some(&nonce)))).await;
    let (status, error, _) = oauth_error(resp).await;
    assert_eq!((status, error.as_str()), (400, "invalid_dpop_proof"), "refresh with another key");
    let resp = token(&app, &client.auth(), &grant, Some(&key.for_token(&app, Some(&nonce)))).await;
    let refreshed = Tokens::from_response(resp).await;
    assert_eq!(refreshed.json["token_type"], "DPoP");
    assert_eq!(decode_jwt(&refreshed.access_token).claims["cnf"]["jkt"], json!(key.thumbprint()));
});

backend_test!(a_refused_proof_spends_nothing, |app| async move {
    let user = app.with_user("alice", "correct horse battery").await;
    let client = app.with_confidential_client("web", &[CB]).await;
    let key = DpopKey::new();
    let form = code_form(&app, &user, &AuthRequest::new(&client)).await;
    let form = pairs(&form);
    let nonce = nonce_from(token(&app, &client.auth(), &form, Some(&key.for_token(&app, None))).await).await;
    let token_uri = format!("{}/token", app.issuer);
    let with_nonce = |mut claims: Value| {
        claims["nonce"] = json!(nonce);
        claims
    };
    let replayed = key.for_token(&app, Some(&nonce));
    let cases: Vec<(&str, String)> = vec![
        ("wrong htm", key.sign(&with_nonce(DpopKey::claims("GET", &token_uri)))),
        ("wrong htu", key.sign(&with_nonce(DpopKey::claims("POST", &format!("{}/userinfo", app.issuer))))),
        ("stale iat", {
            let mut claims = with_nonce(DpopKey::claims("POST", &token_uri));
            claims["iat"] = json!(now() - 300);
            key.sign(&claims)
        }),
        ("a made-up nonce", key.for_token(&app, Some("123.forged"))),
        ("not a JWT", "not-a-proof".into()),
    ];
    for (what, proof) in cases {
        let (status, error, body) = oauth_error(token(&app, &client.auth(), &form, Some(&proof)).await).await;
        assert_eq!(status, 400, "{what}: {body}");
        assert!(["invalid_dpop_proof", "use_dpop_nonce"].contains(&error.as_str()), "{what}: {body}");
    }
    let tokens = Tokens::from_response(token(&app, &client.auth(), &form, Some(&replayed)).await).await;
    assert_eq!(tokens.json["token_type"], "DPoP", "the code survived the refused proofs");
    let (status, error, _) = oauth_error(token(&app, &client.auth(), &form, Some(&replayed)).await).await;
    assert_eq!((status, error.as_str()), (400, "invalid_dpop_proof"), "the same proof twice");
});

backend_test!(
    client_credentials_are_bound_and_introspection_reports_the_key,
    options = SpawnOptions::default().settings(|s| s.dpop.require_nonce = false),
    |app| async move {
        let service = app.with_service_client("svc", &["jobs"], &[]).await;
        let key = DpopKey::new();
        let grant = [("grant_type", "client_credentials")];
        let resp = token(&app, &service.auth(), &grant, Some(&key.for_token(&app, None))).await;
        assert!(nonce_header(&resp).is_none(), "no nonces when they are not required");
        let tokens = Tokens::from_response(resp).await;
        assert_eq!(tokens.json["token_type"], "DPoP");
        let introspected = app.introspection(&service, &tokens.access_token).await;
        assert_eq!(introspected["active"], true);
        assert_eq!(introspected["token_type"], "DPoP");
        assert_eq!(introspected["cnf"]["jkt"], json!(key.thumbprint()));
        let plain = Tokens::from_response(token(&app, &service.auth(), &grant, None).await).await;
        assert_eq!(plain.json["token_type"], "Bearer", "without a proof, a bearer token");
        assert!(app.introspection(&service, &plain.access_token).await.get("cnf").is_none());
    }
);

backend_test!(a_client_can_be_required_to_use_dpop, |app| async move {
    let service =
        app.with_client(NewClient { require_dpop: true, ..service_client_spec("svc", &["jobs"], &[]) }).await;
    let grant = [("grant_type", "client_credentials")];
    let (status, error, _) = oauth_error(token(&app, &service.auth(), &grant, None).await).await;
    assert_eq!((status, error.as_str()), (400, "invalid_dpop_proof"));
    let key = DpopKey::new();
    let nonce =
        nonce_from(token(&app, &service.auth(), &grant, Some(&key.for_token(&app, None))).await).await;
    let tokens = Tokens::from_response(
        token(&app, &service.auth(), &grant, Some(&key.for_token(&app, Some(&nonce)))).await,
    )
    .await;
    assert_eq!(tokens.json["token_type"], "DPoP");
});

backend_test!(
    switched_off_a_proof_is_ignored_and_nothing_is_advertised,
    options = SpawnOptions::default().settings(|s| s.dpop.enabled = false),
    |app| async move {
        let discovery = app.discovery().await;
        assert!(discovery.get("dpop_signing_alg_values_supported").is_none(), "{discovery}");
        let service = app.with_service_client("svc", &["jobs"], &[]).await;
        let grant = [("grant_type", "client_credentials")];
        let proof = DpopKey::new().for_token(&app, None);
        let tokens = Tokens::from_response(token(&app, &service.auth(), &grant, Some(&proof)).await).await;
        assert_eq!(tokens.json["token_type"], "Bearer");
        assert!(decode_jwt(&tokens.access_token).claims.get("cnf").is_none());
        let strict = app
            .with_client(NewClient { require_dpop: true, ..service_client_spec("strict", &["jobs"], &[]) })
            .await;
        let (status, error, body) =
            oauth_error(token(&app, &strict.auth(), &grant, Some(&proof)).await).await;
        assert_eq!((status, error.as_str()), (400, "invalid_dpop_proof"), "fails closed: {body}");
    }
);

backend_test!(
    a_code_requested_with_dpop_jkt_is_redeemed_only_with_that_key,
    options = SpawnOptions::default().settings(|s| s.dpop.require_nonce = false),
    |app| async move {
        let user = app.with_user("alice", "correct horse battery").await;
        let client = app.with_confidential_client("web", &[CB]).await;
        let key = DpopKey::new();
        let redeem = |req: AuthRequest, proof: Option<String>| {
            let (app, user, client) = (&app, &user, &client);
            async move {
                let form = code_form(app, user, &req).await;
                token(app, &client.auth(), &pairs(&form), proof.as_deref()).await
            }
        };
        let bound = || AuthRequest::new(&client).param("dpop_jkt", &key.thumbprint());
        let (status, error, _) = oauth_error(redeem(bound(), None).await).await;
        assert_eq!((status, error.as_str()), (400, "invalid_dpop_proof"), "no proof");
        let other = DpopKey::new().for_token(&app, None);
        let (status, error, _) = oauth_error(redeem(bound(), Some(other)).await).await;
        assert_eq!((status, error.as_str()), (400, "invalid_dpop_proof"), "another key");
        let tokens = Tokens::from_response(redeem(bound(), Some(key.for_token(&app, None))).await).await;
        assert_eq!(decode_jwt(&tokens.access_token).claims["cnf"]["jkt"], json!(key.thumbprint()));

        let malformed = AuthRequest::new(&client).param("dpop_jkt", "not-a-thumbprint");
        let query = query_map(&redirect_target(&app.browser().authorize(&malformed).await, CB));
        assert_eq!(query.get("error").map(String::as_str), Some("invalid_request"), "{query:?}");
    }
);

backend_test!(a_proof_at_par_binds_the_code_to_its_key, |app| async move {
    let user = app.with_user("alice", "correct horse battery").await;
    let client = app.with_confidential_client("web", &[CB]).await;
    let key = DpopKey::new();
    let req = AuthRequest::new(&client);
    let par_proof = |nonce: Option<&str>| {
        let mut claims = DpopKey::claims("POST", &format!("{}/par", app.issuer));
        if let Some(nonce) = nonce {
            claims["nonce"] = json!(nonce);
        }
        key.sign(&claims)
    };
    let params = req.params();
    let push = |proof: String| {
        let (app, client, params) = (&app, &client, &params);
        async move {
            let form: Vec<(&str, &str)> = params.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            app.post_form_with_headers("/par", &client.auth(), &form, &[("DPoP", proof.as_str())]).await
        }
    };
    let nonce = nonce_from(push(par_proof(None)).await).await;
    let resp = push(par_proof(Some(&nonce))).await;
    assert_eq!(resp.status(), 201);
    assert!(nonce_header(&resp).is_some(), "a fresh nonce with the answer");
    let request_uri = resp.json::<Value>().await.unwrap()["request_uri"].as_str().unwrap().to_string();

    let browser = app.browser();
    let query = [("client_id".to_string(), "web".to_string()), ("request_uri".to_string(), request_uri)];
    let form = LoginForm::from_response(browser.get_authorize(&query).await).await;
    let cb = Callback::from_redirect(&browser.submit_login(&form, "alice", &user.password).await, CB);
    let verifier = req.pkce.as_ref().unwrap().verifier.clone();
    let redeem = [
        ("grant_type", "authorization_code"),
        ("code", cb.code.as_str()),
        ("redirect_uri", CB),
        ("code_verifier", verifier.as_str()),
    ];
    let (status, error, _) = oauth_error(token(&app, &client.auth(), &redeem, None).await).await;
    assert_eq!((status, error.as_str()), (400, "invalid_dpop_proof"), "the pushed key's proof is required");
});
