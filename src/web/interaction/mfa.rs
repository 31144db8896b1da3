//! `POST /login/mfa`, the second-factor page's forms: a TOTP code, a
//! recovery code, or "continue" after new recovery codes were shown. The
//! same origin and CSRF checks as the login form.

use actix_web::http::StatusCode;
use actix_web::web::{Bytes, Data};
use actix_web::{HttpRequest, HttpResponse};

use crate::clock::Clock;
use crate::flows::interaction::{InteractionFlow, StepOutcome};
use crate::flows::second_factor::Answer;
use crate::protocol::OAuthError;
use crate::web::interaction::pages::page;
use crate::web::{Site, cookies, csrf, extract, outcome, respond};

pub const WRONG_CODE: &str = "That code is not right. Check your app and try again.";
pub const THROTTLED: &str = "Too many wrong codes. Wait a few minutes, then try again.";

pub async fn mfa_post(
    flow: Data<InteractionFlow>,
    site: Data<Site>,
    clock: Data<Clock>,
    req: HttpRequest,
    body: Bytes,
) -> HttpResponse {
    let params = match extract::form_params(&req, &body) {
        Ok(p) => p,
        Err(e) => return respond::error_page(&e),
    };
    let challenge = params.get("challenge").unwrap_or_default();
    if !csrf::form_is_ours(&site, &req, challenge, &params) {
        return respond::error_page(&OAuthError::invalid_request(
            "The form expired or was submitted from another site. Please start again from the application.",
        ));
    }
    let cookie = cookies::authorize_session(&req, &site);
    let device = extract::device(&req);
    let now = clock.now();
    let outcome = if params.get("action") == Some("continue") {
        flow.continue_after_codes(challenge, cookie.as_deref(), &device, now).await
    } else {
        let answer = match params.get("recovery_code").filter(|c| !c.trim().is_empty()) {
            Some(code) => Answer::RecoveryCode(code),
            None => Answer::Totp(params.get("code").unwrap_or_default()),
        };
        flow.second_factor(challenge, answer, cookie.as_deref(), &device, now).await
    };
    match outcome {
        StepOutcome::Expired => respond::error_page(&OAuthError::invalid_request(
            "This page has expired. Please start again from the application.",
        )),
        StepOutcome::Rejected(view) => page(&site, &req, &view, "", Some(WRONG_CODE)),
        StepOutcome::CodeThrottled(view) => page(&site, &req, &view, "", Some(THROTTLED)),
        // Password outcomes; a code never gives them.
        StepOutcome::Throttled { view, .. } => page(&site, &req, &view, "", Some(THROTTLED)),
        StepOutcome::TooManyAttempts => respond::error_page(&OAuthError::invalid_request(
            "Too many wrong codes on this page. Please start again from the application.",
        )),
        StepOutcome::AlreadyCompleted => {
            respond::error_page(&OAuthError::invalid_request("This step was already completed."))
        }
        StepOutcome::Failed(error) => respond::error_page(&error),
        StepOutcome::Next { session_cookie, next } => {
            let mut resp = outcome::render(&site, &req, next, StatusCode::SEE_OTHER);
            if let Some(value) = session_cookie {
                cookies::set_session(&mut resp, &site, value);
            }
            resp
        }
    }
}
