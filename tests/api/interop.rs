//! An independent relying party (the `openidconnect` crate) drives the
//! server: discovery, code flow with PKCE + nonce, ID token verification,
//! at_hash and UserInfo; then refresh, introspection and revocation with
//! the endpoints taken from discovery.

use crate::helpers::*;
use openidconnect::core::{
    CoreAuthenticationFlow, CoreClient, CoreProviderMetadata, CoreRevocableToken, CoreUserInfoClaims,
};
use openidconnect::{
    AccessTokenHash, AuthorizationCode, ClientId, ClientSecret, CsrfToken, IntrospectionUrl, IssuerUrl,
    Nonce, OAuth2TokenResponse, PkceCodeChallenge, RedirectUrl, RevocationUrl, Scope,
    TokenIntrospectionResponse, TokenResponse,
};
use oxidp::flows::admin::NewClient;

const PASSWORD: &str = "correct horse battery";
const CB: &str = "http://127.0.0.1:9999/cb";

async fn relying_party_flow(app: &TestApp, client: &TestClient, lifecycle: bool) {
    relying_party_flow_with(app, client, lifecycle, false).await
}

/// With `pairwise`, the client sees a `sub` of its own (OIDC Core §8.1),
/// which the library checks is the same at UserInfo.
async fn relying_party_flow_with(app: &TestApp, client: &TestClient, lifecycle: bool, pairwise: bool) {
    let user = app.with_user("alice", PASSWORD).await;
    // openidconnect recommends disabling redirects (SSRF).
    let http = http_client();

    let issuer = IssuerUrl::new(app.issuer.clone()).unwrap();
    let metadata = CoreProviderMetadata::discover_async(issuer, &http).await.expect("discovery");
    let rp = CoreClient::from_provider_metadata(
        metadata,
        ClientId::new(client.client_id.clone()),
        client.secret.clone().map(ClientSecret::new),
    )
    .set_redirect_uri(RedirectUrl::new(CB.to_string()).unwrap());

    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (auth_url, csrf, nonce) = rp
        .authorize_url(CoreAuthenticationFlow::AuthorizationCode, CsrfToken::new_random, Nonce::new_random)
        .add_scope(Scope::new("profile".into()))
        .add_scope(Scope::new("email".into()))
        .set_pkce_challenge(challenge)
        .url();
    assert!(auth_url.as_str().starts_with(&format!("{}/authorize?", app.issuer)));

    let browser = app.browser();
    let resp = browser.client.get(auth_url).send().await.unwrap();
    let form = LoginForm::from_response(resp).await;
    let resp = browser.submit_login(&form, "alice", PASSWORD).await;
    assert_eq!(resp.status(), 303);
    let cb = Callback::from_redirect(&resp, CB);
    assert_eq!(cb.state.as_deref(), Some(csrf.secret().as_str()));
    assert_eq!(cb.iss.as_deref(), Some(app.issuer.as_str()));

    let token_response = rp
        .exchange_code(AuthorizationCode::new(cb.code))
        .expect("token endpoint known")
        .set_pkce_verifier(verifier)
        .request_async(&http)
        .await
        .expect("code exchange");

    let id_token = token_response.id_token().expect("ID token");
    let id_verifier = rp.id_token_verifier();
    let claims = id_token.claims(&id_verifier, &nonce).expect("valid ID token");
    assert_eq!(claims.subject().as_str() == user.sub(), !pairwise, "sub {}", claims.subject().as_str());
    assert_eq!(claims.preferred_username().map(|u| u.as_str()), Some("alice"));
    assert_eq!(claims.email().map(|e| e.as_str()), Some("alice@example.com"));

    let expected_hash = claims.access_token_hash().expect("at_hash");
    let actual_hash = AccessTokenHash::from_token(
        token_response.access_token(),
        id_token.signing_alg().unwrap(),
        id_token.signing_key(&id_verifier).unwrap(),
    )
    .unwrap();
    assert_eq!(&actual_hash, expected_hash);

    let info: CoreUserInfoClaims = rp
        .user_info(token_response.access_token().to_owned(), Some(claims.subject().clone()))
        .expect("userinfo endpoint known")
        .request_async(&http)
        .await
        .expect("userinfo");
    assert_eq!(info.subject(), claims.subject());
    assert_eq!(info.email().map(|e| e.as_str()), Some("alice@example.com"));
    if !lifecycle {
        return;
    }

    // Refresh, introspect and revoke through the library, with endpoints
    // read from discovery.
    let discovery: serde_json::Value = http
        .get(format!("{}/.well-known/openid-configuration", app.issuer))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let endpoint =
        |name: &str| discovery[name].as_str().unwrap_or_else(|| panic!("{name} in discovery")).to_string();
    let rp = rp
        .clone()
        .set_revocation_url(RevocationUrl::new(endpoint("revocation_endpoint")).unwrap())
        .set_introspection_url(IntrospectionUrl::new(endpoint("introspection_endpoint")).unwrap());
    let first_refresh = token_response.refresh_token().expect("refresh token for a refresh_token client");
    let refreshed = rp
        .exchange_refresh_token(first_refresh)
        .expect("token endpoint known")
        .request_async(&http)
        .await
        .expect("refresh");
    let rotated = refreshed.refresh_token().expect("rotated refresh token");
    assert_ne!(rotated.secret(), first_refresh.secret(), "refresh tokens rotate");

    let introspection =
        rp.introspect(refreshed.access_token()).request_async(&http).await.expect("introspect");
    assert!(introspection.active());
    assert_eq!(introspection.sub(), Some(user.sub().as_str()));
    assert_eq!(introspection.client_id().map(|c| c.as_str()), Some(client.client_id.as_str()));

    // The oauth2 crate refuses a non-https revocation URL (RFC 7009 §2:
    // "Clients MUST verify that the URL is an HTTPS URL"), and test servers
    // are plain http on loopback, so this one call is a plain RFC 7009 POST
    // with the same client credentials.
    let revoke_url = RevocationUrl::new(endpoint("revocation_endpoint")).unwrap();
    assert!(matches!(
        rp.revoke_token(CoreRevocableToken::from(rotated.clone())),
        Err(openidconnect::ConfigurationError::InsecureUrl(_))
    ));
    let mut form = vec![("token", rotated.secret().as_str()), ("token_type_hint", "refresh_token")];
    let secret = client.secret.clone();
    let request = http.post(revoke_url.url().as_str());
    let request = match &secret {
        Some(secret) => request.basic_auth(&client.client_id, Some(secret)),
        None => {
            form.push(("client_id", client.client_id.as_str()));
            request
        }
    };
    let revoked = request.form(&form).send().await.expect("revoke");
    assert_eq!(revoked.status(), 200);
    let after = rp.introspect(refreshed.access_token()).request_async(&http).await.expect("introspect");
    assert!(!after.active(), "revoking the refresh token revokes its family's access tokens");
    let refused =
        rp.exchange_refresh_token(rotated).expect("token endpoint known").request_async(&http).await;
    assert!(refused.is_err(), "a revoked refresh token cannot be used");
}

backend_test!(confidential_client, |app| async move {
    let client = app.with_confidential_client("rp-conf", &[CB]).await;
    relying_party_flow(&app, &client, false).await;
});

backend_test!(public_client, |app| async move {
    let client = app.with_public_client("rp-public", &[CB]).await;
    relying_party_flow(&app, &client, false).await;
});

backend_test!(refresh_introspect_revoke, |app| async move {
    let client = app
        .with_client(NewClient {
            client_id: "rp-lifecycle".into(),
            redirect_uris: vec![CB.into()],
            grant_types: vec!["authorization_code".into(), "refresh_token".into()],
            ..NewClient::default()
        })
        .await;
    relying_party_flow(&app, &client, true).await;
});

backend_test!(pairwise_client, |app| async move {
    let client = app
        .with_client(NewClient {
            subject_type: Some("pairwise".into()),
            ..NewClient {
                client_id: "rp-pairwise".into(),
                redirect_uris: vec![CB.into()],
                ..NewClient::default()
            }
        })
        .await;
    relying_party_flow_with(&app, &client, false, true).await;
});
