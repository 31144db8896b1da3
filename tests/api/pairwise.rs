//! Pairwise subject identifiers (OpenID Connect Core §8.1): a pairwise
//! client sees one `sub` per sector, the same in its ID tokens, access
//! tokens, at UserInfo, at introspection and in logout tokens; clients of
//! other sectors see another, public clients the user's id. Hints carrying
//! a pairwise `sub` still name their user, and with pairwise subjects
//! switched off a pairwise client gets nothing rather than public ids.

use oxidp::flows::admin::NewClient;
use serde_json::json;

use crate::helpers::*;

const PASSWORD: &str = "correct horse battery";
const A: &str = "https://a.example/cb";
const A_OTHER: &str = "https://a.example/other";
const B: &str = "https://b.example/cb";
const BYE: &str = "https://a.example/bye";

fn pairwise(client_id: &str, redirect_uri: &str) -> NewClient {
    NewClient {
        subject_type: Some("pairwise".into()),
        post_logout_redirect_uris: vec![BYE.into()],
        ..NewClient { redirect_uris: vec![redirect_uri.into()], ..refresh_client_spec(client_id) }
    }
}

/// The `sub` of an ID token, checked against its access token's.
fn sub_of(tokens: &Tokens) -> String {
    let id_sub = decode_jwt(tokens.id_token()).claims["sub"].as_str().expect("sub").to_string();
    assert_eq!(decode_jwt(&tokens.access_token).claims["sub"], id_sub.as_str(), "one sub in both tokens");
    id_sub
}

backend_test!(each_sector_sees_its_own_sub_in_every_token_and_answer, |app| async move {
    let user = app.with_user("alice", PASSWORD).await;
    let a = app.with_client(pairwise("app-a", A)).await;
    let a2 = app.with_client(pairwise("app-a2", A_OTHER)).await;
    let b = app.with_client(pairwise("app-b", B)).await;
    let plain = app.with_confidential_client("plain", &[crate::authorize::CB]).await;

    let tokens_a = app.tokens_scoped(&user, &a, "openid profile email").await;
    let (sub_a, sub_a2, sub_b, sub_plain) = (
        sub_of(&tokens_a),
        sub_of(&app.tokens_for(&user, &a2).await),
        sub_of(&app.tokens_for(&user, &b).await),
        sub_of(&app.tokens_for(&user, &plain).await),
    );
    assert_eq!(sub_plain, user.sub(), "a public client sees the user's id");
    assert_ne!(sub_a, user.sub(), "a pairwise client does not");
    assert_ne!(sub_a, sub_b, "two sectors cannot correlate");
    assert_eq!(sub_a, sub_a2, "one sector, one sub (§8.1)");
    assert_eq!(sub_of(&app.tokens_for(&user, &a).await), sub_a, "stable across logins");

    // UserInfo answers for the user, under the client's sub (§5.3.2).
    let resp = app.userinfo(&tokens_a.access_token).await;
    assert_eq!(resp.status(), 200);
    let info: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(
        (info["sub"].as_str(), info["preferred_username"].as_str()),
        (Some(sub_a.as_str()), Some("alice"))
    );
    // Introspection too, for access and refresh tokens.
    let active = app.assert_active(&a, &tokens_a.access_token, "pairwise access token").await;
    assert_eq!(active["sub"], sub_a.as_str());
    let active = app.assert_active(&a, tokens_a.refresh_token(), "pairwise refresh token").await;
    assert_eq!(active["sub"], sub_a.as_str());
    // Refreshed tokens keep it.
    assert_eq!(sub_of(&app.refreshed(&a, tokens_a.refresh_token()).await), sub_a);

    // The token still dies with the user.
    app.delete_user(&user).await;
    app.assert_inactive(&a, &tokens_a.access_token, "the user is gone").await;
    assert_eq!(app.userinfo(&tokens_a.access_token).await.status(), 401);

    let discovery = app.discovery().await;
    assert_eq!(discovery["subject_types_supported"], json!(["public", "pairwise"]));
});

backend_test!(a_pairwise_hint_names_its_user_at_authorize_and_logout, |app| async move {
    let user = app.with_user("alice", PASSWORD).await;
    let a = app.with_client(pairwise("app-a", A)).await;
    let browser = app.browser();
    let tokens = app.tokens_with(&browser, &user, &a, &AuthRequest::new(&a)).await;
    assert_ne!(sub_of(&tokens), user.sub());
    let hint = tokens.id_token().to_string();

    // prompt=none with the hint: the session's user is the hinted one.
    let req = AuthRequest::new(&a).prompt("none").param("id_token_hint", &hint);
    let resp = browser.authorize(&req).await;
    let target = redirect_target(&resp, A);
    assert!(query_map(&target).contains_key("code"), "{target}");
    // Another user's session does not match the hint.
    let bob = app.with_user("bob", PASSWORD).await;
    let other = app.browser();
    app.tokens_with(&other, &bob, &a, &AuthRequest::new(&a)).await;
    let resp = other.authorize(&req).await;
    let target = redirect_target(&resp, A);
    assert_eq!(query_map(&target).get("error").map(String::as_str), Some("login_required"), "{target}");

    // RP-Initiated Logout with the hint ends the session without asking.
    let resp = browser.logout(&[("id_token_hint", &hint), ("post_logout_redirect_uri", BYE)]).await;
    assert_eq!(resp.status(), 303, "the hint names the session's user");
    app.assert_refresh_fails(&a, tokens.refresh_token(), "after the logout").await;
});

backend_test!(the_logout_token_carries_the_pairwise_sub, |app| async move {
    let receiver = LogoutReceiver::start().await;
    let user = app.with_user("alice", PASSWORD).await;
    let a = app
        .with_client(NewClient { backchannel_logout_uri: Some(receiver.uri.clone()), ..pairwise("app-a", A) })
        .await;
    let browser = app.browser();
    let tokens = app.tokens_with(&browser, &user, &a, &AuthRequest::new(&a)).await;
    let resp =
        browser.logout(&[("id_token_hint", tokens.id_token()), ("post_logout_redirect_uri", BYE)]).await;
    assert_eq!(resp.status(), 303);
    let logout_token = receiver.wait_for(1).await.remove(0);
    let claims = verify_jwt(&app.jwks().await, &logout_token).claims;
    assert_eq!(claims["sub"], sub_of(&tokens).as_str(), "Back-Channel Logout §2.4: the sub the client knows");
});

backend_test!(
    switched_off_a_pairwise_client_gets_no_tokens_and_none_can_be_registered,
    options = SpawnOptions::default().settings(|s| s.subjects.pairwise = false),
    |app| async move {
        let discovery = app.discovery().await;
        assert_eq!(discovery["subject_types_supported"], json!(["public"]));
        let refused = app
            .services
            .admin
            .create_client(&oxidp::flows::admin::Actor::Cli, pairwise("new", A), now())
            .await;
        assert!(refused.is_err_and(|e| e.to_string().contains("switched off")));

        // Registered while it was on: refused at /authorize, not given public ids.
        let record = oxidp::protocol::ClientRecord {
            client_id: "old".into(),
            public: true,
            redirect_uris: vec![A.into()],
            grant_types: vec![oxidp::protocol::GrantType::AuthorizationCode],
            scopes: vec!["openid".into()],
            token_endpoint_auth_method: oxidp::protocol::ClientAuthMethod::None,
            subject_type: oxidp::protocol::SubjectType::Pairwise,
            ..oxidp::protocol::ClientRecord::default()
        };
        let audited = oxidp::store::Audited::new(oxidp::protocol::AuditKind::AdminAction);
        app.services.stores.clients.create(record, audited, now()).await.expect("store the client");
        let old = TestClient { client_id: "old".into(), secret: None, redirect_uris: vec![A.into()] };
        let resp = app.browser().authorize(&AuthRequest::new(&old).scope("openid")).await;
        let target = redirect_target(&resp, A);
        assert_eq!(
            query_map(&target).get("error").map(String::as_str),
            Some("unauthorized_client"),
            "{target}"
        );
    }
);
