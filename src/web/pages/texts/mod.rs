//! Every word the pages show, per language: one [`Texts`] constant per
//! locale (`en.rs`, `de.rs`), grouped by page area. Templates read them
//! as `{{ ui.t.login.title }}`; handlers turn typed messages
//! ([`super::UserMessage`], [`super::Problem`]) into text with them.
//!
//! Adding a string: add a field to the area's struct below (with a doc
//! comment saying where it shows), then the same field to `en::TEXTS`
//! and `de::TEXTS`; a language that lacks it does not compile. A new page
//! adds its own area struct and a field of [`Texts`] for it. A sentence
//! around a value (a name in bold) is split into `_before`/`_after`
//! fields, since word order differs between languages. A new language is
//! a file like `de.rs` plus a variant of `Locale` (`locale.rs`).

pub mod de;
pub mod en;

use crate::protocol::StandardScope;

pub struct Texts {
    pub common: Common,
    pub login: Login,
    pub consent: Consent,
    pub scopes: Scopes,
    pub logout: Logout,
    pub account: Account,
    pub device: Device,
    pub form_post: FormPost,
    pub home: Home,
    pub problems: Problems,
    pub messages: Messages,
    pub mfa: Mfa,
    pub passkeys: Passkeys,
    pub links: Links,
}

/// Passkeys: the login page's button, the second-factor page's, and the
/// account page's section.
pub struct Passkeys {
    pub sign_in: &'static str,
    /// Between the password form and the passkey button.
    pub or: &'static str,
    /// Shown by the script when the browser gave no passkey.
    pub browser_failed: &'static str,
    /// The second-factor page's button.
    pub use_passkey: &'static str,
    /// "Confirm it's you with your passkey to continue to <b>App</b>."
    pub confirm_before: &'static str,
    pub confirm_after: &'static str,
    pub heading: &'static str,
    pub intro: &'static str,
    pub none: &'static str,
    pub name_label: &'static str,
    pub add: &'static str,
    pub remove: &'static str,
    pub added_on: &'static str,
    pub last_used: &'static str,
    pub never_used: &'static str,
    pub needs_script: &'static str,
    pub unavailable: &'static str,
}

/// Two-step verification: the login's second step, setting TOTP up (login
/// and account page), recovery codes, and the account page's section.
pub struct Mfa {
    pub title: &'static str,
    /// "Enter the 6-digit code from your authenticator app to continue to <b>App</b>."
    pub enter_before: &'static str,
    pub enter_after: &'static str,
    pub code_label: &'static str,
    pub verify: &'static str,
    pub use_recovery: &'static str,
    pub recovery_label: &'static str,
    pub recovery_submit: &'static str,
    pub setup_title: &'static str,
    /// "<b>App</b> asks for a second step when you sign in. Scan …"
    pub setup_required_after: &'static str,
    pub setup_intro: &'static str,
    /// Under the QR code: "Can't scan it? Enter this key in the app:"
    pub manual_key: &'static str,
    pub app_code_label: &'static str,
    pub turn_on_continue: &'static str,
    pub turn_on: &'static str,
    pub cancel: &'static str,
    pub codes_title: &'static str,
    pub codes_intro: &'static str,
    pub codes_old_invalid: &'static str,
    pub on_title: &'static str,
    pub new_codes_title: &'static str,
    pub continue_to: &'static str,
    pub back_to_account: &'static str,
    /// The account page's section.
    pub heading: &'static str,
    pub on: &'static str,
    pub on_text: &'static str,
    pub codes_left: &'static str,
    pub new_codes: &'static str,
    pub make_new_codes: &'static str,
    pub turn_off_heading: &'static str,
    pub turn_off: &'static str,
    pub off_text: &'static str,
    pub set_up: &'static str,
    pub qr_label: &'static str,
}

/// Shared by several pages.
pub struct Common {
    /// Small print under an error: "Error code: invalid_request".
    pub error_code: &'static str,
    pub close_window: &'static str,
    pub continue_button: &'static str,
    pub allow: &'static str,
    pub deny: &'static str,
    pub signed_in_as: &'static str,
    /// Alt text of a client's logo, before its name.
    pub logo_of: &'static str,
    /// The link to the start page in the header, for screen readers.
    pub home_link: &'static str,
}

pub struct Login {
    pub title: &'static str,
    /// "to continue to <b>App</b>".
    pub continue_before: &'static str,
    pub continue_after: &'static str,
    /// What the account page's sign-in continues to.
    pub your_account: &'static str,
    pub username: &'static str,
    pub password: &'static str,
    pub submit: &'static str,
    pub forgot: &'static str,
    pub register: &'static str,
}

pub struct Consent {
    pub title: &'static str,
    /// "<b>App</b> would like to:".
    pub wants_before: &'static str,
    pub wants_after: &'static str,
}

/// What each standard scope lets an app do (the consent pages).
pub struct Scopes {
    pub openid: &'static str,
    pub profile: &'static str,
    pub email: &'static str,
    pub offline_access: &'static str,
    pub groups: &'static str,
    pub address: &'static str,
    pub phone: &'static str,
}

impl Scopes {
    pub fn describe(&self, scope: StandardScope) -> &'static str {
        match scope {
            StandardScope::OpenId => self.openid,
            StandardScope::Profile => self.profile,
            StandardScope::Email => self.email,
            StandardScope::OfflineAccess => self.offline_access,
            StandardScope::Groups => self.groups,
            StandardScope::Address => self.address,
            StandardScope::Phone => self.phone,
        }
    }
}

pub struct Logout {
    pub confirm_title: &'static str,
    /// "<b>App</b> asks to sign you out of …".
    pub asks_before: &'static str,
    pub asks_after: &'static str,
    pub everywhere: &'static str,
    pub submit: &'static str,
    pub done_title: &'static str,
    /// "Taking you back to <b>App</b>…".
    pub back_to_before: &'static str,
    pub back_to_after: &'static str,
    pub taking_back: &'static str,
    /// Title of the hidden front-channel frames.
    pub frames_title: &'static str,
}

pub struct Account {
    pub title: &'static str,
    pub sessions_heading: &'static str,
    pub this_device: &'static str,
    pub last_active: &'static str,
    pub signed_in_at: &'static str,
    pub sign_out: &'static str,
    pub end_session: &'static str,
    pub apps_heading: &'static str,
    pub no_apps: &'static str,
    pub since: &'static str,
    pub remove_access: &'static str,
    pub password_heading: &'static str,
    pub current_password: &'static str,
    pub new_password: &'static str,
    /// "At least 8 characters. Your other sessions will end."
    pub password_hint_before: &'static str,
    pub password_hint_after: &'static str,
    pub change_password: &'static str,
}

pub struct Device {
    pub title: &'static str,
    pub confirm_hint: &'static str,
    pub enter_hint: &'static str,
    pub code_label: &'static str,
    pub submit: &'static str,
    pub warning: &'static str,
    pub approve_title: &'static str,
    /// "<b>App</b> on the device showing <b>CODE</b> would like to:".
    pub on_device: &'static str,
    pub would_like: &'static str,
    pub approve_warning: &'static str,
    pub connected_title: &'static str,
    /// "<b>App</b> is signed in. …".
    pub connected_after: &'static str,
    pub denied_title: &'static str,
    /// "You denied access to <b>App</b>. …".
    pub denied_before: &'static str,
    pub denied_after: &'static str,
}

pub struct FormPost {
    pub title: &'static str,
    pub noscript: &'static str,
}

/// The start page (`GET /`).
pub struct Home {
    pub lead: &'static str,
    pub account_link: &'static str,
}

/// A title and a plain-language explanation with the next step.
pub struct ProblemText {
    pub title: &'static str,
    pub body: &'static str,
}

/// The error pages, one per situation (`super::Problem`).
pub struct Problems {
    pub unknown_app: ProblemText,
    pub unregistered_redirect: ProblemText,
    pub bad_request: ProblemText,
    pub page_expired: ProblemText,
    pub form_expired: ProblemText,
    pub already_answered: ProblemText,
    pub access_denied: ProblemText,
    pub signed_out: ProblemText,
    pub logout_refused: ProblemText,
    pub device_expired: ProblemText,
    pub not_found: ProblemText,
    pub unavailable: ProblemText,
    pub server_error: ProblemText,
    pub too_many_attempts: ProblemText,
    pub too_many_pending: ProblemText,
    pub busy: ProblemText,
    pub too_many_requests: ProblemText,
    pub setup_expired: ProblemText,
    /// The link under the 404 page.
    pub start_page: &'static str,
}

/// Messages handlers show on a page (`super::UserMessage`).
pub struct Messages {
    pub bad_credentials: &'static str,
    pub wrong_current_password: &'static str,
    pub session_ended: &'static str,
    pub app_removed: &'static str,
    pub password_changed: &'static str,
    pub code_malformed: &'static str,
    pub code_unknown: &'static str,
    pub code_too_many: &'static str,
    /// A throttled or locked username or address (never says which).
    pub throttled: &'static str,
    pub wrong_code: &'static str,
    pub code_throttled: &'static str,
    pub mfa_off: &'static str,
    pub unverified: &'static str,
    pub passkey_failed: &'static str,
    pub passkey_added: &'static str,
    pub passkey_removed: &'static str,
    pub passkey_duplicate: &'static str,
    pub passkey_too_many: &'static str,
}

/// The pages of the mailed links and of self-registration: `/forgot`,
/// `/reset`, `/verify`, `/register` and what follows them.
pub struct Links {
    /// `/forgot`
    pub forgot_title: &'static str,
    pub forgot_intro: &'static str,
    pub identifier_label: &'static str,
    pub send_link: &'static str,
    pub back_to_sign_in: &'static str,
    /// `/reset`
    pub reset_title: &'static str,
    pub new_password: &'static str,
    pub new_password_again: &'static str,
    pub set_password: &'static str,
    /// `/verify`: "Is <b>a@b</b> your address?"
    pub verify_title: &'static str,
    pub verify_before: &'static str,
    pub verify_after: &'static str,
    pub verify_confirm: &'static str,
    /// `/register`
    pub register_title: &'static str,
    pub email: &'static str,
    pub name_optional: &'static str,
    pub password_again: &'static str,
    pub create_account: &'static str,
    pub have_account: &'static str,
    pub sign_in: &'static str,
    /// An expired, used or unknown link.
    pub gone_title: &'static str,
    pub gone_message: &'static str,
    pub ask_new_link: &'static str,
    pub sign_in_for_new_link: &'static str,
    /// After `/forgot` and `/register`.
    pub sent_title: &'static str,
    pub reset_sent: &'static str,
    pub registered: &'static str,
    pub go_to_sign_in: &'static str,
    /// After a reset.
    pub changed_title: &'static str,
    pub changed: &'static str,
    pub go_to_account: &'static str,
    /// After a verification.
    pub confirmed_title: &'static str,
    pub confirmed: &'static str,
    pub passwords_differ: &'static str,
    pub too_many_registrations: &'static str,
}
