//! The console's askama pages, one struct per page (templates/admin/),
//! all in the layout `admin/layout.html`.

use askama::Template;

/// The navigation every console page shows, with the sign-out form.
pub struct Nav {
    pub username: String,
    pub csrf_token: String,
    /// The highlighted section (`clients`, `users`, ...).
    pub section: &'static str,
}

impl Nav {
    pub fn sections(&self) -> &'static [(&'static str, &'static str)] {
        &SECTIONS
    }
}

/// The sections, in the navigation's order.
pub const SECTIONS: [(&str, &str); 5] = [
    ("clients", "Clients"),
    ("users", "Users"),
    ("groups", "Groups"),
    ("keys", "Keys"),
    ("audit", "Audit"),
];

/// An error shown next to the field it is about (or above the form).
#[derive(Default)]
pub struct FormError {
    pub field: Option<&'static str>,
    pub message: Option<String>,
}

impl FormError {
    pub fn none() -> FormError {
        FormError::default()
    }

    pub fn new(field: Option<&'static str>, message: impl Into<String>) -> FormError {
        FormError { field, message: Some(message.into()) }
    }

    /// The message when it is about `field`.
    pub fn on(&self, field: &str) -> Option<&str> {
        match (&self.message, self.field) {
            (Some(message), Some(f)) if f == field => Some(message),
            _ => None,
        }
    }

    /// The message when it is about no one field (shown above the form).
    pub fn general(&self) -> Option<&str> {
        match (&self.message, self.field) {
            (Some(message), None) => Some(message),
            _ => None,
        }
    }
}

/// 403 for a signed-in person who is not an administrator.
#[derive(Template)]
#[template(path = "admin/denied.html")]
pub struct DeniedPage<'a> {
    pub username: &'a str,
    pub logout: &'a str,
}

/// A result or an error, with the way back.
#[derive(Template)]
#[template(path = "admin/message.html")]
pub struct MessagePage<'a> {
    pub nav: Nav,
    pub title: &'a str,
    pub message: &'a str,
    pub back: &'a str,
}

/// A secret, shown once (new client, rotated secret).
#[derive(Template)]
#[template(path = "admin/secret.html")]
pub struct SecretPage<'a> {
    pub nav: Nav,
    pub title: &'a str,
    pub client_id: &'a str,
    pub secret: Option<&'a str>,
}

/// One signing key.
pub struct KeyRow {
    pub kid: String,
    pub alg: String,
    pub state: String,
    pub created: String,
    pub signs_from: String,
    pub retired: String,
}

#[derive(Template)]
#[template(path = "admin/keys.html")]
pub struct KeysPage<'a> {
    pub nav: Nav,
    pub notice: Option<&'a str>,
    pub keys: Vec<KeyRow>,
    pub algorithms: Vec<String>,
}

/// One audit event.
pub struct AuditRow {
    pub at: String,
    pub kind: String,
    pub actor: String,
    pub user_id: String,
    pub client_id: String,
    pub detail: String,
}

#[derive(Template)]
#[template(path = "admin/audit.html")]
pub struct AuditPage<'a> {
    pub nav: Nav,
    pub events: Vec<AuditRow>,
    pub kinds: Vec<&'static str>,
    pub filter: AuditFilter,
    pub error: Option<&'a str>,
    /// The query of the next (older) page.
    pub older: Option<String>,
}

/// The audit page's filters, as typed.
#[derive(Default)]
pub struct AuditFilter {
    pub user: String,
    pub client: String,
    pub kind: String,
    pub since: String,
    pub until: String,
}
