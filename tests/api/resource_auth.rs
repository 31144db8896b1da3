//! Resources (APIs) authenticate at /introspect (RFC 7662 §2.1) with their
//! own credentials: HTTP Basic with the identifier form-urlencoded as the
//! user name (RFC 6749 §2.3.1), or `private_key_jwt` (RFC 7523 §2.2, §3)
//! with the JWK Set they registered.

use josekit::jwk::JwkSet;
use josekit::jws::ES256;
use oxidp::flows::admin::NewResource;
use serde_json::json;

use crate::helpers::*;

const API: &str = "https://api.example.com/v1";
const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// A client-credentials token for `API`, from client `svc`.
async fn api_token(app: &TestApp) -> String {
    let svc = app.with_service_client("svc", &["jobs"], &[API]).await;
    let tokens = Tokens::from_response(app.client_credentials(&svc, &[("resource", API)]).await).await;
    tokens.access_token
}

backend_test!(basic_with_the_identifier_and_secret, |app| async move {
    let api = app.with_api(API, &[]).await;
    let token = api_token(&app).await;
    let info = app.assert_active(&api, &token, "the API, Basic").await;
    assert_eq!(audiences(&info), [API]);
    assert_eq!(info["client_id"], "svc");

    let wrong = ClientAuth::Basic { id: API.into(), secret: "not-the-secret-of-this-api".into() };
    let resp = app.introspect(&wrong, &token, None).await;
    assert_eq!(resp.status(), 401, "wrong secret");
    assert_invalid_client(resp).await;
    // Unencoded, the identifier's ':' ends the user name (RFC 7617): not the API.
    let raw = format!("Basic {}", b64_std(&format!("{API}:{}", api.secret())));
    let resp = app.api.post(app.url("/introspect")).header("Authorization", raw).form(&[("token", &token)]);
    assert_eq!(resp.send().await.unwrap().status(), 401, "identifier not form-urlencoded");
    // The secret goes in the Authorization header, not the body.
    let post = ClientAuth::Post { id: API.into(), secret: api.secret().into() };
    assert_invalid_client(app.introspect(&post, &token, None).await).await;
    // No credentials: no answer.
    let resp = app.introspect(&ClientAuth::PublicId(API.into()), &token, None).await;
    assert_eq!(resp.status(), 401, "identifier without a secret");
});

fn b64_std(s: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(s)
}

backend_test!(private_key_jwt_with_the_registered_keys, |app| async move {
    let pair = ES256.generate_key_pair().expect("EC key");
    let signer = ES256.signer_from_der(pair.to_der_private_key()).expect("signer");
    let mut public = pair.to_jwk_public_key();
    public.set_key_id("api-key-1");
    let mut set = JwkSet::new();
    set.push_key(public);
    let new = NewResource { identifier: API.into(), jwks: Some(set.to_string()), ..NewResource::default() };
    let api = app.with_resource(new).await;
    assert!(api.secret.is_none(), "no secret when a JWKS is registered");
    let token = api_token(&app).await;

    let assertion = |iss: &str, jti: &str| {
        let header = json!({ "alg": "ES256", "kid": "api-key-1", "typ": "JWT" });
        let now = now();
        let claims = json!({ "iss": iss, "sub": iss, "aud": app.url("/introspect"), "jti": jti,
            "iat": now, "exp": now + 60 });
        let input = format!("{}.{}", segment(&header), segment(&claims));
        format!("{input}.{}", b64url(josekit::jws::JwsSigner::sign(&signer, input.as_bytes()).unwrap()))
    };
    let introspect = |jwt: String| {
        let form = [
            ("token", token.clone()),
            ("client_assertion_type", JWT_BEARER.into()),
            ("client_assertion", jwt),
        ];
        app.api.post(app.url("/introspect")).form(&form).send()
    };
    let resp = introspect(assertion(API, "one")).await.unwrap();
    let info: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(info["active"], true, "{info}");
    assert_eq!(audiences(&info), [API]);

    // A jti is accepted once; iss/sub must be the identifier.
    assert_eq!(introspect(assertion(API, "one")).await.unwrap().status(), 401, "replayed assertion");
    assert_eq!(introspect(assertion("https://api.example.com/v2", "two")).await.unwrap().status(), 401);
});

backend_test!(a_resource_sees_only_tokens_for_it, |app| async move {
    let api = app.with_api(API, &[]).await;
    let other = app.with_api("https://other.example.com/", &[]).await;
    let token = api_token(&app).await;
    app.assert_inactive(&other, &token, "a token for another API").await;
    // A default-audience token is nobody's API token.
    let svc = app.with_service_client("plain", &["jobs"], &[]).await;
    let plain = Tokens::from_response(app.client_credentials(&svc, &[]).await).await;
    app.assert_inactive(&api, &plain.access_token, "a token for the default audience").await;
    // And refresh tokens never are, whoever they were issued to.
    let f = Granted::new(app).await;
    let api_auth = ClientAuth::Basic { id: API.into(), secret: api.secret().into() };
    let resp = f.app.introspect(&api_auth, &f.rt(), Some("refresh_token")).await;
    let info: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(info, json!({ "active": false }));
});
