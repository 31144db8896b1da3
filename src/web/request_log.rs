//! One tracing span per request, so every line logged while serving it
//! carries its request id (text: `request{request_id=…}`; JSON: the `span`
//! object). The id is the caller's `X-Request-Id` when it is a plausible one
//! (a proxy's or load balancer's, to follow a request across them), else a
//! fresh UUID; it is returned in `X-Request-Id` either way. The span holds
//! the method, the route pattern (never the query string, which can carry
//! an `id_token_hint` or a user code), the client's address and, at the
//! end, the status. Every request is logged at `debug`, a 5xx at `warn`
//! but a 503: that is an outage of a store, which its circuit breaker logs
//! once when it begins and once when it ends, not once per request
//! (`oxidp_http_requests_total` still counts each).

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use tracing::Instrument;

use crate::web::extract;

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The longest request id taken from a caller.
const MAX_REQUEST_ID: usize = 128;

/// The caller's id if it is short and made of token characters (no
/// spaces or quotes that could forge log fields), else a new one.
pub fn request_id(given: Option<&HeaderValue>) -> String {
    let plausible = |id: &str| {
        !id.is_empty()
            && id.len() <= MAX_REQUEST_ID
            && id.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.:/+=@".contains(&b))
    };
    match given.and_then(|v| v.to_str().ok()) {
        Some(id) if plausible(id) => id.to_string(),
        _ => uuid::Uuid::new_v4().simple().to_string(),
    }
}

pub async fn request_span(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let id = request_id(req.headers().get(REQUEST_ID));
    let route = req.match_pattern().unwrap_or_else(|| "unmatched".into());
    let client_ip = extract::client_ip(req.request()).map(|ip| ip.to_string()).unwrap_or_default();
    let method = req.method().clone();
    let span = tracing::info_span!(
        "request",
        request_id = %id,
        method = %method,
        route = %route,
        client_ip = %client_ip,
        status = tracing::field::Empty,
    );
    let started = Instant::now();
    let mut served = next.call(req).instrument(span.clone()).await;
    let status = match &served {
        Ok(resp) => resp.status(),
        Err(e) => e.as_response_error().status_code(),
    };
    span.record("status", status.as_u16());
    let elapsed = started.elapsed();
    crate::measure::http_request(method.as_str(), &route, status.as_u16(), elapsed);
    let elapsed_us = elapsed.as_micros() as u64;
    span.in_scope(|| {
        if status.is_server_error() && status != actix_web::http::StatusCode::SERVICE_UNAVAILABLE {
            tracing::warn!(status = status.as_u16(), elapsed_us, "request failed");
        } else {
            tracing::debug!(status = status.as_u16(), elapsed_us, "request served");
        }
    });
    if let (Ok(resp), Ok(value)) = (&mut served, HeaderValue::from_str(&id)) {
        resp.headers_mut().insert(REQUEST_ID, value);
    }
    served
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plausible_caller_id_is_kept_and_anything_else_replaced() {
        let kept = request_id(Some(&HeaderValue::from_static("lb-1:4f2a/9=")));
        assert_eq!(kept, "lb-1:4f2a/9=");
        for bad in ["", "has space", "quote\"d", &"x".repeat(MAX_REQUEST_ID + 1)] {
            let replaced = request_id(Some(&HeaderValue::from_str(bad).unwrap()));
            assert_eq!(replaced.len(), 32, "{bad:?}: a fresh UUID");
            assert!(replaced.bytes().all(|b| b.is_ascii_hexdigit()));
        }
        assert_ne!(request_id(None), request_id(None));
    }
}
