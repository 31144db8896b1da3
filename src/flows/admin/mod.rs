//! Administrative operations, shared by the CLI (and the admin API to
//! come): validate everything first, then write once through the
//! repositories, so bad input changes nothing, counters included.

mod clients;
mod keys;
mod resources;
mod users;

pub use clients::{CreatedClient, NewClient};
pub use keys::KeyInfo;
pub use resources::{CreatedResource, NewResource};
pub use users::NewUser;

use crate::accounts::password::HashPolicy;
use crate::flows::keys::KeyPolicy;
use crate::jose::KeyError;
use crate::store::{KeySetError, StoreError, Stores};

#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    /// The operator's input is wrong; nothing was written.
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    NotFound(String),
    #[error(transparent)]
    Store(StoreError),
    #[error("{0}")]
    Internal(String),
}

impl AdminError {
    /// Bad input (exit code 2 in the CLI) as opposed to a failure of the system.
    pub fn is_user_error(&self) -> bool {
        matches!(self, AdminError::Invalid(_) | AdminError::Conflict(_) | AdminError::NotFound(_))
    }
}

impl From<StoreError> for AdminError {
    fn from(e: StoreError) -> Self {
        match e {
            // A database that is not there is the operator's to fix.
            StoreError::Missing(message) => AdminError::Invalid(message),
            other => AdminError::Store(other),
        }
    }
}

impl From<KeyError> for AdminError {
    fn from(e: KeyError) -> Self {
        match e {
            KeyError::InvalidKey(message) => AdminError::Invalid(message),
            KeyError::Kek(message) => AdminError::Invalid(format!("key-encryption key: {message}")),
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
            KeySetError::Incomplete(incomplete) => AdminError::Invalid(incomplete.to_string()),
            KeySetError::Store(store) => store.into(),
        }
    }
}

pub struct Admin {
    stores: Stores,
    hashing: HashPolicy,
    keys: KeyPolicy,
}

impl Admin {
    /// `keys.algorithms` are the ID-token algorithms clients may choose:
    /// the ones the server keeps keys for.
    pub fn new(stores: Stores, hashing: HashPolicy, keys: KeyPolicy) -> Admin {
        Admin { stores, hashing, keys }
    }

    /// The audit trail, newest first.
    pub async fn recent_audit_events(
        &self,
        limit: i64,
    ) -> Result<Vec<crate::protocol::AuditEvent>, AdminError> {
        Ok(self.stores.audit.recent(limit).await?)
    }
}
