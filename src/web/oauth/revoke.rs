//! `POST /revoke` (RFC 7009 §2): 200 with an empty body unless the client
//! fails to authenticate or the request is malformed; readable by the
//! browser origins of the client (`web::cors`).

use actix_web::http::header;
use actix_web::web::{Bytes, Data};
use actix_web::{HttpRequest, HttpResponse};

use crate::clock::Clock;
use crate::flows::origins::BrowserOrigins;
use crate::flows::revocation::RevocationFlow;
use crate::protocol::origin::Answer;
use crate::web::{cors, extract, respond};

pub async fn revoke_post(
    flow: Data<RevocationFlow>,
    origins: Data<BrowserOrigins>,
    clock: Data<Clock>,
    req: HttpRequest,
    body: Bytes,
) -> HttpResponse {
    let origin = cors::origin(&req);
    let answer = match extract::form_params(&req, &body) {
        Ok(params) => flow.revoke(extract::authorization(&req), &params, origin.as_ref(), clock.now()).await,
        Err(e) => Answer::undecided(e),
    };
    let resp = match answer.result {
        Ok(()) => HttpResponse::Ok().insert_header((header::CACHE_CONTROL, "no-store")).finish(),
        Err(e) => respond::json_error(&e),
    };
    cors::per_client(resp, origin.as_ref(), answer.origin, &origins).await
}
