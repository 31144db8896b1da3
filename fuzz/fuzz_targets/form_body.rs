//! An `application/x-www-form-urlencoded` body (token, revocation,
//! introspection, logout and the pages' forms): parsed once, then read the
//! ways the handlers read it.
#![no_main]

use libfuzzer_sys::fuzz_target;
use oxidp::protocol::logout::EndSessionRequest;
use oxidp::protocol::params::Params;

fuzz_target!(|body: &str| {
    let Ok(params) = Params::parse(body) else { return };
    let _ = params.reject_repeated();
    let _ = params.reject_repeated_except(&["resource", "audience"]);
    for name in ["grant_type", "code", "refresh_token", "client_id", "scope", "resource"] {
        let _ = params.get(name);
        let _ = params.get_all(name);
        let _ = params.require(name);
    }
    let _ = EndSessionRequest::parse(&params);
});
