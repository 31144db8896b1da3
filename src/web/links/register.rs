//! `/register` (`accounts.registration`): routed only while registration
//! is on ([`registration_open`] guards the resource), so otherwise the
//! path is unknown like any other.

use actix_web::guard::GuardContext;
use actix_web::http::StatusCode;
use actix_web::web::{Bytes, Data};
use actix_web::{HttpRequest, HttpResponse};

use super::notice;
use super::views::{NoticePage, RegisterPage};
use crate::clock::Clock;
use crate::flows::links::{AccountLinkFlow, RegisterOutcome, Registration};
use crate::web::pages::Ui;
use crate::web::{Site, csrf, extract, respond};

const REGISTER: &str = "register";

/// The route guard: whether self-registration is on.
pub fn registration_open(ctx: &GuardContext<'_>) -> bool {
    ctx.app_data::<Data<Site>>().is_some_and(|site| site.registration)
}

struct Filled<'a> {
    username: &'a str,
    email: &'a str,
    name: &'a str,
}

fn form(
    site: &Site,
    req: &HttpRequest,
    filled: &Filled<'_>,
    error: Option<&str>,
    status: StatusCode,
) -> HttpResponse {
    csrf::with_token(site, req, REGISTER, |csrf_token| {
        let page = RegisterPage {
            ui: Ui::of(req),
            csrf_token,
            username: filled.username,
            email: filled.email,
            name: filled.name,
            error,
        };
        respond::page(&page.ui, status, &page, None)
    })
}

pub async fn register_get(site: Data<Site>, req: HttpRequest) -> HttpResponse {
    form(&site, &req, &Filled { username: "", email: "", name: "" }, None, StatusCode::OK)
}

pub async fn register_post(
    flow: Data<AccountLinkFlow>,
    site: Data<Site>,
    clock: Data<Clock>,
    req: HttpRequest,
    body: Bytes,
) -> HttpResponse {
    let params = match csrf::verified_form(&site, &req, &body, REGISTER) {
        Ok(params) => params,
        Err(refused) => return refused.respond(&req),
    };
    let get = |name: &str| params.get(name).unwrap_or_default().to_string();
    let registration = Registration {
        username: get("username"),
        email: get("email"),
        password: get("password"),
        confirmation: get("confirmation"),
        name: get("name"),
    };
    let filled = Filled {
        username: params.get("username").unwrap_or_default(),
        email: params.get("email").unwrap_or_default(),
        name: params.get("name").unwrap_or_default(),
    };
    let device = extract::device(&req);
    let ui = Ui::of(&req);
    let t = &ui.t.links;
    match flow.register(registration, device.ip.as_deref(), clock.now()).await {
        Ok(RegisterOutcome::CheckEmail) => notice(
            StatusCode::OK,
            &NoticePage {
                title: t.sent_title,
                message: t.registered,
                problem: false,
                next_href: "/account",
                next_text: t.go_to_sign_in,
                ui: ui.clone(),
            },
        ),
        Ok(RegisterOutcome::Mismatch) => {
            form(&site, &req, &filled, Some(t.passwords_differ), StatusCode::BAD_REQUEST)
        }
        Ok(RegisterOutcome::Invalid { message, .. }) => {
            form(&site, &req, &filled, Some(&sentence(&message)), StatusCode::BAD_REQUEST)
        }
        Ok(RegisterOutcome::TooMany) => {
            form(&site, &req, &filled, Some(t.too_many_registrations), StatusCode::TOO_MANY_REQUESTS)
        }
        Err(e) => respond::error_page(&req, &e),
    }
}

/// An admin message ("password must ...") as a sentence for the page.
fn sentence(message: &str) -> String {
    let mut chars = message.chars();
    let mut out: String = chars.next().map(|c| c.to_uppercase().collect()).unwrap_or_default();
    out.push_str(chars.as_str());
    if !out.ends_with('.') {
        out.push('.');
    }
    out
}
