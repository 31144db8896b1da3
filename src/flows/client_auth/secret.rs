//! Shared-secret client authentication (RFC 6749 §2.3.1): Basic credentials
//! parsing and the secret check. Secrets are compared in constant time
//! against a stored SHA-256: generated secrets carry 256 bits of entropy, so
//! a slow hash would add nothing.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use crate::crypto::{constant_time_eq, secret_digest};
use crate::protocol::ClientRecord;
use crate::protocol::OAuthError;

/// RFC 6749 §2.3.1: id and secret are form-urlencoded before Basic encoding.
pub(super) fn parse_basic(header: &str) -> Result<(String, String), OAuthError> {
    let bad = || OAuthError::invalid_client("malformed Basic credentials");
    let (scheme, encoded) = header.trim().split_once(' ').ok_or_else(bad)?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return Err(OAuthError::invalid_client("unsupported authorization scheme"));
    }
    let decoded = STANDARD.decode(encoded.trim()).map_err(|_| bad())?;
    let text = String::from_utf8(decoded).map_err(|_| bad())?;
    let (id, secret) = text.split_once(':').ok_or_else(bad)?;
    let unescape = |s: &str| {
        url::form_urlencoded::parse(format!("v={s}").as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default()
    };
    let (id, secret) = (unescape(id), unescape(secret));
    if id.is_empty() {
        return Err(bad());
    }
    Ok((id, secret))
}

/// Whether `secret` is the confidential client's secret.
pub(super) fn matches(client: &ClientRecord, secret: &str) -> bool {
    let digest = secret_digest(secret);
    match (&client.secret_hash, client.public) {
        (Some(stored), false) => constant_time_eq(digest.as_bytes(), stored.as_bytes()),
        _ => false,
    }
}

/// The same work as [`matches`] for a client that does not exist.
pub(super) fn dummy_check(secret: Option<&str>) {
    let _ = constant_time_eq(secret_digest(secret.unwrap_or("")).as_bytes(), &[0u8; 43]);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn basic(id: &str, secret: &str) -> String {
        format!("Basic {}", STANDARD.encode(format!("{id}:{secret}")))
    }

    #[test]
    fn basic_credentials_are_url_decoded() {
        let (id, secret) = parse_basic(&basic("my%3Aapp", "s%2Bcret")).unwrap();
        assert_eq!((id.as_str(), secret.as_str()), ("my:app", "s+cret"));
    }

    #[test]
    fn malformed_basic_credentials_are_rejected() {
        assert!(parse_basic("Bearer abc").is_err());
        assert!(parse_basic("Basic !!!").is_err());
        assert!(parse_basic(&basic("", "x")).is_err());
        assert!(parse_basic(&format!("Basic {}", STANDARD.encode("no-colon"))).is_err());
    }

    #[test]
    fn secrets_match_only_for_confidential_clients() {
        let mut client =
            ClientRecord { secret_hash: Some(secret_digest("s3cret")), ..ClientRecord::default() };
        assert!(matches(&client, "s3cret"));
        assert!(!matches(&client, "s3cret "));
        client.public = true;
        assert!(!matches(&client, "s3cret"));
    }
}
