//! Administrative operations, shared by the CLI (and the admin API to
//! come): validate everything first, then write once through the
//! repositories, so bad input changes nothing, counters included.

mod actor;
mod audit;
mod bootstrap;
mod client_spec;
mod client_update;
mod clients;
mod encryption_keys;
mod groups;
mod keys;
mod page;
mod registration_tokens;
mod resources;
mod sector;
mod user_access;
mod user_profile;
mod user_sessions;
mod user_unlock;
mod users;
mod verification;

pub use actor::{Actor, changed};
pub use audit::{AuditQuery, DEFAULT_AUDIT_PAGE};
pub use bootstrap::{Bootstrap, Bootstrapped};
pub use client_spec::NewClient;
pub use client_update::{ClientUpdate, UpdatedClient};
pub use clients::{ClientView, CreatedClient, client_summary};
pub use groups::{GroupSummary, MAX_GROUP_DESCRIPTION_LEN};
pub use keys::KeyInfo;
pub use page::{DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, Page, PageRequest};
pub use registration_tokens::{IssuedRegistrationToken, MAX_REGISTRATION_TOKEN_TTL};
pub use resources::{CreatedResource, NewResource};
pub use user_access::SecondFactorSummary;
pub use user_profile::{AddressView, ProfileUpdate, ProfileView, profile_error};
pub use users::{MAX_EMAIL_CHARS, MAX_NAME_CHARS, NewUser, UserUpdate, UserView, user_view};
pub use verification::Registered;

use crate::accounts::password::HashPolicy;
use crate::accounts::password_policy::PasswordPolicy;
use crate::flows::keys::KeyPolicy;
use crate::flows::sessions::Sessions;
use crate::jose::KeyError;
use crate::store::{KeySetError, StoreError, Stores};

#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    /// The operator's input is wrong; nothing was written. `field` names
    /// the input (the admin API's JSON member) when one is to blame.
    #[error("{message}")]
    Invalid { field: Option<&'static str>, message: String },
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    NotFound(String),
    /// An update named a version that is no longer current (a lost update
    /// avoided); nothing was written.
    #[error("{0}")]
    Stale(String),
    #[error(transparent)]
    Store(StoreError),
    #[error("{0}")]
    Internal(String),
}

impl AdminError {
    /// Bad input (exit code 2 in the CLI) as opposed to a failure of the system.
    pub fn is_user_error(&self) -> bool {
        matches!(
            self,
            AdminError::Invalid { .. }
                | AdminError::Conflict(_)
                | AdminError::NotFound(_)
                | AdminError::Stale(_)
        )
    }

    /// Bad input not tied to one field.
    pub fn invalid(message: impl Into<String>) -> AdminError {
        AdminError::Invalid { field: None, message: message.into() }
    }

    /// Bad input in `field`.
    pub fn invalid_field(field: &'static str, message: impl Into<String>) -> AdminError {
        AdminError::Invalid { field: Some(field), message: message.into() }
    }

    /// A `map_err` adapter for validators that return a message.
    pub fn field(field: &'static str) -> impl Fn(String) -> AdminError {
        move |message| AdminError::invalid_field(field, message)
    }
}

impl From<StoreError> for AdminError {
    fn from(e: StoreError) -> Self {
        match e {
            // A database that is not there is the operator's to fix.
            StoreError::Missing(message) => AdminError::invalid(message),
            other => AdminError::Store(other),
        }
    }
}

impl From<KeyError> for AdminError {
    fn from(e: KeyError) -> Self {
        match e {
            KeyError::InvalidKey(message) => AdminError::invalid(message),
            KeyError::Kek(message) => AdminError::invalid(format!("key-encryption key: {message}")),
            other => AdminError::Internal(other.to_string()),
        }
    }
}

impl From<KeySetError> for AdminError {
    fn from(e: KeySetError) -> Self {
        match e {
            KeySetError::AlreadyPresent(kid) => {
                AdminError::Conflict(format!("key {kid} is already in the key set"))
            }
            KeySetError::Incomplete(incomplete) => AdminError::invalid(incomplete.to_string()),
            KeySetError::Store(store) => store.into(),
        }
    }
}

pub struct Admin {
    stores: Stores,
    /// Ends users' sessions (disable, delete, new password, on request).
    sessions: Sessions,
    hashing: HashPolicy,
    /// What new passwords must be (every way one is set comes here).
    passwords: PasswordPolicy,
    keys: KeyPolicy,
    /// Sends verification links (`with_links`); none in tools without mail.
    links: Option<crate::flows::links::LinkSender>,
    /// Whether clients may have pairwise subjects (`subjects.pairwise`).
    pairwise_subjects: bool,
    /// Whether clients may ask for encrypted responses (`encryption.enabled`;
    /// `with_response_encryption`, on unless switched off).
    response_encryption: bool,
    /// Reads pairwise clients' sector identifier documents.
    outbound: std::sync::Arc<crate::flows::client_auth::client_keys::OutboundHttp>,
}

impl Admin {
    /// `keys.algorithms` are the ID-token algorithms clients may choose:
    /// the ones the server keeps keys for.
    pub fn new(
        stores: Stores,
        sessions: Sessions,
        hashing: HashPolicy,
        passwords: PasswordPolicy,
        keys: KeyPolicy,
        pairwise_subjects: bool,
    ) -> Admin {
        let outbound = std::sync::Arc::new(crate::flows::client_auth::client_keys::OutboundHttp::new());
        Admin {
            stores,
            sessions,
            hashing,
            passwords,
            keys,
            links: None,
            pairwise_subjects,
            response_encryption: true,
            outbound,
        }
    }

    /// The audit trail, newest first (see also [`Admin::audit_events`]).
    pub async fn recent_audit_events(
        &self,
        limit: i64,
    ) -> Result<Vec<crate::protocol::AuditEvent>, AdminError> {
        Ok(self.stores.audit.recent(limit).await?)
    }
}
