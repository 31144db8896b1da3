//! Responses encrypted to the client's key (OpenID Connect Core §10.2,
//! §5.3.2; Dynamic Client Registration §2): ID tokens signed then
//! encrypted (a nested JWT, `cty` `JWT`) from the code and refresh grants;
//! UserInfo as `application/jwt`, signed, encrypted, or both. The client
//! decrypts with its own private key (josekit's decrypters, not ours) and
//! verifies the inner signature with the server's JWKS. A client whose
//! keys cannot receive gets an error, never an unencrypted token.

use josekit::jwe::{ECDH_ES_A256KW, JweDecrypter, RSA_OAEP_256};
use josekit::jwk::Jwk;
use josekit::jwk::alg::ec::EcCurve;
use oxidp::flows::admin::NewClient;
use serde_json::{Value, json};

use crate::helpers::*;

const PASSWORD: &str = "correct horse battery";

/// A client's encryption key pair: the public half as it registers it.
pub(crate) struct EncKey {
    public: Jwk,
    decrypter: Box<dyn JweDecrypter>,
}

impl EncKey {
    pub(crate) fn rsa(kid: &str) -> EncKey {
        let pair = RSA_OAEP_256.generate_key_pair(2048).expect("RSA key");
        let mut public = pair.to_jwk_public_key();
        public.set_key_id(kid);
        public.set_key_use("enc");
        let decrypter = RSA_OAEP_256.decrypter_from_jwk(&pair.to_jwk_private_key()).expect("decrypter");
        EncKey { public, decrypter: Box::new(decrypter) }
    }

    fn p256(kid: &str) -> EncKey {
        let pair = ECDH_ES_A256KW.generate_ec_key_pair(EcCurve::P256).expect("EC key");
        let mut public = pair.to_jwk_public_key();
        public.set_key_id(kid);
        public.set_key_use("enc");
        let decrypter = ECDH_ES_A256KW.decrypter_from_jwk(&pair.to_jwk_private_key()).expect("decrypter");
        EncKey { public, decrypter: Box::new(decrypter) }
    }

    pub(crate) fn jwks(&self) -> String {
        json!({ "keys": [Value::Object(self.public.as_ref().clone())] }).to_string()
    }

    /// The plaintext and protected header of a compact JWE for this key.
    pub(crate) fn decrypt(&self, jwe: &str) -> (Vec<u8>, Value) {
        assert_eq!(jwe.split('.').count(), 5, "not a compact JWE: {jwe}");
        let (plain, header) = josekit::jwe::deserialize_compact(jwe, self.decrypter.as_ref())
            .unwrap_or_else(|e| panic!("the client cannot decrypt: {e}"));
        (plain, Value::Object(header.claims_set().clone()))
    }
}

fn sealed_client(client_id: &str, key: &EncKey) -> NewClient {
    NewClient { jwks: Some(key.jwks()), ..refresh_client_spec(client_id) }
}

/// Decrypts an encrypted ID token and verifies the signed one inside.
fn open_id_token(app_jwks: &Value, key: &EncKey, id_token: &str) -> (Value, Value) {
    let (inner, header) = key.decrypt(id_token);
    assert_eq!(header["cty"], "JWT", "a nested JWT (RFC 7519 §5.2)");
    let inner = String::from_utf8(inner).expect("UTF-8");
    (header, verify_jwt(app_jwks, &inner).claims)
}

backend_test!(id_tokens_are_signed_then_encrypted_to_the_clients_key, |app| async move {
    let user = app.with_user("alice", PASSWORD).await;
    let key = EncKey::rsa("enc-1");
    let client = app
        .with_client(NewClient {
            id_token_encrypted_response_alg: Some("RSA-OAEP-256".into()),
            ..sealed_client("sealed", &key)
        })
        .await;
    let tokens = app.tokens_for(&user, &client).await;
    let jwks = app.jwks().await;
    let (header, claims) = open_id_token(&jwks, &key, tokens.id_token());
    assert_eq!(header["alg"], "RSA-OAEP-256");
    assert_eq!(header["enc"], "A128CBC-HS256", "the default enc (Registration §2)");
    assert_eq!(header["kid"], "enc-1", "names the client's key");
    assert_eq!(claims["aud"], "sealed");
    assert_eq!(claims["sub"], user.sub().as_str());
    assert_eq!(claims["at_hash"], at_hash(&tokens.access_token).as_str());
    // The access token is for APIs, not the client: still a plain JWS.
    assert_eq!(decode_jwt(&tokens.access_token).claims["client_id"], "sealed");

    let refreshed = app.refreshed(&client, tokens.refresh_token()).await;
    let (_, again) = open_id_token(&jwks, &key, refreshed.id_token());
    assert_eq!(again["sub"], claims["sub"], "refreshed ID tokens are encrypted too");

    // The plain UserInfo answer is unchanged for this client.
    let resp = app.userinfo(&tokens.access_token).await;
    assert_eq!(resp.headers()["content-type"], "application/json");
});

backend_test!(ecdh_es_key_wrap_with_a256gcm_round_trips, |app| async move {
    let user = app.with_user("alice", PASSWORD).await;
    let key = EncKey::p256("ec-enc");
    let client = app
        .with_client(NewClient {
            id_token_encrypted_response_alg: Some("ECDH-ES+A256KW".into()),
            id_token_encrypted_response_enc: Some("A256GCM".into()),
            ..sealed_client("sealed-ec", &key)
        })
        .await;
    let tokens = app.tokens_for(&user, &client).await;
    let (header, claims) = open_id_token(&app.jwks().await, &key, tokens.id_token());
    assert_eq!((header["alg"].as_str(), header["enc"].as_str()), (Some("ECDH-ES+A256KW"), Some("A256GCM")));
    assert!(header["epk"].is_object(), "the ephemeral public key (RFC 7518 §4.6.1.1)");
    assert_eq!(claims["aud"], "sealed-ec");
});

backend_test!(userinfo_is_signed_encrypted_or_both_as_registered, |app| async move {
    let user = app.with_user("alice", PASSWORD).await;
    let jwks = app.jwks().await;
    let key = EncKey::rsa("enc-ui");
    let signed = app
        .with_client(NewClient {
            userinfo_signed_response_alg: Some("RS256".into()),
            ..refresh_client_spec("signed-ui")
        })
        .await;
    let both = app
        .with_client(NewClient {
            userinfo_signed_response_alg: Some("RS256".into()),
            userinfo_encrypted_response_alg: Some("RSA-OAEP-256".into()),
            userinfo_encrypted_response_enc: Some("A256GCM".into()),
            ..sealed_client("both-ui", &key)
        })
        .await;
    let encrypted = app
        .with_client(NewClient {
            userinfo_encrypted_response_alg: Some("RSA-OAEP-256".into()),
            ..sealed_client("encrypted-ui", &key)
        })
        .await;

    let jwt_body = |resp: reqwest::Response| async move {
        assert_eq!(resp.status(), 200);
        assert_eq!(resp.headers()["content-type"], "application/jwt", "OIDC Core §5.3.2");
        resp.text().await.expect("body")
    };
    // Signed: iss and aud name the server and the client.
    let tokens = app.tokens_for(&user, &signed).await;
    let jwt = jwt_body(app.userinfo(&tokens.access_token).await).await;
    let claims = verify_jwt(&jwks, &jwt).claims;
    assert_eq!(
        (claims["iss"].as_str(), claims["aud"].as_str()),
        (Some(app.issuer.as_str()), Some("signed-ui"))
    );
    assert_eq!(
        (claims["sub"].as_str(), claims["email"].as_str()),
        (Some(user.sub().as_str()), Some("alice@example.com"))
    );

    // Signed then encrypted: a nested JWT.
    let tokens = app.tokens_for(&user, &both).await;
    let (inner, header) = key.decrypt(&jwt_body(app.userinfo(&tokens.access_token).await).await);
    assert_eq!((header["cty"].as_str(), header["enc"].as_str()), (Some("JWT"), Some("A256GCM")));
    let claims = verify_jwt(&jwks, &String::from_utf8(inner).unwrap()).claims;
    assert_eq!(claims["aud"], "both-ui");

    // Encrypted only: the JSON claims inside, no signature (§5.3.2 allows it).
    let tokens = app.tokens_for(&user, &encrypted).await;
    let (inner, header) = key.decrypt(&jwt_body(app.userinfo(&tokens.access_token).await).await);
    assert!(header.get("cty").is_none(), "not a nested JWT: {header}");
    let claims: Value = serde_json::from_slice(&inner).expect("JSON claims");
    assert_eq!(claims["sub"], user.sub().as_str());
    assert!(claims.get("iss").is_none());

    let discovery = app.discovery().await;
    assert_eq!(
        discovery["id_token_encryption_alg_values_supported"],
        json!(["RSA-OAEP-256", "ECDH-ES", "ECDH-ES+A256KW"])
    );
    assert_eq!(discovery["userinfo_encryption_enc_values_supported"], json!(["A128CBC-HS256", "A256GCM"]));
    assert!(
        discovery["userinfo_signing_alg_values_supported"]
            .as_array()
            .is_some_and(|a| a.contains(&json!("RS256")))
    );
});

backend_test!(a_client_whose_keys_went_missing_gets_no_tokens, |app| async move {
    let user = app.with_user("alice", PASSWORD).await;
    let key = EncKey::rsa("enc-remote");
    // The keys are fetched from the client's jwks_uri; registration saw an
    // encryption key there, which is gone by the time tokens are issued.
    let served = ServedJwks::start(key.jwks()).await;
    let client = app
        .with_client(NewClient {
            jwks_uri: Some(served.uri.clone()),
            id_token_encrypted_response_alg: Some("RSA-OAEP-256".into()),
            ..refresh_client_spec("remote")
        })
        .await;
    served.replace(ClientKey::es256("sig-only").jwks());
    let browser = app.browser();
    let req = AuthRequest::new(&client);
    let cb = browser.authorize_and_login(&req, &user).await;
    let verifier = req.pkce.as_ref().map(|p| p.verifier.as_str());
    let resp = app.exchange_code(&client, &cb.code, &req.redirect_uri, verifier).await;
    let (status, code, body) = oauth_error(resp).await;
    assert_eq!((status, code.as_str()), (400, "unauthorized_client"), "{body}");
    assert!(body["error_description"].as_str().unwrap().contains("RSA-OAEP-256"), "{body}");
});
