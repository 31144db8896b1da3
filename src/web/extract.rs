//! Small request readers shared by handlers.

use actix_web::HttpRequest;
use actix_web::http::header;

use crate::protocol::{OAuthError, Params};

/// Parameters of a GET query string.
pub fn query_params(req: &HttpRequest) -> Result<Params, OAuthError> {
    Params::parse(req.query_string())
}

/// Parameters of an `application/x-www-form-urlencoded` body.
pub fn form_params(req: &HttpRequest, body: &[u8]) -> Result<Params, OAuthError> {
    if !is_form(req) {
        return Err(OAuthError::invalid_request("the body must be application/x-www-form-urlencoded"));
    }
    let text = std::str::from_utf8(body).map_err(|_| OAuthError::invalid_request("the body is not UTF-8"))?;
    Params::parse(text)
}

pub fn is_form(req: &HttpRequest) -> bool {
    header_str(req, header::CONTENT_TYPE.as_str()).is_some_and(|ct| {
        ct.split(';')
            .next()
            .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/x-www-form-urlencoded"))
    })
}

pub fn header_str<'a>(req: &'a HttpRequest, name: &str) -> Option<&'a str> {
    req.headers().get(name).and_then(|v| v.to_str().ok())
}

pub fn cookie_value(req: &HttpRequest, name: &str) -> Option<String> {
    req.cookie(name).map(|c| c.value().to_string())
}

/// The `Authorization` header, for client authentication.
pub fn authorization(req: &HttpRequest) -> Option<&str> {
    header_str(req, header::AUTHORIZATION.as_str())
}
