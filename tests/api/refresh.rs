//! The refresh token grant (RFC 6749 §6, RFC 9700 §4.14.2): issuance,
//! rotation, reuse detection, scope narrowing, client binding, lifetimes.

use crate::helpers::*;
use oxidp::flows::admin::NewClient;
use reqwest::header::CACHE_CONTROL;

const PASSWORD: &str = "correct horse battery";

fn lifetimes(idle: u64, absolute: u64) -> SpawnOptions {
    SpawnOptions::fixed_clock().settings(move |s| {
        s.tokens.refresh_token_idle_ttl = idle;
        s.tokens.refresh_token_absolute_ttl = absolute;
    })
}

backend_test!(code_exchange_issues_a_refresh_token, |app| async move {
    let f = Granted::new(app).await;
    let rt = f.rt();
    // RFC 9700 §4.14.2 / RFC 6749 §10.10: unguessable, opaque to the client.
    assert!(rt.len() >= 43, "refresh token too short: {rt}");
    assert_ne!(rt, f.tokens.access_token);
});

backend_test!(client_without_the_grant_gets_no_refresh_token, |app| async move {
    let user = app.with_user("alice", PASSWORD).await;
    let client = app.with_confidential_client("plain", &[CALLBACK]).await;
    let tokens = app.tokens_for(&user, &client).await;
    assert!(tokens.json.get("refresh_token").is_none(), "{}", tokens.json);

    // RFC 6749 §5.2: the client is not authorized to use this grant type.
    let resp = app.refresh(&client, &random_token(32)).await;
    assert_oauth_error(resp, 400, "unauthorized_client").await;

    // Not even with a genuine refresh token of another client.
    let other = app.with_refresh_client("app1").await;
    let other_tokens = app.tokens_for(&user, &other).await;
    let resp = app.refresh(&client, other_tokens.refresh_token()).await;
    assert_oauth_error(resp, 400, "unauthorized_client").await;
});

backend_test!(rotation_issues_new_tokens, |app| async move {
    let f = Granted::new(app).await;
    let rt1 = f.rt();
    let resp = f.app.refresh(&f.client, &rt1).await;
    let cache = header(&resp, CACHE_CONTROL).unwrap_or_default();
    assert!(cache.contains("no-store"), "Cache-Control: {cache}");
    let t2 = Tokens::from_response(resp).await;
    let j = &t2.json;
    assert!(j["token_type"].as_str().is_some_and(|t| t.eq_ignore_ascii_case("bearer")), "{j}");
    assert!(j["expires_in"].as_i64().is_some_and(|e| e > 0), "{j}");
    assert_eq!(scope_of(j), sorted_scope(FULL_SCOPE));

    // RFC 9700 §4.14.2: a new refresh token on every use.
    let rt2 = t2.refresh_token().to_string();
    assert_ne!(rt2, rt1);
    assert!(rt2.len() >= 43, "{rt2}");
    assert_ne!(t2.access_token, f.tokens.access_token);

    // OIDC Core §12.2: same iss, sub and aud; auth_time of the original login.
    let jwks = f.app.jwks().await;
    let first = decode_jwt(f.tokens.id_token()).claims;
    let id = verify_jwt(&jwks, t2.id_token()).claims;
    assert_eq!(id["iss"], f.app.issuer.as_str());
    assert_eq!(id["sub"], f.user.sub());
    assert_eq!(audiences(&id), ["app1"]);
    if id.get("auth_time").is_some() {
        assert_eq!(id["auth_time"], first["auth_time"], "{id}");
    }
    if let Some(nonce) = id.get("nonce") {
        assert_eq!(nonce, &first["nonce"], "nonce changed: {id}");
    }

    let at = verify_jwt(&jwks, &t2.access_token);
    assert_eq!(at.header["typ"], "at+jwt");
    assert_eq!(at.claims["sub"], f.user.sub());
    assert_eq!(at.claims["client_id"], "app1");
    assert_eq!(sorted_scope(at.claims["scope"].as_str().unwrap_or_default()), sorted_scope(FULL_SCOPE));
    assert_eq!(f.app.userinfo(&t2.access_token).await.status(), 200);

    // The new refresh token rotates in turn.
    let t3 = f.app.refreshed(&f.client, &rt2).await;
    assert_ne!(t3.refresh_token(), rt2);
});

backend_test!(reuse_revokes_the_whole_family, |app| async move {
    let f = Granted::new(app).await;
    let rt1 = f.rt();
    let t1 = f.app.refreshed(&f.client, &rt1).await;
    let t2 = f.app.refreshed(&f.client, t1.refresh_token()).await;

    // RFC 9700 §4.14.2: an old refresh token comes back → reuse.
    f.app.assert_refresh_fails(&f.client, &rt1, "reused refresh token").await;
    f.app.assert_refresh_fails(&f.client, t2.refresh_token(), "latest token of a revoked family").await;
    f.app.assert_refresh_fails(&f.client, t1.refresh_token(), "rotated token of a revoked family").await;
    for (at, what) in [
        (&f.tokens.access_token, "access token from the code"),
        (&t1.access_token, "access token from the first refresh"),
        (&t2.access_token, "access token from the second refresh"),
    ] {
        f.app.assert_access_token_dead(&f.client, at, what).await;
    }

    let events = f.app.audit_events_of("refresh_token_reuse").await;
    assert!(!events.is_empty(), "no refresh_token_reuse audit event");
    assert!(
        events.iter().any(|e| e.client_id.as_deref() == Some("app1") && e.user_id == Some(f.user.sub())),
        "audit event names neither client nor user: {:?}",
        events.iter().map(|e| (&e.client_id, &e.user_id, &e.detail)).collect::<Vec<_>>()
    );
});

backend_test!(concurrent_use_has_one_winner, |app| async move {
    let f = Granted::new(app).await;
    let rt1 = f.rt();
    let (a, b) = tokio::join!(f.app.refresh(&f.client, &rt1), f.app.refresh(&f.client, &rt1));
    let mut winners = vec![];
    for resp in [a, b] {
        if resp.status() == 200 {
            winners.push(Tokens::from_response(resp).await);
        } else {
            assert_oauth_error(resp, 400, "invalid_grant").await;
        }
    }
    assert_eq!(winners.len(), 1, "exactly one concurrent use may rotate the token");
    // The loser's use is a replay: the winner's family is revoked too.
    f.app.assert_refresh_fails(&f.client, winners[0].refresh_token(), "winner after a replay").await;
});

backend_test!(narrower_scope_keeps_the_original_grant, |app| async move {
    let f = Granted::new(app).await;
    let auth = f.client.auth();
    let resp = f.app.refresh_with(&auth, &f.rt(), &[("scope", "openid")]).await;
    let narrow = Tokens::from_response(resp).await;
    assert_eq!(scope_of(&narrow.json), ["openid"]);
    let at = decode_jwt(&narrow.access_token).claims;
    assert_eq!(at["scope"], "openid");
    assert!(narrow.id_token.is_some(), "openid is still granted: {}", narrow.json);
    let info: serde_json::Value = f.app.userinfo(&narrow.access_token).await.json().await.unwrap();
    assert_eq!(info["sub"], f.user.sub());
    assert!(info.get("email").is_none(), "email without the email scope: {info}");

    // RFC 6749 §6: the refresh token keeps the scope originally granted.
    let full = f.app.refreshed(&f.client, narrow.refresh_token()).await;
    assert_eq!(scope_of(&full.json), sorted_scope(FULL_SCOPE));
});

backend_test!(wider_scope_is_refused_and_changes_nothing, |app| async move {
    let user = app.with_user("alice", PASSWORD).await;
    let client = app.with_refresh_client("app1").await;
    let tokens = app.tokens_scoped(&user, &client, "openid profile").await;
    let rt = tokens.refresh_token();
    for scope in ["openid profile email", "openid admin", "email"] {
        let resp = app.refresh_with(&client.auth(), rt, &[("scope", scope)]).await;
        assert_oauth_error(resp, 400, "invalid_scope").await;
    }
    // The refused request neither consumed nor revoked the token.
    let again = app.refreshed(&client, rt).await;
    assert_eq!(scope_of(&again.json), ["openid", "profile"]);
    app.assert_access_token_alive(&client, &tokens.access_token, "access token after invalid_scope").await;
});

backend_test!(token_of_another_client_is_refused, |app| async move {
    let f = Granted::new(app).await;
    let other = f.app.with_refresh_client("app2").await;
    let resp = f.app.refresh(&other, &f.rt()).await;
    assert_oauth_error(resp, 400, "invalid_grant").await;
});

backend_test!(unknown_or_garbage_tokens_are_invalid_grant, |app| async move {
    let f = Granted::new(app).await;
    let rt = f.rt();
    let tampered = flip_char(&rt);
    let candidates = [
        random_token(32),
        "not-a-refresh-token".to_string(),
        tampered,
        format!("{rt}x"),
        f.tokens.access_token.clone(),
        f.tokens.id_token().to_string(),
    ];
    for token in &candidates {
        let resp = f.app.refresh(&f.client, token).await;
        let (status, code, body) = oauth_error(resp).await;
        assert_eq!((status, code.as_str()), (400, "invalid_grant"), "{token}: {body}");
    }
    // RFC 6749 §5.2: a missing parameter is invalid_request; §3.2: no
    // parameter may be repeated.
    let resp = f.app.token(&f.client.auth(), &[("grant_type", "refresh_token")]).await;
    assert_oauth_error(resp, 400, "invalid_request").await;
    let resp = f.app.refresh_with(&f.client.auth(), &rt, &[("refresh_token", &rt)]).await;
    assert_oauth_error(resp, 400, "invalid_request").await;
    // None of this touched the real token.
    f.app.refreshed(&f.client, &rt).await;
});

backend_test!(public_client_refreshes_with_rotation, |app| async move {
    let client = app.with_public_refresh_client("spa").await;
    let f = Granted::with_client(app, client).await;
    let rt1 = f.rt();
    let t2 = f.app.refreshed(&f.client, &rt1).await;
    assert_ne!(t2.refresh_token(), rt1);
    f.app.assert_refresh_fails(&f.client, &rt1, "reused public-client token").await;
    f.app.assert_refresh_fails(&f.client, t2.refresh_token(), "family of a reused token").await;
});

backend_test!(confidential_client_must_authenticate, |app| async move {
    let f = Granted::new(app).await;
    let rt = f.rt();
    // RFC 6749 §6: a confidential client authenticates to refresh.
    let resp = f.app.refresh_with(&ClientAuth::PublicId("app1".into()), &rt, &[]).await;
    assert_invalid_client(resp).await;
    let wrong = ClientAuth::Basic { id: "app1".into(), secret: "wrong-secret".into() };
    let resp = f.app.refresh_with(&wrong, &rt, &[]).await;
    assert_invalid_client(resp).await;
    let resp = f.app.refresh_with(&ClientAuth::Nothing, &rt, &[]).await;
    assert_invalid_client(resp).await;
    // Failed authentication does not spend the token.
    f.app.refreshed(&f.client, &rt).await;
});

backend_test!(deleted_user_cannot_refresh, |app| async move {
    let f = Granted::new(app).await;
    f.app.delete_user(&f.user).await;
    f.app.assert_inactive(&f.client, &f.rt(), "refresh token of a deleted user").await;
    f.app.assert_refresh_fails(&f.client, &f.rt(), "refresh token of a deleted user").await;
});

backend_test!(idle_token_expires, options = lifetimes(1_000, 100_000), |app| async move {
    let f = Granted::new(app).await;
    f.app.advance(999);
    let t2 = f.app.refreshed(&f.client, &f.rt()).await;
    // Each rotation renews the idle window; this one is not used in time.
    f.app.advance(1_001);
    f.app.assert_refresh_fails(&f.client, t2.refresh_token(), "refresh token idle past its ttl").await;
});

backend_test!(family_expires_even_when_used, options = lifetimes(1_000, 2_500), |app| async move {
    let f = Granted::new(app).await;
    let mut rt = f.rt();
    for _ in 0..2 {
        f.app.advance(900);
        rt = f.app.refreshed(&f.client, &rt).await.refresh_token().to_string();
    }
    // 2,700 s after the login: past the absolute lifetime, 900 s after last use.
    f.app.advance(900);
    f.app.assert_refresh_fails(&f.client, &rt, "refresh token past the family's absolute ttl").await;
});

backend_test!(client_idle_override_wins, options = SpawnOptions::fixed_clock(), |app| async move {
    let user = app.with_user("alice", PASSWORD).await;
    let short = app
        .with_client(NewClient { refresh_token_idle_ttl: Some(100), ..refresh_client_spec("short") })
        .await;
    let long = app.with_refresh_client("long").await;
    let short_tokens = app.tokens_for(&user, &short).await;
    let long_tokens = app.tokens_for(&user, &long).await;
    app.advance(101);
    app.assert_refresh_fails(&short, short_tokens.refresh_token(), "idle past the client's 100 s").await;
    app.refreshed(&long, long_tokens.refresh_token()).await;
});

backend_test!(client_absolute_override_wins, options = SpawnOptions::fixed_clock(), |app| async move {
    let client = NewClient {
        refresh_token_idle_ttl: Some(100),
        refresh_token_absolute_ttl: Some(250),
        ..refresh_client_spec("short")
    };
    let client = app.with_client(client).await;
    let f = Granted::with_client(app, client).await;
    let mut rt = f.rt();
    for _ in 0..2 {
        f.app.advance(90);
        rt = f.app.refreshed(&f.client, &rt).await.refresh_token().to_string();
    }
    f.app.advance(90);
    f.app.assert_refresh_fails(&f.client, &rt, "past the client's absolute 250 s").await;
});

backend_test!(no_id_token_without_openid, |app| async move {
    let user = app.with_user("alice", PASSWORD).await;
    let client = app.with_refresh_client("app1").await;
    let tokens = app.tokens_scoped(&user, &client, "profile email").await;
    assert!(tokens.id_token.is_none(), "{}", tokens.json);
    let next = app.refreshed(&client, tokens.refresh_token()).await;
    assert!(next.id_token.is_none(), "ID token without openid: {}", next.json);
    assert_eq!(scope_of(&next.json), ["email", "profile"]);
});

backend_test!(client_access_token_ttl_applies_to_refreshed_tokens, |app| async move {
    let client =
        app.with_client(NewClient { access_token_ttl: Some(60), ..refresh_client_spec("app1") }).await;
    let f = Granted::with_client(app, client).await;
    assert_eq!(f.tokens.json["expires_in"], 60);
    let next = f.app.refreshed(&f.client, &f.rt()).await;
    assert_eq!(next.json["expires_in"], 60);
    let at = decode_jwt(&next.access_token).claims;
    assert_eq!(at["exp"].as_i64().unwrap() - at["iat"].as_i64().unwrap(), 60);
});
