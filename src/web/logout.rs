//! `GET|POST /logout` (the `end_session_endpoint`, RP-Initiated Logout 1.0
//! §2) and `POST /logout/confirm`, the CSRF-protected answer of the
//! confirmation page. After a logout the session cookie is removed and the
//! browser goes back to the client, or sees the logged-out page, which
//! frames the clients' front-channel logout URIs first (Front-Channel
//! Logout 1.0 §2; the page's CSP allows exactly their origins).

use actix_web::http::StatusCode;
use actix_web::web::{Bytes, Data};
use actix_web::{HttpRequest, HttpResponse};

use crate::clock::Clock;
use crate::flows::logout::{LoggedOut, LogoutFlow, LogoutOutcome};
use crate::protocol::Params;
use crate::web::middleware::content_security_policy;
use crate::web::pages::{Problem, Ui};
use crate::web::views::{LoggedOutPage, LogoutConfirmPage};
use crate::web::{Site, cookies, csrf, extract, respond};

/// What the confirmation form's CSRF token is bound to.
const CONFIRM_PURPOSE: &str = "logout";

pub async fn logout_get(
    flow: Data<LogoutFlow>,
    site: Data<Site>,
    clock: Data<Clock>,
    req: HttpRequest,
) -> HttpResponse {
    match extract::query_params(&req) {
        Ok(params) => request(&flow, &site, &clock, &req, params).await,
        Err(e) => respond::error_page(&req, &e),
    }
}

pub async fn logout_post(
    flow: Data<LogoutFlow>,
    site: Data<Site>,
    clock: Data<Clock>,
    req: HttpRequest,
    body: Bytes,
) -> HttpResponse {
    match extract::form_params(&req, &body) {
        Ok(params) => request(&flow, &site, &clock, &req, params).await,
        Err(e) => respond::error_page(&req, &e),
    }
}

async fn request(
    flow: &LogoutFlow,
    site: &Site,
    clock: &Clock,
    req: &HttpRequest,
    params: Params,
) -> HttpResponse {
    let cookie = cookies::session(req, site);
    let outcome = flow.request(&params, cookie.as_deref(), &extract::device(req), clock.now()).await;
    let ui = Ui::preferring(req, params.get("ui_locales").unwrap_or("").split(' '));
    render(site, req, &ui, outcome)
}

pub async fn confirm_post(
    flow: Data<LogoutFlow>,
    site: Data<Site>,
    clock: Data<Clock>,
    req: HttpRequest,
    body: Bytes,
) -> HttpResponse {
    let params = match extract::form_params(&req, &body) {
        Ok(params) => params,
        Err(e) => return respond::error_page(&req, &e),
    };
    if !csrf::form_is_ours(&site, &req, CONFIRM_PURPOSE, &params) {
        return respond::problem_page(&req, Problem::FormExpired);
    }
    let cookie = cookies::session(&req, &site);
    let outcome = flow.confirm(&params, cookie.as_deref(), &extract::device(&req), clock.now()).await;
    // The end-session request's `ui_locales`, posted back with the answer.
    let ui = Ui::preferring(&req, params.get("ui_locales").unwrap_or("").split(' '));
    render(&site, &req, &ui, outcome)
}

fn render(site: &Site, req: &HttpRequest, ui: &Ui, outcome: LogoutOutcome) -> HttpResponse {
    match outcome {
        LogoutOutcome::Error(e) => {
            let problem = match Problem::of(&e) {
                Problem::Unavailable | Problem::ServerError => Problem::of(&e),
                _ => Problem::LogoutRefused,
            };
            let status = actix_web::http::StatusCode::from_u16(e.status()).unwrap_or(StatusCode::BAD_REQUEST);
            respond::problem(ui, status, problem, Some(&e))
        }
        LogoutOutcome::Confirm { request, client_name } => {
            csrf::with_token(site, req, CONFIRM_PURPOSE, |token| {
                let page = LogoutConfirmPage {
                    ui: ui.clone(),
                    client_name: client_name.as_deref(),
                    csrf_token: token,
                    fields: request.fields(),
                };
                respond::page(ui, StatusCode::OK, &page, None)
            })
        }
        LogoutOutcome::LoggedOut(done) => {
            let mut resp = logged_out(ui, &done);
            cookies::remove_session(&mut resp, site);
            resp
        }
    }
}

/// Straight back to the client when no front-channel frames must load;
/// otherwise the page, which then moves on by itself.
fn logged_out(ui: &Ui, done: &LoggedOut) -> HttpResponse {
    if let (Some(url), true) = (&done.redirect, done.frontchannel.is_empty()) {
        return HttpResponse::SeeOther().insert_header(("Location", url.as_str())).finish();
    }
    let page = LoggedOutPage {
        ui: ui.clone(),
        client_name: done.client_name.as_deref(),
        redirect: done.redirect.as_deref(),
        frontchannel: &done.frontchannel,
    };
    let mut resp = respond::page(ui, StatusCode::OK, &page, None);
    if let Some(csp) = frame_policy(&content_security_policy(&ui.image_origins(None)), &done.frontchannel) {
        match csp.parse() {
            Ok(value) => {
                resp.headers_mut().insert(actix_web::http::header::CONTENT_SECURITY_POLICY, value);
            }
            Err(e) => tracing::error!(error = %e, "front-channel CSP is not a header value"),
        }
    }
    resp
}

/// The standard policy plus `frame-src` for exactly the frames' origins.
fn frame_policy(base: &str, frames: &[String]) -> Option<String> {
    let mut origins: Vec<String> = frames
        .iter()
        .filter_map(|f| url::Url::parse(f).ok())
        .map(|u| u.origin().ascii_serialization())
        .filter(|o| o != "null")
        .collect();
    origins.sort();
    origins.dedup();
    (!origins.is_empty()).then(|| format!("{base}; frame-src {}", origins.join(" ")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_allow_exactly_their_origins() {
        let frames = [
            "https://a.example/fc?sid=1".to_string(),
            "http://127.0.0.1:9000/fc".into(),
            "https://a.example/x".into(),
        ];
        let base = crate::web::middleware::CONTENT_SECURITY_POLICY;
        let csp = frame_policy(base, &frames).unwrap();
        assert!(csp.ends_with("; frame-src http://127.0.0.1:9000 https://a.example"), "{csp}");
        assert_eq!(frame_policy(base, &[]), None);
    }
}
