//! CORS for browser apps: preflights on the client-bound endpoints answer
//! origins some client registered; actual requests are held to their own
//! client's origins, refused before anything happens otherwise; public
//! documents are open to every origin; pages never carry CORS headers.

use oxidp::flows::admin::NewClient;
use reqwest::Method;
use reqwest::header::{
    ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS, ACCESS_CONTROL_ALLOW_ORIGIN,
    ACCESS_CONTROL_EXPOSE_HEADERS, ACCESS_CONTROL_MAX_AGE, ALLOW, VARY, WWW_AUTHENTICATE,
};

use crate::helpers::*;

const SPA: &str = "http://127.0.0.1:5173";
const OTHER_SPA: &str = "http://localhost:4200";
const NOBODY: &str = "https://evil.example";

/// A public SPA client (code + refresh) whose origin is `SPA`, and another
/// whose origin is `OTHER_SPA`.
async fn spa_clients(app: &TestApp) -> (TestClient, TestClient) {
    let spa = app
        .with_client(NewClient {
            public: true,
            redirect_uris: vec![format!("{SPA}/callback")],
            ..refresh_client_spec("spa")
        })
        .await;
    let other = app
        .with_client(NewClient {
            public: true,
            redirect_uris: vec!["http://127.0.0.1:9999/cb".into()],
            web_origins: vec![OTHER_SPA.into()],
            ..refresh_client_spec("other-spa")
        })
        .await;
    (spa, other)
}

async fn preflight(app: &TestApp, path: &str, origin: &str, method: &str) -> reqwest::Response {
    app.api
        .request(Method::OPTIONS, app.url(path))
        .header("Origin", origin)
        .header("Access-Control-Request-Method", method)
        .header("Access-Control-Request-Headers", "content-type")
        .send()
        .await
        .expect("OPTIONS")
}

/// POST /token with an `Origin` (None: a server-side request).
async fn token_from(app: &TestApp, origin: Option<&str>, params: &[(&str, &str)]) -> reqwest::Response {
    let mut req = app.api.post(app.url("/token")).form(params);
    if let Some(origin) = origin {
        req = req.header("Origin", origin);
    }
    req.send().await.expect("POST /token")
}

fn allow_origin(resp: &reqwest::Response) -> Option<String> {
    header(resp, ACCESS_CONTROL_ALLOW_ORIGIN)
}

fn varies_on_origin(resp: &reqwest::Response) -> bool {
    resp.headers().get_all(VARY).iter().any(|v| v.to_str().unwrap_or("").contains("Origin"))
}

/// A code for `client` at `SPA`'s callback with PKCE, and its verifier.
async fn spa_code(app: &TestApp, client: &TestClient, user: &TestUser) -> (String, String) {
    let req = AuthRequest::new(client);
    let cb = app.browser().authorize_and_login(&req, user).await;
    (cb.code, req.pkce.expect("pkce").verifier)
}

backend_test!(preflights_answer_registered_origins_only, |app| async move {
    spa_clients(&app).await;
    for (path, method, methods) in
        [("/token", "POST", "POST"), ("/revoke", "POST", "POST"), ("/userinfo", "GET", "GET, HEAD, POST")]
    {
        for origin in [SPA, OTHER_SPA] {
            let resp = preflight(&app, path, origin, method).await;
            assert_eq!(resp.status(), 204, "{path} {origin}");
            assert_eq!(allow_origin(&resp).as_deref(), Some(origin), "{path}");
            assert_eq!(header(&resp, ACCESS_CONTROL_ALLOW_METHODS).as_deref(), Some(methods), "{path}");
            let headers = header(&resp, ACCESS_CONTROL_ALLOW_HEADERS).expect("allow headers");
            assert!(headers.contains("Authorization") && headers.contains("Content-Type"), "{headers}");
            assert_eq!(header(&resp, ACCESS_CONTROL_MAX_AGE).as_deref(), Some("600"));
            assert!(varies_on_origin(&resp), "{path}");
        }
        let refused = preflight(&app, path, NOBODY, method).await;
        assert!(allow_origin(&refused).is_none(), "{path} answered an unknown origin");
        assert!(header(&refused, ACCESS_CONTROL_ALLOW_METHODS).is_none());
        // Not a preflight: just the methods.
        let plain = app.api.request(Method::OPTIONS, app.url(path)).send().await.unwrap();
        assert_eq!(plain.status(), 204);
        assert!(header(&plain, ALLOW).unwrap().contains("OPTIONS"));
        assert!(allow_origin(&plain).is_none());
    }
});

backend_test!(a_new_client_origin_is_answered_at_once, |app| async move {
    let origin = "https://late.example";
    assert!(allow_origin(&preflight(&app, "/token", origin, "POST").await).is_none());
    app.with_client(NewClient {
        public: true,
        redirect_uris: vec![format!("{origin}/cb")],
        ..refresh_client_spec("late")
    })
    .await;
    let resp = preflight(&app, "/token", origin, "POST").await;
    assert_eq!(allow_origin(&resp).as_deref(), Some(origin));
});

backend_test!(code_exchange_from_the_client_origin_is_readable, |app| async move {
    let (spa, _) = spa_clients(&app).await;
    let user = app.with_user("alice", "correct horse battery").await;
    let (code, verifier) = spa_code(&app, &spa, &user).await;
    let params = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", spa.redirect_uri()),
        ("code_verifier", verifier.as_str()),
        ("client_id", "spa"),
    ];
    let resp = token_from(&app, Some(SPA), &params).await;
    assert_eq!(allow_origin(&resp).as_deref(), Some(SPA));
    assert!(header(&resp, ACCESS_CONTROL_EXPOSE_HEADERS).unwrap().contains("WWW-Authenticate"));
    assert!(varies_on_origin(&resp));
    let tokens = Tokens::from_response(resp).await;

    // UserInfo: readable by the token's client origin only.
    let info = app.api.get(app.url("/userinfo")).bearer_auth(&tokens.access_token).header("Origin", SPA);
    let info = info.send().await.unwrap();
    assert_eq!(info.status(), 200);
    assert_eq!(allow_origin(&info).as_deref(), Some(SPA));
    let foreign =
        app.api.get(app.url("/userinfo")).bearer_auth(&tokens.access_token).header("Origin", OTHER_SPA);
    let foreign = foreign.send().await.unwrap();
    assert_eq!(foreign.status(), 400);
    assert!(allow_origin(&foreign).is_none(), "a refused origin must not read the answer");
    assert!(header(&foreign, WWW_AUTHENTICATE).unwrap().contains("invalid_request"));
    // Without Origin (a server-side caller) nothing changes.
    assert_eq!(app.userinfo(&tokens.access_token).await.status(), 200);
});

backend_test!(a_foreign_origin_cannot_redeem_a_code_and_leaves_it_unused, |app| async move {
    let (spa, _) = spa_clients(&app).await;
    let user = app.with_user("alice", "correct horse battery").await;
    let (code, verifier) = spa_code(&app, &spa, &user).await;
    let params = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", spa.redirect_uri()),
        ("code_verifier", verifier.as_str()),
        ("client_id", "spa"),
    ];
    // Another client's origin (known, so preflights pass) and an unknown one.
    for origin in [OTHER_SPA, NOBODY, "null"] {
        let resp = token_from(&app, Some(origin), &params).await;
        assert!(allow_origin(&resp).is_none(), "{origin} may read the refusal");
        let body = assert_oauth_error(resp, 400, "invalid_request").await;
        assert!(body["error_description"].as_str().unwrap().contains("origin"), "{body}");
    }
    // The code was not redeemed: it still works, once, from the SPA.
    let resp = token_from(&app, Some(SPA), &params).await;
    assert_eq!(allow_origin(&resp).as_deref(), Some(SPA));
    Tokens::from_response(resp).await;
    assert_oauth_error(token_from(&app, Some(SPA), &params).await, 400, "invalid_grant").await;
});

backend_test!(a_refused_code_exchange_still_works_without_origin, |app| async move {
    let (spa, _) = spa_clients(&app).await;
    let user = app.with_user("alice", "correct horse battery").await;
    let (code, verifier) = spa_code(&app, &spa, &user).await;
    let params = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", spa.redirect_uri()),
        ("code_verifier", verifier.as_str()),
        ("client_id", "spa"),
    ];
    assert_oauth_error(token_from(&app, Some(NOBODY), &params).await, 400, "invalid_request").await;
    let resp = token_from(&app, None, &params).await;
    assert!(allow_origin(&resp).is_none());
    Tokens::from_response(resp).await;
});

backend_test!(a_foreign_origin_cannot_refresh_or_revoke, |app| async move {
    let (spa, _) = spa_clients(&app).await;
    let user = app.with_user("alice", "correct horse battery").await;
    let tokens = app.tokens_for(&user, &spa).await;
    let rt = tokens.refresh_token().to_string();
    let refresh = [("grant_type", "refresh_token"), ("refresh_token", rt.as_str()), ("client_id", "spa")];
    let refused = token_from(&app, Some(OTHER_SPA), &refresh).await;
    assert!(allow_origin(&refused).is_none());
    assert_oauth_error(refused, 400, "invalid_request").await;
    // Not rotated, not revoked: the same refresh token works from the SPA.
    let resp = token_from(&app, Some(SPA), &refresh).await;
    assert_eq!(allow_origin(&resp).as_deref(), Some(SPA));
    let rotated = Tokens::from_response(resp).await;

    let revoke = |origin: &'static str, token: String| {
        let form = vec![("token".to_string(), token), ("client_id".to_string(), "spa".to_string())];
        app.api.post(app.url("/revoke")).header("Origin", origin).form(&form).send()
    };
    let refused = revoke(OTHER_SPA, rotated.refresh_token().to_string()).await.unwrap();
    assert_eq!(refused.status(), 400);
    assert!(allow_origin(&refused).is_none());
    app.refreshed(&spa, rotated.refresh_token()).await;
});

backend_test!(revocation_from_the_client_origin_is_readable, |app| async move {
    let (spa, _) = spa_clients(&app).await;
    let user = app.with_user("alice", "correct horse battery").await;
    let tokens = app.tokens_for(&user, &spa).await;
    let form = [("token", tokens.refresh_token()), ("client_id", "spa")];
    let resp = app.api.post(app.url("/revoke")).header("Origin", SPA).form(&form).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(allow_origin(&resp).as_deref(), Some(SPA));
    app.assert_refresh_fails(&spa, tokens.refresh_token(), "revoked from the SPA").await;
});

backend_test!(errors_are_readable_by_the_origins_that_may_ask, |app| async move {
    let (_spa, _) = spa_clients(&app).await;
    // The client is known and allows the origin: its errors are readable.
    let bad_code = [("grant_type", "authorization_code"), ("code", "nope"), ("client_id", "spa")];
    let resp = token_from(&app, Some(SPA), &bad_code).await;
    assert_eq!(allow_origin(&resp).as_deref(), Some(SPA));
    assert_oauth_error(resp, 400, "invalid_grant").await;
    // Failed before a client was known: readable by registered origins.
    let unknown = [("grant_type", "authorization_code"), ("code", "nope"), ("client_id", "ghost")];
    let resp = token_from(&app, Some(SPA), &unknown).await;
    assert_eq!(allow_origin(&resp).as_deref(), Some(SPA));
    assert!(header(&resp, ACCESS_CONTROL_EXPOSE_HEADERS).unwrap().contains("WWW-Authenticate"));
    assert_invalid_client(resp).await;
    let resp = token_from(&app, Some(NOBODY), &unknown).await;
    assert!(allow_origin(&resp).is_none());
    // A bad bearer token: the challenge is readable.
    let resp = app.api.get(app.url("/userinfo")).bearer_auth("garbage").header("Origin", SPA);
    let resp = resp.send().await.unwrap();
    assert_eq!(resp.status(), 401);
    assert_eq!(allow_origin(&resp).as_deref(), Some(SPA));
    assert!(header(&resp, WWW_AUTHENTICATE).unwrap().contains("invalid_token"));
});

backend_test!(public_documents_are_open_to_every_origin, |app| async move {
    for path in [
        "/.well-known/openid-configuration",
        "/.well-known/oauth-authorization-server",
        "/.well-known/jwks.json",
    ] {
        let resp = app.api.get(app.url(path)).header("Origin", NOBODY).send().await.unwrap();
        assert_eq!(resp.status(), 200, "{path}");
        assert_eq!(allow_origin(&resp).as_deref(), Some("*"), "{path}");
        let pre = preflight(&app, path, NOBODY, "GET").await;
        assert_eq!(pre.status(), 204, "{path}");
        assert_eq!(allow_origin(&pre).as_deref(), Some("*"), "{path}");
        assert_eq!(header(&pre, ACCESS_CONTROL_ALLOW_METHODS).as_deref(), Some("GET, HEAD"), "{path}");
    }
});

backend_test!(pages_never_carry_cors_headers, |app| async move {
    let (spa, _) = spa_clients(&app).await;
    let req = AuthRequest::new(&spa);
    let resp = app.api.get(app.url("/authorize")).query(&req.params()).header("Origin", SPA).send().await;
    let resp = resp.unwrap();
    assert_eq!(resp.status(), 200);
    assert!(allow_origin(&resp).is_none());
    for path in ["/authorize", "/login", "/account", "/logout", "/introspect"] {
        let resp = preflight(&app, path, SPA, "POST").await;
        assert_eq!(resp.status(), 405, "{path}");
        assert!(allow_origin(&resp).is_none(), "{path}");
    }
    let resp =
        app.api.post(app.url("/login")).header("Origin", SPA).form(&[("x", "y")]).send().await.unwrap();
    assert!(allow_origin(&resp).is_none());
});

/// Polls `server`'s preflight answer for `origin` until it is `allowed`.
async fn wait_for_preflight(server: &TestApp, origin: &str, allowed: bool, what: &str) {
    let start = std::time::Instant::now();
    loop {
        let got = allow_origin(&preflight(server, "/token", origin, "POST").await).is_some();
        if got == allowed {
            return;
        }
        assert!(start.elapsed() < std::time::Duration::from_secs(10), "{what}: still {got}");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

backend_test!(origins_registered_elsewhere_reach_every_instance, |app| async move {
    let sibling = app.spawn_sibling().await;
    let origin = "https://elsewhere.example";
    // The sibling has loaded its origin set, without this origin.
    wait_for_preflight(&sibling, origin, false, "before").await;
    app.with_client(NewClient {
        public: true,
        redirect_uris: vec![format!("{origin}/cb")],
        ..refresh_client_spec("elsewhere")
    })
    .await;
    wait_for_preflight(&sibling, origin, true, "created on another instance").await;
    app.services
        .admin
        .delete_client(&oxidp::flows::admin::Actor::Cli, "elsewhere", now())
        .await
        .expect("delete");
    wait_for_preflight(&sibling, origin, false, "deleted on another instance").await;
    wait_for_preflight(&app, origin, false, "deleted here").await;
});
