//! The client credentials grant (RFC 6749 §4.4) with JWT access tokens
//! (RFC 9068) and resource indicators (RFC 8707).

use crate::helpers::*;
use oxidp::flows::admin::NewClient;
use reqwest::header::CACHE_CONTROL;

const API: &str = "https://api.example.com/";
const SCOPES: [&str; 2] = ["api.read", "api.write"];

async fn service(app: &TestApp) -> TestClient {
    app.with_api(API, &[]).await;
    app.with_service_client("svc", &SCOPES, &[API]).await
}

/// The verified access token of a successful response.
async fn access_token(app: &TestApp, resp: reqwest::Response) -> (Tokens, Jwt) {
    let tokens = Tokens::from_response(resp).await;
    let jwt = verify_jwt(&app.jwks().await, &tokens.access_token);
    (tokens, jwt)
}

backend_test!(issues_only_an_access_token, |app| async move {
    let client = service(&app).await;
    let resp = app.client_credentials(&client, &[("scope", "api.read")]).await;
    let cache = header(&resp, CACHE_CONTROL).unwrap_or_default();
    assert!(cache.contains("no-store"), "Cache-Control: {cache}");
    let (tokens, at) = access_token(&app, resp).await;
    let j = &tokens.json;
    assert!(j["token_type"].as_str().is_some_and(|t| t.eq_ignore_ascii_case("bearer")), "{j}");
    assert!(j["expires_in"].as_i64().is_some_and(|e| e > 0), "{j}");
    assert_eq!(j["scope"], "api.read");
    // RFC 6749 §4.4.3: a refresh token SHOULD NOT be included; no user, no ID token.
    assert!(j.get("refresh_token").is_none(), "{j}");
    assert!(j.get("id_token").is_none(), "{j}");

    // RFC 9068 §2.2: sub is the client itself when no user is involved.
    assert_eq!(at.header["typ"], "at+jwt");
    assert_eq!(at.claims["sub"], "svc");
    assert_eq!(at.claims["client_id"], "svc");
    assert_eq!(at.claims["iss"], app.issuer.as_str());
    assert_eq!(at.claims["scope"], "api.read");
    assert_eq!(audiences(&at.claims), [app.issuer.as_str()]);
    assert!(at.claims["jti"].as_str().is_some_and(|j| !j.is_empty()), "{}", at.claims);
    let (iat, exp) = (at.claims["iat"].as_i64().unwrap(), at.claims["exp"].as_i64().unwrap());
    assert_eq!(exp - iat, j["expires_in"].as_i64().unwrap());
});

backend_test!(no_scope_means_all_of_the_clients_api_scopes, |app| async move {
    let client = service(&app).await;
    let (tokens, at) = access_token(&app, app.client_credentials(&client, &[]).await).await;
    assert_eq!(scope_of(&tokens.json), ["api.read", "api.write"]);
    assert_eq!(sorted_scope(at.claims["scope"].as_str().unwrap_or_default()), ["api.read", "api.write"]);

    // OpenID Connect scopes make no sense without a user.
    let mixed = app.with_service_client("mixed", &["openid", "profile", "email", "api.read"], &[]).await;
    let tokens = Tokens::from_response(app.client_credentials(&mixed, &[]).await).await;
    assert_eq!(scope_of(&tokens.json), ["api.read"]);
});

backend_test!(scopes_outside_the_registration_are_left_out, |app| async move {
    let client = service(&app).await;
    // Nothing grantable is left: invalid_scope.
    for scope in ["api.admin", "openid", "api.admin openid"] {
        let resp = app.client_credentials(&client, &[("scope", scope)]).await;
        let (status, code, body) = oauth_error(resp).await;
        assert_eq!((status, code.as_str()), (400, "invalid_scope"), "{scope}: {body}");
    }
    // OpenID Connect Core §3.1.2.1 / RFC 6749 §3.3: the rest is granted,
    // and the response says what.
    for scope in ["api.read openid", "api.read api.admin"] {
        let resp = app.client_credentials(&client, &[("scope", scope)]).await;
        assert_eq!(scope_of(&Tokens::from_response(resp).await.json), ["api.read"], "{scope}");
    }
    let resp = app.client_credentials(&client, &[("scope", "api.write api.read")]).await;
    assert_eq!(scope_of(&Tokens::from_response(resp).await.json), ["api.read", "api.write"]);
});

backend_test!(client_without_the_grant_is_unauthorized, |app| async move {
    let client = app.with_confidential_client("web", &[CALLBACK]).await;
    let resp = app.client_credentials(&client, &[]).await;
    assert_oauth_error(resp, 400, "unauthorized_client").await;
});

backend_test!(public_client_cannot_use_the_grant, |app| async move {
    let client = app.with_public_client("spa", &[CALLBACK]).await;
    let resp = app.client_credentials(&client, &[]).await;
    let (status, code, body) = oauth_error(resp).await;
    assert!(
        matches!((status, code.as_str()), (400, "unauthorized_client") | (400 | 401, "invalid_client")),
        "{status} {body}"
    );
});

backend_test!(wrong_secret_is_invalid_client, |app| async move {
    service(&app).await;
    let wrong = ClientAuth::Basic { id: "svc".into(), secret: "wrong-secret".into() };
    let resp = app.token(&wrong, &[("grant_type", "client_credentials")]).await;
    assert_eq!(resp.status(), 401);
    assert_invalid_client(resp).await;
    let resp = app.token(&ClientAuth::PublicId("svc".into()), &[("grant_type", "client_credentials")]).await;
    assert_invalid_client(resp).await;
});

backend_test!(registered_resource_sets_the_audience, |app| async move {
    let client = service(&app).await;
    let resp = app.client_credentials(&client, &[("scope", "api.read"), ("resource", API)]).await;
    let (_, at) = access_token(&app, resp).await;
    assert_eq!(audiences(&at.claims), [API]);
});

backend_test!(unregistered_resource_is_invalid_target, |app| async move {
    let client = service(&app).await;
    app.with_api("https://other.example.com/", &[]).await;
    let unregistered = "https://unregistered.example.com/";
    let listed = app.with_service_client("listed", &SCOPES, &[unregistered]).await;
    let resp = app.client_credentials(&listed, &[("resource", unregistered)]).await;
    let (status, code, body) = oauth_error(resp).await;
    assert_eq!((status, code.as_str()), (400, "invalid_target"), "allowed but not registered: {body}");
    // RFC 8707 §2: invalid_target for a resource the client may not use.
    for resource in
        ["https://other.example.com/", "https://api.example.com/other", "not a uri", "https://a/#f"]
    {
        let resp = app.client_credentials(&client, &[("resource", resource)]).await;
        let (status, code, body) = oauth_error(resp).await;
        assert_eq!((status, code.as_str()), (400, "invalid_target"), "{resource}: {body}");
    }
});

backend_test!(
    default_audience_comes_from_the_settings,
    options = SpawnOptions::default().settings(|s| s.tokens.default_audience = Some(API.into())),
    |app| async move {
        let client = service(&app).await;
        let (_, at) = access_token(&app, app.client_credentials(&client, &[]).await).await;
        assert_eq!(audiences(&at.claims), [API]);
    }
);

backend_test!(client_access_token_ttl_applies, |app| async move {
    let client = NewClient { access_token_ttl: Some(60), ..service_client_spec("svc", &SCOPES, &[]) };
    let client = app.with_client(client).await;
    let (tokens, at) = access_token(&app, app.client_credentials(&client, &[]).await).await;
    assert_eq!(tokens.json["expires_in"], 60);
    assert_eq!(at.claims["exp"].as_i64().unwrap() - at.claims["iat"].as_i64().unwrap(), 60);
});

backend_test!(tokens_expire_and_can_be_revoked, options = SpawnOptions::fixed_clock(), |app| async move {
    let client = service(&app).await;
    let first = Tokens::from_response(app.client_credentials(&client, &[]).await).await;
    let second = Tokens::from_response(app.client_credentials(&client, &[]).await).await;
    let info = app.assert_active(&client, &first.access_token, "fresh client credentials token").await;
    assert_eq!(info["sub"], "svc");
    assert_eq!(info["client_id"], "svc");

    app.revoked(&client, &first.access_token).await;
    app.assert_inactive(&client, &first.access_token, "revoked client credentials token").await;
    app.assert_active(&client, &second.access_token, "the other token").await;

    let ttl = second.json["expires_in"].as_i64().expect("expires_in");
    app.advance(ttl + 1);
    app.assert_inactive(&client, &second.access_token, "expired client credentials token").await;
});
