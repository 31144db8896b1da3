//! `POST /par`, the pushed authorization request endpoint (RFC 9126 §2):
//! 201 with the `request_uri`, or a JSON error as at the token endpoint,
//! with the statuses of §2.3.

use actix_web::guard::GuardContext;
use actix_web::http::{StatusCode, header};
use actix_web::web::{Bytes, Data};
use actix_web::{HttpRequest, HttpResponse};

use crate::clock::Clock;
use crate::flows::authorize::{PushFlow, PushRefused, Pushed};
use crate::protocol::OAuthError;
use crate::protocol::pending_logins::PendingScope;
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
    let now = clock.now();
    let proof = extract::dpop_proof(&req);
    let answer = match (extract::form_params(&req, &body), &proof) {
        (Ok(params), Ok(dpop)) => {
            let ip = extract::client_ip(&req).map(|ip| ip.to_string());
            flow.push(extract::authorization(&req), &params, *dpop, ip.as_deref(), now).await
        }
        (Err(e), _) => Err(e.into()),
        (_, Err(e)) => Err(e.clone().into()),
    };
    let mut resp = refusal_or_created(&req, answer);
    if !matches!(proof, Ok(None)) {
        respond::add_dpop_nonce(&mut resp, flow.dpop_nonce(now));
    }
    resp
}

/// The answer of §2.2, or the statuses of §2.3.
fn refusal_or_created(req: &HttpRequest, answer: Result<Pushed, PushRefused>) -> HttpResponse {
    match answer {
        Ok(pushed) => respond::json_answer(StatusCode::CREATED, Ok::<_, OAuthError>(pushed)),
        Err(PushRefused::Invalid(e)) => respond::json_error(&e),
        Err(PushRefused::TooLarge(e)) => {
            let mut resp = respond::json_error(&e);
            *resp.status_mut() = StatusCode::PAYLOAD_TOO_LARGE;
            resp
        }
        Err(PushRefused::Busy { scope: PendingScope::Address, retry_after }) => {
            respond::too_many_requests(req, true, retry_after)
        }
        Err(PushRefused::Busy { scope: PendingScope::Total, retry_after }) => {
            let busy = OAuthError::temporarily_unavailable(format!(
                "too many sign-ins are pending; retry in {retry_after} seconds"
            ));
            let mut resp = respond::json_error(&busy);
            resp.headers_mut().insert(header::RETRY_AFTER, header::HeaderValue::from(retry_after));
            resp
        }
    }
}
