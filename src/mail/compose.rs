//! The messages, each an askama template pair under `templates/mail/`:
//! `.txt` (not escaped) and `.html` (escaped). Links are absolute URLs on
//! the issuer.

use askama::Template;

use super::Mail;

#[derive(Template)]
#[template(path = "mail/reset.txt")]
struct ResetText<'a> {
    username: &'a str,
    link: &'a str,
    minutes: u64,
}

#[derive(Template)]
#[template(path = "mail/reset.html")]
struct ResetHtml<'a> {
    username: &'a str,
    link: &'a str,
    minutes: u64,
}

#[derive(Template)]
#[template(path = "mail/verify.txt")]
struct VerifyText<'a> {
    username: &'a str,
    link: &'a str,
    hours: u64,
}

#[derive(Template)]
#[template(path = "mail/verify.html")]
struct VerifyHtml<'a> {
    username: &'a str,
    link: &'a str,
    hours: u64,
}

#[derive(Template)]
#[template(path = "mail/registration_attempt.txt")]
struct AttemptText<'a> {
    forgot: &'a str,
}

#[derive(Template)]
#[template(path = "mail/registration_attempt.html")]
struct AttemptHtml<'a> {
    forgot: &'a str,
}

fn render(t: &impl Template) -> String {
    t.render().unwrap_or_else(|e| {
        tracing::error!(error = %e, "mail template failed");
        String::new()
    })
}

/// "Reset your password": the link, valid for `ttl` seconds.
pub fn reset(to: &str, username: &str, link: &str, ttl: u64) -> Mail {
    let minutes = ttl.div_ceil(60);
    Mail {
        to: to.to_string(),
        subject: "Reset your password".into(),
        text: render(&ResetText { username, link, minutes }),
        html: render(&ResetHtml { username, link, minutes }),
    }
}

/// "Confirm your email address": the link, valid for `ttl` seconds.
pub fn verify(to: &str, username: &str, link: &str, ttl: u64) -> Mail {
    let hours = ttl.div_ceil(3600);
    Mail {
        to: to.to_string(),
        subject: "Confirm your email address".into(),
        text: render(&VerifyText { username, link, hours }),
        html: render(&VerifyHtml { username, link, hours }),
    }
}

/// To the owner of an address someone tried to register again with.
pub fn registration_attempt(to: &str, forgot: &str) -> Mail {
    Mail {
        to: to.to_string(),
        subject: "Someone tried to create an account with your address".into(),
        text: render(&AttemptText { forgot }),
        html: render(&AttemptHtml { forgot }),
    }
}
