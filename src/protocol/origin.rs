//! The browser origin of a request (RFC 6454 §7, the Fetch standard's
//! `Origin` header) and the one rule about it: a browser may call the token,
//! UserInfo and revocation endpoints for a client only from one of the
//! client's registered web origins. Requests without `Origin` (server-side
//! apps, native apps) are not concerned.

use crate::protocol::{ClientRecord, OAuthError};

/// The `Origin` header as the browser sent it. Compared byte for byte with
/// the registered origins, which are stored in the serialized form browsers
/// send (`protocol::clients::web_origin`); `null` (an opaque origin) can
/// never be registered, so it never matches.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct WebOrigin(String);

impl WebOrigin {
    pub fn new(value: impl Into<String>) -> WebOrigin {
        WebOrigin(value.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl ClientRecord {
    /// Whether a browser at `origin` may call our endpoints for this client.
    pub fn allows_origin(&self, origin: &WebOrigin) -> bool {
        self.web_origins.iter().any(|allowed| allowed == origin.as_str())
    }
}

/// Refuses a browser request from an origin the client has not registered,
/// before the request does anything. `invalid_request`, as
/// node-oidc-provider answers (no RFC names an error for this); the web
/// layer leaves the answer unreadable to that origin (no CORS headers).
pub fn check_origin(client: &ClientRecord, origin: Option<&WebOrigin>) -> Result<(), OAuthError> {
    match origin {
        Some(origin) if !client.allows_origin(origin) => Err(OAuthError::invalid_request(format!(
            "origin {} is not allowed for client {}",
            origin.as_str(),
            client.client_id
        ))),
        _ => Ok(()),
    }
}

/// Whether the origin of a browser request may read the answer (the CORS
/// decision), as decided by the flow that knows the client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OriginVerdict {
    /// The client allows the origin (or the request had none).
    Allowed,
    /// The client does not allow it; the request was refused.
    Refused,
    /// The request failed before a client was known (e.g. bad credentials
    /// or token): readable when the origin is some client's.
    Undecided,
}

/// A flow's answer to a request a browser may have sent.
#[derive(Debug)]
pub struct Answer<T> {
    pub result: Result<T, OAuthError>,
    pub origin: OriginVerdict,
}

impl<T> Answer<T> {
    /// Failed before the client was known.
    pub fn undecided(error: OAuthError) -> Answer<T> {
        Answer { result: Err(error), origin: OriginVerdict::Undecided }
    }

    /// Checks `origin` against `client` ([`check_origin`]) and, when it is
    /// allowed, runs nothing yet: `Ok(())` means go on.
    pub fn check(client: &ClientRecord, origin: Option<&WebOrigin>) -> Result<(), Answer<T>> {
        check_origin(client, origin).map_err(|e| Answer { result: Err(e), origin: OriginVerdict::Refused })
    }

    /// The outcome of a request whose origin the client allows.
    pub fn allowed(result: Result<T, OAuthError>) -> Answer<T> {
        Answer { result, origin: OriginVerdict::Allowed }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client(origins: &[&str]) -> ClientRecord {
        ClientRecord {
            client_id: "spa".into(),
            web_origins: origins.iter().map(|o| o.to_string()).collect(),
            ..ClientRecord::default()
        }
    }

    #[test]
    fn only_registered_origins_pass_and_no_origin_is_not_concerned() {
        let spa = client(&["https://app.example", "http://127.0.0.1:5173"]);
        assert!(check_origin(&spa, None).is_ok());
        assert!(check_origin(&spa, Some(&WebOrigin::new("https://app.example"))).is_ok());
        assert!(check_origin(&spa, Some(&WebOrigin::new("http://127.0.0.1:5173"))).is_ok());
        for other in ["https://evil.example", "https://app.example:443", "HTTPS://APP.EXAMPLE", "null", ""] {
            let err = check_origin(&spa, Some(&WebOrigin::new(other))).unwrap_err();
            assert_eq!(err.code, crate::protocol::ErrorCode::InvalidRequest, "{other}");
        }
        assert!(check_origin(&client(&[]), Some(&WebOrigin::new("https://app.example"))).is_err());
    }

    #[test]
    fn a_refused_answer_says_so() {
        let spa = client(&["https://app.example"]);
        let refused = Answer::<()>::check(&spa, Some(&WebOrigin::new("https://x.example"))).unwrap_err();
        assert_eq!(refused.origin, OriginVerdict::Refused);
        assert!(refused.result.is_err());
        assert!(Answer::<()>::check(&spa, Some(&WebOrigin::new("https://app.example"))).is_ok());
    }
}
