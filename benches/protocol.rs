//! Hot paths of the protocol without a server, so regressions show in
//! `cargo bench`: minting the tokens of a code exchange, verifying an
//! access token as UserInfo does, and parsing + checking an authorization
//! request.

use std::hint::black_box;

use std::sync::Arc;

use criterion::{Criterion, criterion_group, criterion_main};
use oxidp::flows::access_tokens::AccessTokenVerifier;
use oxidp::jose::{Keyring, KeyringHandle, SigningAlg, generate_rsa_pem};
use oxidp::protocol::authorize::validate_for;
use oxidp::protocol::claims::{IdTokenRequest, mint_id_token};
use oxidp::protocol::tokens::{AccessTokenRequest, mint_access_token};
use oxidp::protocol::{
    AuthLevel, AuthMethod, ClientAuthMethod, ClientRecord, GrantType, Params, Scope, UserRecord,
};
use oxidp::store::{OpenMode, StoreConfig, Stores};

const ISSUER: &str = "https://idp.example";
const NOW: i64 = 1_700_000_000;

fn keyring() -> Keyring {
    Keyring::from_pem(&generate_rsa_pem(2048).expect("key")).expect("keyring")
}

fn access_token_request() -> AccessTokenRequest<'static> {
    AccessTokenRequest {
        issuer: ISSUER,
        subject: "5f0c7c1e-8a4b-4f7e-9a55-3f1d2b6c9e01",
        client_id: "web",
        audience: vec![ISSUER.to_string()],
        scope: "openid profile email".into(),
        auth_time: Some(NOW - 60),
        sid: Some("0b8f3c2a-4d5e-4f60-8a7b-9c0d1e2f3a4b".into()),
        group_claims: Default::default(),
        userinfo_claims: Vec::new(),
        act: None,
        dpop_jkt: None,
        now: NOW,
        ttl_secs: 300,
    }
}

fn user() -> UserRecord {
    UserRecord {
        id: "5f0c7c1e-8a4b-4f7e-9a55-3f1d2b6c9e01".into(),
        username: "alice".into(),
        email: Some("alice@example.com".into()),
        email_verified: true,
        name: Some("Alice Example".into()),
        password_hash: String::new(),
        disabled: false,
        created_at: NOW,
        updated_at: NOW,
        version: 1,
        profile: Default::default(),
    }
}

fn minting(c: &mut Criterion) {
    let keyring = keyring();
    let (user, scope) = (user(), Scope::parse("openid profile email").expect("scope"));
    c.bench_function("tokens/mint_access_token", |b| {
        b.iter(|| mint_access_token(&keyring, black_box(access_token_request())).expect("mint"))
    });
    c.bench_function("tokens/mint_access_and_id_token", |b| {
        b.iter(|| {
            let access = mint_access_token(&keyring, access_token_request()).expect("mint");
            let id_token = IdTokenRequest {
                alg: SigningAlg::Rs256,
                issuer: ISSUER,
                user: &user,
                subject: &user.id,
                client_id: "web",
                scope: &scope,
                nonce: Some("n-0S6_WzA2Mj"),
                auth_time: NOW - 60,
                acr: Some(AuthLevel::SingleFactor),
                amr: &[AuthMethod::Password],
                sid: "0b8f3c2a-4d5e-4f60-8a7b-9c0d1e2f3a4b",
                access_token: &access.token,
                group_claims: &Default::default(),
                named_claims: &[],
                now: NOW,
                ttl_secs: 300,
            };
            mint_id_token(&keyring, black_box(id_token)).expect("id token")
        })
    });
}

fn verification(c: &mut Criterion) {
    let keyring = Arc::new(KeyringHandle::new(keyring()));
    let token = mint_access_token(&keyring.current(), access_token_request()).expect("mint").token;
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    // The embedded stores: the denylist answers from memory.
    let dir = tempfile::tempdir().expect("tempdir");
    let config = StoreConfig {
        database_url: format!("sqlite://{}/bench.db", dir.path().display()),
        max_connections: 2,
        cache_rows: true,
        redis: None,
    };
    let stores = runtime.block_on(Stores::open(&config, OpenMode::CreateIfMissing)).expect("stores");
    // A fresh cache each time: the full check, signature included.
    c.bench_function("tokens/verify_access_token", |b| {
        b.iter(|| {
            let verifier = AccessTokenVerifier::new(keyring.clone(), stores.denylist.clone(), ISSUER.into());
            runtime.block_on(verifier.verify_for(ISSUER, black_box(&token), NOW + 1)).expect("valid")
        })
    });
    // The same token again (a relying party calling UserInfo repeatedly).
    let verifier = AccessTokenVerifier::new(keyring.clone(), stores.denylist.clone(), ISSUER.into());
    c.bench_function("tokens/verify_access_token_seen_before", |b| {
        b.iter(|| runtime.block_on(verifier.verify_for(ISSUER, black_box(&token), NOW + 1)).expect("valid"))
    });
}

fn authorize_parsing(c: &mut Criterion) {
    let client = ClientRecord {
        client_id: "web".into(),
        redirect_uris: vec!["https://app.example/callback".into()],
        grant_types: vec![GrantType::AuthorizationCode, GrantType::RefreshToken],
        scopes: ["openid", "profile", "email", "offline_access"].map(String::from).to_vec(),
        token_endpoint_auth_method: ClientAuthMethod::ClientSecretBasic,
        ..ClientRecord::default()
    };
    let query = "response_type=code&client_id=web&redirect_uri=https%3A%2F%2Fapp.example%2Fcallback\
        &scope=openid%20profile%20email&state=af0ifjsldkj&nonce=n-0S6_WzA2Mj\
        &code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256";
    c.bench_function("authorize/parse_and_validate", |b| {
        b.iter(|| {
            let params = Params::parse(black_box(query)).expect("params");
            validate_for(&client, &params).expect("valid request")
        })
    });
}

criterion_group!(benches, minting, verification, authorize_parsing);
criterion_main!(benches);
