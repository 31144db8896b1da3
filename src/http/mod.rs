//! The actix layer: extract, call one domain function, render. The whole
//! route table is `configure`.

pub mod assets;
pub mod authorize;
pub mod cookies;
pub mod discovery;
pub mod extract;
pub mod health;
pub mod introspect;
pub mod login;
pub mod middleware;
pub mod respond;
pub mod revoke;
pub mod token;
pub mod userinfo;

use actix_web::web;

pub fn configure(cfg: &mut web::ServiceConfig) {
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
        .route("/healthz", web::get().to(health::healthz))
        .route("/static/style.css", web::get().to(assets::style_css));
}
