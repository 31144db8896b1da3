//! `GET|POST /authorize` (RFC 6749 §3.1: both methods must be supported).

use actix_web::http::StatusCode;
use actix_web::web::{Bytes, Data};
use actix_web::{HttpRequest, HttpResponse};

use crate::http::{cookies, extract, respond};
use crate::oauth::authorize::{self, AuthorizationRequest, AuthorizeError, Next};
use crate::oauth::grants::authorization_code::issue_code;
use crate::oauth::{OAuthError, Params};
use crate::sso::{self, SsoSession, csrf};
use crate::state::AppState;
use crate::views::LoginPage;

pub async fn authorize_get(state: Data<AppState>, req: HttpRequest) -> HttpResponse {
    match extract::query_params(&req) {
        Ok(params) => authorize(&state, &req, params).await,
        Err(e) => respond::error_page(&e),
    }
}

pub async fn authorize_post(state: Data<AppState>, req: HttpRequest, body: Bytes) -> HttpResponse {
    match extract::form_params(&req, &body) {
        Ok(params) => authorize(&state, &req, params).await,
        Err(e) => respond::error_page(&e),
    }
}

async fn authorize(state: &AppState, req: &HttpRequest, params: Params) -> HttpResponse {
    let request = match authorize::validate(&state.clients, &params).await {
        Ok(request) => request,
        Err(e) => return respond::authorize_error(state.issuer(), e),
    };
    let now = state.now();
    let session = match current_session(state, req, now).await {
        Ok(session) => session,
        Err(e) => return redirect_error(state, &request, e),
    };
    match authorize::next_step(&request, session.as_ref(), now) {
        Ok(Next::IssueCode) => match session {
            Some(session) => code_redirect(state, &request, &session, StatusCode::FOUND).await,
            None => redirect_error(state, &request, OAuthError::server_error("no session")),
        },
        Ok(Next::ShowLogin) => show_login(state, req, &request, None).await,
        Err(e) => redirect_error(state, &request, e),
    }
}

/// The SSO session behind the browser's cookie, if it is still live.
pub async fn current_session(
    state: &AppState,
    req: &HttpRequest,
    now: i64,
) -> Result<Option<SsoSession>, OAuthError> {
    match extract::cookie_value(req, &state.settings.session.cookie_name) {
        Some(secret) => Ok(sso::session::find(&state.ephemeral, &secret, now).await?),
        None => Ok(None),
    }
}

pub fn redirect_error(state: &AppState, request: &AuthorizationRequest, error: OAuthError) -> HttpResponse {
    let err = AuthorizeError::Redirect {
        redirect_uri: request.redirect_uri.clone(),
        state: request.state.clone(),
        error,
    };
    respond::authorize_error(state.issuer(), err)
}

/// Issues a code and sends the browser back to the client (RFC 6749
/// §4.1.2), with `iss` for mix-up defence (RFC 9207).
pub async fn code_redirect(
    state: &AppState,
    request: &AuthorizationRequest,
    session: &SsoSession,
    status: StatusCode,
) -> HttpResponse {
    let now = state.now();
    let code = match issue_code(&state.ephemeral, request, session, now, state.settings.tokens.code_ttl).await
    {
        Ok(code) => code,
        Err(e) => return redirect_error(state, request, e.into()),
    };
    let mut pairs = vec![("code", code.as_str())];
    if let Some(s) = request.state.as_deref() {
        pairs.push(("state", s));
    }
    pairs.push(("iss", state.issuer()));
    respond::redirect(&request.redirect_uri, &pairs, status)
}

/// Stores the request as a login transaction and renders the login form.
pub async fn show_login(
    state: &AppState,
    req: &HttpRequest,
    request: &AuthorizationRequest,
    error: Option<&str>,
) -> HttpResponse {
    let challenge = match sso::login::begin(&state.ephemeral, request, state.settings.login.ttl).await {
        Ok(challenge) => challenge,
        Err(e) => return redirect_error(state, request, e.into()),
    };
    let username = request.login_hint.clone().unwrap_or_default();
    login_form(state, req, &challenge, request, &username, error)
}

/// Renders the login form for an existing transaction, setting the CSRF key
/// cookie when the browser has none.
pub fn login_form(
    state: &AppState,
    req: &HttpRequest,
    challenge: &str,
    request: &AuthorizationRequest,
    username: &str,
    error: Option<&str>,
) -> HttpResponse {
    let existing = extract::cookie_value(req, csrf::COOKIE_NAME);
    let (key, fresh) = csrf::ensure_key(existing.as_deref());
    let page = LoginPage {
        client_id: &request.client_id,
        challenge,
        csrf_token: &csrf::token_for(&key, challenge),
        username,
        error,
    };
    let mut resp = respond::html(StatusCode::OK, &page);
    if fresh && let Err(e) = resp.add_cookie(&cookies::csrf(&state.settings, key)) {
        tracing::error!(error = %e, "cannot set CSRF cookie");
    }
    resp
}
