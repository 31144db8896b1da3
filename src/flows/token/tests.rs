//! The grant dispatch on its own dependencies: stores on a temp SQLite file
//! and a memory ephemeral store, one RSA key. No HTTP, no password hasher,
//! no key-encryption key.

use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use super::*;
use crate::flows::client_auth::client_keys::{ClientKeyCache, OutboundHttp};
use crate::flows::dpop::DpopChecker;
use crate::flows::response_encryption::ResponseSealer;
use crate::flows::sessions::{SessionPolicy, Sessions};
use crate::jose::{Keyring, KeyringHandle, generate_rsa_pem};
use crate::protocol::dpop::DpopPolicy;
use crate::protocol::dpop::nonce::NonceKey;
use crate::protocol::lifetimes::TokenPolicy;
use crate::protocol::{ClientAuthMethod, ClientRecord, TokenType};

const ISSUER: &str = "https://idp.example";
const NOW: i64 = 1_800_000_000;
const SECRET: &str = "a-very-long-client-secret-of-40-characters";

fn client(client_id: &str, grants: &[GrantType]) -> ClientRecord {
    ClientRecord {
        client_id: client_id.into(),
        secret_hash: Some(crate::crypto::secret_digest(SECRET)),
        redirect_uris: vec!["https://rp.example/cb".into()],
        grant_types: grants.to_vec(),
        scopes: vec!["openid".into(), "api.read".into()],
        token_endpoint_auth_method: ClientAuthMethod::ClientSecretBasic,
        ..ClientRecord::default()
    }
}

async fn token_flow() -> (TokenFlow, tempfile::TempDir) {
    let (stores, dir) = crate::store::test_db::temp_stores().await;
    stores
        .clients
        .create(client("svc", &[GrantType::ClientCredentials]), crate::store::Audited::test(), 0)
        .await
        .expect("svc");
    stores
        .clients
        .create(client("web", &[GrantType::AuthorizationCode]), crate::store::Audited::test(), 0)
        .await
        .expect("web");
    let refresh = client("app", &[GrantType::AuthorizationCode, GrantType::RefreshToken]);
    stores.clients.create(refresh, crate::store::Audited::test(), 0).await.expect("app");

    let keyring = Keyring::from_pem(&generate_rsa_pem(2048).expect("key")).expect("keyring");
    let policy = TokenPolicy {
        access_token_ttl: 300,
        id_token_ttl: 300,
        code_ttl: 60,
        refresh_token_idle_ttl: 3600,
        refresh_token_absolute_ttl: 7200,
        longest_access_token: 3600,
        encrypted_tokens: true,
    };
    let keyring = Arc::new(KeyringHandle::new(keyring));
    let subjects = Arc::new(crate::protocol::subjects::Subjects::new(Some([9; 32])));
    let issuer = Arc::new(TokenIssuer::new(
        keyring.clone(),
        ISSUER.into(),
        ISSUER.into(),
        policy,
        stores.resources.clone(),
        stores.groups.clone(),
        subjects.clone(),
    ));
    let client_auth = Arc::new(ClientAuthenticator::new(
        stores.clients.clone(),
        Arc::new(ClientKeyCache::new()),
        Arc::new(OutboundHttp::new()),
        stores.ephemeral.clone(),
        ISSUER,
    ));
    let sessions = Sessions::detached(&stores, SessionPolicy { ttl: 3600, idle_ttl: 600 });
    let dpop =
        DpopChecker::new(DpopPolicy::default(), NonceKey::new([3; 32]), stores.ephemeral.clone(), ISSUER);
    let sealer = ResponseSealer::new(keyring.clone(), client_auth.keys(), true);
    let flow = TokenFlow::new(
        client_auth,
        Arc::new(dpop),
        sealer,
        TokenGrants::new(GrantParts {
            ephemeral: stores.ephemeral.clone(),
            users: stores.users.clone(),
            grants: stores.grants.clone(),
            sessions,
            issuer,
            exchange: crate::flows::token::ExchangeParts {
                access_tokens: Arc::new(crate::flows::access_tokens::AccessTokenVerifier::new(
                    keyring,
                    stores.denylist.clone(),
                    ISSUER.into(),
                )),
                subjects: crate::flows::subjects::SubjectResolver::new(subjects, stores.clients.clone()),
                consents: stores.consents.clone(),
                audit: stores.audit.clone(),
                enabled: true,
            },
        }),
    );
    (flow, dir)
}

async fn token(flow: &TokenFlow, client_id: &str, form: &str) -> Result<TokenResponse, &'static str> {
    let basic = format!("Basic {}", STANDARD.encode(format!("{client_id}:{SECRET}")));
    let params = Params::parse(form).expect("form");
    let request = TokenRequest { authorization: Some(&basic), params: &params, origin: None, dpop: None };
    flow.token(request, NOW).await.result.map_err(|e| e.code.as_str())
}

#[tokio::test]
async fn each_grant_type_reaches_its_grant() {
    let (flow, _dir) = token_flow().await;
    let issued = token(&flow, "svc", "grant_type=client_credentials").await.expect("client credentials");
    assert_eq!((issued.token_type, issued.scope.as_str()), (TokenType::Bearer, "api.read"));
    assert!(issued.refresh_token.is_none() && issued.id_token.is_none());
    // The code and refresh grants answer for their own kind of credential.
    assert_eq!(
        token(&flow, "web", "grant_type=authorization_code&code=nope").await.err(),
        Some("invalid_grant")
    );
    assert_eq!(
        token(&flow, "app", "grant_type=refresh_token&refresh_token=nope").await.err(),
        Some("invalid_grant")
    );
    let device = "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Adevice_code&device_code=nope";
    assert_eq!(token(&flow, "app", device).await.err(), Some("unauthorized_client"));
}

#[tokio::test]
async fn grants_a_client_is_not_registered_for_are_refused() {
    let (flow, _dir) = token_flow().await;
    let unauthorized = Some("unauthorized_client");
    assert_eq!(token(&flow, "web", "grant_type=client_credentials").await.err(), unauthorized);
    assert_eq!(token(&flow, "svc", "grant_type=authorization_code&code=x").await.err(), unauthorized);
    assert_eq!(token(&flow, "web", "grant_type=refresh_token&refresh_token=x").await.err(), unauthorized);
}

#[tokio::test]
async fn unknown_or_missing_grant_types_and_bad_clients() {
    let (flow, _dir) = token_flow().await;
    assert_eq!(token(&flow, "svc", "grant_type=password").await.err(), Some("unsupported_grant_type"));
    assert_eq!(token(&flow, "svc", "scope=api.read").await.err(), Some("invalid_request"));
    assert_eq!(token(&flow, "svc", "grant_type=a&grant_type=b").await.err(), Some("invalid_request"));
    // The client is authenticated before its grant type is even looked at.
    assert_eq!(token(&flow, "nobody", "grant_type=password").await.err(), Some("invalid_client"));
}
