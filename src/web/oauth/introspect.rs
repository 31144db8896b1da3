//! `POST /introspect` (RFC 7662 §2): authenticated clients only.

use actix_web::http::StatusCode;
use actix_web::web::{Bytes, Data};
use actix_web::{HttpRequest, HttpResponse};

use crate::clock::Clock;
use crate::flows::introspection::IntrospectionFlow;
use crate::web::{extract, respond};

pub async fn introspect_post(
    flow: Data<IntrospectionFlow>,
    clock: Data<Clock>,
    req: HttpRequest,
    body: Bytes,
) -> HttpResponse {
    let answer = match extract::form_params(&req, &body) {
        Ok(params) => flow.introspect(extract::authorization(&req), &params, clock.now()).await,
        Err(e) => Err(e),
    };
    respond::json_answer(StatusCode::OK, answer)
}
