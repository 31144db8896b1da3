//! Username rules and password authentication.

use std::sync::Arc;

use crate::accounts::PasswordHasher;
use crate::store::cache::UserCache;
use crate::store::{Db, StoreError, UserRecord, sql};

pub const MAX_USERNAME_LEN: usize = 128;

/// Usernames are case-insensitive: stored and looked up lower-cased.
/// No whitespace or control characters, at most 128 characters.
pub fn normalize_username(raw: &str) -> Result<String, String> {
    if raw.is_empty() {
        return Err("username must not be empty".into());
    }
    if raw.chars().count() > MAX_USERNAME_LEN {
        return Err(format!("username must be at most {MAX_USERNAME_LEN} characters"));
    }
    if raw.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("username must not contain spaces or control characters".into());
    }
    Ok(raw.to_lowercase())
}

/// The user with this id, unless deleted or disabled: tokens are only
/// issued and honoured for active users. Read from the database, for
/// decisions that extend access (refresh, introspection).
pub async fn find_active(db: &Db, user_id: &str) -> Result<Option<UserRecord>, StoreError> {
    let id = user_id.to_string();
    Ok(db.run(move |c| sql::users::find_by_id(c, &id)).await?.filter(|u| !u.disabled))
}

/// [`find_active`] through the user cache: a change made elsewhere shows
/// within `database.cache_interval`. For the hot paths (UserInfo, the code
/// exchange right after a login).
pub async fn find_active_cached(users: &UserCache, user_id: &str) -> Result<Option<UserRecord>, StoreError> {
    Ok(users.find(user_id).await?.filter(|u| !u.disabled))
}

/// Checks a username and password. Unknown, malformed and disabled users and
/// wrong passwords all give `None` after the same Argon2 work.
pub async fn authenticate(
    db: &Db,
    hasher: &Arc<PasswordHasher>,
    username: &str,
    password: &str,
) -> Result<Option<UserRecord>, StoreError> {
    let user = match normalize_username(username) {
        Ok(name) => db.run(move |c| sql::users::find_by_username(c, &name)).await?,
        Err(_) => None,
    };
    let stored = user.as_ref().map(|u| u.password_hash.clone());
    let verified = hasher
        .verify_in_turn(password.to_owned(), stored)
        .await
        .map_err(|e| StoreError::Unavailable(e.to_string()))?;
    Ok(user.filter(|u| verified && !u.disabled))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_are_lower_cased_and_checked() {
        assert_eq!(normalize_username("Alice").unwrap(), "alice");
        assert!(normalize_username("").is_err());
        assert!(normalize_username("a b").is_err());
        assert!(normalize_username(&"x".repeat(129)).is_err());
    }
}
