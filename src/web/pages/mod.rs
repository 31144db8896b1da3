//! What every page shares: the deployment's branding, the language it is
//! written in and its words ([`Ui`], which every askama view carries as
//! `ui` and `templates/base.html` reads), the typed messages handlers show
//! ([`UserMessage`]) and the error situations ([`Problem`]). Plus the pages
//! of the site itself: `/`, the 404 page, the favicon and `brand.css`
//! (`site`).

pub mod branding;
pub mod colour;
pub mod locale;
mod problem;
pub mod site;
pub mod texts;

#[cfg(test)]
mod palette_tests;

use std::sync::{Arc, LazyLock};

use actix_web::HttpRequest;
use actix_web::web::Data;

pub use branding::Branding;
pub use locale::Locale;
pub use problem::Problem;
use texts::Texts;

use crate::protocol::Params;
use crate::web::Site;
use crate::web::extract::header_str;

static DEFAULT_BRANDING: LazyLock<Arc<Branding>> = LazyLock::new(|| Arc::new(Branding::default()));

/// The branding and language of one page.
#[derive(Clone)]
pub struct Ui {
    pub brand: Arc<Branding>,
    pub lang: Locale,
    pub t: &'static Texts,
}

impl Ui {
    pub fn new(brand: Arc<Branding>, lang: Locale) -> Ui {
        Ui { brand, lang, t: lang.texts() }
    }

    /// For a request: its `ui_locales` parameter (authorization and
    /// end-session requests carry it), else `Accept-Language`.
    pub fn of(req: &HttpRequest) -> Ui {
        let params = Params::parse(req.query_string()).unwrap_or_default();
        let asked = params.get("ui_locales").unwrap_or("");
        Ui::preferring(req, asked.split(' '))
    }

    /// For a request whose stored `ui_locales` come first (the
    /// interaction's), then `Accept-Language`.
    pub fn preferring<'a>(req: &HttpRequest, ui_locales: impl IntoIterator<Item = &'a str>) -> Ui {
        let lang = Locale::negotiate(ui_locales, header_str(req, "accept-language"));
        Ui::new(brand_of(req), lang)
    }

    /// English whatever the browser asks: the admin console is written in
    /// English only.
    pub fn english(req: &HttpRequest) -> Ui {
        Ui::new(brand_of(req), Locale::En)
    }

    /// The origins `img-src` must allow for this page: an https brand
    /// logo, and the client's logo when the page shows one.
    pub fn image_origins(&self, client_logo: Option<&str>) -> Vec<String> {
        let mut origins: Vec<String> = self
            .brand
            .logo_origin()
            .into_iter()
            .chain(client_logo.and_then(branding::image_origin))
            .collect();
        origins.dedup();
        origins
    }

    /// The stylesheet's digest, for its URL (cache busting).
    pub fn style_version(&self) -> &'static str {
        crate::web::assets::style_version()
    }

    /// The passkey script's digest, for its URL.
    pub fn script_version(&self) -> &'static str {
        crate::web::assets::script_version()
    }
}

impl std::fmt::Debug for Ui {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ui").field("brand", &self.brand.product_name).field("lang", &self.lang).finish()
    }
}

fn brand_of(req: &HttpRequest) -> Arc<Branding> {
    req.app_data::<Data<Site>>().map_or_else(|| DEFAULT_BRANDING.clone(), |site| site.branding.clone())
}

/// A message a handler shows on a page, in the page's language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserMessage {
    /// The one message for unknown users and wrong passwords (no account
    /// enumeration).
    BadCredentials,
    WrongCurrentPassword,
    SessionEnded,
    AppRemoved,
    PasswordChanged,
    CodeMalformed,
    CodeUnknown,
    CodeTooMany,
    /// Too many failed sign-ins for the username or address.
    Throttled,
    WrongCode,
    CodeThrottled,
    MfaOff,
    /// The right password of an account waiting for its address.
    Unverified,
    PasskeyFailed,
    PasskeyAdded,
    PasskeyRemoved,
    PasskeyDuplicate,
    PasskeyTooMany,
}

impl UserMessage {
    pub fn text(self, t: &Texts) -> &'static str {
        let m = &t.messages;
        match self {
            UserMessage::BadCredentials => m.bad_credentials,
            UserMessage::WrongCurrentPassword => m.wrong_current_password,
            UserMessage::SessionEnded => m.session_ended,
            UserMessage::AppRemoved => m.app_removed,
            UserMessage::PasswordChanged => m.password_changed,
            UserMessage::CodeMalformed => m.code_malformed,
            UserMessage::CodeUnknown => m.code_unknown,
            UserMessage::CodeTooMany => m.code_too_many,
            UserMessage::Throttled => m.throttled,
            UserMessage::WrongCode => m.wrong_code,
            UserMessage::CodeThrottled => m.code_throttled,
            UserMessage::MfaOff => m.mfa_off,
            UserMessage::Unverified => m.unverified,
            UserMessage::PasskeyFailed => m.passkey_failed,
            UserMessage::PasskeyAdded => m.passkey_added,
            UserMessage::PasskeyRemoved => m.passkey_removed,
            UserMessage::PasskeyDuplicate => m.passkey_duplicate,
            UserMessage::PasskeyTooMany => m.passkey_too_many,
        }
    }
}
