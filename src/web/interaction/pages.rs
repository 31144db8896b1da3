//! The interaction's pages, one per prompt (login, consent), each form carrying the
//! interaction id and a CSRF token bound to it and to the browser.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};

use crate::flows::authorize::InteractionView;
use crate::protocol::StandardScope;
use crate::protocol::interaction::PromptName;
use crate::web::views::{ConsentPage, LoginPage};
use crate::web::{Site, cookies, csrf, respond};

/// Renders the page of the interaction's prompt, setting the CSRF key
/// cookie when the browser has none.
pub fn page(
    site: &Site,
    req: &HttpRequest,
    view: &InteractionView,
    username: &str,
    error: Option<&str>,
) -> HttpResponse {
    let existing = cookies::csrf_key(req, site);
    let (key, fresh) = csrf::ensure_key(existing.as_deref());
    let token = csrf::token_for(&key, &view.id);
    let mut resp = match view.prompt {
        PromptName::Login => {
            let page = LoginPage {
                action: "/login",
                continue_to: &view.client_name,
                challenge: &view.id,
                csrf_token: &token,
                username,
                error,
                registration: site.registration,
            };
            respond::html(StatusCode::OK, &page)
        }
        PromptName::Consent => {
            let scopes = view
                .scopes
                .iter()
                .map(|scope| {
                    (
                        scope.as_str(),
                        StandardScope::from_word(scope).map_or(scope.as_str(), |s| s.description()),
                    )
                })
                .collect();
            let page = ConsentPage {
                client_name: &view.client_name,
                challenge: &view.id,
                csrf_token: &token,
                scopes,
            };
            respond::html(StatusCode::OK, &page)
        }
    };
    if fresh {
        cookies::set_csrf_key(&mut resp, site, key);
    }
    resp
}
