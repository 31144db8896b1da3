//! `POST /par`, the pushed authorization request endpoint (RFC 9126 §2):
//! 201 with the `request_uri`, or a JSON error as at the token endpoint.

use actix_web::guard::GuardContext;
use actix_web::http::StatusCode;
use actix_web::web::{Bytes, Data};
use actix_web::{HttpRequest, HttpResponse};

use crate::clock::Clock;
use crate::flows::authorize::PushFlow;
use crate::web::{extract, respond};

/// The route exists only while pushing is on (`par.enabled`).
pub fn enabled(ctx: &GuardContext<'_>) -> bool {
    ctx.app_data::<Data<PushFlow>>().is_some_and(|flow| flow.enabled())
}

pub async fn par_post(
    flow: Data<PushFlow>,
    clock: Data<Clock>,
    req: HttpRequest,
    body: Bytes,
) -> HttpResponse {
    let answer = match extract::form_params(&req, &body) {
        Ok(params) => {
            let ip = extract::client_ip(&req).map(|ip| ip.to_string());
            flow.push(extract::authorization(&req), &params, ip.as_deref(), clock.now()).await
        }
        Err(e) => Err(e),
    };
    respond::json_answer(StatusCode::CREATED, answer)
}
