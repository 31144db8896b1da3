//! Security headers on every response (handlers may override Cache-Control
//! and, for the form post page, the CSP), and the request-target limit.
//! Scripts and fetches only from this origin: the one script is
//! `static/passkey.js` (no inline script anywhere but the form post page).
//! No `form-action` in the CSP: browsers apply it to the redirect that follows
//! the login form, which must reach the client's redirect URI.

use actix_web::HttpResponse;
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::{DefaultHeaders, Next};

pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self'; img-src 'self'; frame-ancestors 'none'; base-uri 'none'";

/// [`CONTENT_SECURITY_POLICY`] with `img-src` also allowing `origins`
/// (the https logos a page shows, and nothing else).
pub fn content_security_policy(origins: &[String]) -> String {
    if origins.is_empty() {
        return CONTENT_SECURITY_POLICY.to_string();
    }
    CONTENT_SECURITY_POLICY.replace("img-src 'self'", &format!("img-src 'self' {}", origins.join(" ")))
}

pub fn security_headers(https: bool) -> DefaultHeaders {
    let headers = DefaultHeaders::new()
        .add(("Content-Security-Policy", CONTENT_SECURITY_POLICY))
        .add(("X-Frame-Options", "DENY"))
        .add(("X-Content-Type-Options", "nosniff"))
        .add(("Referrer-Policy", "same-origin"))
        .add(("Cache-Control", "no-store"));
    if https { headers.add(("Strict-Transport-Security", "max-age=31536000")) } else { headers }
}

/// The longest request-target served (RFC 9110 §4.1 asks for at least
/// 8000 octets). Longer ones get 414 (RFC 9110 §15.5.15) before routing.
/// actix-http answers before any of this runs for targets the `http` crate
/// cannot hold (over 65,534 bytes: 400) and for request heads over 128 KiB
/// (431); neither limit can be configured, so 414 covers 8 KiB to 64 KiB.
pub const MAX_REQUEST_TARGET: usize = 8192;

pub async fn limit_request_target(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let len = req.uri().path_and_query().map_or(0, |pq| pq.as_str().len());
    if len > MAX_REQUEST_TARGET {
        let resp = HttpResponse::UriTooLong()
            .content_type("text/plain; charset=utf-8")
            .body(format!("the request target is longer than {MAX_REQUEST_TARGET} bytes"));
        return Ok(req.into_response(resp).map_into_right_body());
    }
    Ok(next.call(req).await?.map_into_left_body())
}
