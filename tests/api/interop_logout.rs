//! The independent relying party (the `openidconnect` crate) logs out:
//! discovery with RP-Initiated Logout metadata, a login, then the library's
//! own end-session request with the ID token as hint. Afterwards the
//! session is gone: `prompt=none` answers `login_required` and the
//! session-bound refresh token `invalid_grant`.

use openidconnect::core::{CoreAuthenticationFlow, CoreClient};
use openidconnect::{
    AuthorizationCode, ClientId, ClientSecret, CsrfToken, IssuerUrl, LogoutRequest, Nonce,
    OAuth2TokenResponse, PkceCodeChallenge, PostLogoutRedirectUrl, ProviderMetadataWithLogout, RedirectUrl,
    TokenResponse,
};
use oxidp::flows::admin::NewClient;

use crate::helpers::*;

const PASSWORD: &str = "correct horse battery";
const CB: &str = "http://127.0.0.1:9999/cb";
const BYE: &str = "http://127.0.0.1:9999/bye";

backend_test!(the_library_logs_the_user_out, |app| async move {
    app.with_user("alice", PASSWORD).await;
    let client = app
        .with_client(NewClient {
            client_id: "rp-logout".into(),
            redirect_uris: vec![CB.into()],
            post_logout_redirect_uris: vec![BYE.into()],
            grant_types: vec!["authorization_code".into(), "refresh_token".into()],
            ..NewClient::default()
        })
        .await;
    let http = http_client();
    let metadata =
        ProviderMetadataWithLogout::discover_async(IssuerUrl::new(app.issuer.clone()).unwrap(), &http)
            .await
            .expect("discovery");
    let end_session =
        metadata.additional_metadata().end_session_endpoint.clone().expect("end_session_endpoint");
    let rp = CoreClient::from_provider_metadata(
        metadata,
        ClientId::new(client.client_id.clone()),
        client.secret.clone().map(ClientSecret::new),
    )
    .set_redirect_uri(RedirectUrl::new(CB.into()).unwrap());

    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (url, _, nonce) = rp
        .authorize_url(CoreAuthenticationFlow::AuthorizationCode, CsrfToken::new_random, Nonce::new_random)
        .set_pkce_challenge(challenge)
        .url();
    let browser = app.browser();
    let form = LoginForm::from_response(browser.client.get(url).send().await.unwrap()).await;
    let resp = browser.submit_login(&form, "alice", PASSWORD).await;
    let code = Callback::from_redirect(&resp, CB).code;
    let tokens = rp
        .exchange_code(AuthorizationCode::new(code))
        .expect("token endpoint")
        .set_pkce_verifier(verifier)
        .request_async(&http)
        .await
        .expect("code exchange");
    let id_token = tokens.id_token().expect("ID token");
    id_token.claims(&rp.id_token_verifier(), &nonce).expect("valid ID token");

    let state = CsrfToken::new_random();
    let logout_url = LogoutRequest::from(end_session)
        .set_id_token_hint(id_token)
        .set_post_logout_redirect_uri(PostLogoutRedirectUrl::new(BYE.into()).unwrap())
        .set_state(state.clone())
        .http_get_url();
    let resp = browser.client.get(logout_url).send().await.unwrap();
    assert_eq!(resp.status(), 303, "a valid hint needs no confirmation");
    let target = redirect_target(&resp, BYE);
    assert_eq!(query_map(&target).get("state"), Some(state.secret()));

    let resp = browser.authorize(&AuthRequest::new(&client).prompt("none")).await;
    assert_eq!(
        query_map(&redirect_target(&resp, CB)).get("error").map(String::as_str),
        Some("login_required")
    );
    let refresh = tokens.refresh_token().expect("refresh token");
    let refused = rp.exchange_refresh_token(refresh).unwrap().request_async(&http).await;
    assert!(refused.is_err(), "the session-bound refresh token died with the session");
});
