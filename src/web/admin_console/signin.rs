//! Signing in to the console (`/admin/callback`, the console client's
//! redirect URI) and out of it (`POST /admin/logout`, then oxidp's own
//! RP-initiated logout, back to `/admin`).

use actix_web::http::StatusCode;
use actix_web::web::{Bytes, Data};
use actix_web::{HttpRequest, HttpResponse, ResponseError};

use crate::clock::Clock;
use crate::flows::console::{Callback, ConsoleFlow, HOME};
use crate::protocol::OAuthError;
use crate::protocol::admin::CONSOLE_CLIENT_ID;
use crate::web::admin_console::{Console, Refusal, not_admin, refused, see_other};
use crate::web::pages::{Problem, Ui};
use crate::web::{Site, cookies, extract, respond};

/// `GET /admin`: the console starts with its clients.
pub async fn home_get(_console: Console) -> HttpResponse {
    see_other("/admin/clients")
}

/// `GET /admin/callback`: the authorization response (RFC 6749 §4.1.2).
pub async fn callback_get(
    flow: Data<ConsoleFlow>,
    site: Data<Site>,
    clock: Data<Clock>,
    req: HttpRequest,
) -> HttpResponse {
    let params = match extract::query_params(&req) {
        Ok(params) => params,
        Err(e) => return respond::error_page(&req, &e),
    };
    let now = clock.now();
    let bound = cookies::console_state(&req, &site);
    let mut resp = match flow.finish(bound.as_deref(), &params, now).await {
        Callback::SignedIn { cookie, return_to, max_age } => {
            let mut resp = see_other(&return_to);
            cookies::set_console(&mut resp, &site, cookie, max_age);
            resp
        }
        Callback::NotAdmin { username } => not_admin(&site, &username),
        // Nothing to answer (the callback opened by hand): sign in afresh,
        // with a new state cookie.
        Callback::Restart if params.get("state").is_none() => {
            return match flow.begin(HOME, now).await {
                Ok(start) => {
                    let site = Box::new((**site).clone());
                    Refusal::SignIn { location: start.location, state: start.state, site }.error_response()
                }
                Err(e) => respond::error_page(&req, &e),
            };
        }
        // A response whose sign-in is gone is not retried, so a browser
        // that keeps no cookies cannot loop.
        Callback::Restart => {
            let expired = OAuthError::invalid_request(
                "This sign-in expired or was started in another browser. Open /admin to sign in again.",
            );
            respond::problem(
                &Ui::english(&req),
                StatusCode::BAD_REQUEST,
                Problem::PageExpired,
                Some(&expired),
            )
        }
        Callback::Failed(e) => respond::error_page(&req, &e),
    };
    // The sign-in is over, one way or the other.
    if bound.is_some() {
        cookies::remove_console_state(&mut resp, &site);
    }
    resp
}

/// `POST /admin/logout`: ends the console session, then the oxidp session
/// (RP-Initiated Logout 1.0 §2 with the ID token as hint).
pub async fn logout_post(
    console: Console,
    flow: Data<ConsoleFlow>,
    site: Data<Site>,
    req: HttpRequest,
    body: Bytes,
) -> HttpResponse {
    if let Err(e) = console.form(&site, &req, &body) {
        return refused(&console, e);
    }
    let cookie = cookies::console(&req, &site);
    match flow.sign_out(cookie.as_deref()).await {
        Ok(location) => {
            let mut resp = see_other(&location);
            cookies::remove_console(&mut resp, &site);
            resp
        }
        Err(e) => respond::error_page(&req, &e),
    }
}

/// oxidp's logout for someone without a console session (it asks them to
/// confirm), coming back to the console.
pub fn oxidp_logout_url(issuer: &str) -> String {
    let query = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("client_id", CONSOLE_CLIENT_ID)
        .append_pair("post_logout_redirect_uri", &format!("{issuer}{HOME}"))
        .finish();
    format!("/logout?{query}")
}
