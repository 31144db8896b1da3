//! `POST /consent`, the consent prompt's form: the same origin and CSRF
//! checks as the login form, then the user's decision ("allow" or "deny")
//! goes to the interaction flow.

use actix_web::http::StatusCode;
use actix_web::web::{Bytes, Data};
use actix_web::{HttpRequest, HttpResponse};

use crate::clock::Clock;
use crate::flows::interaction::{InteractionFlow, StepOutcome};
use crate::protocol::OAuthError;
use crate::web::{Site, cookies, csrf, extract, outcome, respond};

pub async fn consent_post(
    flow: Data<InteractionFlow>,
    site: Data<Site>,
    clock: Data<Clock>,
    req: HttpRequest,
    body: Bytes,
) -> HttpResponse {
    let stale =
        "The form expired or was submitted from another site. Please start again from the application.";
    let (params, allow) = match csrf::decision_form(&site, &req, &body, stale) {
        Ok(form) => form,
        Err(error) => return respond::error_page(&error),
    };
    let challenge = params.get("challenge").unwrap_or_default();
    let cookie = cookies::session(&req, &site);
    match flow.consent(challenge, allow, cookie.as_deref(), &extract::device(&req), clock.now()).await {
        StepOutcome::Expired | StepOutcome::Rejected(_) | StepOutcome::Unverified { .. } => {
            respond::error_page(&OAuthError::invalid_request(
                "This page has expired. Please start again from the application.",
            ))
        }
        StepOutcome::AlreadyCompleted => {
            respond::error_page(&OAuthError::invalid_request("This request was already answered."))
        }
        StepOutcome::Failed(error) => respond::error_page(&error),
        StepOutcome::Next { next, .. } => outcome::render(&site, &req, next, StatusCode::SEE_OTHER),
    }
}
