//! Local accounts. Lookups by id go through an in-memory cache kept
//! coherent by the `users` revision, which every write bumps in its own
//! transaction. Usernames are looked up exactly: callers normalise first.
//! Every write also bumps the user's `version`; an admin's write carries
//! its audit event in the same transaction.

use std::sync::Arc;

use super::StoreError;
use super::audit::{AuditLog, Audited};
use super::cache::RowCache;
use super::sql::revisions::{self, Counter};
pub use super::sql::users::Cas;
use super::sql::{self, AnyConnection, Db};
use crate::protocol::UserRecord;
use crate::protocol::profile::Profile;

/// The profile fields an admin may change, as they are to be stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserProfile {
    pub name: Option<String>,
    pub email: Option<String>,
    pub email_verified: bool,
    /// The §5.1 claims, already validated.
    pub claims: Profile,
}

#[derive(Clone)]
pub struct Users {
    db: Db,
    cache: Arc<RowCache<UserRecord>>,
    log: AuditLog,
}

impl Users {
    pub(super) fn new(db: Db, cache_rows: bool, log: AuditLog) -> Users {
        Users { cache: Arc::new(RowCache::new(db.clone(), cache_rows, sql::users::find_by_id)), db, log }
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

    /// The user, disabled or not, read from the database (for admins).
    pub async fn find(&self, user_id: &str) -> Result<Option<UserRecord>, StoreError> {
        let id = user_id.to_string();
        self.db.run(move |c| sql::users::find_by_id(c, &id)).await
    }

    pub async fn find_by_username(&self, username: &str) -> Result<Option<UserRecord>, StoreError> {
        let name = username.to_string();
        self.db.run(move |c| sql::users::find_by_username(c, &name)).await
    }

    /// Up to `limit` users ordered by username, starting after `after`,
    /// whose username, email or name contains `search` (ignoring case).
    pub async fn list(
        &self,
        search: Option<String>,
        after: Option<String>,
        limit: i64,
    ) -> Result<Vec<UserRecord>, StoreError> {
        self.db.run(move |c| sql::users::page(c, search.as_deref(), after.as_deref(), limit)).await
    }

    /// Whether the user registered themselves and has not verified their
    /// address yet (they may not sign in; `AccountLinks` lifts it).
    pub async fn awaiting_verification(&self, user_id: &str) -> Result<bool, StoreError> {
        let id = user_id.to_string();
        self.db.run(move |c| sql::account_links::is_held(c, &id)).await
    }

    /// Inserts a new user; a taken username or id is `Duplicate`.
    pub async fn create(&self, user: UserRecord) -> Result<(), StoreError> {
        self.write(None, 0, move |c| sql::users::insert(c, &user), |_| true).await
    }

    /// As [`create`](Self::create), recording `audited` with it.
    pub async fn create_audited(
        &self,
        user: UserRecord,
        audited: Audited,
        now: i64,
    ) -> Result<(), StoreError> {
        self.write(Some(audited), now, move |c| sql::users::insert(c, &user), |_| true).await
    }

    /// Replaces the profile if the user is still at `version`.
    pub async fn update_profile(
        &self,
        user_id: &str,
        version: i64,
        profile: UserProfile,
        audited: Audited,
        now: i64,
    ) -> Result<Cas, StoreError> {
        let id = user_id.to_string();
        self.write(
            Some(audited),
            now,
            move |c| {
                let claims = profile.claims.to_json();
                let profile = sql::users::Profile {
                    name: profile.name.as_deref(),
                    email: profile.email.as_deref(),
                    email_verified: profile.email_verified,
                    profile: &claims,
                };
                sql::users::update_profile(c, &id, version, profile, now)
            },
            |cas| *cas == Cas::Written,
        )
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
        self.set_password_audited(user_id, password_hash, None, now).await
    }

    /// As [`set_password`](Self::set_password), recording `audited` with it.
    pub async fn set_password_audited(
        &self,
        user_id: &str,
        password_hash: String,
        audited: Option<Audited>,
        now: i64,
    ) -> Result<bool, StoreError> {
        let id = user_id.to_string();
        self.write(audited, now, move |c| sql::users::set_password(c, &id, &password_hash, now), |w| *w).await
    }

    /// Disables or enables a user; `false` when there is no such user.
    pub async fn set_disabled(
        &self,
        user_id: &str,
        disabled: bool,
        audited: Audited,
        now: i64,
    ) -> Result<bool, StoreError> {
        let id = user_id.to_string();
        self.write(Some(audited), now, move |c| sql::users::set_disabled(c, &id, disabled, now), |w| *w).await
    }

    /// Deletes a user and (by cascade) their refresh tokens, consents and
    /// group memberships; `false` when there was none, and then nothing at
    /// all is written (`audited` included).
    pub async fn delete_audited(
        &self,
        user_id: &str,
        audited: Audited,
        now: i64,
    ) -> Result<bool, StoreError> {
        let id = user_id.to_string();
        self.write(Some(audited), now, move |c| sql::users::delete(c, &id), |w| *w).await
    }

    /// As [`delete_audited`](Self::delete_audited), unrecorded (tests).
    #[cfg(test)]
    pub async fn delete(&self, user_id: &str) -> Result<bool, StoreError> {
        let id = user_id.to_string();
        self.write(None, 0, move |c| sql::users::delete(c, &id), |w| *w).await
    }

    /// One transaction: `change`, then (when `changed` says it changed
    /// something) the revision bump and the audit event. The log line and
    /// the cache flush follow the commit.
    async fn write<T: Send + 'static>(
        &self,
        audited: Option<Audited>,
        now: i64,
        change: impl FnOnce(&mut AnyConnection) -> Result<T, StoreError> + Send + 'static,
        changed: fn(&T) -> bool,
    ) -> Result<T, StoreError> {
        let (result, event) = self
            .db
            .run(move |c| {
                revisions::changing(c, Counter::Users, |c| {
                    let result = change(c)?;
                    if !changed(&result) {
                        return Ok(((result, None), false));
                    }
                    let event = audited.map(|a| a.insert(c, now)).transpose()?;
                    Ok(((result, event), true))
                })
            })
            .await?;
        if let Some(event) = &event {
            self.log.emit(event);
        }
        if changed(&result) {
            self.cache.flush();
        }
        Ok(result)
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
