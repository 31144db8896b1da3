//! Authorization code replay (RFC 6749 §4.1.2, §10.5; RFC 9700 §4.5): the
//! second use fails, and the tokens issued for the code are revoked.

use crate::helpers::*;

const PASSWORD: &str = "correct horse battery";

/// Runs the code flow for alice and returns the code's parameters.
async fn code_for(app: &TestApp, user: &TestUser, client: &TestClient) -> (String, String) {
    let req = AuthRequest::new(client);
    let cb = app.browser().authorize_and_login(&req, user).await;
    let verifier = req.pkce.as_ref().expect("pkce").verifier.clone();
    (cb.code, verifier)
}

async fn replay(app: &TestApp, client: &TestClient, code: &str, verifier: &str) {
    let resp = app.exchange_code(client, code, CALLBACK, Some(verifier)).await;
    assert_oauth_error(resp, 400, "invalid_grant").await;
}

backend_test!(replay_revokes_the_tokens_of_the_first_exchange, |app| async move {
    let user = app.with_user("alice", PASSWORD).await;
    let client = app.with_refresh_client("app1").await;
    let (code, verifier) = code_for(&app, &user, &client).await;
    let first =
        Tokens::from_response(app.exchange_code(&client, &code, CALLBACK, Some(&verifier)).await).await;
    app.assert_access_token_alive(&client, &first.access_token, "before the replay").await;

    replay(&app, &client, &code, &verifier).await;

    // §4.1.2: "SHOULD revoke (when possible) all tokens previously issued
    // based on that authorization code".
    app.assert_access_token_dead(&client, &first.access_token, "access token of a replayed code").await;
    app.assert_refresh_fails(&client, first.refresh_token(), "refresh token of a replayed code").await;

    let events = app.audit_events_of("code_replay").await;
    assert!(
        events.iter().any(|e| e.client_id.as_deref() == Some("app1")),
        "no code_replay audit event for app1: {:?}",
        events.iter().map(|e| (&e.client_id, &e.user_id, &e.detail)).collect::<Vec<_>>()
    );
});

backend_test!(replay_reaches_tokens_refreshed_in_between, |app| async move {
    let user = app.with_user("alice", PASSWORD).await;
    let client = app.with_refresh_client("app1").await;
    let (code, verifier) = code_for(&app, &user, &client).await;
    let first =
        Tokens::from_response(app.exchange_code(&client, &code, CALLBACK, Some(&verifier)).await).await;
    let refreshed = app.refreshed(&client, first.refresh_token()).await;

    replay(&app, &client, &code, &verifier).await;

    // Everything derived from the code goes: the refreshed tokens too.
    app.assert_refresh_fails(&client, refreshed.refresh_token(), "rotated refresh token").await;
    app.assert_access_token_dead(&client, &refreshed.access_token, "refreshed access token").await;
});

backend_test!(replay_without_refresh_grant_denies_the_access_token, |app| async move {
    let user = app.with_user("alice", PASSWORD).await;
    let client = app.with_confidential_client("plain", &[CALLBACK]).await;
    let (code, verifier) = code_for(&app, &user, &client).await;
    let first =
        Tokens::from_response(app.exchange_code(&client, &code, CALLBACK, Some(&verifier)).await).await;
    assert!(first.refresh_token.is_none());

    replay(&app, &client, &code, &verifier).await;

    app.assert_access_token_dead(&client, &first.access_token, "access token of a replayed code").await;
});

backend_test!(replay_leaves_other_grants_alone, |app| async move {
    let user = app.with_user("alice", PASSWORD).await;
    let client = app.with_refresh_client("app1").await;
    let other = app.tokens_for(&user, &client).await;
    let (code, verifier) = code_for(&app, &user, &client).await;
    Tokens::from_response(app.exchange_code(&client, &code, CALLBACK, Some(&verifier)).await).await;

    replay(&app, &client, &code, &verifier).await;

    // Another login of the same user and client is a different grant.
    app.assert_access_token_alive(&client, &other.access_token, "tokens of another code").await;
    app.refreshed(&client, other.refresh_token()).await;
});
