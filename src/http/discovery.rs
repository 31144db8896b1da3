//! Discovery metadata and the JWKS, both served from bytes serialised once.
//! Public and cacheable; CORS-open so browser-based clients can read them.

use actix_web::HttpResponse;
use actix_web::http::header;
use actix_web::web::Data;

use crate::state::AppState;

pub async fn discovery_get(state: Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .insert_header((header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"))
        .body(state.discovery_json.to_string())
}

pub async fn jwks_get(state: Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/jwk-set+json")
        .insert_header((header::CACHE_CONTROL, "public, max-age=300"))
        .insert_header((header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"))
        .body(state.keyring.jwks_json().to_string())
}
