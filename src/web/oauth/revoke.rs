//! `POST /revoke` (RFC 7009 §2): 200 with an empty body unless the client
//! fails to authenticate or the request is malformed.

use actix_web::http::header;
use actix_web::web::{Bytes, Data};
use actix_web::{HttpRequest, HttpResponse};

use crate::clock::Clock;
use crate::flows::revocation::RevocationFlow;
use crate::web::{extract, respond};

pub async fn revoke_post(
    flow: Data<RevocationFlow>,
    clock: Data<Clock>,
    req: HttpRequest,
    body: Bytes,
) -> HttpResponse {
    let revoked = match extract::form_params(&req, &body) {
        Ok(params) => flow.revoke(extract::authorization(&req), &params, clock.now()).await,
        Err(e) => Err(e),
    };
    match revoked {
        Ok(()) => HttpResponse::Ok().insert_header((header::CACHE_CONTROL, "no-store")).finish(),
        Err(e) => respond::json_error(&e),
    }
}
