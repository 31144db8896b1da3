//! A compact JWS/JWT from a client (RFC 7515 §7.1, RFC 7519): split and
//! decoded, then verified as an `id_token_hint` against our own keys
//! (OIDC RP-Initiated Logout §2), where `alg` comes from our key only.
#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use oxidp::jose::compact::{decode_object, split};
use oxidp::jose::keyring::{Keyring, generate_rsa_pem};
use oxidp::protocol::logout::IdTokenHint;

static KEYRING: LazyLock<Keyring> =
    LazyLock::new(|| Keyring::from_pem(&generate_rsa_pem(2048).expect("RSA key")).expect("keyring"));

fuzz_target!(|token: &str| {
    if let Some(jws) = split(token, 16 * 1024) {
        let _ = decode_object(jws.payload_b64);
        let _ = jws.header.get("alg");
    }
    let _ = IdTokenHint::verify(&KEYRING, "https://id.example", token);
});
