//! Token revocation (RFC 7009): refresh tokens take their family with
//! them, access tokens are denied by `jti`, and the answer never tells a
//! client whether a token existed.

use crate::helpers::*;
use reqwest::header::WWW_AUTHENTICATE;

const PASSWORD: &str = "correct horse battery";

backend_test!(revoking_a_refresh_token_revokes_its_family, |app| async move {
    let f = Granted::new(app).await;
    let unrelated = f.app.tokens_for(&f.user, &f.client).await;
    let t2 = f.app.refreshed(&f.client, &f.rt()).await;

    f.app.revoked(&f.client, t2.refresh_token()).await;

    f.app.assert_refresh_fails(&f.client, t2.refresh_token(), "revoked refresh token").await;
    // RFC 7009 §2.1: access tokens of the same grant SHOULD go as well.
    f.app.assert_access_token_dead(&f.client, &f.tokens.access_token, "access token from the code").await;
    f.app.assert_access_token_dead(&f.client, &t2.access_token, "access token from the refresh").await;
    // Another grant of the same user is untouched.
    f.app.assert_access_token_alive(&f.client, &unrelated.access_token, "another grant").await;
    f.app.refreshed(&f.client, unrelated.refresh_token()).await;
});

backend_test!(revoking_an_access_token_denies_only_that_token, |app| async move {
    let f = Granted::new(app).await;
    let other = f.app.tokens_for(&f.user, &f.client).await;

    f.app.revoked(&f.client, &f.tokens.access_token).await;

    f.app.assert_access_token_dead(&f.client, &f.tokens.access_token, "revoked access token").await;
    f.app.assert_access_token_alive(&f.client, &other.access_token, "other access token of the user").await;
    f.app.refreshed(&f.client, other.refresh_token()).await;
});

backend_test!(a_wrong_hint_still_revokes, |app| async move {
    let f = Granted::new(app).await;
    // RFC 7009 §2.1: the hint only directs the search; a miss extends it.
    let resp = f.app.revoke(&f.client.auth(), &f.tokens.access_token, Some("refresh_token")).await;
    assert_revocation_ok(resp).await;
    f.app.assert_access_token_dead(&f.client, &f.tokens.access_token, "access token hinted as refresh").await;

    let other = f.app.tokens_for(&f.user, &f.client).await;
    let resp = f.app.revoke(&f.client.auth(), other.refresh_token(), Some("access_token")).await;
    assert_revocation_ok(resp).await;
    f.app.assert_refresh_fails(&f.client, other.refresh_token(), "refresh token hinted as access").await;
});

backend_test!(the_right_hint_revokes, |app| async move {
    let f = Granted::new(app).await;
    let resp = f.app.revoke(&f.client.auth(), &f.tokens.access_token, Some("access_token")).await;
    assert_revocation_ok(resp).await;
    f.app.assert_access_token_dead(&f.client, &f.tokens.access_token, "access token").await;
    let resp = f.app.revoke(&f.client.auth(), &f.rt(), Some("refresh_token")).await;
    assert_revocation_ok(resp).await;
    f.app.assert_refresh_fails(&f.client, &f.rt(), "refresh token").await;
});

backend_test!(
    unknown_invalid_and_dead_tokens_answer_200,
    options = SpawnOptions::fixed_clock().settings(|s| s.tokens.refresh_token_idle_ttl = 1_000),
    |app| async move {
        let f = Granted::new(app).await;
        let auth = f.client.auth();
        // RFC 7009 §2.2: "invalid tokens do not cause an error response".
        for token in [random_token(32), "x".into(), "a.b.c".into(), flip_char(&f.tokens.access_token)] {
            assert_revocation_ok(f.app.revoke(&auth, &token, None).await).await;
            assert_revocation_ok(f.app.revoke(&auth, &token, Some("refresh_token")).await).await;
        }
        // Already revoked, twice over.
        let other = f.app.tokens_for(&f.user, &f.client).await;
        for _ in 0..2 {
            f.app.revoked(&f.client, other.refresh_token()).await;
            f.app.revoked(&f.client, &other.access_token).await;
        }
        // Expired: the access token (300 s) and the refresh token (idle 1,000 s).
        f.app.advance(1_001);
        f.app.revoked(&f.client, &f.tokens.access_token).await;
        f.app.revoked(&f.client, &f.rt()).await;
    }
);

backend_test!(client_authentication_is_required, |app| async move {
    let f = Granted::new(app).await;
    let resp = f.app.revoke(&ClientAuth::Nothing, &f.tokens.access_token, None).await;
    assert_eq!(resp.status(), 401, "no client authentication");
    assert_invalid_client(resp).await;

    // RFC 6749 §5.2: Basic was used, so 401 with a Basic challenge.
    let wrong = ClientAuth::Basic { id: "app1".into(), secret: "wrong-secret".into() };
    let resp = f.app.revoke(&wrong, &f.rt(), None).await;
    assert_eq!(resp.status(), 401, "wrong secret");
    let challenge = header(&resp, WWW_AUTHENTICATE).unwrap_or_default();
    assert!(challenge.starts_with("Basic"), "WWW-Authenticate: {challenge}");
    assert_invalid_client(resp).await;

    let resp = f.app.revoke(&ClientAuth::PublicId("app1".into()), &f.rt(), None).await;
    assert_eq!(resp.status(), 401, "confidential client without its secret");
    assert_invalid_client(resp).await;

    // Nothing was revoked by the refused requests.
    f.app.assert_access_token_alive(&f.client, &f.tokens.access_token, "after refused revocations").await;
    f.app.refreshed(&f.client, &f.rt()).await;
});

backend_test!(client_secret_post_is_accepted, |app| async move {
    let f = Granted::new(app).await;
    assert_revocation_ok(f.app.revoke(&f.client.post_auth(), &f.rt(), None).await).await;
    f.app.assert_refresh_fails(&f.client, &f.rt(), "revoked via client_secret_post").await;
});

backend_test!(public_client_revokes_with_its_client_id, |app| async move {
    let user = app.with_user("alice", PASSWORD).await;
    let client = app.with_public_refresh_client("spa").await;
    let tokens = app.tokens_for(&user, &client).await;
    app.revoked(&client, tokens.refresh_token()).await;
    app.assert_refresh_fails(&client, tokens.refresh_token(), "revoked by a public client").await;
    // A public client cannot introspect (RFC 7662 §2.1): UserInfo tells instead.
    let resp = app.userinfo(&tokens.access_token).await;
    assert_eq!(resp.status(), 401, "access token of the family");
});

backend_test!(another_clients_token_is_not_revoked, |app| async move {
    let f = Granted::new(app).await;
    let intruder = f.app.with_refresh_client("app2").await;
    // RFC 7009 §2.1: the token must have been issued to the requesting client.
    for token in [f.tokens.access_token.clone(), f.rt()] {
        let resp = f.app.revoke(&intruder.auth(), &token, None).await;
        assert_oauth_error(resp, 400, "unauthorized_client").await;
    }
    f.app
        .assert_access_token_alive(&f.client, &f.tokens.access_token, "access token after foreign revoke")
        .await;
    f.app.refreshed(&f.client, &f.rt()).await;
});

backend_test!(missing_token_is_invalid_request, |app| async move {
    let f = Granted::new(app).await;
    let resp = f.app.post_form("/revoke", &f.client.auth(), &[("token_type_hint", "access_token")]).await;
    assert_oauth_error(resp, 400, "invalid_request").await;
});
