//! Every CORS rule (the Fetch standard's CORS protocol) in one place.
//!
//! - Public documents (discovery, RFC 8414 metadata, JWKS): readable from
//!   any origin (`Access-Control-Allow-Origin: *`, no credentials).
//! - Client-bound endpoints (`/token`, `/revoke`, `/userinfo`): readable
//!   only by an origin of the client the request is for, which its flow
//!   decides (`protocol::origin::OriginVerdict`): the authenticating client
//!   at the token and revocation endpoints, the access token's client at
//!   UserInfo. Answers that failed before a client was known are readable
//!   by an origin some client registered, the same rule as preflights
//!   (which carry no credentials to name a client). A refused origin gets
//!   no CORS headers at all. `WWW-Authenticate` and `DPoP-Nonce` are
//!   exposed so that browser apps can read bearer, Basic and DPoP
//!   challenges and nonces; `Vary: Origin` always.
//! - Nothing else (authorize, login, pages) ever carries CORS headers.
//!
//! No `Access-Control-Allow-Credentials`: these endpoints take no cookies.
//! `DPoP` is an allowed request header: browser apps send proofs (RFC 9449).

use actix_web::http::header::{self, HeaderValue};
use actix_web::web::Data;
use actix_web::{HttpRequest, HttpResponse};

use crate::flows::origins::BrowserOrigins;
use crate::protocol::origin::{OriginVerdict, WebOrigin};
use crate::web::extract;

/// How long browsers may cache a preflight answer, seconds.
pub const MAX_AGE: u32 = 600;
/// Request headers browser apps may send to the client-bound endpoints.
pub const ALLOW_HEADERS: &str = "Authorization, Content-Type, DPoP";
/// Response headers browser apps may read beyond the safelisted ones.
pub const EXPOSE_HEADERS: &str = "WWW-Authenticate, DPoP-Nonce";

/// The methods of a CORS-enabled path, as listed in `Allow` and
/// `Access-Control-Allow-Methods`.
#[derive(Debug, Clone, Copy)]
pub struct Methods(pub &'static str);

/// The request's `Origin`, when a browser sent one.
pub fn origin(req: &HttpRequest) -> Option<WebOrigin> {
    extract::header_str(req, header::ORIGIN.as_str()).map(WebOrigin::new)
}

/// Adds the CORS headers of a client-bound endpoint to `resp`.
pub async fn per_client(
    mut resp: HttpResponse,
    origin: Option<&WebOrigin>,
    verdict: OriginVerdict,
    origins: &BrowserOrigins,
) -> HttpResponse {
    vary_on_origin(&mut resp);
    let Some(origin) = origin else { return resp };
    let readable = match verdict {
        OriginVerdict::Allowed => true,
        OriginVerdict::Refused => false,
        OriginVerdict::Undecided => origins.is_registered(origin).await,
    };
    if readable && let Ok(value) = HeaderValue::from_str(origin.as_str()) {
        let headers = resp.headers_mut();
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, value);
        headers.insert(header::ACCESS_CONTROL_EXPOSE_HEADERS, HeaderValue::from_static(EXPOSE_HEADERS));
    }
    resp
}

/// Adds the CORS header of a public document to `resp`.
pub fn public(mut resp: HttpResponse) -> HttpResponse {
    resp.headers_mut().insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
    resp
}

/// `OPTIONS` on a client-bound endpoint: a preflight from an origin some
/// client registered is allowed (the actual request is checked against its
/// own client); any other `OPTIONS` gets `Allow` only.
pub async fn client_preflight(
    req: HttpRequest,
    origins: Data<BrowserOrigins>,
    methods: Methods,
) -> HttpResponse {
    let mut resp = options_answer(methods);
    vary_on_origin(&mut resp);
    if let Some(origin) = preflight_origin(&req)
        && origins.is_registered(&origin).await
        && let Ok(value) = HeaderValue::from_str(origin.as_str())
    {
        let headers = resp.headers_mut();
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, value);
        allow_request(headers, methods);
        headers.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, HeaderValue::from_static(ALLOW_HEADERS));
    }
    resp
}

/// `OPTIONS` on a public document: any origin.
pub async fn public_preflight(req: HttpRequest, methods: Methods) -> HttpResponse {
    let mut resp = options_answer(methods);
    if preflight_origin(&req).is_some() {
        let headers = resp.headers_mut();
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
        allow_request(headers, methods);
    }
    resp
}

/// The origin of a CORS preflight: `OPTIONS` with `Origin` and
/// `Access-Control-Request-Method`.
fn preflight_origin(req: &HttpRequest) -> Option<WebOrigin> {
    req.headers().get(header::ACCESS_CONTROL_REQUEST_METHOD)?;
    origin(req)
}

/// 204 with `Allow` (RFC 9110 §9.3.7).
fn options_answer(methods: Methods) -> HttpResponse {
    HttpResponse::NoContent().insert_header((header::ALLOW, format!("{}, OPTIONS", methods.0))).finish()
}

fn allow_request(headers: &mut actix_web::http::header::HeaderMap, methods: Methods) {
    headers.insert(header::ACCESS_CONTROL_ALLOW_METHODS, HeaderValue::from_static(methods.0));
    headers.insert(header::ACCESS_CONTROL_MAX_AGE, HeaderValue::from(MAX_AGE));
}

fn vary_on_origin(resp: &mut HttpResponse) {
    resp.headers_mut().append(header::VARY, HeaderValue::from_static("Origin"));
}
