//! Client authentication at the token endpoint (RFC 6749 §2.3):
//! client_secret_basic, client_secret_post, and `none` for public clients.
//! Secrets are compared in constant time against a stored SHA-256: generated
//! secrets carry 256 bits of entropy, so a slow hash would add nothing.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use crate::crypto::{constant_time_eq, secret_digest};
use crate::oauth::{OAuthError, Params};
use crate::store::{ClientRecord, Db, sql};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthMethod {
    Basic,
    Post,
    None,
}

/// Credentials as presented; the secret is redacted in Debug.
pub struct ClientCredentials {
    pub client_id: String,
    pub secret: Option<String>,
    pub method: AuthMethod,
}

impl std::fmt::Debug for ClientCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientCredentials")
            .field("client_id", &self.client_id)
            .field("method", &self.method)
            .finish_non_exhaustive()
    }
}

/// Reads the credentials from the `Authorization` header or the body. Using
/// more than one method is an error (RFC 6749 §2.3).
pub fn extract(authorization: Option<&str>, params: &Params) -> Result<ClientCredentials, OAuthError> {
    if let Some(header) = authorization {
        if params.contains("client_secret") {
            return Err(OAuthError::invalid_request("use only one client authentication method"));
        }
        let (client_id, secret) = parse_basic(header)?;
        if params.get("client_id").is_some_and(|id| id != client_id) {
            return Err(OAuthError::invalid_request("client_id does not match the Authorization header"));
        }
        return Ok(ClientCredentials { client_id, secret: Some(secret), method: AuthMethod::Basic });
    }
    let client_id = params
        .get("client_id")
        .ok_or_else(|| OAuthError::invalid_client("client authentication is required"))?
        .to_string();
    match params.get("client_secret") {
        Some(secret) => {
            Ok(ClientCredentials { client_id, secret: Some(secret.to_string()), method: AuthMethod::Post })
        }
        None => Ok(ClientCredentials { client_id, secret: None, method: AuthMethod::None }),
    }
}

/// RFC 6749 §2.3.1: id and secret are form-urlencoded before Basic encoding.
fn parse_basic(header: &str) -> Result<(String, String), OAuthError> {
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

/// Looks the client up and checks its credentials. Every failure is the same
/// `invalid_client`, so responses do not reveal which client ids exist.
pub async fn authenticate(db: &Db, creds: &ClientCredentials) -> Result<ClientRecord, OAuthError> {
    let id = creds.client_id.clone();
    let client = db.run(move |c| sql::clients::find(c, &id)).await?;
    let failed = || OAuthError::invalid_client("client authentication failed");
    let Some(client) = client else {
        // Same work as a real comparison.
        let _ = constant_time_eq(secret_digest(creds.secret.as_deref().unwrap_or("")).as_bytes(), &[0u8; 43]);
        return Err(failed());
    };
    match (&client.secret_hash, &creds.secret, client.public) {
        (_, None, true) => Ok(client),
        (Some(stored), Some(secret), false)
            if constant_time_eq(secret_digest(secret).as_bytes(), stored.as_bytes()) =>
        {
            Ok(client)
        }
        _ => Err(failed()),
    }
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
    fn two_methods_at_once_are_rejected() {
        let params = Params::parse("client_secret=x").unwrap();
        let err = extract(Some(&basic("a", "b")), &params).unwrap_err();
        assert_eq!(err.code.as_str(), "invalid_request");
    }

    #[test]
    fn missing_credentials_are_invalid_client() {
        let err = extract(None, &Params::default()).unwrap_err();
        assert_eq!(err.code.as_str(), "invalid_client");
        assert!(parse_basic("Bearer abc").is_err());
        assert!(parse_basic("Basic !!!").is_err());
    }
}
