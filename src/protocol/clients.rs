//! Client registration rules (RFC 6749 §2, §3.1.2; RFC 7591 §2): what a
//! client id, redirect URI, scope value, resource, grant type and
//! authentication method must look like. Pure checks with a message for the
//! operator; the admin flow applies them before writing anything.

use crate::protocol::scope::is_valid_scope_token;
use crate::protocol::vocabulary::{ClientAuthMethod, GrantType, StandardScope};

/// Scopes a client gets when none are given.
pub const DEFAULT_SCOPES: [StandardScope; 3] =
    [StandardScope::OpenId, StandardScope::Profile, StandardScope::Email];

/// Operator-supplied client secrets must be at least this long.
pub const MIN_SECRET_LEN: usize = 32;

/// The longest `refresh_reuse_leeway`: enough for tabs racing each other,
/// short enough that a stolen token is not usable for long (Okta's grace
/// period has the same bound).
pub const MAX_REFRESH_REUSE_LEEWAY: i64 = 60;

/// 1–128 characters that need no escaping in Basic credentials or URLs.
pub fn validate_client_id(id: &str) -> Result<(), String> {
    let ok = !id.is_empty()
        && id.len() <= 128
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b':' | b'@'));
    if ok {
        Ok(())
    } else {
        Err(format!("client id {id:?} must be 1-128 characters of letters, digits and - _ . ~ : @"))
    }
}

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
        "https" => {}
        // RFC 9700 §2.1 / RFC 8252 §8.3: plain http only to this machine.
        "http" if !is_loopback_host(&parsed) => {
            return Err(format!("redirect URI {raw:?} must use https (http is for loopback addresses only)"));
        }
        "http" => {}
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

/// `logo_uri` (OIDC Dynamic Client Registration §2): an https URL, or
/// http on a loopback address like redirect URIs (RFC 8252 §8.3); no
/// credentials, no fragment. Browsers load it without a referrer.
pub fn validate_logo_uri(raw: &str) -> Result<(), String> {
    let bad = |why: &str| format!("logo URI {raw:?} {why}");
    let parsed = url::Url::parse(raw).map_err(|_| bad("is not an absolute URL"))?;
    if raw.len() > 2048 || raw.chars().any(|c| c.is_whitespace() || c.is_control() || c == '"') {
        return Err(bad("must be at most 2048 characters without whitespace or quotes"));
    }
    let scheme = parsed.scheme();
    if !matches!(scheme, "https" | "http")
        || !has_authority(raw, scheme)
        || parsed.host_str().is_none_or(str::is_empty)
    {
        return Err(bad("must be an https URL"));
    }
    if scheme == "http" && !is_loopback_host(&parsed) {
        return Err(bad("must use https (http is for loopback addresses only)"));
    }
    if !parsed.username().is_empty() || parsed.password().is_some() || parsed.fragment().is_some() {
        return Err(bad("must not contain credentials or a fragment"));
    }
    Ok(())
}

/// `localhost`, 127.0.0.0/8 or `[::1]`.
fn is_loopback_host(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// A loopback IP redirect URI (RFC 8252 §7.3) with its port left out, so
/// that a native app's `http://127.0.0.1:51004/cb` matches the registered
/// `http://127.0.0.1/cb`: the app picks its port when it runs. Everything
/// but the port still matches exactly. `None` for any other URI (including
/// `localhost`, which RFC 8252 §8.3 advises against).
pub fn loopback_without_port(uri: &str) -> Option<String> {
    let host_end = ["http://127.0.0.1", "http://[::1]"]
        .iter()
        .find(|prefix| uri.starts_with(*prefix))
        .map(|prefix| prefix.len())?;
    let rest = &uri[host_end..];
    let Some(after_colon) = rest.strip_prefix(':') else {
        return (rest.is_empty() || rest.starts_with(['/', '?'])).then(|| uri.to_string());
    };
    let digits = after_colon.bytes().take_while(u8::is_ascii_digit).count();
    let port_ok = (1..=5).contains(&digits) && after_colon[..digits].parse::<u16>().is_ok_and(|p| p > 0);
    let tail = &after_colon[digits..];
    (port_ok && (tail.is_empty() || tail.starts_with(['/', '?'])))
        .then(|| format!("{}{tail}", &uri[..host_end]))
}

/// Whether a (valid) redirect URI uses a private-use scheme (RFC 8252
/// §7.1), which only a native app, a public client, may register.
pub fn is_private_use_redirect(raw: &str) -> bool {
    url::Url::parse(raw).is_ok_and(|u| !matches!(u.scheme(), "http" | "https"))
}

/// A browser origin allowed to call the token, UserInfo and revocation
/// endpoints (the Fetch standard's serialized origin): `http(s)://host`
/// with an optional port, nothing else. Returns it in the form browsers
/// send in `Origin` (lower-case host, default port left out).
pub fn web_origin(raw: &str) -> Result<String, String> {
    let bad =
        || format!("web origin {raw:?} must be scheme://host[:port] with http or https and nothing after it");
    let parsed = url::Url::parse(raw).map_err(|_| bad())?;
    let bare = parsed.path() == "/" && parsed.query().is_none() && parsed.fragment().is_none();
    let trimmed = raw.strip_suffix('/').unwrap_or(raw);
    if !matches!(parsed.scheme(), "http" | "https")
        || !bare
        || !has_authority(raw, parsed.scheme())
        || parsed.host_str().is_none_or(str::is_empty)
        || !parsed.username().is_empty()
        || parsed.password().is_some()
        || trimmed.contains(['?', '#'])
        || trimmed.chars().filter(|c| *c == '/').count() != 2
    {
        return Err(bad());
    }
    Ok(parsed.origin().ascii_serialization())
}

/// The origins of the http(s) redirect URIs: where a browser app that
/// receives codes there runs, hence the default web origins of a client.
pub fn origins_of(redirect_uris: &[String]) -> Vec<String> {
    let mut origins: Vec<String> = Vec::new();
    for uri in redirect_uris {
        if let Ok(parsed) = url::Url::parse(uri)
            && matches!(parsed.scheme(), "http" | "https")
        {
            let origin = parsed.origin().ascii_serialization();
            if !origins.contains(&origin) {
                origins.push(origin);
            }
        }
    }
    origins
}

/// A logout endpoint of a client (Back-Channel Logout 1.0 §2.2,
/// Front-Channel Logout 1.0 §2): an absolute https URL without fragment;
/// plain http only on loopback, for development.
pub fn validate_logout_uri(raw: &str) -> Result<(), String> {
    let parsed = url::Url::parse(raw).map_err(|_| format!("logout URI {raw:?} is not an absolute URI"))?;
    if parsed.fragment().is_some() || raw.contains('#') {
        return Err(format!("logout URI {raw:?} must not contain a fragment"));
    }
    if raw.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!("logout URI {raw:?} contains whitespace"));
    }
    let loopback = match parsed.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        None => return Err(format!("logout URI {raw:?} has no host")),
    };
    match parsed.scheme() {
        "https" if has_authority(raw, "https") => Ok(()),
        "http" if has_authority(raw, "http") && loopback => Ok(()),
        "http" => Err(format!("logout URI {raw:?} must use https (http only on loopback)")),
        _ => Err(format!("logout URI {raw:?} must be an https URL")),
    }
}

/// A display name: 1 to 100 characters, no control characters.
pub fn validate_display_name(raw: &str) -> Result<(), String> {
    let length = raw.chars().count();
    if raw.trim().is_empty() || length > 100 || raw.chars().any(char::is_control) {
        return Err(format!("client name {raw:?} must be 1 to 100 printable characters"));
    }
    Ok(())
}

fn has_authority(raw: &str, scheme: &str) -> bool {
    raw.get(scheme.len()..).is_some_and(|rest| rest.starts_with("://") && !rest.starts_with(":///"))
}

/// The grant types named, `authorization_code` when none are; a public
/// client cannot have a grant that needs a confidential one.
pub fn grant_types(raw: &[String], public: bool) -> Result<Vec<GrantType>, String> {
    let mut grants = Vec::new();
    for word in raw {
        let grant: GrantType = word.parse().map_err(|e: crate::vocabulary::UnknownWord| e.to_string())?;
        if public && grant.needs_confidential_client() {
            return Err(format!("a public client cannot use {grant}"));
        }
        if !grants.contains(&grant) {
            grants.push(grant);
        }
    }
    if grants.is_empty() {
        grants.push(GrantType::AuthorizationCode);
    }
    Ok(grants)
}

/// Public clients authenticate with `none` only; confidential clients with
/// a secret (basic or post) or a signed assertion (`private_key_jwt`).
pub fn auth_method(public: bool, requested: Option<&str>) -> Result<ClientAuthMethod, String> {
    let Some(raw) = requested else {
        return Ok(if public { ClientAuthMethod::None } else { ClientAuthMethod::ClientSecretBasic });
    };
    let method: ClientAuthMethod = raw.parse().map_err(|e: crate::vocabulary::UnknownWord| e.to_string())?;
    match (public, method.for_public_clients()) {
        (true, false) => Err(format!("a public client must use none, not {method}")),
        (false, true) => Err(format!("a confidential client cannot use {method} (use --public)")),
        _ => Ok(method),
    }
}

pub fn validate_scope_value(scope: &str) -> Result<(), String> {
    if is_valid_scope_token(scope) { Ok(()) } else { Err(format!("invalid scope value {scope:?}")) }
}

/// RFC 8707 §2: an absolute URI without a fragment.
pub fn validate_resource(resource: &str) -> Result<(), String> {
    match url::Url::parse(resource) {
        Ok(u) if u.fragment().is_none() && !resource.contains('#') => Ok(()),
        _ => Err(format!("resource {resource:?} must be an absolute URI without a fragment")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logout_uris_are_https_or_loopback_http_without_fragment() {
        assert!(validate_logout_uri("https://app.example/logout?x=1").is_ok());
        assert!(validate_logout_uri("http://127.0.0.1:9000/bc").is_ok());
        assert!(validate_logout_uri("http://[::1]/bc").is_ok());
        for bad in [
            "http://app.example/bc",
            "https://app.example/bc#f",
            "ftp://app.example/",
            "/relative",
            "https:app",
        ] {
            assert!(validate_logout_uri(bad).is_err(), "{bad}");
        }
        assert!(validate_display_name("Wiki").is_ok());
        assert!(validate_display_name(" ").is_err() && validate_display_name("a\nb").is_err());
        assert!(validate_display_name(&"x".repeat(101)).is_err());
    }

    #[test]
    fn loopback_redirects_match_without_their_port() {
        let same = |a: &str| loopback_without_port(a);
        assert_eq!(same("http://127.0.0.1:51004/cb?x=1").as_deref(), Some("http://127.0.0.1/cb?x=1"));
        assert_eq!(same("http://127.0.0.1/cb").as_deref(), Some("http://127.0.0.1/cb"));
        assert_eq!(same("http://[::1]:8080").as_deref(), Some("http://[::1]"));
        for other in [
            "https://127.0.0.1:8443/cb",
            "http://localhost:8080/cb",
            "http://127.0.0.10:80/cb",
            "http://127.0.0.1.evil.example/cb",
            "http://127.0.0.1:/cb",
            "http://127.0.0.1:0/cb",
            "http://127.0.0.1:123456/cb",
            "http://127.0.0.1:80@evil.example/cb",
            "http://127.0.0.1:80:81/cb",
        ] {
            assert_eq!(same(other), None, "{other}");
        }
    }

    #[test]
    fn web_origins_are_bare_origins_in_browser_form() {
        assert_eq!(web_origin("https://App.Example").unwrap(), "https://app.example");
        assert_eq!(web_origin("https://app.example:443/").unwrap(), "https://app.example");
        assert_eq!(web_origin("http://127.0.0.1:5173").unwrap(), "http://127.0.0.1:5173");
        for bad in [
            "https://app.example/spa",
            "https://app.example?x",
            "https://app.example#x",
            "https://user@app.example",
            "ftp://app.example",
            "app.example",
            "*",
            "null",
            "https:app.example",
        ] {
            assert!(web_origin(bad).is_err(), "{bad}");
        }
        let uris =
            ["https://a.example/cb".to_string(), "https://a.example/x".into(), "com.example.app:/cb".into()];
        assert_eq!(origins_of(&uris), ["https://a.example"]);
        assert!(is_private_use_redirect("com.example.app:/cb"));
        assert!(!is_private_use_redirect("http://127.0.0.1/cb"));
    }

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
    fn grant_types_and_methods_follow_the_client_type() {
        assert_eq!(grant_types(&[], true).unwrap(), [GrantType::AuthorizationCode]);
        let both = ["refresh_token".to_string(), "authorization_code".into(), "refresh_token".into()];
        assert_eq!(
            grant_types(&both, false).unwrap(),
            [GrantType::RefreshToken, GrantType::AuthorizationCode]
        );
        assert!(grant_types(&["client_credentials".into()], true).unwrap_err().contains("public"));
        assert!(grant_types(&["password".into()], false).unwrap_err().contains("unknown grant type"));
        assert_eq!(auth_method(true, None), Ok(ClientAuthMethod::None));
        assert_eq!(auth_method(false, None), Ok(ClientAuthMethod::ClientSecretBasic));
        assert!(auth_method(true, Some("client_secret_post")).is_err());
        assert!(auth_method(false, Some("none")).is_err());
        assert!(auth_method(false, Some("tls_client_auth")).is_err());
        assert_eq!(auth_method(false, Some("private_key_jwt")), Ok(ClientAuthMethod::PrivateKeyJwt));
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
            "http://app.example/cb",
            "http://127.0.0.1.evil.example/cb",
        ] {
            assert!(validate_redirect_uri(bad).is_err(), "{bad}");
        }
        for good in
            ["https://app.example/cb", "http://localhost:3000/cb", "http://127.0.0.1/cb", "http://[::1]:8/"]
        {
            assert!(validate_redirect_uri(good).is_ok(), "{good}");
        }
    }
}
