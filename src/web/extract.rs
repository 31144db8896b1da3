//! Small request readers shared by handlers.

use actix_web::HttpRequest;
use actix_web::http::header;

use crate::flows::dpop::Scheme;
use crate::protocol::entries::Device;
use crate::protocol::{OAuthError, Params};
use crate::web::Site;

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

/// The token of `Authorization: Bearer <token>` (the scheme is
/// case-insensitive). Another scheme (e.g. Basic) is no bearer token at
/// all: RFC 6750 §3 answers it with a bare challenge, no error code.
pub fn bearer_token(req: &HttpRequest) -> Option<String> {
    match access_token(req) {
        Some((Scheme::Bearer, token)) => Some(token),
        _ => None,
    }
}

/// The access token of the `Authorization` header and its scheme: `Bearer`
/// (RFC 6750 §2.1) or `DPoP` (RFC 9449 §7.1); schemes are case-insensitive.
pub fn access_token(req: &HttpRequest) -> Option<(Scheme, String)> {
    // `from_utf8` rather than `HeaderValue::to_str`, whose byte-by-byte
    // check cost ~7 % of a UserInfo request for a JWT-sized value; anything
    // but base64url and dots fails the token's own parsing anyway.
    let value = std::str::from_utf8(req.headers().get(header::AUTHORIZATION)?.as_bytes()).ok()?;
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    if token.is_empty() {
        return None;
    }
    if scheme.eq_ignore_ascii_case("bearer") {
        Some((Scheme::Bearer, token.to_string()))
    } else if scheme.eq_ignore_ascii_case("dpop") {
        Some((Scheme::Dpop, token.to_string()))
    } else {
        None
    }
}

/// The `DPoP` header (RFC 9449 §4.1): at most one (§4.3 item 1).
pub fn dpop_proof(req: &HttpRequest) -> Result<Option<&str>, OAuthError> {
    const DPOP: header::HeaderName = header::HeaderName::from_static("dpop");
    let mut values = req.headers().get_all(DPOP);
    let first = values.next();
    if values.next().is_some() {
        return Err(OAuthError::invalid_dpop_proof("send one DPoP header"));
    }
    match first.map(|v| v.to_str()) {
        None => Ok(None),
        Some(Ok(proof)) => Ok(Some(proof)),
        Some(Err(_)) => Err(OAuthError::invalid_dpop_proof("the DPoP header is not a JWT")),
    }
}

/// Longest user agent kept with a session.
const MAX_USER_AGENT: usize = 256;

/// Where the request comes from, for the session's device record: the
/// user agent (truncated) and the client's address (`client_address`).
pub fn device(req: &HttpRequest) -> Device {
    let user_agent = header_str(req, "user-agent").map(|ua| {
        let end = (0..=ua.len().min(MAX_USER_AGENT)).rev().find(|&i| ua.is_char_boundary(i)).unwrap_or(0);
        ua[..end].to_string()
    });
    Device { user_agent, ip: client_ip(req).map(|ip| ip.to_string()) }
}

/// The client's address: the peer's, or what the site's trusted proxies
/// say in `X-Forwarded-For`.
pub fn client_ip(req: &HttpRequest) -> Option<std::net::IpAddr> {
    let peer = req.peer_addr()?.ip();
    let Some(site) = req.app_data::<actix_web::web::Data<Site>>() else { return Some(peer) };
    if site.trusted_proxies.is_empty() {
        return Some(peer);
    }
    let forwarded: Vec<&str> =
        req.headers().get_all("x-forwarded-for").filter_map(|v| v.to_str().ok()).collect();
    Some(site.trusted_proxies.client(peer, &forwarded))
}

/// Browsers send `Origin` on form posts; when present it must be the
/// issuer's origin. The opaque `null` (sandboxed frames, some cross-site
/// redirects) is refused: no page of ours posts from one.
pub fn same_origin(issuer: &str, req: &HttpRequest) -> bool {
    let Some(origin) = header_str(req, "origin") else { return true };
    url::Url::parse(issuer).map(|u| u.origin().ascii_serialization() == origin).unwrap_or(false)
}
