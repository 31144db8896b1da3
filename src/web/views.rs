//! askama page templates, one struct per page (templates/), each with
//! the page's [`Ui`] (branding, language, words) for `base.html`.

use askama::Template;

use crate::web::pages::Ui;

#[derive(Template)]
#[template(path = "login.html")]
pub struct LoginPage<'a> {
    pub ui: Ui,
    /// Where the form posts: the login prompt, or the account page's sign-in.
    pub action: &'a str,
    /// What signing in continues to (the client's display name).
    pub continue_to: &'a str,
    pub client_logo: Option<&'a str>,
    pub challenge: &'a str,
    pub csrf_token: &'a str,
    pub username: &'a str,
    pub error: Option<&'a str>,
    /// Offer "Create an account" (`accounts.registration`).
    pub registration: bool,
    /// Where "Sign in with a passkey" posts, when passkeys are on.
    pub passkey: Option<&'a str>,
}

impl LoginPage<'_> {
    /// After a failed attempt (or with a known username) the cursor goes
    /// to the password.
    pub fn focus_password(&self) -> bool {
        self.error.is_some() || !self.username.is_empty()
    }
}

#[derive(Template)]
#[template(path = "consent.html")]
pub struct ConsentPage<'a> {
    pub ui: Ui,
    pub client_name: &'a str,
    pub client_logo: Option<&'a str>,
    pub challenge: &'a str,
    pub csrf_token: &'a str,
    /// Each scope with what it means in plain words (itself when unknown).
    pub scopes: Vec<(&'a str, &'a str)>,
}

/// A TOTP secret to set up: its QR code and the key to type by hand.
pub struct TotpSetup {
    /// Inline SVG (`web::qr`).
    pub qr_svg: String,
    pub secret: String,
}

/// The login's second step: a TOTP or recovery code, setting TOTP up, or
/// the recovery codes just made.
#[derive(Template)]
#[template(path = "mfa.html")]
pub struct MfaPage<'a> {
    pub ui: Ui,
    /// Where the forms post: the login prompt's, or the account sign-in's.
    pub action: &'a str,
    pub client_name: &'a str,
    pub challenge: &'a str,
    pub csrf_token: &'a str,
    pub error: Option<&'a str>,
    pub enrollment: Option<TotpSetup>,
    pub recovery_codes: &'a [String],
    /// The user has TOTP: ask for a code (or a recovery code).
    pub totp: bool,
    /// Where the passkey form posts, when the user has a passkey.
    pub passkey: Option<&'a str>,
}

/// The user-code form (RFC 8628 §3.3).
#[derive(Template)]
#[template(path = "device.html")]
pub struct DevicePage<'a> {
    pub ui: Ui,
    pub csrf_token: &'a str,
    pub user_code: &'a str,
    /// The code came with the link: ask the user to compare it (§5.4).
    pub confirm: bool,
    pub error: Option<&'a str>,
}

/// "Allow this device?"
#[derive(Template)]
#[template(path = "device_approve.html")]
pub struct DeviceApprovePage<'a> {
    pub ui: Ui,
    pub client_name: &'a str,
    pub client_logo: Option<&'a str>,
    pub challenge: &'a str,
    pub csrf_token: &'a str,
    pub scopes: Vec<(&'a str, &'a str)>,
    pub user_code: &'a str,
    pub username: &'a str,
}

#[derive(Template)]
#[template(path = "device_done.html")]
pub struct DeviceDonePage<'a> {
    pub ui: Ui,
    pub approved: bool,
    pub client_name: &'a str,
}

#[derive(Template)]
#[template(path = "account.html")]
pub struct AccountPage<'a> {
    pub ui: Ui,
    pub username: &'a str,
    pub email: Option<&'a str>,
    pub csrf_token: &'a str,
    pub notice: Option<&'a str>,
    pub error: Option<&'a str>,
    pub sessions: Vec<SessionRow>,
    pub apps: Vec<AppRow>,
    pub min_password: usize,
    /// Two-step verification is on.
    pub totp: bool,
    pub recovery_codes_left: i64,
    pub passkeys: Vec<PasskeyItem>,
    /// Passkeys can be added (on, and the issuer is a domain name).
    pub passkeys_available: bool,
}

/// One of the user's passkeys on the account page.
pub struct PasskeyItem {
    /// The credential id (base64url), for removing it.
    pub id: String,
    pub name: String,
    pub added: String,
    pub last_used: Option<String>,
}

/// Setting up TOTP from the account page.
#[derive(Template)]
#[template(path = "account_totp.html")]
pub struct AccountTotpPage<'a> {
    pub ui: Ui,
    pub csrf_token: &'a str,
    pub enrollment_id: &'a str,
    pub setup: TotpSetup,
    pub error: Option<&'a str>,
}

/// New recovery codes, shown once.
#[derive(Template)]
#[template(path = "account_codes.html")]
pub struct RecoveryCodesPage<'a> {
    pub ui: Ui,
    /// Two-step verification was just turned on (else: new codes).
    pub turned_on: bool,
    pub recovery_codes: &'a [String],
}

/// One session as the account page lists it.
pub struct SessionRow {
    pub sid: String,
    pub device: String,
    pub ip: String,
    pub last_seen: String,
    pub signed_in: String,
    pub current: bool,
}

/// One app the user consented to.
pub struct AppRow {
    pub client_id: String,
    pub name: String,
    pub scopes: String,
    pub since: String,
}

#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage<'a> {
    pub ui: Ui,
    pub title: &'a str,
    /// What happened in plain words, with the next step.
    pub body: &'a str,
    /// The protocol error, in small print.
    pub code: Option<&'a str>,
    pub description: Option<&'a str>,
    /// A link to the start page (the 404 page).
    pub home_link: bool,
}

/// `GET /`: the product's start page.
#[derive(Template)]
#[template(path = "home.html")]
pub struct HomePage {
    pub ui: Ui,
}

#[derive(Template)]
#[template(path = "logout_confirm.html")]
pub struct LogoutConfirmPage<'a> {
    pub ui: Ui,
    pub client_name: Option<&'a str>,
    pub csrf_token: &'a str,
    /// The end-session parameters, posted back with the answer.
    pub fields: Vec<(&'a str, &'a str)>,
}

#[derive(Template)]
#[template(path = "logged_out.html")]
pub struct LoggedOutPage<'a> {
    pub ui: Ui,
    pub client_name: Option<&'a str>,
    pub redirect: Option<&'a str>,
    pub frontchannel: &'a [String],
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn login_page_escapes_user_input() {
        let page = LoginPage {
            ui: Ui::new(Default::default(), crate::web::pages::Locale::En),
            action: "/login",
            continue_to: "app",
            client_logo: None,
            challenge: "c",
            csrf_token: "t",
            username: "<script>",
            error: Some("Invalid username or password."),
            registration: false,
            passkey: None,
        };
        let html = page.render().unwrap();
        assert!(html.contains("&#60;script&#62;") || html.contains("&lt;script&gt;"), "{html}");
        assert!(html.contains(r#"name="challenge" value="c""#));
        assert!(html.contains(r#"name="csrf_token" value="t""#));
        // A failed attempt puts the cursor in the password field.
        let password = html.find(r#"id="password""#).unwrap();
        assert!(html[password..].split('>').next().unwrap().contains("autofocus"), "{html}");
    }

    #[test]
    fn the_logged_out_page_frames_each_frontchannel_url_and_escapes_it() {
        let frames = ["https://a.example/fc?iss=x&sid=\"s\"".to_string()];
        let page = LoggedOutPage {
            ui: Ui::new(Default::default(), crate::web::pages::Locale::En),
            client_name: Some("App"),
            redirect: Some("https://a.example/bye"),
            frontchannel: &frames,
        };
        let html = page.render().unwrap();
        assert_eq!(html.matches("<iframe").count(), 1);
        assert!(html.contains("&#34;s&#34;") || html.contains("&quot;s&quot;"), "{html}");
        assert!(
            html.contains(r#"content="2;url=https://a.example/bye""#) || html.contains("url=https:&#x2f;"),
            "{html}"
        );
    }
}

/// The auto-submitting form of the Form Post Response Mode (§2).
#[derive(Template)]
#[template(path = "form_post.html")]
pub struct FormPostPage<'a> {
    pub ui: Ui,
    /// The client's redirect URI.
    pub action: &'a str,
    pub fields: Vec<(&'a str, &'a str)>,
    /// The inline script, allowed by its hash in the page's CSP.
    pub script: &'a str,
}
