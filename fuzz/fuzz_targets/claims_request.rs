//! The `claims` authorization request parameter (OpenID Connect Core §5.5)
//! for a client registered for every standard scope, and what a parsed
//! request leads to: the consent scope and the named claims of a user.
#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use oxidp::protocol::claims_request::{named_claims, parse};
use oxidp::protocol::{ClientRecord, Scope, UserRecord};

static CLIENT: LazyLock<ClientRecord> = LazyLock::new(|| ClientRecord {
    client_id: "app".into(),
    scopes: ["openid", "profile", "email", "phone", "address"].iter().map(|s| s.to_string()).collect(),
    ..ClientRecord::default()
});

static USER: LazyLock<UserRecord> = LazyLock::new(|| UserRecord {
    id: "9f0c2a4e-5b1d-4c3e-8f7a-6b5c4d3e2f10".into(),
    username: "alice".into(),
    email: Some("alice@example.com".into()),
    email_verified: true,
    name: Some("Alice".into()),
    password_hash: String::new(),
    disabled: false,
    created_at: 1,
    updated_at: 2,
    version: 1,
    profile: Default::default(),
});

fuzz_target!(|input: &str| {
    if let Ok(request) = parse(input, &CLIENT) {
        let scope = Scope::parse("openid").unwrap_or_default();
        let _ = request.claims.consent_scope(&scope);
        let _ = named_claims(&USER, "sub", &request.claims.id_token);
        let _ = named_claims(&USER, "sub", &request.claims.userinfo);
    }
});
