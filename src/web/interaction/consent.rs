//! `POST /consent`, the consent prompt's form: the same origin and CSRF
//! checks as the login form, then the user's decision ("allow" or "deny")
//! goes to the interaction flow.

use actix_web::http::StatusCode;
use actix_web::web::{Bytes, Data};
use actix_web::{HttpRequest, HttpResponse};

use crate::clock::Clock;
use crate::flows::interaction::{InteractionFlow, StepOutcome};
use crate::web::pages::Problem;
use crate::web::{Site, cookies, csrf, extract, outcome, respond};

pub async fn consent_post(
    flow: Data<InteractionFlow>,
    site: Data<Site>,
    clock: Data<Clock>,
    req: HttpRequest,
    body: Bytes,
) -> HttpResponse {
    let (params, allow) = match csrf::decision_form(&site, &req, &body) {
        Ok(form) => form,
        Err(refused) => return refused.respond(&req),
    };
    let challenge = params.get("challenge").unwrap_or_default();
    let cookie = cookies::session(&req, &site);
    match flow.consent(challenge, allow, cookie.as_deref(), &extract::device(&req), clock.now()).await {
        StepOutcome::Expired
        | StepOutcome::Rejected(_)
        | StepOutcome::Throttled { .. }
        | StepOutcome::CodeThrottled(_)
        | StepOutcome::Unverified { .. }
        | StepOutcome::TooManyAttempts => respond::problem_page(&req, Problem::PageExpired),
        StepOutcome::AlreadyCompleted => respond::problem_page(&req, Problem::AlreadyAnswered),
        StepOutcome::Failed(error) => respond::error_page(&req, &error),
        StepOutcome::Next { next, .. } => outcome::render(&site, &req, next, StatusCode::SEE_OTHER),
    }
}
