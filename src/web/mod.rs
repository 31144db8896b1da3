//! The actix layer: handlers extract the request, call the one flow they
//! take, and render its outcome. Only this layer knows status codes,
//! headers and cookies; `respond` renders every protocol error. The whole
//! route table is [`configure`].

pub mod account;
pub mod admin_api;
pub mod admin_console;
pub mod assets;
pub mod client_address;
pub mod cookies;
pub mod cors;
pub mod csrf;
pub mod device;
pub mod extract;
pub mod form_post;
pub mod interaction;
pub mod links;
pub mod logout;
pub mod middleware;
pub mod oauth;
pub mod outcome;
pub mod pages;
pub mod qr;
pub mod rate_limit;
pub mod request_log;
pub mod respond;
pub mod views;

use actix_web::http::Method;
use actix_web::{FromRequest, Handler, Resource, Responder, web};

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
    /// What every page shows of the deployment (`pages::Ui`).
    pub branding: std::sync::Arc<pages::Branding>,
    /// Self-registration is on (`accounts.registration`): `/register` exists.
    pub registration: bool,
    /// The sign-in pages offer passkeys (`Settings::passkeys_enabled`).
    pub passkeys: bool,
    /// Whose `X-Forwarded-For` tells the client's address.
    pub trusted_proxies: client_address::TrustedProxies,
}

/// The whole route table: one resource per path, so a known path asked with
/// another method answers 405 with `Allow` (RFC 9110 §15.5.6, actix's
/// resource default), and every GET also answers HEAD (RFC 9110 §9.3.2).
/// Only the paths made with `public_document` and `client_bound` answer
/// CORS (`cors`); protocol routes come before the pages.
pub fn configure(cfg: &mut web::ServiceConfig) {
    use cors::Methods;
    use interaction::{consent, login};
    use oauth::{authorize, discovery, health, introspect, par, revoke, token, userinfo};
    const POST: Methods = Methods("POST");
    const GET_HEAD_POST: Methods = Methods("GET, HEAD, POST");
    cfg.service(public_document("/.well-known/openid-configuration").read(discovery::discovery_get))
        // RFC 8414 §3: the same document (RFC 8414 §7.1 registers the OpenID
        // members too), so both always agree.
        .service(public_document("/.well-known/oauth-authorization-server").read(discovery::discovery_get))
        .service(public_document("/.well-known/jwks.json").read(discovery::jwks_get))
        .service(resource("/authorize").read(authorize::authorize_get).post(authorize::authorize_post))
        .service(resource("/login").post(login::login_post))
        .service(resource("/login/mfa").post(interaction::mfa::mfa_post))
        .service(resource("/login/passkey").post(interaction::passkey::passkey_post))
        .service(resource("/login/passkey/options").post(interaction::passkey::options_post))
        .service(client_bound("/token", POST).post(token::token_post))
        .service(client_bound("/revoke", POST).post(revoke::revoke_post))
        .service(resource("/introspect").post(introspect::introspect_post))
        .service(resource("/par").guard(actix_web::guard::fn_guard(par::enabled)).post(par::par_post))
        .service(
            client_bound("/userinfo", GET_HEAD_POST)
                .read(userinfo::userinfo_get)
                .post(userinfo::userinfo_post),
        )
        // After the hot paths: its `{client_id}` pattern costs a regex match.
        .configure(oauth::client_registration::routes)
        .service(resource("/consent").post(consent::consent_post))
        .service(resource("/account").read(account::account_get))
        .service(resource("/account/login").post(account::sign_in_post))
        .service(resource("/account/sessions/end").post(account::end_session_post))
        .service(resource("/account/apps/revoke").post(account::revoke_app_post))
        .service(resource("/account/password").post(account::password_post))
        .service(resource("/account/login/mfa").post(account::mfa::second_step_post))
        .service(resource("/account/totp").read(account::mfa::totp_get).post(account::mfa::totp_post))
        .service(resource("/account/totp/remove").post(account::mfa::remove_post))
        .service(resource("/account/recovery-codes").post(account::mfa::recovery_codes_post))
        .service(resource("/account/login/passkey").post(account::passkeys::sign_in_post))
        .service(resource("/account/login/passkey/options").post(account::passkeys::sign_in_options_post))
        .service(resource("/account/passkeys").post(account::passkeys::add_post))
        .service(resource("/account/passkeys/options").post(account::passkeys::options_post))
        .service(resource("/account/passkeys/remove").post(account::passkeys::remove_post))
        .service(resource("/forgot").read(links::forgot_get).post(links::forgot_post))
        .service(resource("/reset").read(links::reset_get).post(links::reset_post))
        .service(resource("/verify").read(links::verify_get).post(links::verify_post))
        .service(
            resource("/register")
                .guard(actix_web::guard::fn_guard(links::registration_open))
                .read(links::register_get)
                .post(links::register_post),
        )
        .service(resource("/logout").read(logout::logout_get).post(logout::logout_post))
        .service(resource("/logout/confirm").post(logout::confirm_post))
        .service(
            resource("/device_authorization").post(oauth::device_authorization::device_authorization_post),
        )
        .service(resource("/device").read(device::device_get).post(device::device_post))
        .service(resource("/device/approve").post(device::approve_post))
        .configure(admin_api::configure)
        .service(resource("/healthz").read(health::healthz))
        .service(resource("/readyz").read(health::readyz))
        // The admin console (`admin_console`), every page behind its sign-in.
        .service(resource("/admin").read(admin_console::signin::home_get))
        .service(resource("/admin/callback").read(admin_console::signin::callback_get))
        .service(resource("/admin/logout").post(admin_console::signin::logout_post))
        .service(
            resource("/admin/clients")
                .read(admin_console::clients::clients_get)
                .post(admin_console::clients::create_post),
        )
        .service(resource("/admin/clients/new").read(admin_console::clients::new_get))
        .service(
            resource("/admin/clients/{client_id}")
                .read(admin_console::clients::client_get)
                .post(admin_console::clients::update_post),
        )
        .service(
            resource("/admin/clients/{client_id}/secret").post(admin_console::clients::rotate_secret_post),
        )
        .service(resource("/admin/clients/{client_id}/delete").post(admin_console::clients::delete_post))
        .service(
            resource("/admin/users")
                .read(admin_console::users::users_get)
                .post(admin_console::users::create_post),
        )
        .service(resource("/admin/users/new").read(admin_console::users::new_get))
        .service(resource("/admin/users/{user_id}").read(admin_console::users::user_get))
        .service(resource("/admin/users/{user_id}/{action}").post(admin_console::users::action_post))
        .service(
            resource("/admin/groups")
                .read(admin_console::groups::groups_get)
                .post(admin_console::groups::create_post),
        )
        .service(resource("/admin/groups/{name}").read(admin_console::groups::group_get))
        .service(resource("/admin/groups/{name}/{action}").post(admin_console::groups::action_post))
        .service(resource("/admin/keys").read(admin_console::keys::keys_get))
        .service(resource("/admin/keys/rotate").post(admin_console::keys::rotate_post))
        .service(resource("/admin/audit").read(admin_console::audit::audit_get))
        .service(resource("/static/style.css").read(assets::style_css))
        .service(resource("/static/passkey.js").read(assets::passkey_js))
        // The site's own pages (`pages::site`): start page, icon, brand
        // colours, and a branded 404 for every other path.
        .service(resource("/").read(pages::site::home_get))
        .service(resource("/favicon.ico").read(pages::site::favicon_get))
        .service(resource("/static/favicon.svg").read(assets::favicon_svg))
        .service(resource("/static/brand.css").read(pages::site::brand_css_get))
        .default_service(web::to(pages::site::not_found));
}

/// A path of the site, without CORS.
fn resource(path: &str) -> Resource {
    web::resource(path)
}

/// A public document, readable from any origin.
fn public_document(path: &str) -> Resource {
    const GET_HEAD: cors::Methods = cors::Methods("GET, HEAD");
    web::resource(path)
        .route(web::route().method(Method::OPTIONS).to(|req| cors::public_preflight(req, GET_HEAD)))
}

/// An endpoint browser apps call for a client (`cors::per_client`).
fn client_bound(path: &str, methods: cors::Methods) -> Resource {
    web::resource(path).route(
        web::route()
            .method(Method::OPTIONS)
            .to(move |req, origins| cors::client_preflight(req, origins, methods)),
    )
}

/// GET with HEAD (RFC 9110 §9.3.2: HEAD is GET without the content, which
/// actix-http leaves out of HEAD responses).
trait Readable {
    fn read<F, Args>(self, handler: F) -> Self
    where
        F: Handler<Args> + Clone,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static;
}

impl Readable for Resource {
    fn read<F, Args>(self, handler: F) -> Self
    where
        F: Handler<Args> + Clone,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.route(web::get().to(handler.clone())).route(web::head().to(handler))
    }
}
