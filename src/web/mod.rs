//! The actix layer: handlers extract the request, call the one flow they
//! take, and render its outcome. Only this layer knows status codes,
//! headers and cookies; `respond` renders every protocol error. The whole
//! route table is [`configure`].

pub mod account;
pub mod assets;
pub mod cookies;
pub mod csrf;
pub mod device;
pub mod extract;
pub mod interaction;
pub mod logout;
pub mod middleware;
pub mod oauth;
pub mod outcome;
pub mod respond;
pub mod views;

use actix_web::web;

/// What the handlers need to know about the site itself.
#[derive(Debug, Clone)]
pub struct Site {
    /// The issuer identifier: the origin forms must come from, and `iss` in
    /// authorization responses (RFC 9207).
    pub issuer: String,
    /// Cookies carry `Secure` unless the issuer is plain http on loopback.
    pub secure_cookies: bool,
    pub cookies: cookies::CookieNames,
    /// Absolute lifetime of an SSO session (the cookie's `Max-Age`), seconds.
    pub session_ttl: u64,
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    use interaction::{consent, login};
    use oauth::{authorize, discovery, health, introspect, revoke, token, userinfo};
    cfg.route("/.well-known/openid-configuration", web::get().to(discovery::discovery_get))
        .route("/.well-known/jwks.json", web::get().to(discovery::jwks_get))
        .route("/authorize", web::get().to(authorize::authorize_get))
        .route("/authorize", web::post().to(authorize::authorize_post))
        .route("/login", web::post().to(login::login_post))
        .route("/token", web::post().to(token::token_post))
        .route("/revoke", web::post().to(revoke::revoke_post))
        .route("/introspect", web::post().to(introspect::introspect_post))
        .route("/userinfo", web::get().to(userinfo::userinfo_get))
        .route("/userinfo", web::post().to(userinfo::userinfo_post))
        .route("/consent", web::post().to(consent::consent_post))
        .route("/account", web::get().to(account::account_get))
        .route("/account/login", web::post().to(account::sign_in_post))
        .route("/account/sessions/end", web::post().to(account::end_session_post))
        .route("/account/apps/revoke", web::post().to(account::revoke_app_post))
        .route("/account/password", web::post().to(account::password_post))
        .route("/logout", web::get().to(logout::logout_get))
        .route("/logout", web::post().to(logout::logout_post))
        .route("/logout/confirm", web::post().to(logout::confirm_post))
        .route(
            "/device_authorization",
            web::post().to(oauth::device_authorization::device_authorization_post),
        )
        .route("/device", web::get().to(device::device_get))
        .route("/device", web::post().to(device::device_post))
        .route("/device/approve", web::post().to(device::approve_post))
        .route("/healthz", web::get().to(health::healthz))
        .route("/static/style.css", web::get().to(assets::style_css));
}
