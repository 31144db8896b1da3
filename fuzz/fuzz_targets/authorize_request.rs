//! An authorization request's query string (RFC 6749 §4.1.1, OIDC Core
//! §3.1.2.1), parsed and validated against a registered client.
#![no_main]

use libfuzzer_sys::fuzz_target;
use oxidp::protocol::authorize::{client_id, ui_locales, validate_for};
use oxidp::protocol::models::ClientRecord;
use oxidp::protocol::params::Params;

fuzz_target!(|query: &str| {
    let Ok(params) = Params::parse(query) else { return };
    let _ = ui_locales(params.get("ui_locales"));
    if client_id(&params).is_err() {
        return;
    }
    let client = ClientRecord {
        client_id: "app".into(),
        redirect_uris: vec!["https://app.example/cb".into(), "http://127.0.0.1/cb".into()],
        scopes: ["openid", "profile", "email", "offline_access"].map(String::from).to_vec(),
        ..ClientRecord::default()
    };
    let _ = validate_for(&client, &params);
});
