//! Access tokens encrypted to their API (JWE, RFC 7516; issue 15): an API
//! registered with an encryption key gets its tokens signed (RFC 9068) then
//! encrypted to that key, so the client holding the token cannot read it.
//! The API decrypts with its own key (josekit's decrypter, not ours) and
//! verifies the inner token with the JWKS. Such a token is for that API
//! alone (not UserInfo, not other APIs); it cannot be revoked on its own
//! (RFC 7009 §2.2.1 `unsupported_token_type`), its refresh token can, and
//! that ends the inner token too.

use oxidp::flows::admin::{NewClient, NewResource};
use serde_json::Value;

use crate::helpers::*;
use crate::response_encryption::EncKey;

const SEALED_API: &str = "https://vault.api.example";
const PLAIN_API: &str = "https://plain.api.example";

async fn sealed_api(app: &TestApp, key: &EncKey) {
    app.with_resource(NewResource {
        identifier: SEALED_API.into(),
        scopes: vec!["read:vault".into()],
        jwks: Some(key.jwks()),
        access_token_encrypted_response_alg: Some("RSA-OAEP-256".into()),
        access_token_encrypted_response_enc: Some("A256GCM".into()),
        ..NewResource::default()
    })
    .await;
}

/// The API's view: decrypt, then verify the signed token inside.
fn open(app_jwks: &Value, key: &EncKey, token: &str) -> (String, Value) {
    let (inner, header) = key.decrypt(token);
    assert_eq!((header["alg"].as_str(), header["enc"].as_str()), (Some("RSA-OAEP-256"), Some("A256GCM")));
    assert_eq!(header["cty"], "JWT", "a nested JWT (RFC 7519 §5.2)");
    let inner = String::from_utf8(inner).expect("UTF-8");
    let jwt = verify_jwt(app_jwks, &inner);
    assert_eq!(jwt.header["typ"], "at+jwt", "RFC 9068 inside");
    (inner, jwt.claims)
}

backend_test!(a_services_token_for_a_sealed_api_is_readable_by_the_api_alone, |app| async move {
    let key = EncKey::rsa("vault-enc");
    sealed_api(&app, &key).await;
    app.with_api(PLAIN_API, &[]).await;
    let svc = app.with_service_client("svc", &["read:vault"], &[SEALED_API, PLAIN_API]).await;

    let resp = app.client_credentials(&svc, &[("resource", SEALED_API), ("scope", "read:vault")]).await;
    let tokens = Tokens::from_response(resp).await;
    assert_eq!(tokens.access_token.split('.').count(), 5, "a compact JWE, opaque to the client");
    let (inner, claims) = open(&app.jwks().await, &key, &tokens.access_token);
    assert_eq!(audiences(&claims), [SEALED_API]);
    assert_eq!((claims["client_id"].as_str(), claims["scope"].as_str()), (Some("svc"), Some("read:vault")));
    // The client may still introspect what the API passes on (the inner token).
    assert_eq!(audiences(&app.assert_active(&svc, &inner, "the inner token").await), [SEALED_API]);

    // Never together with another API: it could not read the token.
    let both = app.client_credentials(&svc, &[("resource", SEALED_API), ("resource", PLAIN_API)]).await;
    let (status, code, body) = oauth_error(both).await;
    assert_eq!((status, code.as_str()), (400, "invalid_target"), "{body}");
    // The other API's tokens stay plain JWS.
    let plain = Tokens::from_response(app.client_credentials(&svc, &[("resource", PLAIN_API)]).await).await;
    assert_eq!(audiences(&decode_jwt(&plain.access_token).claims), [PLAIN_API]);

    // Not revocable on its own (RFC 7009 §2.2.1); nothing changes.
    let resp = app.revoke(&svc.auth(), &tokens.access_token, None).await;
    let (status, code, body) = oauth_error(resp).await;
    assert_eq!((status, code.as_str()), (400, "unsupported_token_type"), "{body}");
    app.assert_active(&svc, &inner, "still active").await;
});

backend_test!(
    a_users_token_for_a_sealed_api_skips_userinfo_and_dies_with_its_refresh_token,
    |app| async move {
        let key = EncKey::rsa("vault-enc");
        sealed_api(&app, &key).await;
        let user = app.with_user("alice", "correct horse battery").await;
        let client = app
            .with_client(NewClient {
                scopes: ["openid", "profile", "read:vault"].map(String::from).to_vec(),
                resources: vec![SEALED_API.into()],
                ..refresh_client_spec("vault-app")
            })
            .await;
        let browser = app.browser();
        let req = AuthRequest::new(&client).scope("openid profile read:vault").param("resource", SEALED_API);
        let tokens = app.tokens_with(&browser, &user, &client, &req).await;
        let (inner, claims) = open(&app.jwks().await, &key, &tokens.access_token);
        assert_eq!(audiences(&claims), [SEALED_API], "not the issuer: UserInfo could not read it");
        assert_eq!(claims["sub"], user.sub().as_str());
        assert_eq!(app.userinfo(&tokens.access_token).await.status(), 401);
        // The ID token's at_hash is of the token the client holds.
        let id = decode_jwt(tokens.id_token()).claims;
        assert_eq!(id["at_hash"], at_hash(&tokens.access_token).as_str());

        // Refreshed tokens are sealed too; revoking the refresh token ends them.
        let refreshed = app.refreshed(&client, tokens.refresh_token()).await;
        let (inner_refreshed, _) = open(&app.jwks().await, &key, &refreshed.access_token);
        app.revoked(&client, refreshed.refresh_token()).await;
        app.assert_inactive(&client, &inner_refreshed, "revoked with its refresh token").await;
        let _ = inner;
    }
);

backend_test!(a_sealed_api_needs_a_key_that_can_receive, |app| async move {
    let refused = |new: NewResource| {
        let admin = app.services.admin.clone();
        async move {
            admin
                .create_resource(&oxidp::flows::admin::Actor::Cli, new, now())
                .await
                .err()
                .expect("refused")
                .to_string()
        }
    };
    let signing_only = ClientKey::es256("sig").jwks();
    let message = refused(NewResource {
        identifier: SEALED_API.into(),
        jwks: Some(signing_only),
        access_token_encrypted_response_alg: Some("RSA-OAEP-256".into()),
        ..NewResource::default()
    })
    .await;
    assert!(message.contains("no key that can receive RSA-OAEP-256"), "{message}");
    let message = refused(NewResource {
        identifier: SEALED_API.into(),
        access_token_encrypted_response_alg: Some("RSA-OAEP-256".into()),
        ..NewResource::default()
    })
    .await;
    assert!(message.contains("no key"), "{message}");
    let message = refused(NewResource {
        identifier: SEALED_API.into(),
        jwks: Some(EncKey::rsa("k").jwks()),
        access_token_encrypted_response_enc: Some("A256GCM".into()),
        ..NewResource::default()
    })
    .await;
    assert!(message.contains("needs access_token_encrypted_response_alg"), "{message}");
    assert!(app.services.admin.list_resources().await.unwrap().is_empty(), "nothing written");
});

backend_test!(
    encryption_switched_off_gives_a_sealed_api_no_tokens,
    options = SpawnOptions::default().settings(|s| s.encryption.enabled = false),
    |app| async move {
        let new = NewResource {
            identifier: SEALED_API.into(),
            jwks: Some(EncKey::rsa("k").jwks()),
            access_token_encrypted_response_alg: Some("RSA-OAEP-256".into()),
            ..NewResource::default()
        };
        let err = app.services.admin.create_resource(&oxidp::flows::admin::Actor::Cli, new, now()).await;
        assert!(err.err().expect("refused").to_string().contains("encryption.enabled"));
        let discovery = app.discovery().await;
        assert!(discovery.get("id_token_encryption_alg_values_supported").is_none());
    }
);
