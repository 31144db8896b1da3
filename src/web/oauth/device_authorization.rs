//! `POST /device_authorization` (RFC 8628 §3.1–3.2): the client
//! authenticates as at `/token`; the answer is JSON that is never cached,
//! errors as RFC 6749 §5.2.

use actix_web::http::StatusCode;
use actix_web::web::{Bytes, Data};
use actix_web::{HttpRequest, HttpResponse};

use crate::clock::Clock;
use crate::flows::device::DeviceFlow;
use crate::web::{extract, respond};

pub async fn device_authorization_post(
    flow: Data<DeviceFlow>,
    clock: Data<Clock>,
    req: HttpRequest,
    body: Bytes,
) -> HttpResponse {
    let started = match extract::form_params(&req, &body) {
        Ok(params) => flow.begin(extract::authorization(&req), &params, clock.now()).await,
        Err(e) => Err(e),
    };
    respond::json_answer(StatusCode::OK, started)
}
