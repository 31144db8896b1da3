//! The site's own pages: `GET /` (the product's start page), the branded
//! 404 page for unknown paths (JSON under `/admin/api`, whose clients are
//! programs), `/favicon.ico` and `/static/brand.css`.

use actix_web::http::{StatusCode, header};
use actix_web::web::Data;
use actix_web::{HttpRequest, HttpResponse};

use super::{Problem, Ui};
use crate::web::admin_api::error::ApiError;
use crate::web::views::HomePage;
use crate::web::{Site, assets, respond};

/// `GET /`.
pub async fn home_get(req: HttpRequest) -> HttpResponse {
    let ui = Ui::of(&req);
    respond::page(&ui, StatusCode::OK, &HomePage { ui: ui.clone() }, None)
}

/// Every path no route matches. Only GET and HEAD get the page; other
/// methods on unknown paths are 404 too, with the same body.
pub async fn not_found(req: HttpRequest) -> HttpResponse {
    if req.path() == "/admin/api" || req.path().starts_with("/admin/api/") {
        return actix_web::ResponseError::error_response(&ApiError::not_found("no such admin API endpoint"));
    }
    respond::problem_page(&req, Problem::NotFound)
}

/// `GET /favicon.ico`: browsers ask for it on their own; the SVG icon
/// answers (every current browser renders an SVG favicon).
pub async fn favicon_get() -> HttpResponse {
    assets::favicon_svg().await
}

/// `GET /static/brand.css`: the configured accents (`branding.*`).
pub async fn brand_css_get(site: Data<Site>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "public, max-age=86400"))
        .body(site.branding.css.clone())
}
