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
use crate::protocol::{OAuthError, Params};
use crate::web::middleware::CONTENT_SECURITY_POLICY;
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
        Err(e) => respond::error_page(&e),
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
        Err(e) => respond::error_page(&e),
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
    render(site, req, outcome)
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
        Err(e) => return respond::error_page(&e),
    };
    if !csrf::form_is_ours(&site, &req, CONFIRM_PURPOSE, &params) {
        return respond::error_page(&OAuthError::invalid_request(
            "The sign-out form expired or was submitted from another site. Nothing was changed.",
        ));
    }
    let cookie = cookies::session(&req, &site);
    let outcome = flow.confirm(&params, cookie.as_deref(), &extract::device(&req), clock.now()).await;
    render(&site, &req, outcome)
}

fn render(site: &Site, req: &HttpRequest, outcome: LogoutOutcome) -> HttpResponse {
    match outcome {
        LogoutOutcome::Error(e) => respond::error_page(&e),
        LogoutOutcome::Confirm { request, client_name } => {
            let existing = cookies::csrf_key(req, site);
            let (key, fresh) = csrf::ensure_key(existing.as_deref());
            let token = csrf::token_for(&key, CONFIRM_PURPOSE);
            let page = LogoutConfirmPage {
                client_name: client_name.as_deref(),
                csrf_token: &token,
                fields: request.fields(),
            };
            let mut resp = respond::html(StatusCode::OK, &page);
            if fresh {
                cookies::set_csrf_key(&mut resp, site, key);
            }
            resp
        }
        LogoutOutcome::LoggedOut(done) => {
            let mut resp = logged_out(&done);
            cookies::remove_session(&mut resp, site);
            resp
        }
    }
}

/// Straight back to the client when no front-channel frames must load;
/// otherwise the page, which then moves on by itself.
fn logged_out(done: &LoggedOut) -> HttpResponse {
    if let (Some(url), true) = (&done.redirect, done.frontchannel.is_empty()) {
        return HttpResponse::SeeOther().insert_header(("Location", url.as_str())).finish();
    }
    let page = LoggedOutPage {
        client_name: done.client_name.as_deref(),
        redirect: done.redirect.as_deref(),
        frontchannel: &done.frontchannel,
    };
    let mut resp = respond::html(StatusCode::OK, &page);
    if let Some(csp) = frame_policy(&done.frontchannel) {
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
fn frame_policy(frames: &[String]) -> Option<String> {
    let mut origins: Vec<String> = frames
        .iter()
        .filter_map(|f| url::Url::parse(f).ok())
        .map(|u| u.origin().ascii_serialization())
        .filter(|o| o != "null")
        .collect();
    origins.sort();
    origins.dedup();
    (!origins.is_empty()).then(|| format!("{CONTENT_SECURITY_POLICY}; frame-src {}", origins.join(" ")))
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
        let csp = frame_policy(&frames).unwrap();
        assert!(csp.ends_with("; frame-src http://127.0.0.1:9000 https://a.example"), "{csp}");
        assert_eq!(frame_policy(&[]), None);
    }
}
