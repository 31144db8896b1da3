//! The extractor every admin API handler takes: the admitted operator,
//! from the bearer token (`flows::admin_gate`), and the JSON body and
//! version preconditions read the API's way.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::web::Data;
use actix_web::{FromRequest, HttpRequest};

use super::error::ApiError;
use crate::clock::Clock;
use crate::flows::admin::Actor;
use crate::flows::admin_gate::AdminGate;
use crate::web::extract;

/// The operator making the request, and the time of the request.
pub struct Operator {
    pub actor: Actor,
    pub now: i64,
}

impl FromRequest for Operator {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Operator, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let gate = req.app_data::<Data<AdminGate>>().cloned();
        let clock = req.app_data::<Data<Clock>>().cloned();
        let token = extract::bearer_token(req);
        Box::pin(async move {
            let (Some(gate), Some(clock)) = (gate, clock) else {
                return Err(ApiError::new(
                    actix_web::http::StatusCode::INTERNAL_SERVER_ERROR,
                    "server_error",
                    "the admin API is not configured",
                ));
            };
            let now = clock.now();
            let actor = gate.admit(token.as_deref(), now).await?;
            Ok(Operator { actor, now })
        })
    }
}

/// The strong entity tag of a record version (RFC 9110 §8.8.3).
pub fn etag(version: i64) -> String {
    format!("\"{version}\"")
}

/// `If-Match` (RFC 9110 §13.1.1): `*` or a list of entity tags.
pub enum IfMatch {
    /// No header, or `*`: any current version.
    Any,
    /// The versions of the strong tags listed (a weak tag never matches:
    /// If-Match compares strongly).
    Versions(Vec<i64>),
}

impl IfMatch {
    /// The version an update must find (`None`: any), given the version
    /// just read; a list without it fails as a lost update would.
    pub fn expected(&self, current: i64) -> Result<Option<i64>, ApiError> {
        match self {
            IfMatch::Any => Ok(None),
            IfMatch::Versions(listed) if listed.contains(&current) => Ok(Some(current)),
            IfMatch::Versions(_) => Err(ApiError::new(
                actix_web::http::StatusCode::PRECONDITION_FAILED,
                "precondition_failed",
                "the record changed since it was read (If-Match names no current version)",
            )),
        }
    }
}

pub fn if_match(req: &HttpRequest) -> IfMatch {
    let Some(raw) = extract::header_str(req, header::IF_MATCH.as_str()) else { return IfMatch::Any };
    if raw.trim() == "*" {
        return IfMatch::Any;
    }
    let strong = |tag: &str| tag.trim().strip_prefix('"')?.strip_suffix('"')?.parse::<i64>().ok();
    IfMatch::Versions(raw.split(',').filter_map(strong).collect())
}

/// A JSON body, with serde's message naming what is wrong.
pub fn json_body<T: serde::de::DeserializeOwned>(req: &HttpRequest, body: &[u8]) -> Result<T, ApiError> {
    let is_json = extract::header_str(req, header::CONTENT_TYPE.as_str()).is_some_and(|ct| {
        ct.split(';').next().is_some_and(|t| t.trim().eq_ignore_ascii_case("application/json"))
    });
    if !is_json {
        return Err(ApiError::bad_request(None, "the body must be application/json"));
    }
    serde_json::from_slice(body).map_err(|e| {
        let message = e.to_string();
        // serde names unknown and missing members in backticks.
        let field = message.split('`').nth(1).map(str::to_string);
        let mut err = ApiError::bad_request(None, format!("invalid JSON body: {message}"));
        if let Some(field) = field {
            err = ApiError::bad_request(Some(&field), format!("invalid JSON body: {message}"));
        }
        err
    })
}

/// 200 with `Cache-Control: no-store`: admin answers are never cached.
pub fn no_store() -> actix_web::HttpResponseBuilder {
    let mut resp = actix_web::HttpResponse::Ok();
    resp.insert_header((header::CACHE_CONTROL, "no-store"));
    resp
}
