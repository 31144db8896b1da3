//! A `client_assertion` (RFC 7523 §2.2, OIDC Core §9 private_key_jwt):
//! parsed, then verified against a client's registered public keys.
#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use oxidp::jose::keyring::{Keyring, generate_rsa_pem};
use oxidp::protocol::client_assertion::{Assertion, parse_public_jwks};

static CLIENT_KEYS: LazyLock<josekit::jwk::JwkSet> = LazyLock::new(|| {
    let keyring = Keyring::from_pem(&generate_rsa_pem(2048).expect("RSA key")).expect("keyring");
    parse_public_jwks(keyring.jwks_json()).expect("a public JWK set")
});

fuzz_target!(|token: &str| {
    let Ok(assertion) = Assertion::parse(token) else { return };
    let _ = assertion.subject();
    let _ = assertion.verify(&CLIENT_KEYS);
});
