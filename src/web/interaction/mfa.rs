//! `POST /login/mfa`, the second-factor page's forms: a TOTP code, a
//! recovery code, or "continue" after new recovery codes were shown. The
//! same origin and CSRF checks as the login form.

use actix_web::web::{Bytes, Data};
use actix_web::{HttpRequest, HttpResponse};

use crate::clock::Clock;
use crate::flows::interaction::{InteractionFlow, StepOutcome};
use crate::flows::second_factor::Answer;
use crate::web::interaction::pages::{carry_on, checked_form, page};
use crate::web::pages::{Problem, UserMessage};
use crate::web::{Site, cookies, extract, respond};

pub async fn mfa_post(
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
        StepOutcome::Expired => respond::problem_page(&req, Problem::PageExpired),
        StepOutcome::Rejected(view) => page(&site, &req, &view, "", Some(UserMessage::WrongCode)),
        StepOutcome::CodeThrottled(view)
        | StepOutcome::Throttled { view, .. }
        | StepOutcome::Unverified { view, .. } => {
            page(&site, &req, &view, "", Some(UserMessage::CodeThrottled))
        }
        StepOutcome::TooManyAttempts => respond::problem_page(&req, Problem::TooManyAttempts),
        StepOutcome::AlreadyCompleted => respond::problem_page(&req, Problem::AlreadyAnswered),
        StepOutcome::Failed(error) => respond::error_page(&req, &error),
        StepOutcome::Next { session_cookie, next } => carry_on(&site, &req, session_cookie, next),
    }
}
