//! APIs as resource servers: resource indicators (RFC 8707) at /authorize,
//! on the code, refresh and client-credentials grants; audience-restricted
//! JWT access tokens (RFC 9068 §3) with the resource's lifetime and
//! algorithm; scopes that only come with their resource.

use oxidp::flows::admin::{NewClient, NewResource};

use crate::helpers::*;

pub const ORDERS: &str = "https://orders.example.com/";
pub const STOCK: &str = "https://stock.example.com/";
const PASSWORD: &str = "correct horse battery";

/// `app1` (code + refresh) allowed both APIs and their scopes.
pub async fn web_client(app: &TestApp) -> TestClient {
    let scopes = ["openid", "profile", "email", "read:orders", "read:stock"].map(String::from).to_vec();
    let resources = vec![ORDERS.to_string(), STOCK.to_string()];
    app.with_client(NewClient { scopes, resources, ..refresh_client_spec("app1") }).await
}

/// Both APIs, alice and `app1`.
pub async fn setup(app: &TestApp) -> (TestUser, TestClient, TestClient, TestClient) {
    let orders = app.with_api(ORDERS, &["read:orders"]).await;
    let stock = app.with_api(STOCK, &["read:stock"]).await;
    let user = app.with_user("alice", PASSWORD).await;
    (user, web_client(app).await, orders, stock)
}

/// A code for `req` (fresh browser), exchanged with `extra` token parameters.
pub async fn exchange(
    app: &TestApp,
    user: &TestUser,
    client: &TestClient,
    req: &AuthRequest,
    extra: &[(&str, &str)],
) -> reqwest::Response {
    let cb = app.browser().authorize_and_login(req, user).await;
    let verifier = req.pkce.as_ref().map(|p| p.verifier.clone()).unwrap_or_default();
    let mut params = vec![
        ("grant_type", "authorization_code"),
        ("code", cb.code.as_str()),
        ("redirect_uri", req.redirect_uri.as_str()),
        ("code_verifier", verifier.as_str()),
    ];
    params.extend_from_slice(extra);
    app.token(&client.auth(), &params).await
}

fn with_resources(req: AuthRequest, resources: &[&str]) -> AuthRequest {
    resources.iter().fold(req, |req, r| req.param("resource", r))
}

backend_test!(user_token_for_an_api_names_it_and_still_works_at_userinfo, |app| async move {
    let (user, client, orders, stock) = setup(&app).await;
    let req = with_resources(AuthRequest::new(&client).scope("openid read:orders"), &[ORDERS]);
    let tokens = Tokens::from_response(exchange(&app, &user, &client, &req, &[]).await).await;
    let at = verify_jwt(&app.jwks().await, &tokens.access_token);
    assert_eq!(at.header["typ"], "at+jwt");
    // RFC 8707 §2 / RFC 9068 §3: the API; the issuer too, for UserInfo (openid).
    assert_eq!(audiences(&at.claims), [ORDERS, app.issuer.as_str()]);
    assert_eq!(sorted_scope(at.claims["scope"].as_str().unwrap()), ["openid", "read:orders"]);
    assert_eq!(scope_of(&tokens.json), ["openid", "read:orders"]);
    let resp = app.userinfo(&tokens.access_token).await;
    assert_eq!(resp.status(), 200, "userinfo with an API token that carries openid");

    // RFC 7662: the API introspects with its own credentials; another API learns nothing.
    let info = app.assert_active(&orders, &tokens.access_token, "the token's API").await;
    assert_eq!(info["sub"], user.sub());
    assert_eq!(info["client_id"], "app1");
    app.assert_inactive(&stock, &tokens.access_token, "another API").await;
    app.assert_inactive(&orders, tokens.refresh_token(), "a refresh token, asked by an API").await;
    app.assert_active(&client, &tokens.access_token, "the client").await;
});

backend_test!(without_openid_the_token_is_for_the_api_alone, |app| async move {
    let (user, client, _, _) = setup(&app).await;
    let req = with_resources(AuthRequest::new(&client).scope("read:orders"), &[ORDERS]);
    let tokens = Tokens::from_response(exchange(&app, &user, &client, &req, &[]).await).await;
    assert_eq!(audiences(&decode_jwt(&tokens.access_token).claims), [ORDERS]);
    assert_eq!(app.userinfo(&tokens.access_token).await.status(), 401, "not meant for UserInfo");
});

backend_test!(without_resource_nothing_changes, |app| async move {
    let (user, client, orders, _) = setup(&app).await;
    let req = AuthRequest::new(&client).scope("openid read:orders");
    let tokens = Tokens::from_response(exchange(&app, &user, &client, &req, &[]).await).await;
    let at = decode_jwt(&tokens.access_token);
    assert_eq!(audiences(&at.claims), [app.issuer.as_str()]);
    // A scope an API defines comes only with that API (left out, not refused).
    assert_eq!(at.claims["scope"], "openid");
    assert_eq!(scope_of(&tokens.json), ["openid"]);
    app.assert_inactive(&orders, &tokens.access_token, "a token not meant for the API").await;
});

backend_test!(resource_repeats_at_authorize_and_the_token_request_narrows, |app| async move {
    let (user, client, orders, stock) = setup(&app).await;
    let scope = "openid read:orders read:stock";
    let req = with_resources(AuthRequest::new(&client).scope(scope), &[ORDERS, STOCK]);
    let both = Tokens::from_response(exchange(&app, &user, &client, &req, &[]).await).await;
    assert_eq!(audiences(&decode_jwt(&both.access_token).claims), [ORDERS, STOCK, app.issuer.as_str()]);
    app.assert_active(&stock, &both.access_token, "second audience").await;

    // RFC 8707 §2.2: the token request picks one of them; its scopes follow.
    let resp = exchange(&app, &user, &client, &req, &[("resource", STOCK)]).await;
    let narrowed = Tokens::from_response(resp).await;
    let at = decode_jwt(&narrowed.access_token).claims;
    assert_eq!(audiences(&at), [STOCK, app.issuer.as_str()]);
    assert_eq!(scope_of(&narrowed.json), ["openid", "read:stock"]);
    app.assert_inactive(&orders, &narrowed.access_token, "narrowed away").await;

    // The refresh family keeps the whole grant: a refresh may pick the other one...
    let resp = app.refresh_with(&client.auth(), narrowed.refresh_token(), &[("resource", ORDERS)]).await;
    let refreshed = Tokens::from_response(resp).await;
    assert_eq!(audiences(&decode_jwt(&refreshed.access_token).claims), [ORDERS, app.issuer.as_str()]);
    assert_eq!(scope_of(&refreshed.json), ["openid", "read:orders"]);
    // ...or both again, without `resource`.
    let again = app.refreshed(&client, refreshed.refresh_token()).await;
    assert_eq!(audiences(&decode_jwt(&again.access_token).claims), [ORDERS, STOCK, app.issuer.as_str()]);
    assert_eq!(scope_of(&again.json), sorted_scope(scope));
});

backend_test!(token_requests_never_widen_the_resources, |app| async move {
    let (user, client, _, _) = setup(&app).await;
    let req = with_resources(AuthRequest::new(&client).scope("openid read:orders"), &[ORDERS]);
    let resp = exchange(&app, &user, &client, &req, &[("resource", STOCK)]).await;
    assert_oauth_error(resp, 400, "invalid_target").await;

    let tokens = Tokens::from_response(exchange(&app, &user, &client, &req, &[]).await).await;
    let resp = app.refresh_with(&client.auth(), tokens.refresh_token(), &[("resource", STOCK)]).await;
    assert_oauth_error(resp, 400, "invalid_target").await;
    // Refused before the token was used: it still works.
    app.refreshed(&client, tokens.refresh_token()).await;

    // Asked at /token only, never at /authorize: still a widening.
    let plain = AuthRequest::new(&client);
    let resp = exchange(&app, &user, &client, &plain, &[("resource", ORDERS)]).await;
    assert_oauth_error(resp, 400, "invalid_target").await;
});

backend_test!(unregistered_or_unallowed_resources_are_invalid_target_at_authorize, |app| async move {
    let (user, client, _, _) = setup(&app).await;
    app.with_api("https://elsewhere.example.com/", &[]).await;
    for resource in
        ["https://elsewhere.example.com/", "https://unknown.example.com/", "relative", "https://a/#x"]
    {
        let req = with_resources(AuthRequest::new(&client), &[ORDERS, resource]);
        let resp = app.browser().authorize(&req).await;
        assert_eq!(resp.status(), 302, "{resource}: an error redirect");
        let q = query_map(&redirect_target(&resp, CALLBACK));
        assert_eq!(q.get("error").map(String::as_str), Some("invalid_target"), "{resource}: {q:?}");
        assert_eq!(q.get("state"), Some(&req.state), "{resource}");
        assert!(!q.contains_key("code"));
    }
    // Nothing was issued: the same browser still has to log in.
    let req = with_resources(AuthRequest::new(&client).scope("openid"), &[ORDERS]);
    let tokens = Tokens::from_response(exchange(&app, &user, &client, &req, &[]).await).await;
    assert_eq!(audiences(&decode_jwt(&tokens.access_token).claims), [ORDERS, app.issuer.as_str()]);
});

backend_test!(resource_scopes_only_with_their_resource_in_client_credentials, |app| async move {
    app.with_api(ORDERS, &["read:orders"]).await;
    let svc = app.with_service_client("svc", &["read:orders", "jobs"], &[ORDERS]).await;
    let plain = Tokens::from_response(app.client_credentials(&svc, &[]).await).await;
    assert_eq!(scope_of(&plain.json), ["jobs"]);
    let asked = app.client_credentials(&svc, &[("scope", "read:orders jobs")]).await;
    assert_eq!(scope_of(&Tokens::from_response(asked).await.json), ["jobs"]);
    let resp = app.client_credentials(&svc, &[("resource", ORDERS)]).await;
    let for_api = Tokens::from_response(resp).await;
    assert_eq!(scope_of(&for_api.json), ["jobs", "read:orders"]);
    assert_eq!(audiences(&decode_jwt(&for_api.access_token).claims), [ORDERS]);
});

/// ES256 and EdDSA signing keys besides RS256.
fn three_algorithms() -> SpawnOptions {
    SpawnOptions::default().settings(|s| {
        s.keys.algorithms = ["RS256", "ES256", "EdDSA"].iter().map(|a| a.parse().expect("alg")).collect()
    })
}

fn api(identifier: &str, alg: &str, ttl: i64) -> NewResource {
    NewResource {
        identifier: identifier.into(),
        signing_alg: Some(alg.into()),
        access_token_ttl: Some(ttl),
        ..NewResource::default()
    }
}

/// Verifies an access token against the JWKS with the algorithm of its key.
fn verify_with_jwks(jwks: &serde_json::Value, token: &str) -> Jwt {
    use josekit::jws::{ES256, EdDSA, JwsVerifier, RS256};
    let jwt = decode_jwt(token);
    let jwk = find_jwk(jwks, jwt.header["kid"].as_str().expect("kid"));
    assert_eq!(jwk["alg"], jwt.header["alg"], "the key's algorithm signs");
    let jwk = josekit::jwk::Jwk::from_map(jwk.as_object().unwrap().clone()).unwrap();
    let verifier: Box<dyn JwsVerifier> = match jwt.header["alg"].as_str().unwrap() {
        "ES256" => Box::new(ES256.verifier_from_jwk(&jwk).unwrap()),
        "EdDSA" => Box::new(EdDSA.verifier_from_jwk(&jwk).unwrap()),
        _ => Box::new(RS256.verifier_from_jwk(&jwk).unwrap()),
    };
    josekit::jws::deserialize_compact(token, verifier.as_ref()).expect("signature verifies");
    jwt
}

backend_test!(each_resource_has_its_algorithm_and_lifetime, options = three_algorithms(), |app| async move {
    app.with_resource(api(ORDERS, "ES256", 120)).await;
    app.with_resource(api(STOCK, "EdDSA", 90)).await;
    app.with_resource(api("https://fast.example.com/", "ES256", 60)).await;
    let all = [ORDERS, STOCK, "https://fast.example.com/"];
    let svc = app.with_service_client("svc", &["jobs"], &all).await;
    let jwks = app.jwks().await;
    for (resource, alg, ttl) in [(ORDERS, "ES256", 120), (STOCK, "EdDSA", 90)] {
        let tokens =
            Tokens::from_response(app.client_credentials(&svc, &[("resource", resource)]).await).await;
        let at = verify_with_jwks(&jwks, &tokens.access_token);
        assert_eq!(at.header["alg"], alg, "{resource}");
        assert_eq!(tokens.json["expires_in"], ttl, "{resource}");
        assert_eq!(at.claims["exp"].as_i64().unwrap() - at.claims["iat"].as_i64().unwrap(), ttl);
    }
    // Several resources: the shortest lifetime, and one algorithm they agree on...
    let two = [("resource", ORDERS), ("resource", "https://fast.example.com/")];
    let tokens = Tokens::from_response(app.client_credentials(&svc, &two).await).await;
    assert_eq!(
        (decode_jwt(&tokens.access_token).header["alg"].clone(), tokens.json["expires_in"].clone()),
        ("ES256".into(), 60.into())
    );
    // ...or none: a token one of them could not verify is refused.
    let resp = app.client_credentials(&svc, &[("resource", ORDERS), ("resource", STOCK)]).await;
    assert_oauth_error(resp, 400, "invalid_target").await;
    // Without a resource: the server's default (RS256) and lifetime.
    let tokens = Tokens::from_response(app.client_credentials(&svc, &[]).await).await;
    assert_eq!(verify_with_jwks(&jwks, &tokens.access_token).header["alg"], "RS256");
    assert_eq!(tokens.json["expires_in"], 300);
});

backend_test!(user_tokens_follow_the_resource_algorithm, options = three_algorithms(), |app| async move {
    app.with_resource(api(ORDERS, "EdDSA", 100)).await;
    app.with_api(STOCK, &[]).await;
    let user = app.with_user("alice", PASSWORD).await;
    let client = web_client(&app).await;
    let req = with_resources(AuthRequest::new(&client), &[ORDERS]);
    let tokens = Tokens::from_response(exchange(&app, &user, &client, &req, &[]).await).await;
    let at = verify_with_jwks(&app.jwks().await, &tokens.access_token);
    assert_eq!((at.header["alg"].as_str(), tokens.json["expires_in"].as_i64()), (Some("EdDSA"), Some(100)));
    // The ID token keeps the client's algorithm (RS256 by default).
    assert_eq!(decode_jwt(tokens.id_token()).header["alg"], "RS256");
    let refreshed = app.refreshed(&client, tokens.refresh_token()).await;
    assert_eq!(decode_jwt(&refreshed.access_token).header["alg"], "EdDSA");
    assert_eq!(app.userinfo(&refreshed.access_token).await.status(), 200);
});
