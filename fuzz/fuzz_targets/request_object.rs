//! A `request` parameter (RFC 9101 §6): the compact JWS parsed and its
//! header checked, the signature verified against a client's registered
//! keys; and, since a mutated payload never verifies, any JSON object taken
//! as verified claims and turned into the authorization request's
//! parameters (client, issuer, time and nesting checks included).
#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use oxidp::jose::keyring::{Keyring, generate_rsa_pem};
use oxidp::protocol::client_assertion::parse_public_jwks;
use oxidp::protocol::request_object::{into_params, parse};

static CLIENT_KEYS: LazyLock<josekit::jwk::JwkSet> = LazyLock::new(|| {
    let keyring = Keyring::from_pem(&generate_rsa_pem(2048).expect("RSA key")).expect("keyring");
    parse_public_jwks(keyring.jwks_json()).expect("a public JWK set")
});

fuzz_target!(|input: &str| {
    if let Ok(object) = parse(input) {
        let _ = object.verify(&CLIENT_KEYS);
    }
    if let Ok(claims) = serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(input) {
        let _ = into_params(&claims, "app", "https://idp.example", 1_800_000_000);
    }
});
