//! A `DPoP` header (RFC 9449 §4.3): split, header and embedded key checked,
//! signature verified with that key, claims compared with the request; the
//! key's thumbprint (RFC 7638) computed. With and without an access token
//! to hash (`ath`).
#![no_main]

use libfuzzer_sys::fuzz_target;
use oxidp::protocol::dpop::{Expected, check_proof};

const NOW: i64 = 1_800_000_000;

fuzz_target!(|proof: &str| {
    let at_token = Expected { method: "POST", uri: "https://idp.example/token", access_token: None, now: NOW };
    let _ = check_proof(proof, &at_token);
    let at_userinfo =
        Expected { method: "GET", uri: "https://idp.example/userinfo", access_token: Some("tok"), now: NOW };
    let _ = check_proof(proof, &at_userinfo);
});
