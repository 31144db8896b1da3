//! The one place cookies are named, built and read: HttpOnly, Path=/,
//! SameSite=Lax, and Secure unless the issuer is plain http on loopback.
//! With an https issuer the names carry the `__Host-` prefix (RFC 6265bis
//! §4.1.3.2: Secure, Path=/, no Domain, so no sibling host can set them).
//!
//! Cross-site POST to `/authorize` (OpenID Connect Core §3.1.2.1 requires
//! POST) does not carry a SameSite=Lax cookie, which would break SSO and
//! `prompt=none` there. Like the major providers, oxidp then sets a second
//! session cookie with SameSite=None (https only, where Secure is
//! possible), and reads it at `/authorize` alone, the one endpoint whose
//! whole point is to be reached from other sites. Every state-changing form
//! still needs its CSRF token, and every other route reads the Lax cookie.

use actix_web::cookie::{Cookie, SameSite, time::Duration};
use actix_web::{HttpRequest, HttpResponse};

use crate::web::{Site, extract};

const HOST_PREFIX: &str = "__Host-";
const CSRF_NAME: &str = "oxidp_csrf";
const CROSS_SITE_SUFFIX: &str = "_cross_site";
const CONSOLE_NAME: &str = "oxidp_console";
const CONSOLE_STATE_NAME: &str = "oxidp_console_state";

/// The cookie names of a site.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CookieNames {
    pub session: String,
    /// The SameSite=None copy of the session cookie (https issuers only).
    pub cross_site_session: Option<String>,
    pub csrf: String,
    /// The admin console's session (SameSite=Strict).
    pub console: String,
    /// Binds a console sign-in under way to the browser that started it.
    pub console_state: String,
}

impl CookieNames {
    /// `base` is `session.cookie_name`.
    pub fn new(base: &str, https: bool) -> CookieNames {
        let prefix = if https { HOST_PREFIX } else { "" };
        CookieNames {
            session: format!("{prefix}{base}"),
            cross_site_session: https.then(|| format!("{prefix}{base}{CROSS_SITE_SUFFIX}")),
            csrf: format!("{prefix}{CSRF_NAME}"),
            console: format!("{prefix}{CONSOLE_NAME}"),
            console_state: format!("{prefix}{CONSOLE_STATE_NAME}"),
        }
    }
}

fn base(site: &Site, name: String, value: String, same_site: SameSite) -> Cookie<'static> {
    Cookie::build(name, value)
        .path("/")
        .http_only(true)
        .same_site(same_site)
        .secure(site.secure_cookies)
        .finish()
}

fn session_cookies(site: &Site, value: &str) -> Vec<Cookie<'static>> {
    let mut cookies = vec![base(site, site.cookies.session.clone(), value.to_string(), SameSite::Lax)];
    if let Some(name) = &site.cookies.cross_site_session {
        cookies.push(base(site, name.clone(), value.to_string(), SameSite::None));
    }
    cookies
}

/// Sets the session cookie(s), living as long as the session may.
pub fn set_session(resp: &mut HttpResponse, site: &Site, value: String) {
    for mut cookie in session_cookies(site, &value) {
        cookie.set_max_age(Duration::seconds(site.session_ttl as i64));
        if let Err(e) = resp.add_cookie(&cookie) {
            tracing::error!(error = %e, "cannot set the session cookie");
        }
    }
}

/// Removes the session cookie(s).
pub fn remove_session(resp: &mut HttpResponse, site: &Site) {
    for cookie in session_cookies(site, "") {
        if let Err(e) = resp.add_removal_cookie(&cookie) {
            tracing::error!(error = %e, "cannot remove the session cookie");
        }
    }
}

/// The session cookie of a same-site request.
pub fn session(req: &HttpRequest, site: &Site) -> Option<String> {
    extract::cookie_value(req, &site.cookies.session)
}

/// The session cookie at `/authorize`: the SameSite=None copy stands in
/// when a cross-site POST left the Lax one behind.
pub fn authorize_session(req: &HttpRequest, site: &Site) -> Option<String> {
    session(req, site).or_else(|| {
        site.cookies.cross_site_session.as_deref().and_then(|name| extract::cookie_value(req, name))
    })
}

/// The browser's CSRF key (`web::csrf`).
pub fn csrf_key(req: &HttpRequest, site: &Site) -> Option<String> {
    extract::cookie_value(req, &site.cookies.csrf)
}

/// Sets the browser's CSRF key; a browser-session cookie.
pub fn set_csrf_key(resp: &mut HttpResponse, site: &Site, key: String) {
    if let Err(e) = resp.add_cookie(&base(site, site.cookies.csrf.clone(), key, SameSite::Lax)) {
        tracing::error!(error = %e, "cannot set the CSRF cookie");
    }
}

/// The admin console's session cookie (`flows::console`): SameSite=Strict,
/// so no other site's link or form ever carries it.
pub fn console(req: &HttpRequest, site: &Site) -> Option<String> {
    extract::cookie_value(req, &site.cookies.console)
}

pub fn set_console(resp: &mut HttpResponse, site: &Site, value: String, max_age: i64) {
    let mut cookie = base(site, site.cookies.console.clone(), value, SameSite::Strict);
    cookie.set_max_age(Duration::seconds(max_age.max(0)));
    if let Err(e) = resp.add_cookie(&cookie) {
        tracing::error!(error = %e, "cannot set the console cookie");
    }
}

pub fn remove_console(resp: &mut HttpResponse, site: &Site) {
    let cookie = base(site, site.cookies.console.clone(), String::new(), SameSite::Strict);
    if let Err(e) = resp.add_removal_cookie(&cookie) {
        tracing::error!(error = %e, "cannot remove the console cookie");
    }
}

/// The `state` of the console sign-in this browser started. Lax: the
/// callback is reached through redirects from the login form.
pub fn console_state(req: &HttpRequest, site: &Site) -> Option<String> {
    extract::cookie_value(req, &site.cookies.console_state)
}

pub fn set_console_state(resp: &mut HttpResponse, site: &Site, state: String, max_age: i64) {
    let mut cookie = base(site, site.cookies.console_state.clone(), state, SameSite::Lax);
    cookie.set_max_age(Duration::seconds(max_age));
    if let Err(e) = resp.add_cookie(&cookie) {
        tracing::error!(error = %e, "cannot set the console sign-in cookie");
    }
}

pub fn remove_console_state(resp: &mut HttpResponse, site: &Site) {
    let cookie = base(site, site.cookies.console_state.clone(), String::new(), SameSite::Lax);
    if let Err(e) = resp.add_removal_cookie(&cookie) {
        tracing::error!(error = %e, "cannot remove the console sign-in cookie");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn https_issuers_get_host_prefixed_names_and_a_cross_site_copy() {
        let plain = CookieNames::new("oxidp_session", false);
        assert_eq!((plain.session.as_str(), plain.csrf.as_str()), ("oxidp_session", "oxidp_csrf"));
        assert_eq!(plain.cross_site_session, None, "SameSite=None needs Secure");
        let https = CookieNames::new("oxidp_session", true);
        assert_eq!(https.session, "__Host-oxidp_session");
        assert_eq!(https.cross_site_session.as_deref(), Some("__Host-oxidp_session_cross_site"));
        assert_eq!(https.csrf, "__Host-oxidp_csrf");
    }
}
