//! CSRF protection for every form. The browser holds a random key in an
//! HttpOnly cookie (`cookies::csrf_key`); each form carries HMAC(key, purpose ‖ challenge). A
//! cross-site page can neither read the cookie nor compute the token, and a
//! token is useless for any other login transaction.

use actix_web::{HttpRequest, HttpResponse};

use crate::crypto::{constant_time_eq, hmac_sha256_b64url, random_token};
use crate::protocol::{OAuthError, Params};
use crate::web::pages::Problem;
use crate::web::{Site, cookies, extract, respond};

/// A new browser key (256 bits), or `None` if the browser's is usable.
pub fn ensure_key(existing: Option<&str>) -> (String, bool) {
    match existing {
        Some(key) if is_well_formed(key) => (key.to_string(), false),
        _ => (random_token(32), true),
    }
}

fn is_well_formed(key: &str) -> bool {
    key.len() == 43 && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

pub fn token_for(key: &str, challenge: &str) -> String {
    hmac_sha256_b64url(key.as_bytes(), format!("login\0{challenge}").as_bytes())
}

/// A form of ours: posted from our origin (`extract::same_origin`) with
/// the CSRF token of this browser for `purpose`.
pub fn form_is_ours(site: &Site, req: &HttpRequest, purpose: &str, params: &Params) -> bool {
    let key = cookies::csrf_key(req, site);
    extract::same_origin(&site.issuer, req) && verify(key.as_deref(), purpose, params.get("csrf_token"))
}

/// True when the form token matches the browser key and the challenge.
pub fn verify(key: Option<&str>, challenge: &str, token: Option<&str>) -> bool {
    match (key, token) {
        (Some(key), Some(token)) if is_well_formed(key) => {
            constant_time_eq(token_for(key, challenge).as_bytes(), token.as_bytes())
        }
        _ => false,
    }
}

/// Why a posted form is not acted on.
#[derive(Debug)]
pub enum Refused {
    /// Not ours, or its token expired: nothing was changed.
    Stale,
    /// Not a form at all.
    Invalid(OAuthError),
}

impl Refused {
    /// The error page saying so.
    pub fn respond(self, req: &HttpRequest) -> HttpResponse {
        match self {
            Refused::Stale => respond::problem_page(req, Problem::FormExpired),
            Refused::Invalid(e) => respond::error_page(req, &e),
        }
    }
}

/// A posted form of ours for `purpose`: its parameters, or why not.
pub fn verified_form(site: &Site, req: &HttpRequest, body: &[u8], purpose: &str) -> Result<Params, Refused> {
    let params = extract::form_params(req, body).map_err(Refused::Invalid)?;
    if !form_is_ours(site, req, purpose, &params) {
        return Err(Refused::Stale);
    }
    Ok(params)
}

/// Renders with a CSRF token for `purpose`, setting the browser's CSRF key
/// cookie when it has none.
pub fn with_token(
    site: &Site,
    req: &HttpRequest,
    purpose: &str,
    render: impl FnOnce(&str) -> HttpResponse,
) -> HttpResponse {
    let existing = cookies::csrf_key(req, site);
    let (key, fresh) = ensure_key(existing.as_deref());
    let mut resp = render(&token_for(&key, purpose));
    if fresh {
        cookies::set_csrf_key(&mut resp, site, key);
    }
    resp
}

/// A posted allow/deny form of ours (consent, device approval): its
/// parameters (with the `challenge` it answers) and whether the user
/// allowed; otherwise why not.
pub fn decision_form(site: &Site, req: &HttpRequest, body: &[u8]) -> Result<(Params, bool), Refused> {
    let params = extract::form_params(req, body).map_err(Refused::Invalid)?;
    let challenge = params.get("challenge").unwrap_or_default();
    if !form_is_ours(site, req, challenge, &params) {
        return Err(Refused::Stale);
    }
    let allow = match params.get("decision") {
        Some("allow") => true,
        Some("deny") => false,
        _ => return Err(Refused::Invalid(OAuthError::invalid_request("decision must be allow or deny"))),
    };
    Ok((params, allow))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_binds_key_and_challenge() {
        let (key, fresh) = ensure_key(None);
        assert!(fresh);
        let token = token_for(&key, "c1");
        assert!(verify(Some(&key), "c1", Some(&token)));
        assert!(!verify(Some(&key), "c2", Some(&token)));
        let (other, _) = ensure_key(Some("short"));
        assert!(!verify(Some(&other), "c1", Some(&token)));
        assert!(!verify(None, "c1", Some(&token)));
        assert!(!verify(Some(&key), "c1", None));
        assert_eq!(ensure_key(Some(&key)), (key.clone(), false));
    }
}
