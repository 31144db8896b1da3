//! `POST /login`, the login prompt's form: checks the form's origin and
//! CSRF token before the interaction flow sees the credentials. A
//! successful login sets a fresh session cookie (no fixation) and carries
//! on with the authorization.

use actix_web::http::StatusCode;
use actix_web::web::{Bytes, Data};
use actix_web::{HttpRequest, HttpResponse};

use crate::clock::Clock;
use crate::flows::interaction::{InteractionFlow, StepOutcome};
use crate::flows::links::AccountLinkFlow;
use crate::protocol::OAuthError;
use crate::web::interaction::pages::page;
use crate::web::{Site, cookies, csrf, extract, outcome, respond};

/// The one message for unknown users and wrong passwords.
pub const BAD_CREDENTIALS: &str = "Invalid username or password.";
/// For the right password of a self-registered, unverified account (a new
/// link goes out with it, within the hourly cap).
pub const UNVERIFIED: &str =
    "Confirm your email address first: we sent you a link. Signing in again sends a new one.";

pub async fn login_post(
    flow: Data<InteractionFlow>,
    links: Data<AccountLinkFlow>,
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
            "The login form expired or was submitted from another site. Please start again from the application.",
        ));
    }
    let username = params.get("username").unwrap_or_default();
    let password = params.get("password").unwrap_or_default();
    let previous = cookies::authorize_session(&req, &site);
    let device = extract::device(&req);
    match flow.login(challenge, username, password, previous.as_deref(), &device, clock.now()).await {
        StepOutcome::Expired => respond::error_page(&OAuthError::invalid_request(
            "This login page has expired. Please start again from the application.",
        )),
        StepOutcome::Rejected(view) => page(&site, &req, &view, username, Some(BAD_CREDENTIALS)),
        StepOutcome::Unverified { view, user_id } => {
            links.resend_verification(&user_id, clock.now()).await;
            page(&site, &req, &view, username, Some(UNVERIFIED))
        }
        StepOutcome::AlreadyCompleted => {
            respond::error_page(&OAuthError::invalid_request("This login was already completed."))
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
