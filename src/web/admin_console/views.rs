//! The console's askama pages, one struct per page (templates/admin/),
//! all in the layout `admin/layout.html`.

use askama::Template;

use crate::web::pages::Ui;

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
pub const SECTIONS: [(&str, &str); 5] =
    [("clients", "Clients"), ("users", "Users"), ("groups", "Groups"), ("keys", "Keys"), ("audit", "Audit")];

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
    pub ui: Ui,
    pub username: &'a str,
    pub logout: &'a str,
}

/// A result or an error, with the way back.
#[derive(Template)]
#[template(path = "admin/message.html")]
pub struct MessagePage<'a> {
    pub nav: Nav,
    pub ui: Ui,
    pub title: &'a str,
    pub message: &'a str,
    pub back: &'a str,
}

/// A secret, shown once (new client, rotated secret).
#[derive(Template)]
#[template(path = "admin/secret.html")]
pub struct SecretPage<'a> {
    pub nav: Nav,
    pub ui: Ui,
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
    pub ui: Ui,
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
    /// One line; `detail` folds out beneath it.
    pub summary: String,
    pub detail: String,
}

#[derive(Template)]
#[template(path = "admin/audit.html")]
pub struct AuditPage<'a> {
    pub nav: Nav,
    pub ui: Ui,
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

/// One client in the list.
pub struct ClientRow {
    pub client_id: String,
    pub name: String,
    pub kind: &'static str,
    pub grant_types: String,
    pub redirect_uris: String,
}

#[derive(Template)]
#[template(path = "admin/clients.html")]
pub struct ClientsPage<'a> {
    pub nav: Nav,
    pub ui: Ui,
    pub notice: Option<&'a str>,
    pub search: &'a str,
    pub clients: Vec<ClientRow>,
    /// The query of the next page.
    pub next: Option<String>,
}

/// A client form as the person filled it in (or as stored, to edit).
#[derive(Debug, Clone, Default)]
pub struct ClientForm {
    pub client_id: String,
    pub name: String,
    /// https URL of the logo, or empty.
    pub logo_uri: String,
    pub public: bool,
    /// One per line.
    pub redirect_uris: String,
    pub post_logout_redirect_uris: String,
    pub grant_types: Vec<String>,
    /// Space-separated.
    pub scopes: String,
    pub consent: String,
    /// Users must give a second factor.
    pub require_mfa: bool,
    /// The app must push its authorization requests (RFC 9126).
    pub require_par: bool,
    /// The app must send signed request objects (RFC 9101 §10.5).
    pub require_jar: bool,
    /// The app must prove possession of a DPoP key at the token endpoint
    /// (RFC 9449 §5.2).
    pub require_dpop: bool,
    /// `public` or `pairwise` (OIDC Core §8).
    pub subject_type: String,
    /// The pairwise sector's document, or empty.
    pub sector_identifier_uri: String,
    /// The resources whose access tokens it may exchange (RFC 8693), one
    /// per line.
    pub token_exchange_from: String,
    /// Response encryption and UserInfo signing (OIDC Registration §2):
    /// the words chosen, empty for unset.
    pub id_token_encrypted_response_alg: String,
    pub id_token_encrypted_response_enc: String,
    pub userinfo_signed_response_alg: String,
    pub userinfo_encrypted_response_alg: String,
    pub userinfo_encrypted_response_enc: String,
    pub token_endpoint_auth_method: String,
    pub jwks_uri: String,
    /// The version the edit started from (0 for a new client).
    pub version: i64,
}

impl ClientForm {
    pub fn has_grant(&self, grant: &str) -> bool {
        self.grant_types.iter().any(|g| g == grant)
    }
}

/// A grant type's checkbox: the word posted and what the person reads.
pub struct GrantChoice {
    pub value: &'static str,
    pub label: &'static str,
}

/// Facts about a stored client, shown above its edit form.
pub struct ClientFacts {
    pub created: String,
    pub updated: String,
    pub has_secret: bool,
}

#[derive(Template)]
#[template(path = "admin/client_form.html")]
pub struct ClientFormPage<'a> {
    pub nav: Nav,
    pub ui: Ui,
    pub notice: Option<&'a str>,
    pub form: ClientForm,
    pub error: FormError,
    /// `None` for a new client.
    pub facts: Option<ClientFacts>,
    pub grant_types: Vec<GrantChoice>,
    pub auth_methods: Vec<&'static str>,
    pub consent_modes: Vec<&'static str>,
    pub subject_types: Vec<&'static str>,
    /// JWE `alg` and `enc` words (RFC 7518 §4.1, §5.1) and the signing
    /// algorithms, for the encryption selects.
    pub key_management_algs: Vec<&'static str>,
    pub content_encryptions: Vec<&'static str>,
    pub signing_algs: Vec<&'static str>,
}

/// One user in the list.
pub struct UserRow {
    pub id: String,
    pub username: String,
    pub name: String,
    pub email: String,
    pub disabled: bool,
}

#[derive(Template)]
#[template(path = "admin/users.html")]
pub struct UsersPage<'a> {
    pub nav: Nav,
    pub ui: Ui,
    pub notice: Option<&'a str>,
    pub search: &'a str,
    pub users: Vec<UserRow>,
    pub next: Option<String>,
}

/// The new-user form as typed (the password is never sent back).
#[derive(Default)]
pub struct NewUserForm {
    pub username: String,
    pub name: String,
    pub email: String,
}

#[derive(Template)]
#[template(path = "admin/user_new.html")]
pub struct NewUserPage {
    pub nav: Nav,
    pub ui: Ui,
    pub form: NewUserForm,
    pub error: FormError,
}

/// A user's profile form as stored or as typed.
pub struct ProfileForm {
    pub name: String,
    pub email: String,
    pub email_verified: bool,
    pub version: i64,
}

/// One of the user's SSO sessions.
pub struct UserSessionRow {
    pub sid: String,
    pub device: String,
    pub last_seen: String,
    pub signed_in: String,
}

/// One consent of the user.
pub struct ConsentRow {
    pub client_id: String,
    pub scopes: String,
    pub since: String,
}

#[derive(Template)]
#[template(path = "admin/user.html")]
pub struct UserPage<'a> {
    pub nav: Nav,
    pub ui: Ui,
    pub notice: Option<&'a str>,
    pub id: &'a str,
    pub username: &'a str,
    pub disabled: bool,
    pub created: String,
    pub profile: ProfileForm,
    pub error: FormError,
    pub groups: Vec<String>,
    pub sessions: Vec<UserSessionRow>,
    pub consents: Vec<ConsentRow>,
    pub second_factors: crate::flows::admin::SecondFactorSummary,
}

/// One group in the list.
pub struct GroupRow {
    pub name: String,
    pub description: String,
    pub members: i64,
}

#[derive(Template)]
#[template(path = "admin/groups.html")]
pub struct GroupsPage<'a> {
    pub nav: Nav,
    pub ui: Ui,
    pub notice: Option<&'a str>,
    pub search: &'a str,
    pub groups: Vec<GroupRow>,
    pub next: Option<String>,
    /// The create form, as typed when it was refused.
    pub name: &'a str,
    pub description: &'a str,
    pub error: FormError,
}

#[derive(Template)]
#[template(path = "admin/group.html")]
pub struct GroupPage<'a> {
    pub nav: Nav,
    pub ui: Ui,
    pub notice: Option<&'a str>,
    pub name: &'a str,
    pub description: &'a str,
    pub members: Vec<UserRow>,
    pub username: &'a str,
    pub error: FormError,
}
