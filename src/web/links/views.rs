//! The pages of the mailed links and of self-registration.

use askama::Template;

use crate::web::pages::Ui;

#[derive(Template)]
#[template(path = "forgot.html")]
pub struct ForgotPage<'a> {
    pub ui: Ui,
    pub csrf_token: &'a str,
}

#[derive(Template)]
#[template(path = "reset.html")]
pub struct ResetPage<'a> {
    pub ui: Ui,
    pub csrf_token: &'a str,
    pub token: &'a str,
    pub error: Option<&'a str>,
}

#[derive(Template)]
#[template(path = "verify.html")]
pub struct VerifyPage<'a> {
    pub ui: Ui,
    pub csrf_token: &'a str,
    pub token: &'a str,
    pub email: &'a str,
}

#[derive(Template)]
#[template(path = "register.html")]
pub struct RegisterPage<'a> {
    pub ui: Ui,
    pub csrf_token: &'a str,
    pub username: &'a str,
    pub email: &'a str,
    pub name: &'a str,
    pub error: Option<&'a str>,
}

/// A message with one way on.
#[derive(Template)]
#[template(path = "link_notice.html")]
pub struct NoticePage<'a> {
    pub ui: Ui,
    pub title: &'a str,
    pub message: &'a str,
    /// Shown as a problem (`role="alert"`) rather than a confirmation.
    pub problem: bool,
    pub next_href: &'a str,
    pub next_text: &'a str,
}
