//! `POST /token` (RFC 6749 §3.2): the token flow authenticates the client
//! and runs the grant; the answer is JSON that is never cached, readable
//! by the browser origins of the client (`web::cors`). Where DPoP proofs
//! must carry a nonce, every answer to a proof brings a fresh `DPoP-Nonce`
//! (RFC 9449 §8).

use actix_web::http::StatusCode;
use actix_web::web::{Bytes, Data};
use actix_web::{HttpRequest, HttpResponse};

use crate::clock::Clock;
use crate::flows::origins::BrowserOrigins;
use crate::flows::token::{TokenFlow, TokenRequest};
use crate::protocol::origin::Answer;
use crate::web::{cors, extract, respond};

pub async fn token_post(
    flow: Data<TokenFlow>,
    origins: Data<BrowserOrigins>,
    clock: Data<Clock>,
    req: HttpRequest,
    body: Bytes,
) -> HttpResponse {
    let now = clock.now();
    let origin = cors::origin(&req);
    let proof = extract::dpop_proof(&req);
    let answer = match (extract::form_params(&req, &body), &proof) {
        (Err(e), _) => Answer::undecided(e),
        (_, Err(e)) => Answer::undecided(e.clone()),
        (Ok(params), Ok(dpop)) => {
            let request = TokenRequest {
                authorization: extract::authorization(&req),
                params: &params,
                origin: origin.as_ref(),
                dpop: *dpop,
            };
            flow.token(request, now).await
        }
    };
    let mut resp = respond::json_answer(StatusCode::OK, answer.result);
    if !matches!(proof, Ok(None)) {
        respond::add_dpop_nonce(&mut resp, flow.dpop_nonce(now));
    }
    cors::per_client(resp, origin.as_ref(), answer.origin, &origins).await
}
