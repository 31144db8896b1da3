//! `POST /login`, the login prompt's form: checks the form's origin and
//! CSRF token before the interaction flow sees the credentials. A
//! successful login sets a fresh session cookie (no fixation) and carries
//! on with the authorization.

use actix_web::http::{StatusCode, header};
use actix_web::web::{Bytes, Data};
use actix_web::{HttpRequest, HttpResponse};

use crate::clock::Clock;
use crate::flows::interaction::{InteractionFlow, StepOutcome};
use crate::flows::links::AccountLinkFlow;
use crate::web::interaction::pages::{carry_on, checked_form, page};
use crate::web::pages::{Problem, UserMessage};
use crate::web::{Site, cookies, extract, respond};

/// A page answering a throttled sign-in: 429 with `Retry-After` (RFC 6585 §4).
pub fn throttled(mut resp: HttpResponse, retry_after: u64) -> HttpResponse {
    *resp.status_mut() = StatusCode::TOO_MANY_REQUESTS;
    resp.headers_mut().insert(header::RETRY_AFTER, header::HeaderValue::from(retry_after));
    resp
}

pub async fn login_post(
    flow: Data<InteractionFlow>,
    links: Data<AccountLinkFlow>,
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
    let username = params.get("username").unwrap_or_default();
    let password = params.get("password").unwrap_or_default();
    let previous = cookies::authorize_session(&req, &site);
    let device = extract::device(&req);
    match flow.login(challenge, username, password, previous.as_deref(), &device, clock.now()).await {
        StepOutcome::Expired => respond::problem_page(&req, Problem::PageExpired),
        StepOutcome::Rejected(view) => page(&site, &req, &view, username, Some(UserMessage::BadCredentials)),
        StepOutcome::Throttled { view, retry_after } => {
            throttled(page(&site, &req, &view, username, Some(UserMessage::Throttled)), retry_after)
        }
        StepOutcome::Unverified { view, user_id } => {
            links.resend_verification(&user_id, clock.now()).await;
            page(&site, &req, &view, username, Some(UserMessage::Unverified))
        }
        StepOutcome::TooManyAttempts => respond::problem_page(&req, Problem::TooManyAttempts),
        StepOutcome::AlreadyCompleted => respond::problem_page(&req, Problem::AlreadyAnswered),
        // A second-factor outcome; a password never gives it.
        StepOutcome::CodeThrottled(view) => {
            page(&site, &req, &view, username, Some(UserMessage::BadCredentials))
        }
        StepOutcome::Failed(error) => respond::error_page(&req, &error),
        StepOutcome::Next { session_cookie, next } => carry_on(&site, &req, session_cookie, next),
    }
}
