//! Token exchange (RFC 8693): a service that received a user's token for
//! its API trades it for a token to call another API on the user's behalf,
//! never with more scope, another audience than it may call, or a longer
//! life; with its own token as `actor_token` the new token says who acts
//! (`act`, nested along a chain). A token meant for someone else, a foreign
//! actor, a widened scope or audience are refused, and nothing is issued.

use oxidp::flows::admin::NewClient;
use serde_json::{Value, json};

use crate::helpers::*;

const PASSWORD: &str = "correct horse battery";
const GRANT: &str = "urn:ietf:params:oauth:grant-type:token-exchange";
const ACCESS: &str = "urn:ietf:params:oauth:token-type:access_token";
const ID: &str = "urn:ietf:params:oauth:token-type:id_token";
const ORDERS: &str = "https://orders.example";
const STOCK: &str = "https://stock.example";
const BILLING: &str = "https://billing.example";

fn strings(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

/// A service allowed token exchange (and client credentials, for its own
/// actor token) for the tokens of `from`, calling `calls`.
fn service(client_id: &str, from: &[&str], calls: &[&str], scopes: &[&str]) -> NewClient {
    NewClient {
        grant_types: strings(&[GRANT, "client_credentials"]),
        token_exchange_from: strings(from),
        ..service_client_spec(client_id, scopes, calls)
    }
}

struct World {
    user: TestUser,
    web: TestClient,
    orders_svc: TestClient,
    /// The stock API, to introspect with.
    stock_api: TestClient,
    /// alice's token at `web`, for the orders and stock APIs.
    tokens: Tokens,
}

async fn world(app: &TestApp) -> World {
    app.with_api(ORDERS, &["orders:read"]).await;
    let stock_api = app.with_api(STOCK, &["stock:read"]).await;
    app.with_api(BILLING, &["billing:read"]).await;
    let user = app.with_user("alice", PASSWORD).await;
    let web = app
        .with_client(NewClient {
            scopes: strings(&["openid", "profile", "orders:read", "stock:read"]),
            resources: strings(&[ORDERS, STOCK]),
            grant_types: strings(&["authorization_code", GRANT]),
            ..refresh_client_spec("web")
        })
        .await;
    let orders_svc = app.with_client(service("orders-svc", &[ORDERS], &[STOCK], &["stock:read"])).await;
    let req = AuthRequest::new(&web)
        .scope("openid orders:read stock:read")
        .param("resource", ORDERS)
        .param("resource", STOCK);
    let tokens = app.tokens_with(&app.browser(), &user, &web, &req).await;
    World { user, web, orders_svc, stock_api, tokens }
}

async fn exchange(app: &TestApp, client: &TestClient, extra: &[(&str, &str)]) -> reqwest::Response {
    let mut params = vec![("grant_type", GRANT)];
    params.extend_from_slice(extra);
    app.token(&client.auth(), &params).await
}

async fn exchanged(app: &TestApp, client: &TestClient, extra: &[(&str, &str)]) -> (Value, Value) {
    let resp = exchange(app, client, extra).await;
    assert_eq!(resp.status(), 200);
    let body: Value = resp.json().await.unwrap();
    let claims = decode_jwt(body["access_token"].as_str().unwrap()).claims;
    (body, claims)
}

backend_test!(a_service_calls_another_api_on_the_users_behalf, |app| async move {
    let w = world(&app).await;
    let subject = w.tokens.access_token.as_str();
    let subject_exp = decode_jwt(subject).claims["exp"].as_i64().unwrap();
    let (body, claims) = exchanged(
        &app,
        &w.orders_svc,
        &[
            ("subject_token", subject),
            ("subject_token_type", ACCESS),
            ("audience", STOCK),
            ("scope", "stock:read"),
        ],
    )
    .await;
    assert_eq!(body["issued_token_type"], ACCESS);
    assert_eq!(body["token_type"], "Bearer");
    assert!(body.get("refresh_token").is_none() && body.get("id_token").is_none(), "{body}");
    assert_eq!(
        (claims["sub"].as_str(), claims["client_id"].as_str()),
        (Some(w.user.sub().as_str()), Some("orders-svc"))
    );
    assert_eq!(claims["aud"], json!([STOCK]), "only the API it calls");
    assert_eq!(claims["scope"], "stock:read");
    assert!(claims["exp"].as_i64().unwrap() <= subject_exp, "never outlives its subject");
    assert!(claims.get("act").is_none(), "impersonation: no actor");
    // The stock API recognises it.
    let seen = app.introspect(&w.stock_api.auth(), body["access_token"].as_str().unwrap(), None).await;
    let seen: Value = seen.json().await.unwrap();
    assert_eq!((seen["active"].as_bool(), seen["client_id"].as_str()), (Some(true), Some("orders-svc")));
    let audit = app.audit_events_of("token_exchanged").await;
    assert_eq!(audit.len(), 1);
    assert!(audit[0].detail.contains("\"subject_client_id\":\"web\""), "{}", audit[0].detail);

    // Delegation: the service's own token as the actor, nested along a chain.
    let own = Tokens::from_response(app.client_credentials(&w.orders_svc, &[]).await).await;
    let (delegated_body, delegated) = exchanged(
        &app,
        &w.orders_svc,
        &[
            ("subject_token", subject),
            ("subject_token_type", ACCESS),
            ("resource", STOCK),
            ("actor_token", &own.access_token),
            ("actor_token_type", ACCESS),
        ],
    )
    .await;
    assert_eq!(delegated["act"], json!({"sub": "orders-svc", "client_id": "orders-svc"}));
    let stock_svc = app.with_client(service("stock-svc", &[STOCK], &[STOCK], &["stock:read"])).await;
    let stock_own = Tokens::from_response(app.client_credentials(&stock_svc, &[]).await).await;
    let (_, chained) = exchanged(
        &app,
        &stock_svc,
        &[
            ("subject_token", delegated_body["access_token"].as_str().unwrap()),
            ("subject_token_type", ACCESS),
            ("actor_token", &stock_own.access_token),
            ("actor_token_type", ACCESS),
        ],
    )
    .await;
    assert_eq!(
        chained["act"],
        json!({"sub": "stock-svc", "client_id": "stock-svc", "act": {"sub": "orders-svc", "client_id": "orders-svc"}})
    );
    assert_eq!(chained["sub"], w.user.sub().as_str());
    let grants = app.discovery().await["grant_types_supported"].clone();
    assert!(grants.as_array().unwrap().contains(&json!(GRANT)), "{grants}");
});

backend_test!(widening_or_foreign_tokens_are_refused_and_issue_nothing, |app| async move {
    let w = world(&app).await;
    let subject = w.tokens.access_token.as_str();
    let base = [("subject_token", subject), ("subject_token_type", ACCESS)];
    let with = |extra: &[(&'static str, &'static str)]| [&base[..], extra].concat();
    // Scope beyond the subject token's.
    let (status, error, _) = oauth_error(
        exchange(&app, &w.orders_svc, &with(&[("audience", STOCK), ("scope", "stock:read billing:read")]))
            .await,
    )
    .await;
    assert_eq!((status, error.as_str()), (400, "invalid_scope"));
    // An audience the service may not call.
    let (status, error, _) =
        oauth_error(exchange(&app, &w.orders_svc, &with(&[("audience", BILLING)])).await).await;
    assert_eq!((status, error.as_str()), (400, "invalid_target"));
    let (status, error, _) =
        oauth_error(exchange(&app, &w.orders_svc, &with(&[("audience", "not-a-resource")])).await).await;
    assert_eq!((status, error.as_str()), (400, "invalid_target"));
    // A token meant for someone else: the billing service's API is not in its aud.
    let billing_svc =
        app.with_client(service("billing-svc", &[BILLING], &[BILLING], &["billing:read"])).await;
    let (status, error, body) = oauth_error(exchange(&app, &billing_svc, &base).await).await;
    assert_eq!((status, error.as_str()), (400, "invalid_request"), "{body}");
    // A foreign actor.
    let foreign = Tokens::from_response(app.client_credentials(&billing_svc, &[]).await).await;
    let actor = [("actor_token", foreign.access_token.as_str()), ("actor_token_type", ACCESS)];
    let (status, error, _) =
        oauth_error(exchange(&app, &w.orders_svc, &[&base[..], &actor].concat()).await).await;
    assert_eq!((status, error.as_str()), (400, "invalid_request"));
    // A client token as the subject, garbage, an unsupported requested type.
    let own = [("subject_token", foreign.access_token.as_str()), ("subject_token_type", ACCESS)];
    let (status, error, _) = oauth_error(exchange(&app, &billing_svc, &own).await).await;
    assert_eq!((status, error.as_str()), (400, "invalid_request"), "not a user's token");
    let garbage = [("subject_token", "abc.def.ghi"), ("subject_token_type", ACCESS)];
    let (status, error, _) = oauth_error(exchange(&app, &w.orders_svc, &garbage).await).await;
    assert_eq!((status, error.as_str()), (400, "invalid_request"));
    let refresh_wanted = with(&[("requested_token_type", "urn:ietf:params:oauth:token-type:refresh_token")]);
    let (status, error, _) = oauth_error(exchange(&app, &w.orders_svc, &refresh_wanted).await).await;
    assert_eq!((status, error.as_str()), (400, "invalid_request"));
    // A client not registered for the grant.
    let plain = app.with_service_client("plain-svc", &["stock:read"], &[STOCK]).await;
    let (status, error, _) = oauth_error(exchange(&app, &plain, &base).await).await;
    assert_eq!((status, error.as_str()), (400, "unauthorized_client"));
    // A revoked subject token.
    app.revoked(&w.web, subject).await;
    let (status, error, _) =
        oauth_error(exchange(&app, &w.orders_svc, &with(&[("audience", STOCK)])).await).await;
    assert_eq!((status, error.as_str()), (400, "invalid_request"));
    assert!(app.audit_events_of("token_exchanged").await.is_empty(), "nothing was issued");
});

backend_test!(a_client_exchanges_its_own_id_token_but_no_one_elses, |app| async move {
    let w = world(&app).await;
    let id_token = w.tokens.id_token();
    let (body, claims) = exchanged(
        &app,
        &w.web,
        &[
            ("subject_token", id_token),
            ("subject_token_type", ID),
            ("resource", ORDERS),
            ("scope", "orders:read"),
        ],
    )
    .await;
    assert_eq!(body["scope"], "orders:read");
    assert_eq!(
        (claims["sub"].as_str(), claims["aud"].clone()),
        (Some(w.user.sub().as_str()), json!([ORDERS]))
    );
    let (status, error, _) = oauth_error(
        exchange(&app, &w.orders_svc, &[("subject_token", id_token), ("subject_token_type", ID)]).await,
    )
    .await;
    assert_eq!((status, error.as_str()), (400, "invalid_request"), "issued to web, not to the service");
});

backend_test!(
    switched_off_the_grant_is_unsupported_and_not_advertised,
    options = SpawnOptions::default().settings(|s| s.token_exchange.enabled = false),
    |app| async move {
        let w = world(&app).await;
        let params = [("subject_token", w.tokens.access_token.as_str()), ("subject_token_type", ACCESS)];
        let (status, error, _) = oauth_error(exchange(&app, &w.orders_svc, &params).await).await;
        assert_eq!((status, error.as_str()), (400, "unsupported_grant_type"));
        let grants = app.discovery().await["grant_types_supported"].clone();
        assert!(!grants.as_array().unwrap().contains(&json!(GRANT)), "{grants}");
    }
);
