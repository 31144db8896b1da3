//! The admin console at `/admin`: server-rendered pages over the same
//! administrative operations as the CLI and the admin API
//! (`flows::admin::Admin`). People sign in through oxidp's own
//! authorization code flow (`flows::console`); the [`Console`] extractor
//! admits a request only with a live console session of an administrator.
//! Every form posts back with the console session's CSRF token, from our
//! origin; answers are redirects back to a page (post/redirect/get) or the
//! form again with the error next to its field. No scripts anywhere.

pub mod audit;
pub mod clients;
pub mod groups;

pub mod keys;
pub mod signin;
pub mod users;
pub mod views;

use std::fmt;
use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::{Method, StatusCode, header};
use actix_web::web::Data;
use actix_web::{FromRequest, HttpRequest, HttpResponse, ResponseError};
use askama::Template;

use crate::clock::Clock;
use crate::crypto::constant_time_eq;
use crate::flows::admin::{Actor, AdminError};
use crate::flows::console::{Access, ConsoleFlow, ConsoleUser, HOME, LOGIN_TTL};
use crate::protocol::{OAuthError, Params};
use crate::web::pages::{Locale, Problem, Ui};
use crate::web::{Site, cookies, extract, respond};

/// `?done=word` after a form: the page shows the confirmation for `word`.
#[derive(Debug, Default, serde::Deserialize)]
pub struct Done {
    pub done: Option<String>,
}

/// `?q=&after=&done=` of the list pages (clients, users, groups).
#[derive(Debug, serde::Deserialize)]
pub struct ListQuery {
    pub q: Option<String>,
    pub after: Option<String>,
    pub done: Option<String>,
}

/// One page of a listing: `search` from the form, after `after`.
pub fn page_request(search: &str, after: Option<String>) -> crate::flows::admin::PageRequest {
    crate::flows::admin::PageRequest { limit: None, after, search: Some(search.to_string()) }
}

/// The query string of the page after this one, if there is one.
pub fn next_query(search: &str, next: Option<String>) -> Option<String> {
    next.map(|after| {
        url::form_urlencoded::Serializer::new(String::new())
            .append_pair("q", search)
            .append_pair("after", &after)
            .finish()
    })
}

/// A request from a signed-in administrator.
pub struct Console {
    pub user: ConsoleUser,
    /// The pages' branding; the console is written in English only.
    pub ui: Ui,
}

impl Console {
    /// Who the admin operations record as having made a change.
    pub fn actor(&self) -> Actor {
        Actor::User { id: self.user.user_id.clone(), username: self.user.username.clone() }
    }

    pub fn ui(&self) -> Ui {
        self.ui.clone()
    }

    /// What every page shows in its navigation.
    pub fn nav(&self, section: &'static str) -> views::Nav {
        views::Nav { username: self.user.username.clone(), csrf_token: self.user.csrf.clone(), section }
    }

    /// A posted console form: from our origin, with this session's token.
    /// Otherwise the error to show ([`refused`]); nothing is changed.
    pub fn form(&self, site: &Site, req: &HttpRequest, body: &[u8]) -> Result<Params, OAuthError> {
        let params = extract::form_params(req, body)?;
        let token = params.get("csrf_token").unwrap_or_default();
        if !extract::same_origin(&site.issuer, req)
            || !constant_time_eq(token.as_bytes(), self.user.csrf.as_bytes())
        {
            return Err(OAuthError::invalid_request(STALE_FORM));
        }
        Ok(params)
    }
}

/// Why a console form was refused when it was not ours or expired.
const STALE_FORM: &str = "The form expired or was submitted from another site. Nothing was changed.";

/// The page for a form that was not acted on.
pub fn refused(console: &Console, e: OAuthError) -> HttpResponse {
    let problem = if e.description == STALE_FORM { Problem::FormExpired } else { Problem::of(&e) };
    let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::BAD_REQUEST);
    respond::problem(&console.ui, status, problem, Some(&e))
}

/// Why a request does not reach a console page.
#[derive(Debug)]
pub enum Refusal {
    /// Not signed in: off to oxidp's sign-in, the browser keeping `state`.
    SignIn {
        location: String,
        state: String,
        site: Box<Site>,
    },
    /// Signed in, but not an administrator: a 403 page, never a loop.
    NotAdmin {
        username: String,
        site: Box<Site>,
    },
    Failed(OAuthError, Ui),
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::SignIn { .. } => f.write_str("sign in to the console first"),
            Refusal::NotAdmin { username, .. } => write!(f, "{username} is not an administrator"),
            Refusal::Failed(e, _) => write!(f, "{}", e.description),
        }
    }
}

impl ResponseError for Refusal {
    fn error_response(&self) -> HttpResponse {
        match self {
            Refusal::SignIn { location, state, site } => {
                let mut resp = see_other(location);
                cookies::set_console_state(&mut resp, site, state.clone(), LOGIN_TTL);
                resp
            }
            Refusal::NotAdmin { username, site } => not_admin(site, username),
            Refusal::Failed(e, ui) => {
                let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::BAD_REQUEST);
                respond::problem(ui, status, Problem::of(e), Some(e))
            }
        }
    }
}

/// The 403 page of a signed-in person who may not administer, with a way
/// to sign out (and in as someone else).
pub fn not_admin(site: &Site, username: &str) -> HttpResponse {
    let logout = signin::oxidp_logout_url(&site.issuer);
    let ui = Ui::new(site.branding.clone(), Locale::En);
    let mut resp = html(StatusCode::FORBIDDEN, &views::DeniedPage { ui, username, logout: &logout });
    cookies::remove_console(&mut resp, site);
    resp
}

fn app_data<T: 'static>(req: &HttpRequest) -> Result<Data<T>, Refusal> {
    req.app_data::<Data<T>>().cloned().ok_or_else(|| {
        Refusal::Failed(OAuthError::server_error("the console is not configured"), Ui::english(req))
    })
}

async fn admit(req: HttpRequest) -> Result<Console, Refusal> {
    let (flow, site, clock) =
        (app_data::<ConsoleFlow>(&req)?, app_data::<Site>(&req)?, app_data::<Clock>(&req)?);
    let now = clock.now();
    let cookie = cookies::console(&req, &site);
    let failed = |e| Refusal::Failed(e, Ui::english(&req));
    match flow.access(cookie.as_deref(), now).await.map_err(failed)? {
        Access::Granted(user) => Ok(Console { user, ui: Ui::english(&req) }),
        Access::NotAdmin { username } => {
            Err(Refusal::NotAdmin { username, site: Box::new((**site).clone()) })
        }
        Access::SignedOut => {
            // Come back to the page asked for; a form post goes home.
            let return_to = match *req.method() {
                Method::GET | Method::HEAD => req.uri().path_and_query().map_or(HOME, |pq| pq.as_str()),
                _ => HOME,
            };
            let start = flow.begin(return_to, now).await.map_err(failed)?;
            Err(Refusal::SignIn {
                location: start.location,
                state: start.state,
                site: Box::new((**site).clone()),
            })
        }
    }
}

impl FromRequest for Console {
    type Error = Refusal;
    type Future = Pin<Box<dyn Future<Output = Result<Console, Refusal>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        Box::pin(admit(req.clone()))
    }
}

/// A console page: never cached (the middleware's default, said again).
pub fn html<T: Template>(status: StatusCode, page: &T) -> HttpResponse {
    let mut resp = respond::html(status, page);
    resp.headers_mut().insert(header::CACHE_CONTROL, header::HeaderValue::from_static("no-store"));
    resp
}

/// 303 to a console page (post/redirect/get).
pub fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .finish()
}

/// `path?done=word`: the page then shows the confirmation for `word`.
pub fn done(path: &str, word: &str) -> HttpResponse {
    let separator = if path.contains('?') { '&' } else { '?' };
    see_other(&format!("{path}{separator}done={word}"))
}

/// An admin operation's error as a page: input errors are the person's to
/// fix (400, or 404/409), anything else is the server's.
pub fn admin_error(console: &Console, e: &AdminError) -> HttpResponse {
    let status = match e {
        AdminError::NotFound(_) => StatusCode::NOT_FOUND,
        AdminError::Conflict(_) | AdminError::Stale(_) => StatusCode::CONFLICT,
        AdminError::Invalid { .. } => StatusCode::BAD_REQUEST,
        AdminError::Store(_) | AdminError::Internal(_) => {
            tracing::error!(error = %e, "admin operation failed");
            StatusCode::INTERNAL_SERVER_ERROR
        }
    };
    let message = if status == StatusCode::INTERNAL_SERVER_ERROR {
        "Something went wrong. Nothing may have been changed; try again.".to_string()
    } else {
        e.to_string()
    };
    html(
        status,
        &views::MessagePage {
            nav: console.nav(""),
            ui: console.ui(),
            title: "That did not work",
            message: &message,
            back: HOME,
        },
    )
}

/// `2026-12-02 10:15 UTC`.
pub fn when(unix: i64) -> String {
    match actix_web::cookie::time::OffsetDateTime::from_unix_timestamp(unix) {
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

/// The confirmation for `?done=word`, from a page's list.
pub fn notice(done: Option<&str>, notices: &[(&'static str, &'static str)]) -> Option<&'static str> {
    notices.iter().find(|(word, _)| Some(*word) == done).map(|(_, text)| *text)
}
