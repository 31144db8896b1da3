//! The account page's two-step verification: the code after the password
//! at sign-in (`/account/login/mfa`), setting TOTP up (`/account/totp`),
//! new recovery codes and turning it off (both with the password). The
//! same origin and CSRF checks as every account form.

use actix_web::http::StatusCode;
use actix_web::web::{Bytes, Data};
use actix_web::{HttpRequest, HttpResponse};

use super::{back, checked_form, page, purpose, signed_in_form};
use crate::clock::Clock;
use crate::flows::account::{AccountFlow, Confirmation, SecondStep};
use crate::flows::second_factor::{Answer, Enrollment};
use crate::protocol::entries::SsoSession;
use crate::web::pages::{Problem, Ui, UserMessage};
use crate::web::views::{AccountTotpPage, MfaPage, RecoveryCodesPage, TotpSetup};
use crate::web::{Site, cookies, csrf, extract, qr, respond};

/// The code form after a right password; its CSRF token is bound to the
/// pending sign-in `id`.
pub fn second_step_page(
    site: &Site,
    req: &HttpRequest,
    id: &str,
    error: Option<UserMessage>,
) -> HttpResponse {
    let ui = Ui::of(req);
    csrf::with_token(site, req, id, |token| {
        let page = MfaPage {
            ui: ui.clone(),
            action: "/account/login/mfa",
            client_name: ui.t.login.your_account,
            challenge: id,
            csrf_token: token,
            error: error.map(|m| m.text(ui.t)),
            enrollment: None,
            recovery_codes: &[],
            totp: true,
            passkey: None,
        };
        respond::page(&ui, StatusCode::OK, &page, None)
    })
}

pub async fn second_step_post(
    flow: Data<AccountFlow>,
    site: Data<Site>,
    clock: Data<Clock>,
    req: HttpRequest,
    body: Bytes,
) -> HttpResponse {
    let params = match extract::form_params(&req, &body) {
        Ok(p) => p,
        Err(e) => return respond::error_page(&req, &e),
    };
    let id = params.get("challenge").unwrap_or_default();
    let params = match checked_form(&req, &body, &site, id) {
        Ok(params) => params,
        Err(refusal) => return refusal.respond(&req),
    };
    let answer = match params.get("recovery_code").filter(|c| !c.trim().is_empty()) {
        Some(code) => Answer::RecoveryCode(code),
        None => Answer::Totp(params.get("code").unwrap_or_default()),
    };
    let previous = cookies::session(&req, &site);
    let device = extract::device(&req);
    match flow.second_step(id, answer, previous.as_deref(), &device, clock.now()).await {
        Ok(SecondStep::Session(cookie)) => {
            let mut resp = back(None);
            cookies::set_session(&mut resp, &site, cookie);
            resp
        }
        Ok(SecondStep::Wrong(id)) => second_step_page(&site, &req, &id, Some(UserMessage::WrongCode)),
        Ok(SecondStep::Throttled(id)) => second_step_page(&site, &req, &id, Some(UserMessage::CodeThrottled)),
        Ok(SecondStep::Expired) => back(None),
        Err(e) => respond::error_page(&req, &e),
    }
}

/// `GET /account/totp`: a new secret to set up.
pub async fn totp_get(
    flow: Data<AccountFlow>,
    site: Data<Site>,
    clock: Data<Clock>,
    req: HttpRequest,
) -> HttpResponse {
    let now = clock.now();
    let cookie = cookies::session(&req, &site);
    let session = match flow.session(cookie.as_deref(), &extract::device(&req), now).await {
        Ok(Some(session)) => session,
        Ok(None) => return back(None),
        Err(e) => return respond::error_page(&req, &e),
    };
    match flow.begin_totp(&session, now).await {
        Ok((id, enrollment)) => totp_page(&site, &req, &purpose(&session), &id, enrollment, None),
        Err(e) => respond::error_page(&req, &e),
    }
}

/// `POST /account/totp`: the confirmation code.
pub async fn totp_post(
    flow: Data<AccountFlow>,
    site: Data<Site>,
    clock: Data<Clock>,
    req: HttpRequest,
    body: Bytes,
) -> HttpResponse {
    let now = clock.now();
    let (session, params) = match signed_in_form(&flow, &site, &req, &body, now).await {
        Ok(found) => found,
        Err(refusal) => return refusal.respond(&req),
    };
    let id = params.get("enrollment").unwrap_or_default();
    let code = params.get("code").unwrap_or_default();
    match flow.confirm_totp(&session, id, code, now).await {
        Ok(Confirmation::Done(codes)) => codes_page(&req, true, &codes),
        Ok(Confirmation::Wrong(id, enrollment)) => {
            let mut resp =
                totp_page(&site, &req, &purpose(&session), &id, enrollment, Some(UserMessage::WrongCode));
            *resp.status_mut() = StatusCode::BAD_REQUEST;
            resp
        }
        Ok(Confirmation::Expired) => respond::problem_page(&req, Problem::SetupExpired),
        Err(e) => respond::error_page(&req, &e),
    }
}

/// `POST /account/recovery-codes`: new codes, with the password.
pub async fn recovery_codes_post(
    flow: Data<AccountFlow>,
    site: Data<Site>,
    clock: Data<Clock>,
    req: HttpRequest,
    body: Bytes,
) -> HttpResponse {
    let now = clock.now();
    let (session, params) = match signed_in_form(&flow, &site, &req, &body, now).await {
        Ok(found) => found,
        Err(refusal) => return refusal.respond(&req),
    };
    match flow.new_recovery_codes(&session, params.get("password").unwrap_or_default(), now).await {
        Ok(Some(codes)) => codes_page(&req, false, &codes),
        Ok(None) => wrong_password(&flow, &site, &req, session, now).await,
        Err(e) => respond::error_page(&req, &e),
    }
}

/// `POST /account/totp/remove`: turns two-step verification off.
pub async fn remove_post(
    flow: Data<AccountFlow>,
    site: Data<Site>,
    clock: Data<Clock>,
    req: HttpRequest,
    body: Bytes,
) -> HttpResponse {
    let now = clock.now();
    let (session, params) = match signed_in_form(&flow, &site, &req, &body, now).await {
        Ok(found) => found,
        Err(refusal) => return refusal.respond(&req),
    };
    match flow.remove_second_factor(&session, params.get("password").unwrap_or_default(), now).await {
        Ok(true) => back(Some("mfa_off")),
        Ok(false) => wrong_password(&flow, &site, &req, session, now).await,
        Err(e) => respond::error_page(&req, &e),
    }
}

async fn wrong_password(
    flow: &AccountFlow,
    site: &Site,
    req: &HttpRequest,
    session: SsoSession,
    now: i64,
) -> HttpResponse {
    let wrong = UserMessage::WrongCurrentPassword.text(Ui::of(req).t);
    let mut resp = page(flow, site, req, session, None, Some(wrong), now).await;
    *resp.status_mut() = StatusCode::BAD_REQUEST;
    resp
}

fn totp_page(
    site: &Site,
    req: &HttpRequest,
    purpose: &str,
    id: &str,
    enrollment: Enrollment,
    error: Option<UserMessage>,
) -> HttpResponse {
    let ui = Ui::of(req);
    let setup = TotpSetup {
        qr_svg: qr::svg(&enrollment.uri, ui.t.mfa.qr_label),
        secret: qr::grouped(&enrollment.secret),
    };
    csrf::with_token(site, req, purpose, |token| {
        let error = error.map(|m| m.text(ui.t));
        let page = AccountTotpPage { ui: ui.clone(), csrf_token: token, enrollment_id: id, setup, error };
        respond::page(&ui, StatusCode::OK, &page, None)
    })
}

fn codes_page(req: &HttpRequest, turned_on: bool, codes: &[String]) -> HttpResponse {
    let ui = Ui::of(req);
    let page = RecoveryCodesPage { ui: ui.clone(), turned_on, recovery_codes: codes };
    respond::page(&ui, StatusCode::OK, &page, None)
}
