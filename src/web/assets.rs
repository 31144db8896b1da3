//! The stylesheet and the icon, compiled into the binary so the server has
//! no runtime file dependencies. Pages link them with a digest in the URL
//! (`?v=`), so a new release is never served from a stale cache.

use std::sync::LazyLock;

use actix_web::HttpResponse;
use actix_web::http::header;

pub const STYLE_CSS: &str = include_str!("../../static/style.css");
const FAVICON_SVG: &str = include_str!("../../static/favicon.svg");
/// The passkey ceremonies' script (the only script the pages load).
pub const PASSKEY_JS: &str = include_str!("../../static/passkey.js");

static STYLE_VERSION: LazyLock<String> = LazyLock::new(|| {
    openssl::sha::sha256(STYLE_CSS.as_bytes())[..4].iter().map(|b| format!("{b:02x}")).collect()
});

static SCRIPT_VERSION: LazyLock<String> = LazyLock::new(|| {
    openssl::sha::sha256(PASSKEY_JS.as_bytes())[..4].iter().map(|b| format!("{b:02x}")).collect()
});

/// The digest of the stylesheet, for its URL.
pub fn style_version() -> &'static str {
    &STYLE_VERSION
}

/// The digest of the passkey script, for its URL.
pub fn script_version() -> &'static str {
    &SCRIPT_VERSION
}

pub async fn passkey_js() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/javascript; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "public, max-age=86400"))
        .body(PASSKEY_JS)
}

pub async fn style_css() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "public, max-age=86400"))
        .body(STYLE_CSS)
}

pub async fn favicon_svg() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("image/svg+xml")
        .insert_header((header::CACHE_CONTROL, "public, max-age=86400"))
        .body(FAVICON_SVG)
}
