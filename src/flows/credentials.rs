//! Checking a username and password, for every place a user signs in (the
//! login prompt, the account page) and proves it again (password change).
//! Unknown, malformed and disabled users and wrong passwords all cost the
//! same Argon2 work and give the same answer: no account enumeration.

use std::sync::Arc;

use crate::accounts::PasswordHasher;
use crate::accounts::users::normalize_username;
use crate::protocol::UserRecord;
use crate::store::{StoreError, Users};

#[derive(Clone)]
pub struct Credentials {
    users: Users,
    hasher: Arc<PasswordHasher>,
}

impl Credentials {
    pub fn new(users: Users, hasher: Arc<PasswordHasher>) -> Credentials {
        Credentials { users, hasher }
    }

    /// The active user with this username and password, or `None`.
    pub async fn check(&self, username: &str, password: &str) -> Result<Option<UserRecord>, StoreError> {
        let user = match normalize_username(username) {
            Ok(name) => self.users.find_by_username(&name).await?,
            Err(_) => None,
        };
        let stored = user.as_ref().map(|u| u.password_hash.clone());
        let verified = self.verify(password, stored).await?;
        Ok(user.filter(|u| verified && !u.disabled))
    }

    /// Whether `password` is the current password of the user `user_id`.
    pub async fn check_user(&self, user_id: &str, password: &str) -> Result<bool, StoreError> {
        let stored = self.users.find_active_fresh(user_id).await?.map(|u| u.password_hash);
        self.verify(password, stored).await
    }

    /// A new Argon2id hash of `password`, computed off the async threads.
    pub async fn hash(&self, password: &str) -> Result<String, StoreError> {
        let (hasher, password) = (self.hasher.clone(), password.to_owned());
        tokio::task::spawn_blocking(move || hasher.hash(&password))
            .await
            .map_err(|e| StoreError::Unavailable(e.to_string()))?
            .map_err(|e| StoreError::Unavailable(e.to_string()))
    }

    async fn verify(&self, password: &str, stored: Option<String>) -> Result<bool, StoreError> {
        self.hasher
            .verify_in_turn(password.to_owned(), stored)
            .await
            .map_err(|e| StoreError::Unavailable(e.to_string()))
    }
}
