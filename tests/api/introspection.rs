//! Token introspection (RFC 7662): authenticated clients learn about their
//! own tokens (and access tokens addressed to them); everything else is
//! `{"active":false}`.

use crate::helpers::*;
use reqwest::header::{CACHE_CONTROL, CONTENT_TYPE, WWW_AUTHENTICATE};

const API: &str = "urn:example:api";

backend_test!(active_access_token, |app| async move {
    let f = Granted::new(app).await;
    let resp = f.app.introspect(&f.client.auth(), &f.tokens.access_token, None).await;
    assert_eq!(resp.status(), 200);
    let cache = header(&resp, CACHE_CONTROL).unwrap_or_default();
    assert!(cache.contains("no-store"), "Cache-Control: {cache}");
    let ct = header(&resp, CONTENT_TYPE).unwrap_or_default();
    assert!(ct.starts_with("application/json"), "content-type {ct}");
    let info: serde_json::Value = resp.json().await.unwrap();

    let at = decode_jwt(&f.tokens.access_token).claims;
    assert_eq!(info["active"], true, "{info}");
    assert_eq!(scope_of(&info), sorted_scope(FULL_SCOPE));
    assert_eq!(info["client_id"], "app1");
    assert_eq!(info["sub"], f.user.sub());
    assert_eq!(audiences(&info), audiences(&at));
    assert_eq!(info["iss"], f.app.issuer.as_str());
    assert_eq!(info["exp"], at["exp"]);
    assert_eq!(info["iat"], at["iat"]);
    assert_eq!(info["jti"], at["jti"]);
    let token_type = info["token_type"].as_str().unwrap_or_default();
    assert!(token_type.eq_ignore_ascii_case("bearer"), "{info}");
});

backend_test!(active_refresh_token, |app| async move {
    let f = Granted::new(app).await;
    let info = f.app.assert_active(&f.client, &f.rt(), "fresh refresh token").await;
    assert_eq!(scope_of(&info), sorted_scope(FULL_SCOPE));
    assert_eq!(info["client_id"], "app1");
    assert_eq!(info["sub"], f.user.sub());
    assert_eq!(info["token_type"], "refresh_token");
    assert_eq!(info["iss"], f.app.issuer.as_str());
    let (iat, exp) = (info["iat"].as_i64(), info["exp"].as_i64());
    let (Some(iat), Some(exp)) = (iat, exp) else { panic!("iat and exp are numbers: {info}") };
    assert!(exp > iat, "{info}");
    assert!(exp > f.app.now(), "{info}");
});

backend_test!(
    inactive_tokens_say_nothing_else,
    options = SpawnOptions::fixed_clock().settings(|s| s.tokens.refresh_token_idle_ttl = 1_000),
    |app| async move {
        let f = Granted::new(app).await;
        let (app, client) = (&f.app, &f.client);
        for (token, what) in [
            (random_token(32), "unknown"),
            ("x".to_string(), "malformed"),
            ("a.b.c".to_string(), "malformed JWT"),
            (flip_char(&f.tokens.access_token), "tampered access token"),
            (f.tokens.id_token().to_string(), "ID token"),
        ] {
            app.assert_inactive(client, &token, what).await;
        }

        // Revoked access token; rotated refresh token.
        let other = app.tokens_for(&f.user, client).await;
        app.revoked(client, &other.access_token).await;
        app.assert_inactive(client, &other.access_token, "revoked access token").await;
        let rotated = other.refresh_token().to_string();
        let next = app.refreshed(client, &rotated).await;
        app.assert_inactive(client, &rotated, "rotated refresh token").await;
        app.revoked(client, next.refresh_token()).await;
        app.assert_inactive(client, next.refresh_token(), "revoked refresh token").await;

        // Expired: access tokens after 300 s, the refresh token after 1,000 s idle.
        app.advance(301);
        app.assert_inactive(client, &f.tokens.access_token, "expired access token").await;
        app.assert_active(client, &f.rt(), "refresh token within its idle time").await;
        app.advance(700);
        app.assert_inactive(client, &f.rt(), "idle-expired refresh token").await;
    }
);

backend_test!(the_hint_is_only_a_hint, |app| async move {
    let f = Granted::new(app).await;
    let auth = f.client.auth();
    for (token, hint) in [(f.tokens.access_token.clone(), "refresh_token"), (f.rt(), "access_token")] {
        let resp = f.app.introspect(&auth, &token, Some(hint)).await;
        let info: serde_json::Value = resp.json().await.unwrap();
        assert_eq!(info["active"], true, "hint {hint}: {info}");
    }
    for (token, hint) in [(f.tokens.access_token.clone(), "access_token"), (f.rt(), "refresh_token")] {
        let resp = f.app.introspect(&auth, &token, Some(hint)).await;
        let info: serde_json::Value = resp.json().await.unwrap();
        assert_eq!(info["active"], true, "hint {hint}: {info}");
    }
});

backend_test!(other_clients_learn_nothing, |app| async move {
    let f = Granted::new(app).await;
    let other = f.app.with_refresh_client("app2").await;
    f.app.assert_inactive(&other, &f.tokens.access_token, "another client's access token").await;
    f.app.assert_inactive(&other, &f.rt(), "another client's refresh token").await;
    // Asking did not harm the tokens.
    f.app.assert_active(&f.client, &f.tokens.access_token, "own access token").await;
    f.app.assert_active(&f.client, &f.rt(), "own refresh token").await;
});

backend_test!(the_audience_may_introspect_access_tokens, |app| async move {
    let api = app.with_api(API, &[]).await;
    let service = app.with_service_client("svc", &["api.read"], &[API]).await;
    let bystander = app.with_confidential_client("bystander", &[CALLBACK]).await;
    let resp = app.client_credentials(&service, &[("scope", "api.read"), ("resource", API)]).await;
    let tokens = Tokens::from_response(resp).await;
    assert_eq!(audiences(&decode_jwt(&tokens.access_token).claims), [API]);

    let info = app.assert_active(&api, &tokens.access_token, "the audience").await;
    assert_eq!(info["client_id"], "svc");
    assert_eq!(info["sub"], "svc");
    assert_eq!(audiences(&info), [API]);
    app.assert_active(&service, &tokens.access_token, "the client it was issued to").await;
    app.assert_inactive(&bystander, &tokens.access_token, "neither client nor audience").await;
});

backend_test!(
    refresh_tokens_only_for_their_client,
    options = SpawnOptions::default().settings(|s| s.tokens.default_audience = Some(API.into())),
    |app| async move {
        let f = Granted::new(app).await;
        let aud = audiences(&decode_jwt(&f.tokens.access_token).claims);
        assert!(aud.contains(&API.to_string()), "default audience missing: {aud:?}");
        // The audience of the access token may introspect it, but the
        // refresh token of the same grant belongs to app1 alone.
        let api = f.app.with_api(API, &[]).await;
        f.app.assert_active(&api, &f.tokens.access_token, "access token asked by its audience").await;
        f.app.assert_inactive(&api, &f.rt(), "refresh token asked by the audience").await;
    }
);

backend_test!(client_authentication_is_required, |app| async move {
    let f = Granted::new(app).await;
    // RFC 7662 §2.3: invalid client credentials → 401 (RFC 6749 §5.2).
    let resp = f.app.introspect(&ClientAuth::Nothing, &f.tokens.access_token, None).await;
    assert_eq!(resp.status(), 401, "no client authentication");
    assert_invalid_client(resp).await;

    let wrong = ClientAuth::Basic { id: "app1".into(), secret: "wrong-secret".into() };
    let resp = f.app.introspect(&wrong, &f.tokens.access_token, None).await;
    assert_eq!(resp.status(), 401, "wrong secret");
    let challenge = header(&resp, WWW_AUTHENTICATE).unwrap_or_default();
    assert!(challenge.starts_with("Basic"), "WWW-Authenticate: {challenge}");
    assert_invalid_client(resp).await;

    let resp = f.app.introspect(&ClientAuth::PublicId("app1".into()), &f.rt(), None).await;
    assert_eq!(resp.status(), 401, "confidential client without its secret");
    assert_invalid_client(resp).await;

    // RFC 7662 §2.1: a public client has no credentials, so no introspection.
    let spa = f.app.with_public_refresh_client("spa").await;
    let own = f.app.tokens_for(&f.user, &spa).await;
    let resp = f.app.introspect(&spa.auth(), &own.access_token, None).await;
    assert_eq!(resp.status(), 401, "public client");
    assert_invalid_client(resp).await;

    let resp = f.app.introspect(&f.client.post_auth(), &f.tokens.access_token, None).await;
    let info: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(info["active"], true, "client_secret_post: {info}");
});

backend_test!(missing_token_is_invalid_request, |app| async move {
    let f = Granted::new(app).await;
    let resp = f.app.post_form("/introspect", &f.client.auth(), &[("token_type_hint", "access_token")]).await;
    assert_oauth_error(resp, 400, "invalid_request").await;
});

backend_test!(
    refresh_token_exp_respects_the_absolute_lifetime,
    options = SpawnOptions::fixed_clock().settings(|s| {
        s.tokens.refresh_token_idle_ttl = 1_000;
        s.tokens.refresh_token_absolute_ttl = 2_500;
    }),
    |app| async move {
        let start = app.now();
        let f = Granted::new(app).await;
        let info = f.app.assert_active(&f.client, &f.rt(), "fresh refresh token").await;
        assert_eq!(info["exp"], start + 1_000, "idle lifetime: {info}");
        let mut rt = f.rt();
        for _ in 0..2 {
            f.app.advance(900);
            rt = f.app.refreshed(&f.client, &rt).await.refresh_token().to_string();
        }
        // RFC 7662 §2.2: exp is when the token expires: here the family's
        // absolute end (start + 2,500), not the renewed idle window (+2,800).
        let info = f.app.assert_active(&f.client, &rt, "refresh token near the absolute end").await;
        assert_eq!(info["exp"], start + 2_500, "{info}");
    }
);
