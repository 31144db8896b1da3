//! `/forgot`, `/reset`, `/verify` and `/register`: the pages behind the
//! mailed links (`flows::links`). Every form is a POST from our origin
//! with a CSRF token for its purpose (`csrf`); a token in a link is
//! carried to the POST in a hidden field, never consumed by a GET.

mod register;
mod views;

pub use register::{register_get, register_post, registration_open};

use actix_web::http::StatusCode;
use actix_web::web::{Bytes, Data, Query};
use actix_web::{HttpRequest, HttpResponse};

use crate::clock::Clock;
use crate::flows::links::{AccountLinkFlow, ResetOutcome};
use crate::web::pages::Ui;
use crate::web::{Site, csrf, respond};
use views::{ForgotPage, NoticePage, ResetPage, VerifyPage};

const FORGOT: &str = "forgot";
const RESET: &str = "reset";
const VERIFY: &str = "verify";

#[derive(serde::Deserialize)]
pub struct TokenQuery {
    token: Option<String>,
}

fn notice(status: StatusCode, page: &NoticePage<'_>) -> HttpResponse {
    let mut resp = respond::page(&page.ui, status, page, None);
    // The pages carry link tokens in forms: never cached, never referred.
    resp.headers_mut().insert(
        actix_web::http::header::CACHE_CONTROL,
        actix_web::http::header::HeaderValue::from_static("no-store"),
    );
    resp
}

/// The one answer for expired, used, unknown and superseded links.
fn gone(req: &HttpRequest, purpose: &str) -> HttpResponse {
    let ui = Ui::of(req);
    let t = &ui.t.links;
    let (next_href, next_text) = match purpose {
        RESET => ("/forgot", t.ask_new_link),
        _ => ("/account", t.sign_in_for_new_link),
    };
    let page = NoticePage {
        title: t.gone_title,
        message: t.gone_message,
        problem: true,
        next_href,
        next_text,
        ui: ui.clone(),
    };
    notice(StatusCode::GONE, &page)
}

pub async fn forgot_get(site: Data<Site>, req: HttpRequest) -> HttpResponse {
    csrf::with_token(&site, &req, FORGOT, |token| {
        let ui = Ui::of(&req);
        respond::page(&ui, StatusCode::OK, &ForgotPage { ui: ui.clone(), csrf_token: token }, None)
    })
}

/// Answers at once and the same way whether or not the account exists;
/// the lookup and the mail happen after the answer.
pub async fn forgot_post(
    flow: Data<AccountLinkFlow>,
    site: Data<Site>,
    clock: Data<Clock>,
    req: HttpRequest,
    body: Bytes,
) -> HttpResponse {
    let params = match csrf::verified_form(&site, &req, &body, FORGOT) {
        Ok(params) => params,
        Err(refused) => return refused.respond(&req),
    };
    flow.request_reset(params.get("identifier").unwrap_or_default(), clock.now());
    let ui = Ui::of(&req);
    let t = &ui.t.links;
    let page = NoticePage {
        title: t.sent_title,
        message: t.reset_sent,
        problem: false,
        next_href: "/account",
        next_text: t.back_to_sign_in,
        ui: ui.clone(),
    };
    notice(StatusCode::OK, &page)
}

fn reset_form(site: &Site, req: &HttpRequest, token: &str, error: Option<&str>) -> HttpResponse {
    csrf::with_token(site, req, RESET, |csrf_token| {
        let status = if error.is_some() { StatusCode::BAD_REQUEST } else { StatusCode::OK };
        let ui = Ui::of(req);
        let mut resp =
            respond::page(&ui, status, &ResetPage { ui: ui.clone(), csrf_token, token, error }, None);
        resp.headers_mut().insert(
            actix_web::http::header::CACHE_CONTROL,
            actix_web::http::header::HeaderValue::from_static("no-store"),
        );
        resp
    })
}

pub async fn reset_get(
    flow: Data<AccountLinkFlow>,
    site: Data<Site>,
    clock: Data<Clock>,
    req: HttpRequest,
    query: Query<TokenQuery>,
) -> HttpResponse {
    let token = query.token.as_deref().unwrap_or_default();
    match flow.reset_form(token, clock.now()).await {
        Ok(true) => reset_form(&site, &req, token, None),
        Ok(false) => gone(&req, RESET),
        Err(e) => respond::error_page(&req, &e),
    }
}

pub async fn reset_post(
    flow: Data<AccountLinkFlow>,
    site: Data<Site>,
    clock: Data<Clock>,
    req: HttpRequest,
    body: Bytes,
) -> HttpResponse {
    let params = match csrf::verified_form(&site, &req, &body, RESET) {
        Ok(params) => params,
        Err(refused) => return refused.respond(&req),
    };
    let token = params.get("token").unwrap_or_default();
    let password = params.get("password").unwrap_or_default();
    let confirmation = params.get("confirmation").unwrap_or_default();
    let ui = Ui::of(&req);
    let t = &ui.t.links;
    match flow.reset(token, password, confirmation, clock.now()).await {
        Ok(ResetOutcome::Done { .. }) => notice(
            StatusCode::OK,
            &NoticePage {
                title: t.changed_title,
                message: t.changed,
                problem: false,
                next_href: "/account",
                next_text: t.go_to_account,
                ui: ui.clone(),
            },
        ),
        Ok(ResetOutcome::Refused(message)) => reset_form(&site, &req, token, Some(&message)),
        Ok(ResetOutcome::Mismatch) => reset_form(&site, &req, token, Some(t.passwords_differ)),
        Ok(ResetOutcome::Gone) => gone(&req, RESET),
        Err(e) => respond::error_page(&req, &e),
    }
}

pub async fn verify_get(
    flow: Data<AccountLinkFlow>,
    site: Data<Site>,
    clock: Data<Clock>,
    req: HttpRequest,
    query: Query<TokenQuery>,
) -> HttpResponse {
    let token = query.token.as_deref().unwrap_or_default();
    match flow.verify_form(token, clock.now()).await {
        Ok(Some(email)) => csrf::with_token(&site, &req, VERIFY, |csrf_token| {
            let ui = Ui::of(&req);
            let page = VerifyPage { ui: ui.clone(), csrf_token, token, email: &email };
            let mut resp = respond::page(&ui, StatusCode::OK, &page, None);
            resp.headers_mut().insert(
                actix_web::http::header::CACHE_CONTROL,
                actix_web::http::header::HeaderValue::from_static("no-store"),
            );
            resp
        }),
        Ok(None) => gone(&req, VERIFY),
        Err(e) => respond::error_page(&req, &e),
    }
}

pub async fn verify_post(
    flow: Data<AccountLinkFlow>,
    site: Data<Site>,
    clock: Data<Clock>,
    req: HttpRequest,
    body: Bytes,
) -> HttpResponse {
    let params = match csrf::verified_form(&site, &req, &body, VERIFY) {
        Ok(params) => params,
        Err(refused) => return refused.respond(&req),
    };
    let ui = Ui::of(&req);
    let t = &ui.t.links;
    match flow.verify(params.get("token").unwrap_or_default(), clock.now()).await {
        Ok(true) => notice(
            StatusCode::OK,
            &NoticePage {
                title: t.confirmed_title,
                message: t.confirmed,
                problem: false,
                next_href: "/account",
                next_text: t.go_to_account,
                ui: ui.clone(),
            },
        ),
        Ok(false) => gone(&req, VERIFY),
        Err(e) => respond::error_page(&req, &e),
    }
}
