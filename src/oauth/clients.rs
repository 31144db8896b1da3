//! Client registration rules: redirect URIs (RFC 6749 §3.1.2, RFC 9700
//! §2.1: exact string matching), grant types and scopes.

use crate::oauth::scope::is_valid_scope_token;
use crate::store::ClientRecord;

pub const GRANT_TYPES: [&str; 3] = ["authorization_code", "refresh_token", "client_credentials"];
pub const DEFAULT_SCOPES: [&str; 3] = ["openid", "profile", "email"];

/// A redirect URI must be absolute and carry no fragment (RFC 6749 §3.1.2).
/// http(s) URIs need a host; private-use schemes for native apps (RFC 8252
/// §7.1) must contain a dot. Script-bearing schemes are refused outright.
pub fn validate_redirect_uri(raw: &str) -> Result<(), String> {
    let parsed = url::Url::parse(raw).map_err(|_| format!("redirect URI {raw:?} is not an absolute URI"))?;
    if parsed.fragment().is_some() || raw.contains('#') {
        return Err(format!("redirect URI {raw:?} must not contain a fragment"));
    }
    match parsed.scheme() {
        // The url crate repairs `http:cb` and `http:///cb` into URLs with
        // a host; the registered string must already have one.
        scheme @ ("https" | "http")
            if !has_authority(raw, scheme) || parsed.host_str().is_none_or(str::is_empty) =>
        {
            return Err(format!("redirect URI {raw:?} has no host"));
        }
        "https" | "http" => {}
        "javascript" | "data" | "file" | "vbscript" | "blob" | "about" => {
            return Err(format!("redirect URI scheme {:?} is not allowed", parsed.scheme()));
        }
        scheme if !scheme.contains('.') => {
            return Err(format!(
                "redirect URI {raw:?}: use https, http, or a reverse-domain private-use scheme"
            ));
        }
        _ => {}
    }
    if raw.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!("redirect URI {raw:?} contains whitespace"));
    }
    Ok(())
}

fn has_authority(raw: &str, scheme: &str) -> bool {
    raw.get(scheme.len()..).is_some_and(|rest| rest.starts_with("://") && !rest.starts_with(":///"))
}

pub fn validate_grant_type(grant: &str) -> Result<(), String> {
    if GRANT_TYPES.contains(&grant) {
        Ok(())
    } else {
        Err(format!("unknown grant type {grant:?} (expected one of {})", GRANT_TYPES.join(", ")))
    }
}

pub fn validate_scope_value(scope: &str) -> Result<(), String> {
    if is_valid_scope_token(scope) { Ok(()) } else { Err(format!("invalid scope value {scope:?}")) }
}

/// Exact, case-sensitive string comparison against the registered URIs.
pub fn is_registered_redirect_uri(client: &ClientRecord, candidate: &str) -> bool {
    client.redirect_uris.iter().any(|registered| registered == candidate)
}

pub fn allows_grant(client: &ClientRecord, grant: &str) -> bool {
    client.grant_types.iter().any(|g| g == grant)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_ordinary_redirect_uris() {
        for ok in [
            "https://app.example.com/cb",
            "http://127.0.0.1:9000/callback?x=1",
            "com.example.app:/oauth2redirect",
        ] {
            validate_redirect_uri(ok).unwrap();
        }
    }

    #[test]
    fn rejects_relative_fragment_and_script_uris() {
        for bad in [
            "/cb",
            "cb",
            "http://x/cb#frag",
            "javascript:alert(1)",
            "data:text/html,x",
            "myapp:/cb",
            "http:///cb",
        ] {
            assert!(validate_redirect_uri(bad).is_err(), "{bad}");
        }
    }
}
