//! `/account`: the user's own page (sessions, apps, password), and its
//! sign-in form when the browser has no session. Every form is a POST from
//! our origin with a CSRF token bound to the browser and to the session;
//! each answers with a redirect back to the page (post/redirect/get).
//! Two-step verification's forms are in `mfa`.

pub mod mfa;
pub mod passkeys;

use actix_web::cookie::time::OffsetDateTime;
use actix_web::http::StatusCode;
use actix_web::web::{Bytes, Data, Query};
use actix_web::{HttpRequest, HttpResponse};

use crate::clock::Clock;
use crate::flows::account::{AccountFlow, AccountSignIn, AccountView, PasswordChange};
use crate::flows::links::AccountLinkFlow;
use crate::protocol::entries::{Device, SsoSession};
use crate::protocol::{OAuthError, Params};
use crate::web::interaction::login::throttled;
use crate::web::pages::{Problem, Ui, UserMessage};
use crate::web::views::{AccountPage, AppRow, LoginPage, PasskeyItem, SessionRow};
use crate::web::{Site, cookies, csrf, extract, respond};

/// CSRF purpose of the sign-in form (no session yet).
pub(crate) const SIGN_IN: &str = "account-sign-in";

/// Confirmations shown after a form, by the word in `?done=`.
const NOTICES: [(&str, UserMessage); 6] = [
    ("session_ended", UserMessage::SessionEnded),
    ("app_removed", UserMessage::AppRemoved),
    ("password_changed", UserMessage::PasswordChanged),
    ("mfa_off", UserMessage::MfaOff),
    ("passkey_added", UserMessage::PasskeyAdded),
    ("passkey_removed", UserMessage::PasskeyRemoved),
];

#[derive(serde::Deserialize)]
pub struct Done {
    done: Option<String>,
}

pub async fn account_get(
    flow: Data<AccountFlow>,
    site: Data<Site>,
    clock: Data<Clock>,
    req: HttpRequest,
    query: Query<Done>,
) -> HttpResponse {
    let now = clock.now();
    let cookie = cookies::session(&req, &site);
    match flow.session(cookie.as_deref(), &extract::device(&req), now).await {
        Ok(Some(session)) => {
            let ui = Ui::of(&req);
            let notice = NOTICES
                .iter()
                .find(|(word, _)| Some(*word) == query.done.as_deref())
                .map(|(_, message)| message.text(ui.t));
            page(&flow, &site, &req, session, notice, None, now).await
        }
        Ok(None) => sign_in_page(&site, &req, "", None),
        Err(e) => respond::error_page(&req, &e),
    }
}

pub async fn sign_in_post(
    flow: Data<AccountFlow>,
    links: Data<AccountLinkFlow>,
    site: Data<Site>,
    clock: Data<Clock>,
    req: HttpRequest,
    body: Bytes,
) -> HttpResponse {
    let params = match checked_form(&req, &body, &site, SIGN_IN) {
        Ok(params) => params,
        Err(refusal) => return refusal.respond(&req),
    };
    let username = params.get("username").unwrap_or_default();
    let password = params.get("password").unwrap_or_default();
    let previous = cookies::session(&req, &site);
    let device = extract::device(&req);
    match flow.sign_in(username, password, previous.as_deref(), &device, clock.now()).await {
        Ok(AccountSignIn::Session(cookie)) => {
            let mut resp = back(None);
            cookies::set_session(&mut resp, &site, cookie);
            resp
        }
        Ok(AccountSignIn::SecondFactor(id)) => mfa::second_step_page(&site, &req, &id, None),
        Ok(AccountSignIn::Rejected) => sign_in_page(&site, &req, username, Some(UserMessage::BadCredentials)),
        Ok(AccountSignIn::Throttled { retry_after }) => {
            throttled(sign_in_page(&site, &req, username, Some(UserMessage::Throttled)), retry_after)
        }
        Ok(AccountSignIn::Unverified { user_id }) => {
            links.resend_verification(&user_id, clock.now()).await;
            sign_in_page(&site, &req, username, Some(UserMessage::Unverified))
        }
        Err(e) => respond::error_page(&req, &e),
    }
}

pub async fn end_session_post(
    flow: Data<AccountFlow>,
    site: Data<Site>,
    clock: Data<Clock>,
    req: HttpRequest,
    body: Bytes,
) -> HttpResponse {
    let (session, params) = match signed_in_form(&flow, &site, &req, &body, clock.now()).await {
        Ok(found) => found,
        Err(refusal) => return refusal.respond(&req),
    };
    let sid = params.get("sid").unwrap_or_default();
    match flow.end_session(&session, sid, clock.now()).await {
        Ok(true) if sid == session.sid => {
            let mut resp = back(None);
            cookies::remove_session(&mut resp, &site);
            resp
        }
        Ok(true) => back(Some("session_ended")),
        Ok(false) => back(None),
        Err(e) => respond::error_page(&req, &e),
    }
}

pub async fn revoke_app_post(
    flow: Data<AccountFlow>,
    site: Data<Site>,
    clock: Data<Clock>,
    req: HttpRequest,
    body: Bytes,
) -> HttpResponse {
    let (session, params) = match signed_in_form(&flow, &site, &req, &body, clock.now()).await {
        Ok(found) => found,
        Err(refusal) => return refusal.respond(&req),
    };
    match flow.withdraw_consent(&session, params.get("client_id").unwrap_or_default(), clock.now()).await {
        Ok(true) => back(Some("app_removed")),
        Ok(false) => back(None),
        Err(e) => respond::error_page(&req, &e),
    }
}

pub async fn password_post(
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
    let old = params.get("current_password").unwrap_or_default();
    let new = params.get("new_password").unwrap_or_default();
    let error = match flow.change_password(&session, old, new, now).await {
        Ok(PasswordChange::Changed { .. }) => return back(Some("password_changed")),
        Ok(PasswordChange::WrongPassword) => {
            UserMessage::WrongCurrentPassword.text(Ui::of(&req).t).to_string()
        }
        // The password policy's own words (flows::account).
        Ok(PasswordChange::Rejected(why)) => why,
        Err(e) => return respond::error_page(&req, &e),
    };
    let mut resp = page(&flow, &site, &req, session, None, Some(&error), now).await;
    *resp.status_mut() = StatusCode::BAD_REQUEST;
    resp
}

/// 303 to the account page, with a notice.
pub(crate) fn back(done: Option<&str>) -> HttpResponse {
    let location = match done {
        Some(word) => format!("/account?done={word}"),
        None => "/account".to_string(),
    };
    HttpResponse::SeeOther().insert_header(("Location", location)).finish()
}

/// Why a form is not acted on.
pub(crate) enum Refusal {
    /// No session (any more): back to the page, which offers to sign in.
    SignedOut,
    /// Not ours, or its token expired: nothing was changed.
    Stale,
    Invalid(OAuthError),
}

impl Refusal {
    pub(crate) fn respond(self, req: &HttpRequest) -> HttpResponse {
        match self {
            Refusal::SignedOut => back(None),
            Refusal::Stale => respond::problem_page(req, Problem::FormExpired),
            Refusal::Invalid(e) => respond::error_page(req, &e),
        }
    }
}

/// The form's parameters, when it came from our origin with a CSRF token
/// for `purpose`.
pub(crate) fn checked_form(
    req: &HttpRequest,
    body: &[u8],
    site: &Site,
    purpose: &str,
) -> Result<Params, Refusal> {
    let params = extract::form_params(req, body).map_err(Refusal::Invalid)?;
    if !csrf::form_is_ours(site, req, purpose, &params) {
        return Err(Refusal::Stale);
    }
    Ok(params)
}

/// A form of the signed-in page: the session, then the CSRF check bound to it.
pub(crate) async fn signed_in_form(
    flow: &AccountFlow,
    site: &Site,
    req: &HttpRequest,
    body: &[u8],
    now: i64,
) -> Result<(SsoSession, Params), Refusal> {
    let cookie = cookies::session(req, site);
    let session = match flow.session(cookie.as_deref(), &extract::device(req), now).await {
        Ok(Some(session)) => session,
        Ok(None) => return Err(Refusal::SignedOut),
        Err(e) => return Err(Refusal::Invalid(e)),
    };
    let params = checked_form(req, body, site, &purpose(&session))?;
    Ok((session, params))
}

/// The signed-in page's CSRF purpose: bound to the session, so a token
/// dies with it.
pub(crate) fn purpose(session: &SsoSession) -> String {
    format!("account:{}", session.sid)
}

pub(crate) fn sign_in_page(
    site: &Site,
    req: &HttpRequest,
    username: &str,
    error: Option<UserMessage>,
) -> HttpResponse {
    let ui = Ui::of(req);
    csrf::with_token(site, req, SIGN_IN, |token| {
        let page = LoginPage {
            ui: ui.clone(),
            action: "/account/login",
            continue_to: ui.t.login.your_account,
            client_logo: None,
            challenge: "",
            csrf_token: token,
            username,
            error: error.map(|m| m.text(ui.t)),
            registration: site.registration,
            passkey: site.passkeys.then_some("/account/login/passkey"),
        };
        respond::page(&ui, StatusCode::OK, &page, None)
    })
}

pub(crate) async fn page(
    flow: &AccountFlow,
    site: &Site,
    req: &HttpRequest,
    session: SsoSession,
    notice: Option<&str>,
    error: Option<&str>,
    now: i64,
) -> HttpResponse {
    let view = match flow.overview(session, now).await {
        Ok(view) => view,
        Err(e) => return respond::error_page(req, &e),
    };
    let purpose = purpose(&view.current);
    let ui = Ui::of(req);
    let min_password = flow.password_policy().min_length;
    csrf::with_token(site, req, &purpose, |token| {
        render(&ui, &view, token, notice, error, min_password, site.passkeys)
    })
}

#[allow(clippy::too_many_arguments)]
fn render(
    ui: &Ui,
    view: &AccountView,
    csrf_token: &str,
    notice: Option<&str>,
    error: Option<&str>,
    min_password: usize,
    passkeys_available: bool,
) -> HttpResponse {
    let sessions = view
        .sessions
        .iter()
        .map(|s| SessionRow {
            sid: s.sid.clone(),
            device: describe(&s.device),
            ip: s.device.ip.clone().unwrap_or_else(|| "unknown address".into()),
            last_seen: when(s.last_seen),
            signed_in: when(s.created_at),
            current: s.sid == view.current.sid,
        })
        .collect();
    let apps = view
        .apps
        .iter()
        .map(|a| AppRow {
            client_id: a.client_id.clone(),
            name: a.name.clone(),
            scopes: a.scopes.join(", "),
            since: when(a.granted_at),
        })
        .collect();
    let page = AccountPage {
        ui: ui.clone(),
        username: &view.user.username,
        email: view.user.email.as_deref(),
        csrf_token,
        notice,
        error,
        sessions,
        apps,
        min_password,
        totp: view.second_factor.totp,
        recovery_codes_left: view.second_factor.recovery_codes_left,
        passkeys: view
            .passkeys
            .iter()
            .map(|p| PasskeyItem {
                id: p.id.clone(),
                name: p.name.clone(),
                added: when(p.created_at),
                last_used: p.last_used_at.map(when),
            })
            .collect(),
        passkeys_available,
    };
    respond::page(ui, StatusCode::OK, &page, None)
}

/// `2026-12-02 10:15 UTC`.
fn when(unix: i64) -> String {
    match OffsetDateTime::from_unix_timestamp(unix) {
        Ok(t) => format!(
            "{:04}-{:02}-{:02} {:02}:{:02} UTC",
            t.year(),
            u8::from(t.month()),
            t.day(),
            t.hour(),
            t.minute()
        ),
        Err(_) => "unknown".into(),
    }
}

/// "Firefox on Linux" from a user agent, for people; the raw string is not shown.
pub fn describe(device: &Device) -> String {
    let Some(ua) = device.user_agent.as_deref() else { return "Unknown device".into() };
    const BROWSERS: [(&str, &str); 7] = [
        ("Edg/", "Edge"),
        ("OPR/", "Opera"),
        ("Firefox/", "Firefox"),
        ("Chrome/", "Chrome"),
        ("Safari/", "Safari"),
        ("curl/", "curl"),
        ("reqwest", "a program"),
    ];
    const SYSTEMS: [(&str, &str); 6] = [
        ("Android", "Android"),
        ("iPhone", "iPhone"),
        ("iPad", "iPad"),
        ("Windows", "Windows"),
        ("Mac OS X", "macOS"),
        ("Linux", "Linux"),
    ];
    let browser = BROWSERS.iter().find(|(marker, _)| ua.contains(marker)).map(|(_, name)| *name);
    let system = SYSTEMS.iter().find(|(marker, _)| ua.contains(marker)).map(|(_, name)| *name);
    match (browser, system) {
        (Some(b), Some(s)) => format!("{b} on {s}"),
        (Some(b), None) => b.to_string(),
        (None, Some(s)) => format!("A browser on {s}"),
        (None, None) => "Unknown device".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn devices_and_times_read_naturally() {
        let ua = |s: &str| Device { user_agent: Some(s.into()), ip: None };
        let firefox = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0";
        assert_eq!(describe(&ua(firefox)), "Firefox on Linux");
        let chrome = "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Chrome/131.0 Mobile Safari/537.36";
        assert_eq!(describe(&ua(chrome)), "Chrome on Android");
        assert_eq!(describe(&ua("")), "Unknown device");
        assert_eq!(describe(&Device::default()), "Unknown device");
        assert_eq!(when(1_796_206_500), "2026-12-02 10:15 UTC");
    }
}
