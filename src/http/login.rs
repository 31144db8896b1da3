//! `POST /login`: checks the CSRF token and the credentials, starts a new SSO
//! session (a fresh cookie at every login: no fixation) and finishes the
//! pending authorization request with a code.

use actix_web::http::StatusCode;
use actix_web::web::{Bytes, Data};
use actix_web::{HttpRequest, HttpResponse};

use crate::accounts::users::authenticate;
use crate::http::authorize::{code_redirect, login_form, redirect_error};
use crate::http::{cookies, extract, respond};
use crate::oauth::OAuthError;
use crate::sso::{self, csrf};
use crate::state::AppState;

/// The one message for unknown users and wrong passwords.
pub const BAD_CREDENTIALS: &str = "Invalid username or password.";

pub async fn login_post(state: Data<AppState>, req: HttpRequest, body: Bytes) -> HttpResponse {
    let params = match extract::form_params(&req, &body) {
        Ok(p) => p,
        Err(e) => return respond::error_page(&e),
    };
    let challenge = params.get("challenge").unwrap_or_default();
    let csrf_key = extract::cookie_value(&req, csrf::COOKIE_NAME);
    if !same_origin(&state, &req) || !csrf::verify(csrf_key.as_deref(), challenge, params.get("csrf_token")) {
        return respond::error_page(&OAuthError::invalid_request(
            "The login form expired or was submitted from another site. Please start again from the application.",
        ));
    }
    let request = match sso::login::find(&state.ephemeral, challenge).await {
        Ok(Some(request)) => request,
        Ok(None) => {
            return respond::error_page(&OAuthError::invalid_request(
                "This login page has expired. Please start again from the application.",
            ));
        }
        Err(e) => return respond::error_page(&e.into()),
    };
    let username = params.get("username").unwrap_or_default();
    let password = params.get("password").unwrap_or_default();
    let user = match authenticate(&state.db, &state.hasher, username, password).await {
        Ok(user) => user,
        Err(e) => return respond::error_page(&e.into()),
    };
    let Some(user) = user else {
        tracing::info!(client_id = %request.client_id, "failed login");
        return login_form(&state, &req, challenge, &request, username, Some(BAD_CREDENTIALS));
    };
    // Single use: a second submission of the same form finds nothing.
    let request = match sso::login::finish(&state.ephemeral, challenge).await {
        Ok(Some(request)) => request,
        Ok(None) => {
            return respond::error_page(&OAuthError::invalid_request("This login was already completed."));
        }
        Err(e) => return respond::error_page(&e.into()),
    };
    let now = state.now();
    let previous = extract::cookie_value(&req, &state.settings.session.cookie_name);
    let (secret, session) = match sso::login::start_session(&state, previous.as_deref(), &user.id, now).await
    {
        Ok(started) => started,
        Err(e) => return redirect_error(&state, &request, e),
    };
    tracing::info!(user_id = %user.id, sid = %session.sid, client_id = %request.client_id, "login");
    let mut resp = code_redirect(&state, &request, &session, StatusCode::SEE_OTHER).await;
    if let Err(e) = resp.add_cookie(&cookies::session(&state.settings, secret)) {
        tracing::error!(error = %e, "cannot set session cookie");
    }
    resp
}

/// Browsers send `Origin` on form posts; when present (and not the opaque
/// "null"), it must be the issuer's origin.
fn same_origin(state: &AppState, req: &HttpRequest) -> bool {
    let Some(origin) = extract::header_str(req, "origin") else { return true };
    if origin == "null" {
        return true;
    }
    url::Url::parse(state.issuer()).map(|u| u.origin().ascii_serialization() == origin).unwrap_or(false)
}
