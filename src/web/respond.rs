//! Renders `OAuthError` in exactly one of three ways: RFC 6749 §5.2 JSON, a
//! redirect to the client's validated redirect URI (§4.1.2.1), or an HTML
//! error page. Plus the RFC 6750 §3 bearer challenge.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse};
use askama::Template;
use serde_json::json;

use crate::protocol::{ErrorCode, OAuthError, ResponseMode};
use crate::web::pages::{Problem, Ui};
use crate::web::views::ErrorPage;
use crate::web::{form_post, middleware};

const REALM: &str = "oxidp";

fn status(err: &OAuthError) -> StatusCode {
    StatusCode::from_u16(err.status()).unwrap_or(StatusCode::BAD_REQUEST)
}

/// The answer of an endpoint that speaks JSON to programs (token, device
/// authorization, introspection, pushed requests): `success` with the
/// value, else [`json_error`]; never cached (RFC 6749 §5.1).
pub fn json_answer<T: serde::Serialize>(success: StatusCode, answer: Result<T, OAuthError>) -> HttpResponse {
    match answer {
        Ok(value) => HttpResponse::build(success)
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .insert_header((header::PRAGMA, "no-cache"))
            .json(value),
        Err(e) => json_error(&e),
    }
}

/// Token-endpoint style JSON error, never cached. `invalid_client` is 401
/// with a Basic challenge (RFC 6749 §5.2).
pub fn json_error(err: &OAuthError) -> HttpResponse {
    let mut resp = HttpResponse::build(status(err));
    resp.insert_header((header::CACHE_CONTROL, "no-store")).insert_header((header::PRAGMA, "no-cache"));
    if err.code == ErrorCode::InvalidClient {
        resp.insert_header((header::WWW_AUTHENTICATE, format!("Basic realm=\"{REALM}\"")));
    }
    resp.json(json!({ "error": err.code.as_str(), "error_description": err.safe_description() }))
}

/// A request over a rate limit: 429 with `Retry-After` (RFC 6585 §4), as
/// JSON for programs (`temporarily_unavailable`: OAuth registers no code
/// for this; the status says which) or as a page for browsers.
pub fn too_many_requests(req: &HttpRequest, json: bool, retry_after: u64) -> HttpResponse {
    let mut resp = if json {
        let err = OAuthError::temporarily_unavailable(format!(
            "too many requests from this address; retry in {retry_after} seconds"
        ));
        let mut resp = json_error(&err);
        *resp.status_mut() = StatusCode::TOO_MANY_REQUESTS;
        resp
    } else {
        problem_page(req, Problem::TooManyRequests)
    };
    resp.headers_mut().insert(header::RETRY_AFTER, header::HeaderValue::from(retry_after));
    resp
}

/// RFC 6750 §3: a request without a token gets a bare challenge; a bad token
/// gets the error code in the challenge.
pub fn bearer_error(err: Option<&OAuthError>) -> HttpResponse {
    let Some(err) = err else {
        return HttpResponse::Unauthorized()
            .insert_header((header::WWW_AUTHENTICATE, format!("Bearer realm=\"{REALM}\"")))
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .finish();
    };
    let challenge = format!(
        "Bearer realm=\"{REALM}\", error=\"{}\", error_description=\"{}\"",
        err.code.as_str(),
        err.safe_description()
    );
    HttpResponse::build(status(err))
        .insert_header((header::WWW_AUTHENTICATE, challenge))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(json!({ "error": err.code.as_str(), "error_description": err.safe_description() }))
}

/// RFC 9449 §7.1, §9: a DPoP-bound token, or a proof, that did not pass:
/// 401 with a `DPoP` challenge naming the algorithms proofs may use, and a
/// fresh `DPoP-Nonce` when the error asks for one.
pub fn dpop_error(err: &OAuthError, nonce: Option<String>) -> HttpResponse {
    let algs = crate::jose::SigningAlg::words().join(" ");
    let challenge = format!(
        "DPoP realm=\"{REALM}\", error=\"{}\", error_description=\"{}\", algs=\"{algs}\"",
        err.code.as_str(),
        err.safe_description()
    );
    // The proof errors are 400 at the token endpoint, 401 here (§7.1).
    let status = match status(err) {
        StatusCode::BAD_REQUEST => StatusCode::UNAUTHORIZED,
        other => other,
    };
    let mut resp = HttpResponse::build(status)
        .insert_header((header::WWW_AUTHENTICATE, challenge))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(json!({ "error": err.code.as_str(), "error_description": err.safe_description() }));
    add_dpop_nonce(&mut resp, nonce);
    resp
}

/// RFC 9449 §8.1: the response header carrying the server's nonce.
pub const DPOP_NONCE: &str = "DPoP-Nonce";

/// Adds `DPoP-Nonce` to `resp` when there is one to give.
pub fn add_dpop_nonce(resp: &mut HttpResponse, nonce: Option<String>) {
    if let Some(value) = nonce.and_then(|n| header::HeaderValue::from_str(&n).ok()) {
        resp.headers_mut().insert(header::HeaderName::from_static("dpop-nonce"), value);
    }
}

/// The HTML error page, for errors that must not go back to a client:
/// the situation in plain words ([`Problem`]), the code in small print.
pub fn error_page(req: &HttpRequest, err: &OAuthError) -> HttpResponse {
    let ui = Ui::of(req);
    problem(&ui, status(err), Problem::of(err), Some(err))
}

/// The error page of a situation the web layer itself recognised (an
/// expired page, a stale form).
pub fn problem_page(req: &HttpRequest, problem_kind: Problem) -> HttpResponse {
    problem(&Ui::of(req), problem_kind.status(), problem_kind, None)
}

/// The error page in `ui`'s language; `err` supplies the small print.
pub fn problem(ui: &Ui, status: StatusCode, problem: Problem, err: Option<&OAuthError>) -> HttpResponse {
    let text = problem.text(ui.t);
    let page = ErrorPage {
        ui: ui.clone(),
        title: text.title,
        body: text.body,
        code: err.map(|e| e.code.as_str()),
        description: err.map(|e| e.description.as_str()).filter(|d| !d.is_empty()),
        home_link: problem == Problem::NotFound,
    };
    self::page(ui, status, &page, None)
}

/// A page of the site: rendered, with a CSP whose `img-src` allows the
/// brand's logo and `client_logo` (both https, or on this site).
pub fn page<T: Template>(ui: &Ui, status: StatusCode, view: &T, client_logo: Option<&str>) -> HttpResponse {
    let mut resp = html(status, view);
    let origins = ui.image_origins(client_logo);
    if !origins.is_empty()
        && let Ok(value) = header::HeaderValue::from_str(&middleware::content_security_policy(&origins))
    {
        resp.headers_mut().insert(header::CONTENT_SECURITY_POLICY, value);
    }
    resp
}

pub fn html<T: Template>(status: StatusCode, page: &T) -> HttpResponse {
    match page.render() {
        Ok(body) => HttpResponse::build(status).content_type("text/html; charset=utf-8").body(body),
        Err(e) => {
            tracing::error!(error = %e, "template rendering failed");
            HttpResponse::InternalServerError().content_type("text/plain").body("internal error")
        }
    }
}

/// An authorization error sent back to the client's validated redirect
/// URI (RFC 6749 §4.1.2.1) with `state` and `iss` (RFC 9207).
pub fn error_redirect(
    ui: &Ui,
    issuer: &str,
    redirect_uri: &str,
    state: Option<&str>,
    response_mode: ResponseMode,
    error: &OAuthError,
) -> HttpResponse {
    let description = error.safe_description();
    let mut pairs = vec![("error", error.code.as_str()), ("error_description", description.as_str())];
    if let Some(state) = state {
        pairs.push(("state", state));
    }
    pairs.push(("iss", issuer));
    authorization_response(ui, redirect_uri, &pairs, response_mode, StatusCode::FOUND)
}

/// The authorization response (RFC 6749 §4.1.2) with `iss` for mix-up
/// defence (RFC 9207).
pub fn code_redirect(
    ui: &Ui,
    issuer: &str,
    redirect_uri: &str,
    code: &str,
    state: Option<&str>,
    response_mode: ResponseMode,
    status: StatusCode,
) -> HttpResponse {
    let mut pairs = vec![("code", code)];
    if let Some(state) = state {
        pairs.push(("state", state));
    }
    pairs.push(("iss", issuer));
    authorization_response(ui, redirect_uri, &pairs, response_mode, status)
}

/// The response in the query of a redirect, or posted by a form page.
fn authorization_response(
    ui: &Ui,
    redirect_uri: &str,
    pairs: &[(&str, &str)],
    response_mode: ResponseMode,
    status: StatusCode,
) -> HttpResponse {
    match response_mode {
        ResponseMode::Query => redirect(redirect_uri, pairs, status),
        ResponseMode::FormPost => form_post::page(ui, redirect_uri, pairs),
    }
}

/// Redirects to `base` with `pairs` appended to its query (RFC 6749 §4.1.2:
/// the redirect URI's own query is kept).
pub fn redirect(base: &str, pairs: &[(&str, &str)], status: StatusCode) -> HttpResponse {
    let location = with_query(base, pairs);
    HttpResponse::build(status)
        .insert_header((header::LOCATION, location))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .finish()
}

fn with_query(base: &str, pairs: &[(&str, &str)]) -> String {
    let mut extra = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        extra.append_pair(k, v);
    }
    let extra = extra.finish();
    let separator = match base.find('?') {
        None => "?",
        Some(i) if i + 1 == base.len() || base.ends_with('&') => "",
        Some(_) => "&",
    };
    format!("{base}{separator}{extra}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_is_appended_to_existing_query() {
        assert_eq!(with_query("http://a/cb", &[("code", "x y")]), "http://a/cb?code=x+y");
        assert_eq!(with_query("http://a/cb?k=1", &[("code", "x")]), "http://a/cb?k=1&code=x");
        assert_eq!(with_query("http://a/cb?", &[("code", "x")]), "http://a/cb?code=x");
    }
}
