//! `POST /token` (RFC 6749 §3.2): the token flow authenticates the client
//! and runs the grant; the answer is JSON that is never cached, readable
//! by the browser origins of the client (`web::cors`).

use actix_web::http::StatusCode;
use actix_web::web::{Bytes, Data};
use actix_web::{HttpRequest, HttpResponse};

use crate::clock::Clock;
use crate::flows::origins::BrowserOrigins;
use crate::flows::token::TokenFlow;
use crate::protocol::origin::Answer;
use crate::web::{cors, extract, respond};

pub async fn token_post(
    flow: Data<TokenFlow>,
    origins: Data<BrowserOrigins>,
    clock: Data<Clock>,
    req: HttpRequest,
    body: Bytes,
) -> HttpResponse {
    let origin = cors::origin(&req);
    let answer = match extract::form_params(&req, &body) {
        Ok(params) => flow.token(extract::authorization(&req), &params, origin.as_ref(), clock.now()).await,
        Err(e) => Answer::undecided(e),
    };
    let resp = respond::json_answer(StatusCode::OK, answer.result);
    cors::per_client(resp, origin.as_ref(), answer.origin, &origins).await
}
