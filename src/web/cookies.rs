//! The one place cookies are built: HttpOnly, SameSite=Lax, Path=/, and
//! Secure unless the issuer is plain http on loopback.

use actix_web::cookie::{Cookie, SameSite, time::Duration};

use crate::web::Site;

fn base(site: &Site, name: String, value: String) -> Cookie<'static> {
    Cookie::build(name, value)
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(site.secure_cookies)
        .finish()
}

/// The SSO session cookie, living as long as the session.
pub fn session(site: &Site, secret: String) -> Cookie<'static> {
    let mut cookie = base(site, site.session_cookie.clone(), secret);
    cookie.set_max_age(Duration::seconds(site.session_ttl as i64));
    cookie
}

/// The browser's CSRF key; a browser-session cookie.
pub fn csrf(site: &Site, key: String) -> Cookie<'static> {
    base(site, crate::web::csrf::COOKIE_NAME.to_string(), key)
}
