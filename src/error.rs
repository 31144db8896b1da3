//! Errors of administrative operations (CLI, provisioning): a clear message
//! for bad input, distinct from infrastructure failures.

use crate::store::StoreError;

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
    Store(#[from] StoreError),
    #[error("{0}")]
    Internal(String),
}

impl AdminError {
    /// Bad input (exit code 2 in the CLI) as opposed to a failure of the system.
    pub fn is_user_error(&self) -> bool {
        matches!(self, AdminError::Invalid(_) | AdminError::Conflict(_) | AdminError::NotFound(_))
    }
}
