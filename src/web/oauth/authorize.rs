//! `GET|POST /authorize` (RFC 6749 §3.1: both methods must be supported).

use actix_web::http::StatusCode;
use actix_web::web::{Bytes, Data};
use actix_web::{HttpRequest, HttpResponse};

use crate::clock::Clock;
use crate::flows::authorize::AuthorizeFlow;
use crate::protocol::Params;
use crate::web::{Site, cookies, extract, outcome, respond};

pub async fn authorize_get(
    flow: Data<AuthorizeFlow>,
    site: Data<Site>,
    clock: Data<Clock>,
    req: HttpRequest,
) -> HttpResponse {
    match extract::query_params(&req) {
        Ok(params) => authorize(&flow, &site, &clock, &req, params).await,
        Err(e) => respond::error_page(&req, &e),
    }
}

pub async fn authorize_post(
    flow: Data<AuthorizeFlow>,
    site: Data<Site>,
    clock: Data<Clock>,
    req: HttpRequest,
    body: Bytes,
) -> HttpResponse {
    match extract::form_params(&req, &body) {
        Ok(params) => authorize(&flow, &site, &clock, &req, params).await,
        Err(e) => respond::error_page(&req, &e),
    }
}

async fn authorize(
    flow: &AuthorizeFlow,
    site: &Site,
    clock: &Clock,
    req: &HttpRequest,
    params: Params,
) -> HttpResponse {
    let cookie = cookies::authorize_session(req, site);
    let decided = flow.authorize(&params, cookie.as_deref(), &extract::device(req), clock.now()).await;
    outcome::render(site, req, decided, StatusCode::FOUND)
}
