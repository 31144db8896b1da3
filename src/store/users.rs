//! Local accounts. Lookups by id go through an in-memory cache kept
//! coherent by the `users` revision, which every write bumps in its own
//! transaction. Usernames are looked up exactly: callers normalise first.

use std::sync::Arc;

use super::StoreError;
use super::cache::RowCache;
use super::sql::revisions::{self, Counter};
use super::sql::{self, Db};
use crate::protocol::UserRecord;

#[derive(Clone)]
pub struct Users {
    db: Db,
    cache: Arc<RowCache<UserRecord>>,
}

impl Users {
    pub(super) fn new(db: Db, cache_rows: bool) -> Users {
        Users { cache: Arc::new(RowCache::new(db.clone(), cache_rows, sql::users::find_by_id)), db }
    }

    /// The user unless deleted or disabled, through the cache: a change made
    /// elsewhere shows within `database.cache_interval`. For the hot paths
    /// (UserInfo, the code exchange right after a login).
    pub async fn find_active(&self, user_id: &str) -> Result<Option<UserRecord>, StoreError> {
        Ok(self.cache.find(user_id).await?.filter(|u| !u.disabled))
    }

    /// As [`find_active`](Self::find_active), read from the database: for
    /// decisions that extend access (refresh, introspection).
    pub async fn find_active_fresh(&self, user_id: &str) -> Result<Option<UserRecord>, StoreError> {
        Ok(self.cache.find_fresh(user_id).await?.filter(|u| !u.disabled))
    }

    pub async fn find_by_username(&self, username: &str) -> Result<Option<UserRecord>, StoreError> {
        let name = username.to_string();
        self.db.run(move |c| sql::users::find_by_username(c, &name)).await
    }

    /// Inserts a new user; a taken username or id is `Duplicate`.
    pub async fn create(&self, user: UserRecord) -> Result<(), StoreError> {
        self.db
            .run(move |c| {
                revisions::changing(c, Counter::Users, |c| Ok((sql::users::insert(c, &user)?, true)))
            })
            .await
    }

    /// Replaces a user's password hash (Argon2id PHC string); `false` when
    /// there is no such user.
    pub async fn set_password(
        &self,
        user_id: &str,
        password_hash: String,
        now: i64,
    ) -> Result<bool, StoreError> {
        let id = user_id.to_string();
        let changed = self
            .db
            .run(move |c| {
                revisions::changing(c, Counter::Users, |c| {
                    let changed = sql::users::set_password(c, &id, &password_hash, now)?;
                    Ok((changed, changed))
                })
            })
            .await?;
        if changed {
            self.cache.flush();
        }
        Ok(changed)
    }

    /// Deletes a user and (by cascade) their refresh tokens; `false` when
    /// there was none, and then nothing at all is written.
    pub async fn delete(&self, user_id: &str) -> Result<bool, StoreError> {
        let id = user_id.to_string();
        let deleted = self
            .db
            .run(move |c| {
                revisions::changing(c, Counter::Users, |c| {
                    let deleted = sql::users::delete(c, &id)?;
                    Ok((deleted, deleted))
                })
            })
            .await?;
        if deleted {
            self.cache.flush();
        }
        Ok(deleted)
    }

    pub(super) fn observe_revision(&self, value: i64) -> bool {
        self.cache.observe_revision(value)
    }

    pub(super) fn flush(&self) {
        self.cache.flush();
    }

    #[cfg(test)]
    pub(super) fn cached(&self, user_id: &str) -> bool {
        self.cache.cached(user_id)
    }
}
