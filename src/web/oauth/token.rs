//! `POST /token` (RFC 6749 §3.2): the token flow authenticates the client
//! and runs the grant; the answer is JSON that is never cached.

use actix_web::http::header;
use actix_web::web::{Bytes, Data};
use actix_web::{HttpRequest, HttpResponse};

use crate::clock::Clock;
use crate::flows::token::TokenFlow;
use crate::web::{extract, respond};

pub async fn token_post(
    flow: Data<TokenFlow>,
    clock: Data<Clock>,
    req: HttpRequest,
    body: Bytes,
) -> HttpResponse {
    let issued = match extract::form_params(&req, &body) {
        Ok(params) => flow.token(extract::authorization(&req), &params, clock.now()).await,
        Err(e) => Err(e),
    };
    match issued {
        Ok(response) => HttpResponse::Ok()
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .insert_header((header::PRAGMA, "no-cache"))
            .json(response),
        Err(e) => respond::json_error(&e),
    }
}
