//! Discovery metadata and the JWKS, both served from bytes serialised once.
//! Public and cacheable; readable from any origin (`web::cors::public`).

use actix_web::http::header;
use actix_web::web::Data;
use actix_web::{HttpRequest, HttpResponse};

use crate::flows::metadata::Metadata;
use crate::web::cors;

/// OpenID Provider metadata, also served as RFC 8414 authorization server
/// metadata (same document).
pub async fn discovery_get(metadata: Data<Metadata>) -> HttpResponse {
    cors::public(
        HttpResponse::Ok()
            .content_type("application/json")
            .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
            .body(metadata.discovery()),
    )
}

/// Next, active and retired public keys. `max-age` is the JWKS cache
/// lifetime that key rotation waits out; a strong `ETag` lets caches
/// revalidate cheaply (RFC 9110 §13.1.2: `If-None-Match` → 304).
pub async fn jwks_get(metadata: Data<Metadata>, req: HttpRequest) -> HttpResponse {
    let jwks = metadata.jwks();
    let cache_control = format!("public, max-age={}", jwks.max_age);
    let matches = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|tag| weak_match(tag.trim(), &jwks.etag)));
    let mut resp = if matches { HttpResponse::NotModified() } else { HttpResponse::Ok() };
    resp.insert_header((header::CACHE_CONTROL, cache_control)).insert_header((header::ETAG, jwks.etag));
    cors::public(if matches {
        resp.finish()
    } else {
        resp.content_type("application/jwk-set+json").body(jwks.body)
    })
}

/// RFC 9110 §13.1.2: `If-None-Match` uses the weak comparison, so `W/"x"`
/// matches `"x"`; `*` matches any current representation.
fn weak_match(tag: &str, etag: &str) -> bool {
    tag == "*" || tag.strip_prefix("W/").unwrap_or(tag) == etag
}

#[cfg(test)]
mod tests {
    use super::weak_match;

    #[test]
    fn if_none_match_compares_weakly() {
        assert!(weak_match("\"abc\"", "\"abc\""));
        assert!(weak_match("W/\"abc\"", "\"abc\""));
        assert!(weak_match("*", "\"abc\""));
        assert!(!weak_match("\"abd\"", "\"abc\""));
    }
}
