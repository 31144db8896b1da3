//! The interaction's pages, one per prompt (login, second factor, consent), each form carrying the
//! interaction id and a CSRF token bound to it and to the browser. They
//! speak the request's `ui_locales` first (OIDC Core §3.1.2.1).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};

use crate::flows::authorize::InteractionView;
use crate::protocol::StandardScope;
use crate::protocol::interaction::PromptName;
use crate::web::pages::{Ui, UserMessage};
use crate::web::views::{ConsentPage, LoginPage, MfaPage, TotpSetup};
use crate::web::{Site, csrf, qr, respond};

/// The page's language: the interaction's `ui_locales`, then the browser's.
pub fn ui_for(req: &HttpRequest, view: &InteractionView) -> Ui {
    Ui::preferring(req, view.ui_locales.iter().map(String::as_str))
}

/// Renders the page of the interaction's prompt, setting the CSRF key
/// cookie when the browser has none.
pub fn page(
    site: &Site,
    req: &HttpRequest,
    view: &InteractionView,
    username: &str,
    error: Option<UserMessage>,
) -> HttpResponse {
    let ui = ui_for(req, view);
    let logo = view.client_logo.as_deref();
    csrf::with_token(site, req, &view.id, |token| match view.prompt {
        PromptName::Login => {
            let page = LoginPage {
                ui: ui.clone(),
                action: "/login",
                continue_to: &view.client_name,
                client_logo: logo,
                challenge: &view.id,
                csrf_token: token,
                username,
                error: error.map(|m| m.text(ui.t)),
                registration: site.registration,
                passkey: view.passkeys.then_some("/login/passkey"),
            };
            respond::page(&ui, StatusCode::OK, &page, logo)
        }
        PromptName::Mfa => {
            let mfa = view.mfa.clone().unwrap_or_default();
            let page = MfaPage {
                ui: ui.clone(),
                action: "/login/mfa",
                client_name: &view.client_name,
                challenge: &view.id,
                csrf_token: token,
                error: error.map(|m| m.text(ui.t)),
                enrollment: mfa.enrollment.map(|e| TotpSetup {
                    qr_svg: qr::svg(&e.uri, ui.t.mfa.qr_label),
                    secret: qr::grouped(&e.secret),
                }),
                recovery_codes: &mfa.recovery_codes,
                totp: mfa.totp,
                passkey: (view.passkeys && mfa.passkey).then_some("/login/passkey"),
            };
            respond::page(&ui, StatusCode::OK, &page, logo)
        }
        PromptName::Consent => {
            let page = ConsentPage {
                ui: ui.clone(),
                client_name: &view.client_name,
                client_logo: logo,
                challenge: &view.id,
                csrf_token: token,
                scopes: scope_meanings(&ui, &view.scopes),
            };
            respond::page(&ui, StatusCode::OK, &page, logo)
        }
    })
}

/// Each scope with what it lets the app do, in the page's language (the
/// scope itself when it is not a standard one).
pub fn scope_meanings<'a>(ui: &Ui, scopes: &'a [String]) -> Vec<(&'a str, &'a str)> {
    scopes
        .iter()
        .map(|scope| {
            let meaning = StandardScope::from_word(scope).map_or(scope.as_str(), |s| ui.t.scopes.describe(s));
            (scope.as_str(), meaning)
        })
        .collect()
}

/// The authorization carrying on after a prompt was answered, setting the
/// new session's cookie when one started.
pub fn carry_on(
    site: &Site,
    req: &HttpRequest,
    session_cookie: Option<String>,
    next: crate::flows::authorize::AuthorizeOutcome,
) -> HttpResponse {
    let mut resp = crate::web::outcome::render(site, req, next, StatusCode::SEE_OTHER);
    if let Some(value) = session_cookie {
        crate::web::cookies::set_session(&mut resp, site, value);
    }
    resp
}

/// A form posted by one of the interaction's pages: its fields, once it
/// came from our origin with the CSRF token of its page (`challenge`);
/// else the page saying why nothing was done.
pub fn checked_form(
    site: &Site,
    req: &HttpRequest,
    body: &[u8],
) -> Result<crate::protocol::Params, Box<HttpResponse>> {
    let params =
        crate::web::extract::form_params(req, body).map_err(|e| Box::new(respond::error_page(req, &e)))?;
    let challenge = params.get("challenge").unwrap_or_default();
    if !csrf::form_is_ours(site, req, challenge, &params) {
        return Err(Box::new(respond::problem_page(req, crate::web::pages::Problem::FormExpired)));
    }
    Ok(params)
}
