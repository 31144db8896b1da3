//! The user-code page (RFC 8628 §3.3). `GET /device` shows the form; a code
//! from `verification_uri_complete` is only prefilled, for the user to
//! confirm against the device (§5.4: never approved without the user).
//! `POST /device` submits it and carries on with the interaction (login,
//! consent, then "Allow this device?"), whose answer is `POST
//! /device/approve`. Every form carries a CSRF token; no scripts.

use actix_web::http::StatusCode;
use actix_web::web::{Bytes, Data};
use actix_web::{HttpRequest, HttpResponse};

use crate::clock::Clock;
use crate::flows::device::approval::DeviceApprovalView;
use crate::flows::device::{AnswerOutcome, CodeOutcome, DeviceFlow};
use crate::protocol::device::{display_user_code, normalize_user_code};
use crate::web::interaction::pages::scope_meanings;
use crate::web::pages::{Problem, Ui, UserMessage};
use crate::web::views::{DeviceApprovePage, DeviceDonePage, DevicePage};
use crate::web::{Site, cookies, csrf, extract, outcome, respond};

/// The CSRF purpose of the code form (the approval form's is its ticket).
const CODE_FORM: &str = "device";

pub async fn device_get(site: Data<Site>, req: HttpRequest) -> HttpResponse {
    let params = extract::query_params(&req).unwrap_or_default();
    let prefill = params.get("user_code").and_then(normalize_user_code).map(|c| display_user_code(&c));
    code_page(&site, &req, StatusCode::OK, prefill.as_deref().unwrap_or(""), prefill.is_some(), None)
}

pub async fn device_post(
    flow: Data<DeviceFlow>,
    site: Data<Site>,
    clock: Data<Clock>,
    req: HttpRequest,
    body: Bytes,
) -> HttpResponse {
    let params = match csrf::verified_form(&site, &req, &body, CODE_FORM) {
        Ok(params) => params,
        Err(refused) => return refused.respond(&req),
    };
    let input = params.get("user_code").unwrap_or_default();
    let cookie = cookies::session(&req, &site);
    match flow.submit_code(input, cookie.as_deref(), &extract::device(&req), clock.now()).await {
        CodeOutcome::Malformed => {
            code_page(&site, &req, StatusCode::OK, input, false, Some(UserMessage::CodeMalformed))
        }
        CodeOutcome::Unknown { remaining } => {
            tracing::info!(remaining, "unknown user code");
            code_page(&site, &req, StatusCode::OK, input, false, Some(UserMessage::CodeUnknown))
        }
        CodeOutcome::TooManyAttempts => {
            code_page(&site, &req, StatusCode::TOO_MANY_REQUESTS, "", false, Some(UserMessage::CodeTooMany))
        }
        CodeOutcome::Next(next) => outcome::render(&site, &req, *next, StatusCode::SEE_OTHER),
        CodeOutcome::Failed(error) => respond::error_page(&req, &error),
    }
}

pub async fn approve_post(
    flow: Data<DeviceFlow>,
    site: Data<Site>,
    clock: Data<Clock>,
    req: HttpRequest,
    body: Bytes,
) -> HttpResponse {
    let (params, allow) = match csrf::decision_form(&site, &req, &body) {
        Ok(form) => form,
        Err(refused) => return refused.respond(&req),
    };
    let ticket = params.get("challenge").unwrap_or_default();
    let cookie = cookies::session(&req, &site);
    match flow.answer(ticket, allow, cookie.as_deref(), &extract::device(&req), clock.now()).await {
        AnswerOutcome::Expired => respond::problem_page(&req, Problem::DeviceExpired),
        AnswerOutcome::Answered { approved, client_name } => {
            let ui = Ui::of(&req);
            let page = DeviceDonePage { ui: ui.clone(), approved, client_name: &client_name };
            respond::page(&ui, StatusCode::OK, &page, None)
        }
        AnswerOutcome::Failed(error) => respond::error_page(&req, &error),
    }
}

/// The code form; sets the CSRF key cookie when the browser has none.
fn code_page(
    site: &Site,
    req: &HttpRequest,
    status: StatusCode,
    user_code: &str,
    confirm: bool,
    error: Option<UserMessage>,
) -> HttpResponse {
    let ui = Ui::of(req);
    csrf::with_token(site, req, CODE_FORM, |token| {
        let error = error.map(|m| m.text(ui.t));
        let page = DevicePage { ui: ui.clone(), csrf_token: token, user_code, confirm, error };
        respond::page(&ui, status, &page, None)
    })
}

/// "Allow this device?" for the user the interaction ended with.
pub fn approval_page(site: &Site, req: &HttpRequest, view: &DeviceApprovalView) -> HttpResponse {
    let ui = Ui::of(req);
    let scopes = scope_meanings(&ui, &view.scopes);
    csrf::with_token(site, req, &view.ticket, |token| {
        let page = DeviceApprovePage {
            ui: ui.clone(),
            client_name: &view.client_name,
            client_logo: None,
            challenge: &view.ticket,
            csrf_token: token,
            scopes,
            user_code: &view.user_code,
            username: &view.username,
        };
        respond::page(&ui, StatusCode::OK, &page, None)
    })
}
