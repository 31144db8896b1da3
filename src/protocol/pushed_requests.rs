//! Pushed authorization requests (RFC 9126): a client posts its
//! authorization request's parameters to `/par`, authenticated as at the
//! token endpoint, and sends the browser to `/authorize` with only
//! `client_id` and the `request_uri` it got back. The parameters never pass
//! through the browser, so they cannot be read or altered there.
//!
//! What is stored is the pushed parameters without the client's
//! credentials ([`PushedRequest`]), under the random part of the
//! `request_uri`, for [`PushedPolicy::ttl`] seconds and for one use.

use serde::{Deserialize, Serialize};

use crate::protocol::entries::{Entry, EntryKind};
use crate::protocol::{OAuthError, Params};

/// RFC 9126 §2.2: the `request_uri` is a URN of this form.
pub const REQUEST_URI_PREFIX: &str = "urn:ietf:params:oauth:request_uri:";

/// The most a stored request may hold, names and values (16 KiB: a long
/// `id_token_hint` and several resources fit many times over), so what an
/// anonymous push of a public client leaves behind is bounded.
pub const MAX_STORED_BYTES: usize = 16 * 1024;

/// Parameters that authenticate the client at `/par`: checked there, never
/// stored as part of the request.
const CREDENTIALS: [&str; 3] = ["client_secret", "client_assertion", "client_assertion_type"];

/// The switches of `[par]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PushedPolicy {
    /// `/par` exists and `/authorize` takes its `request_uri`s.
    pub enabled: bool,
    /// Every client must push (`require_pushed_authorization_requests`,
    /// RFC 9126 §5); a client can also be required on its own.
    pub required: bool,
    /// Seconds a `request_uri` stays usable (RFC 9126 §2.2: short; 5 to
    /// 600 seconds is the range it names as examples).
    pub ttl: u64,
}

impl Default for PushedPolicy {
    fn default() -> Self {
        PushedPolicy { enabled: true, required: false, ttl: 60 }
    }
}

/// One pushed request, until `/authorize` takes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushedRequest {
    /// The client that pushed it (and authenticated doing so).
    pub client_id: String,
    /// The authorization request's parameters as pushed (`Params::to_pairs`).
    pub params: Vec<(String, String)>,
    pub expires_at: i64,
}

impl Entry for PushedRequest {
    const KIND: EntryKind = EntryKind::PushedRequest;
    fn expires_at(&self) -> i64 {
        self.expires_at
    }
}

impl PushedRequest {
    /// The request `client_id` pushed with `params`, checked as RFC 9126
    /// §2.1 asks before the authorization request's own checks: no
    /// `request_uri` inside, and a `client_id`, when given, that is the
    /// authenticated client's.
    pub fn of(client_id: &str, params: &Params, ttl: u64, now: i64) -> Result<PushedRequest, OAuthError> {
        if params.contains("request_uri") {
            return Err(OAuthError::invalid_request("request_uri cannot be pushed (RFC 9126 §2.1)"));
        }
        if params.get("client_id").is_some_and(|given| given != client_id) {
            return Err(OAuthError::invalid_request("client_id is not the authenticated client"));
        }
        let mut pairs = params.to_pairs(&CREDENTIALS);
        if !params.contains("client_id") {
            // Authenticated by the header: the request names its client.
            pairs.push(("client_id".into(), client_id.into()));
        }
        Ok(PushedRequest { client_id: client_id.into(), params: pairs, expires_at: now + ttl as i64 })
    }

    /// Whether what would be stored is over [`MAX_STORED_BYTES`] (RFC 9126
    /// §2.3 answers 413 Payload Too Large).
    pub fn is_oversized(&self) -> bool {
        self.params.iter().map(|(n, v)| n.len() + v.len()).sum::<usize>() > MAX_STORED_BYTES
    }

    /// The parameters for the authorization endpoint.
    pub fn params(&self) -> Result<Params, OAuthError> {
        Params::from_pairs(self.params.iter().cloned())
    }
}

/// The `request_uri` for the stored id.
pub fn request_uri(id: &str) -> String {
    format!("{REQUEST_URI_PREFIX}{id}")
}

/// The stored id in a `request_uri`, when it is one of ours.
pub fn stored_id(request_uri: &str) -> Result<&str, OAuthError> {
    request_uri
        .strip_prefix(REQUEST_URI_PREFIX)
        .filter(|id| !id.is_empty())
        .ok_or_else(|| OAuthError::invalid_request_uri("request_uri must be one /par returned"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_800_000_000;

    #[test]
    fn credentials_stay_out_and_the_client_is_named() {
        let params = Params::parse("response_type=code&client_secret=s3cret&scope=openid").unwrap();
        let pushed = PushedRequest::of("app", &params, 60, NOW).unwrap();
        assert!(!format!("{pushed:?}").contains("s3cret"));
        let back = pushed.params().unwrap();
        assert_eq!(back.get("client_id"), Some("app"));
        assert_eq!(back.get("scope"), Some("openid"));
        assert_eq!(pushed.expires_at, NOW + 60);
    }

    #[test]
    fn a_request_over_the_size_bound_is_oversized() {
        let long = "x".repeat(4000);
        let body: Vec<String> = (0..5).map(|i| format!("p{i}={long}")).collect();
        let push =
            |parts: &[String]| PushedRequest::of("app", &Params::parse(&parts.join("&")).unwrap(), 60, NOW);
        assert!(push(&body).unwrap().is_oversized());
        assert!(!push(&body[..3]).unwrap().is_oversized());
    }

    #[test]
    fn a_request_uri_or_another_client_id_is_refused() {
        for body in ["request_uri=urn:x&response_type=code", "client_id=other&response_type=code"] {
            let err = PushedRequest::of("app", &Params::parse(body).unwrap(), 60, NOW).unwrap_err();
            assert_eq!(err.code.as_str(), "invalid_request", "{body}");
        }
    }

    #[test]
    fn only_our_urns_name_a_stored_request() {
        assert_eq!(stored_id(&request_uri("abc")).unwrap(), "abc");
        for bad in ["https://client.example/req", REQUEST_URI_PREFIX, "urn:ietf:params:oauth:request_uri"] {
            assert_eq!(stored_id(bad).unwrap_err().code.as_str(), "invalid_request_uri", "{bad}");
        }
    }
}
