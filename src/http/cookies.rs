//! The one place cookies are built: HttpOnly, SameSite=Lax, Path=/, and
//! Secure unless the issuer is plain http on loopback.

use actix_web::cookie::{Cookie, SameSite, time::Duration};

use crate::config::Settings;

fn base(settings: &Settings, name: String, value: String) -> Cookie<'static> {
    Cookie::build(name, value)
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(settings.secure_cookies())
        .finish()
}

/// The SSO session cookie, living as long as the session.
pub fn session(settings: &Settings, secret: String) -> Cookie<'static> {
    let mut cookie = base(settings, settings.session.cookie_name.clone(), secret);
    cookie.set_max_age(Duration::seconds(settings.session.ttl as i64));
    cookie
}

/// The browser's CSRF key; a browser-session cookie.
pub fn csrf(settings: &Settings, key: String) -> Cookie<'static> {
    base(settings, crate::sso::csrf::COOKIE_NAME.to_string(), key)
}
