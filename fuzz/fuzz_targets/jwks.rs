//! A client's JWK Set, as registered or fetched from its `jwks_uri`
//! (RFC 7517 §5): only public keys are accepted.
#![no_main]

use libfuzzer_sys::fuzz_target;
use oxidp::protocol::client_assertion::parse_public_jwks;

fuzz_target!(|json: &str| {
    let _ = parse_public_jwks(json);
});
