//! Every signing algorithm (RS256, PS256, ES256, EdDSA) has its own key
//! lifecycle, and a client that registered `id_token_signed_response_alg`
//! gets ID tokens that the independent `openidconnect` crate (pure-Rust
//! RSA, P-256 and Ed25519) verifies, `at_hash` included.

use openidconnect::core::{
    CoreAuthenticationFlow, CoreClient, CoreJwsSigningAlgorithm, CoreProviderMetadata,
};
use openidconnect::{
    AccessTokenHash, AuthorizationCode, ClientId, ClientSecret, CsrfToken, IssuerUrl, Nonce,
    OAuth2TokenResponse, PkceCodeChallenge, RedirectUrl, TokenResponse,
};
use oxidp::flows::admin::NewClient;

use crate::helpers::*;

const CB: &str = "http://127.0.0.1:9999/cb";
const ALGS: [(&str, CoreJwsSigningAlgorithm); 4] = [
    ("RS256", CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256),
    ("PS256", CoreJwsSigningAlgorithm::RsaSsaPssSha256),
    ("ES256", CoreJwsSigningAlgorithm::EcdsaP256Sha256),
    ("EdDSA", CoreJwsSigningAlgorithm::EdDsa),
];

fn all_algorithms() -> SpawnOptions {
    SpawnOptions::default().settings(|s| {
        s.keys.algorithms = ALGS.iter().map(|(a, _)| a.parse().expect("a signing algorithm")).collect()
    })
}

backend_test!(each_algorithm_has_its_own_published_keys, options = all_algorithms(), |app| async move {
    let metadata = app.discovery().await;
    let advertised: Vec<&str> = metadata["id_token_signing_alg_values_supported"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(
        advertised,
        vec!["RS256", "PS256", "ES256", "EdDSA"],
        "exactly the usable algorithms, default first"
    );
    let jwks = app.jwks().await;
    let keys = signing_keys(&jwks);
    assert_eq!(keys.len(), 8, "an active and a next key per algorithm");
    encryption_key(&jwks);
    for (alg, kty) in [("RS256", "RSA"), ("PS256", "RSA"), ("ES256", "EC"), ("EdDSA", "OKP")] {
        let of_alg: Vec<_> = keys.iter().filter(|k| k["alg"] == alg).collect();
        assert_eq!(of_alg.len(), 2, "{alg}");
        assert!(
            of_alg.iter().all(|k| k["kty"] == kty && k["use"] == "sig" && k.get("d").is_none()),
            "{alg}: {of_alg:?}"
        );
    }
});

backend_test!(
    id_tokens_in_every_algorithm_verify_independently,
    options = all_algorithms(),
    |app| async move {
        let user = app.with_user("alice", "correct horse battery").await;
        let http = http_client();
        let metadata =
            CoreProviderMetadata::discover_async(IssuerUrl::new(app.issuer.clone()).unwrap(), &http)
                .await
                .expect("discovery");
        for (alg, core_alg) in ALGS {
            let client_id = format!("app-{}", alg.to_lowercase());
            let client = app
                .with_client(NewClient {
                    client_id: client_id.clone(),
                    redirect_uris: vec![CB.into()],
                    id_token_signed_response_alg: Some(alg.into()),
                    ..NewClient::default()
                })
                .await;
            let rp = CoreClient::from_provider_metadata(
                metadata.clone(),
                ClientId::new(client_id.clone()),
                client.secret.clone().map(ClientSecret::new),
            )
            .set_redirect_uri(RedirectUrl::new(CB.into()).unwrap());
            let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
            let (url, _state, nonce) = rp
                .authorize_url(
                    CoreAuthenticationFlow::AuthorizationCode,
                    CsrfToken::new_random,
                    Nonce::new_random,
                )
                .set_pkce_challenge(challenge)
                .url();
            let browser = app.browser();
            let form = LoginForm::from_response(browser.client.get(url).send().await.unwrap()).await;
            let resp = browser.submit_login(&form, "alice", "correct horse battery").await;
            let code = Callback::from_redirect(&resp, CB).code;
            let tokens = rp
                .exchange_code(AuthorizationCode::new(code))
                .unwrap()
                .set_pkce_verifier(verifier)
                .request_async(&http)
                .await
                .expect("code exchange");
            let id_token = tokens.id_token().expect("ID token");
            assert_eq!(decode_jwt(&id_token.to_string()).header["alg"], alg);
            let id_verifier = rp.id_token_verifier().set_allowed_algs([core_alg.clone()]);
            let claims = id_token.claims(&id_verifier, &nonce).unwrap_or_else(|e| panic!("{alg}: {e}"));
            assert_eq!(claims.subject().as_str(), user.record.id, "{alg}");
            let expected = AccessTokenHash::from_token(
                tokens.access_token(),
                id_token.signing_alg().unwrap(),
                id_token.signing_key(&id_verifier).unwrap(),
            )
            .unwrap_or_else(|e| panic!("{alg}: {e}"));
            assert_eq!(claims.access_token_hash(), Some(&expected), "{alg}: at_hash");
            assert_eq!(
                decode_jwt(tokens.access_token().secret()).header["alg"],
                "RS256",
                "access tokens use the default"
            );
        }
    }
);

backend_test!(a_client_whose_id_token_algorithm_lost_its_keys_gets_an_error_not_a_code, |app| async move {
    // Registered while ES256 was configured, and the configuration changed
    // since: only RS256 keys now (admin registration would refuse ES256).
    let client = oxidp::protocol::ClientRecord {
        client_id: "es".into(),
        public: true,
        redirect_uris: vec![CB.into()],
        grant_types: vec![oxidp::protocol::GrantType::AuthorizationCode],
        scopes: vec!["openid".into()],
        token_endpoint_auth_method: oxidp::protocol::ClientAuthMethod::None,
        id_token_signed_response_alg: Some(oxidp::jose::SigningAlg::Es256),
        ..oxidp::protocol::ClientRecord::default()
    };
    let audited = oxidp::store::Audited::new(oxidp::protocol::AuditKind::AdminAction);
    app.services.stores.clients.create(client, audited, now()).await.expect("store the client");
    let test_client = TestClient { client_id: "es".into(), secret: None, redirect_uris: vec![CB.into()] };
    let resp = app.browser().authorize(&AuthRequest::new(&test_client).scope("openid")).await;
    assert_eq!(resp.status(), 302, "back to the client");
    let location = header(&resp, reqwest::header::LOCATION).expect("Location");
    assert!(location.starts_with(CB) && location.contains("error=server_error"), "{location}");
    assert!(!location.contains("code="), "no code is spent on a login that cannot end well: {location}");
});
