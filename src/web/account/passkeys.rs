//! The account page's passkeys: signing in with one (`/account/login/passkey`),
//! adding one (`/account/passkeys`) and removing one. The `…/options`
//! paths start a ceremony and answer JSON for `static/passkey.js`; every
//! path has the same origin and CSRF checks as the page's other forms.

use actix_web::http::StatusCode;
use actix_web::web::{Bytes, Data};
use actix_web::{HttpRequest, HttpResponse};

use super::{Refusal, SIGN_IN, back, checked_form, page, sign_in_page, signed_in_form};
use crate::clock::Clock;
use crate::flows::account::{AccountFlow, PasskeyCeremony};
use crate::flows::passkeys::PasskeyError;
use crate::web::interaction::passkey::json_error;
use crate::web::pages::{Ui, UserMessage};
use crate::web::{Site, cookies, extract, respond};

/// A refused form, answered as JSON for the script.
fn json_refusal(refusal: Refusal) -> HttpResponse {
    match refusal {
        Refusal::SignedOut => json_error(StatusCode::UNAUTHORIZED, "signed_out"),
        Refusal::Stale => json_error(StatusCode::FORBIDDEN, "form_expired"),
        Refusal::Invalid(_) => json_error(StatusCode::BAD_REQUEST, "not a form"),
    }
}

/// The ceremony's options, with the id the form carries back.
fn ceremony_json(started: Result<PasskeyCeremony, PasskeyError>) -> HttpResponse {
    match started {
        Ok(PasskeyCeremony { id, mut options }) => {
            if let (Some(id), Some(fields)) = (id, options.as_object_mut()) {
                fields.insert("ceremony".into(), id.into());
            }
            HttpResponse::Ok().json(options)
        }
        Err(PasskeyError::Unavailable) => json_error(StatusCode::CONFLICT, "passkeys_unavailable"),
        Err(PasskeyError::TooMany) => json_error(StatusCode::CONFLICT, "too_many_passkeys"),
        Err(e) => {
            tracing::warn!(error = ?e, "cannot start a passkey ceremony");
            json_error(StatusCode::SERVICE_UNAVAILABLE, "temporarily_unavailable")
        }
    }
}

pub async fn sign_in_options_post(
    flow: Data<AccountFlow>,
    site: Data<Site>,
    clock: Data<Clock>,
    req: HttpRequest,
    body: Bytes,
) -> HttpResponse {
    if let Err(refusal) = checked_form(&req, &body, &site, SIGN_IN) {
        return json_refusal(refusal);
    }
    ceremony_json(flow.passkey_sign_in_options(clock.now()).await)
}

pub async fn sign_in_post(
    flow: Data<AccountFlow>,
    site: Data<Site>,
    clock: Data<Clock>,
    req: HttpRequest,
    body: Bytes,
) -> HttpResponse {
    let params = match checked_form(&req, &body, &site, SIGN_IN) {
        Ok(params) => params,
        Err(refusal) => return refusal.respond(&req),
    };
    let ceremony = params.get("ceremony").unwrap_or_default();
    let response = params.get("credential").unwrap_or_default();
    let previous = cookies::session(&req, &site);
    let device = extract::device(&req);
    match flow.passkey_sign_in(ceremony, response, previous.as_deref(), &device, clock.now()).await {
        Ok(cookie) => {
            let mut resp = back(None);
            cookies::set_session(&mut resp, &site, cookie);
            resp
        }
        Err(PasskeyError::Store(e)) => respond::error_page(&req, &e.into()),
        Err(_) => {
            let mut resp = sign_in_page(&site, &req, "", Some(UserMessage::PasskeyFailed));
            *resp.status_mut() = StatusCode::BAD_REQUEST;
            resp
        }
    }
}

pub async fn options_post(
    flow: Data<AccountFlow>,
    site: Data<Site>,
    clock: Data<Clock>,
    req: HttpRequest,
    body: Bytes,
) -> HttpResponse {
    let now = clock.now();
    let session = match signed_in_form(&flow, &site, &req, &body, now).await {
        Ok((session, _)) => session,
        Err(refusal) => return json_refusal(refusal),
    };
    ceremony_json(flow.passkey_registration(&session, now).await)
}

pub async fn add_post(
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
    let response = params.get("credential").unwrap_or_default();
    let name = params.get("name").unwrap_or_default();
    let message = match flow.register_passkey(&session, response, name, now).await {
        Ok(_) => return back(Some("passkey_added")),
        Err(PasskeyError::Store(e)) => return respond::error_page(&req, &e.into()),
        Err(PasskeyError::Duplicate) => UserMessage::PasskeyDuplicate,
        Err(PasskeyError::TooMany) => UserMessage::PasskeyTooMany,
        Err(PasskeyError::Rejected | PasskeyError::Unavailable) => UserMessage::PasskeyFailed,
    };
    let text = message.text(Ui::of(&req).t);
    let mut resp = page(&flow, &site, &req, session, None, Some(text), now).await;
    *resp.status_mut() = StatusCode::BAD_REQUEST;
    resp
}

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
    match flow.remove_passkey(&session, params.get("id").unwrap_or_default(), now).await {
        Ok(true) => back(Some("passkey_removed")),
        Ok(false) => back(None),
        Err(PasskeyError::Store(e)) => respond::error_page(&req, &e.into()),
        Err(_) => back(None),
    }
}
