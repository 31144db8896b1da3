//! The stylesheet and the icon, compiled into the binary so the server has
//! no runtime file dependencies. Pages link them with a digest in the URL
//! (`?v=`), so a new release is never served from a stale cache.

use std::sync::LazyLock;

use actix_web::HttpResponse;
use actix_web::http::header;

pub const STYLE_CSS: &str = include_str!("../../static/style.css");
const FAVICON_SVG: &str = include_str!("../../static/favicon.svg");

static STYLE_VERSION: LazyLock<String> = LazyLock::new(|| {
    openssl::sha::sha256(STYLE_CSS.as_bytes())[..4].iter().map(|b| format!("{b:02x}")).collect()
});

/// The digest of the stylesheet, for its URL.
pub fn style_version() -> &'static str {
    &STYLE_VERSION
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
