//! Passkeys on the interaction's pages: `POST /login/passkey/options`
//! starts a ceremony for the page (JSON for `navigator.credentials.get()`,
//! fetched by `static/passkey.js`), and `POST /login/passkey` posts the
//! browser's answer. Both carry the page's id and CSRF token and are
//! checked like its other forms.

use actix_web::http::StatusCode;
use actix_web::web::{Bytes, Data};
use actix_web::{HttpRequest, HttpResponse};

use crate::clock::Clock;
use crate::flows::interaction::{InteractionFlow, PasskeyOptions, StepOutcome};
use crate::web::interaction::pages::{carry_on, checked_form, page};
use crate::web::pages::{Problem, UserMessage};
use crate::web::{Site, cookies, csrf, extract, respond};

/// A JSON answer for the page's script: `{"error": …}` with `status`.
pub fn json_error(status: StatusCode, error: &str) -> HttpResponse {
    HttpResponse::build(status).json(serde_json::json!({ "error": error }))
}

pub async fn options_post(
    flow: Data<InteractionFlow>,
    site: Data<Site>,
    clock: Data<Clock>,
    req: HttpRequest,
    body: Bytes,
) -> HttpResponse {
    let Ok(params) = extract::form_params(&req, &body) else {
        return json_error(StatusCode::BAD_REQUEST, "not a form");
    };
    let challenge = params.get("challenge").unwrap_or_default();
    if !csrf::form_is_ours(&site, &req, challenge, &params) {
        return json_error(StatusCode::FORBIDDEN, "form_expired");
    }
    match flow.passkey_options(challenge, clock.now()).await {
        PasskeyOptions::Ready(options) => HttpResponse::Ok().json(options),
        PasskeyOptions::Expired => json_error(StatusCode::NOT_FOUND, "page_expired"),
        PasskeyOptions::Unavailable => json_error(StatusCode::CONFLICT, "passkeys_unavailable"),
        PasskeyOptions::Failed(e) => {
            tracing::warn!(error = %e.description, "cannot start a passkey ceremony");
            json_error(StatusCode::SERVICE_UNAVAILABLE, "temporarily_unavailable")
        }
    }
}

pub async fn passkey_post(
    flow: Data<InteractionFlow>,
    site: Data<Site>,
    clock: Data<Clock>,
    req: HttpRequest,
    body: Bytes,
) -> HttpResponse {
    let params = match checked_form(&site, &req, &body) {
        Ok(params) => params,
        Err(refused) => return *refused,
    };
    let challenge = params.get("challenge").unwrap_or_default();
    let response = params.get("credential").unwrap_or_default();
    let cookie = cookies::authorize_session(&req, &site);
    let device = extract::device(&req);
    match flow.passkey(challenge, response, cookie.as_deref(), &device, clock.now()).await {
        StepOutcome::Expired => respond::problem_page(&req, Problem::PageExpired),
        StepOutcome::Rejected(view) => page(&site, &req, &view, "", Some(UserMessage::PasskeyFailed)),
        StepOutcome::CodeThrottled(view)
        | StepOutcome::Throttled { view, .. }
        | StepOutcome::Unverified { view, .. } => {
            page(&site, &req, &view, "", Some(UserMessage::PasskeyFailed))
        }
        StepOutcome::TooManyAttempts => respond::problem_page(&req, Problem::TooManyAttempts),
        StepOutcome::AlreadyCompleted => respond::problem_page(&req, Problem::AlreadyAnswered),
        StepOutcome::Failed(error) => respond::error_page(&req, &error),
        StepOutcome::Next { session_cookie, next } => carry_on(&site, &req, session_cookie, next),
    }
}
