//! A `Cookie` header (RFC 6265 §5.4) as the pages read it: the SSO session,
//! the CSRF key and the admin console's cookies.
#![no_main]

use std::sync::LazyLock;

use actix_web::test::TestRequest;
use libfuzzer_sys::fuzz_target;
use oxidp::config::Settings;
use oxidp::web::{Site, cookies};

static SITE: LazyLock<Site> = LazyLock::new(|| Settings::default().site());

fuzz_target!(|header: &str| {
    let Ok(value) = actix_web::http::header::HeaderValue::from_str(header) else { return };
    let req =
        TestRequest::default().insert_header((actix_web::http::header::COOKIE, value)).to_http_request();
    let _ = cookies::session(&req, &SITE);
    let _ = cookies::authorize_session(&req, &SITE);
    let _ = cookies::csrf_key(&req, &SITE);
    let _ = cookies::console(&req, &SITE);
    let _ = cookies::console_state(&req, &SITE);
});
