//! Rendering what the browser flow decided: a redirect back to the client
//! (with a code or an error), an error page (also for a store outage), or
//! the page of the prompt the user must complete.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse};

use crate::flows::authorize::AuthorizeOutcome;
use crate::protocol::ErrorCode;
use crate::protocol::pending_logins::PendingScope;
use crate::web::interaction::pages;
use crate::web::pages::{Problem, Ui};
use crate::web::{Site, device, respond};

/// Renders what the browser flow decided; `status` is the redirect status
/// of a successful response (303 after a form post).
pub fn render(site: &Site, req: &HttpRequest, outcome: AuthorizeOutcome, status: StatusCode) -> HttpResponse {
    match outcome {
        AuthorizeOutcome::Redirect { redirect_uri, code, state, response_mode } => respond::code_redirect(
            &Ui::of(req),
            &site.issuer,
            &redirect_uri,
            &code,
            state.as_deref(),
            response_mode,
            status,
        ),
        AuthorizeOutcome::Interact(view) => {
            pages::page(site, req, &view, view.login_hint.as_deref().unwrap_or(""), None)
        }
        AuthorizeOutcome::ErrorPage(error) => respond::error_page(req, &error),
        // A store outage is the server's own: the user gets a 503 page to
        // retry from, not a trip back to the client (which may just retry).
        AuthorizeOutcome::ErrorRedirect { error, .. } if error.code == ErrorCode::TemporarilyUnavailable => {
            respond::error_page(req, &error)
        }
        AuthorizeOutcome::ErrorRedirect { redirect_uri, state, response_mode, error } => {
            let ui = Ui::of(req);
            respond::error_redirect(&ui, &site.issuer, &redirect_uri, state.as_deref(), response_mode, &error)
        }
        AuthorizeOutcome::DeviceApproval(view) => device::approval_page(site, req, &view),
        AuthorizeOutcome::Busy { scope, retry_after } => {
            let problem = match scope {
                PendingScope::Address => Problem::TooManyPending,
                PendingScope::Total => Problem::Busy,
            };
            let mut resp = respond::problem_page(req, problem);
            resp.headers_mut().insert(header::RETRY_AFTER, header::HeaderValue::from(retry_after));
            resp
        }
    }
}
