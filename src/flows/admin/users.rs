//! Creating and deleting local accounts.

use super::{Admin, AdminError};
use crate::accounts::PasswordHasher;
use crate::accounts::users::{normalize_username, validate_email};
use crate::protocol::UserRecord;
use crate::store::StoreError;

pub struct NewUser {
    pub username: String,
    pub password: String,
    pub email: Option<String>,
    pub name: Option<String>,
}

impl Admin {
    /// Creates a user with an Argon2id password hash (computed off the
    /// async threads).
    pub async fn create_user(&self, new: NewUser, now: i64) -> Result<UserRecord, AdminError> {
        let username = normalize_username(&new.username).map_err(AdminError::field("username"))?;
        if new.password.is_empty() {
            return Err(AdminError::invalid_field("password", "password must not be empty"));
        }
        if let Some(email) = &new.email {
            validate_email(email).map_err(AdminError::field("email"))?;
        }
        let taken = || AdminError::Conflict(format!("user {username:?} already exists"));
        if self.stores.users.find_by_username(&username).await?.is_some() {
            return Err(taken());
        }
        let hasher = PasswordHasher::new(&self.hashing).map_err(|e| AdminError::Internal(e.to_string()))?;
        let password = new.password;
        let password_hash = tokio::task::spawn_blocking(move || hasher.hash(&password))
            .await
            .map_err(|e| AdminError::Internal(e.to_string()))?
            .map_err(|e| AdminError::Internal(e.to_string()))?;
        let user = UserRecord {
            id: uuid::Uuid::new_v4().to_string(),
            username: username.clone(),
            email: new.email,
            email_verified: false,
            name: new.name,
            password_hash,
            disabled: false,
            created_at: now,
            updated_at: now,
            version: 1,
        };
        match self.stores.users.create(user.clone()).await {
            Ok(()) => Ok(user),
            Err(StoreError::Duplicate(_)) => Err(taken()),
            Err(other) => Err(other.into()),
        }
    }

    /// Deletes a user; their refresh tokens go with them.
    pub async fn delete_user(&self, user_id: &str) -> Result<(), AdminError> {
        if self.stores.users.delete(user_id).await? {
            Ok(())
        } else {
            Err(AdminError::NotFound(format!("user {user_id:?} does not exist")))
        }
    }
}
