//! Reference costs the load harness (`bench/run.py`) divides by: one
//! Argon2id hash with the parameters oxidp is configured with (the same
//! `oxidp.toml` / `OXIDP__LOGIN__*` settings the server would read), and
//! one RS256 signature of a token-sized payload through our keyring.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use oxidp::accounts::PasswordHasher;
use oxidp::config::Settings;
use oxidp::jose::{Keyring, generate_rsa_pem};
use serde_json::{Map, Value, json};

fn argon2id(c: &mut Criterion) {
    let settings = Settings::load(None).expect("settings");
    let hasher = PasswordHasher::new(&settings.hash_policy()).expect("argon2 parameters");
    let mut group = c.benchmark_group("argon2id");
    // Each hash takes tens of milliseconds: few samples suffice.
    group.sample_size(10);
    group.bench_function("hash_configured_params", |b| {
        b.iter(|| hasher.hash(black_box("correct horse battery staple")).expect("hash"))
    });
    group.finish();
}

fn rs256_sign(c: &mut Criterion) {
    let keyring = Keyring::from_pem(&generate_rsa_pem(2048).expect("key")).expect("keyring");
    let Value::Object(claims) = json!({
        "iss": "https://idp.example", "sub": "svc", "aud": ["https://idp.example"],
        "client_id": "svc", "scope": "api.read", "jti": "0123456789abcdef0123456789abcdef",
        "iat": 1_700_000_000, "exp": 1_700_000_300,
    }) else {
        unreachable!("an object literal")
    };
    let claims: Map<String, Value> = claims;
    c.bench_function("rs256/sign_token", |b| {
        b.iter(|| keyring.sign("JWT", black_box(&claims)).expect("sign"))
    });
}

criterion_group!(benches, argon2id, rs256_sign);
criterion_main!(benches);
