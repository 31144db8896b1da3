//! Groups of users: their names become the `groups` claim, and a client's
//! role prefix turns some into `roles`. Every change records its audit
//! event in the same transaction, so neither exists without the other;
//! the log line follows the commit. Memberships are read from the
//! database at each token issuance (no cache): a removal takes effect at
//! the next refresh.

use super::StoreError;
use super::audit::{AuditLog, Audited};
use super::sql::{self, Db};
use crate::protocol::{GroupRecord, UserRecord};

/// What a membership change found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MemberChange {
    Done,
    NoGroup,
    NoUser,
    /// Adding: already a member. Removing: not a member.
    Unchanged,
}

#[derive(Clone)]
pub struct Groups {
    db: Db,
    log: AuditLog,
}

impl Groups {
    pub(super) fn new(db: Db, log: AuditLog) -> Groups {
        Groups { db, log }
    }

    /// Creates a group; a taken name is `Duplicate` (and nothing is written).
    pub async fn create(&self, group: GroupRecord, audited: Audited, now: i64) -> Result<(), StoreError> {
        let event = self
            .db
            .run(move |c| {
                sql::write_transaction(c, |c| {
                    sql::groups::insert(c, &group)?;
                    audited.insert(c, now)
                })
            })
            .await?;
        self.log.emit(&event);
        Ok(())
    }

    pub async fn find(&self, name: &str) -> Result<Option<GroupRecord>, StoreError> {
        let name = name.to_string();
        self.db.run(move |c| sql::groups::find(c, &name)).await
    }

    /// Up to `limit` groups after `after` by name, filtered by a
    /// case-insensitive substring of the name, with their member counts.
    pub async fn list(
        &self,
        after: Option<String>,
        search: Option<String>,
        limit: i64,
    ) -> Result<Vec<(GroupRecord, i64)>, StoreError> {
        self.db.run(move |c| sql::groups::list(c, after.as_deref(), search.as_deref(), limit)).await
    }

    /// Deletes a group and its memberships; `false` (nothing written) when
    /// there was none.
    pub async fn delete(&self, name: &str, audited: Audited, now: i64) -> Result<bool, StoreError> {
        let name = name.to_string();
        let event = self
            .db
            .run(move |c| {
                sql::write_transaction(c, |c| match sql::groups::delete(c, &name)? {
                    true => audited.insert(c, now).map(Some),
                    false => Ok(None),
                })
            })
            .await?;
        Ok(event.inspect(|e| self.log.emit(e)).is_some())
    }

    /// Makes a user a member of a group.
    pub async fn add_member(
        &self,
        group: &str,
        user_id: &str,
        audited: Audited,
        now: i64,
    ) -> Result<MemberChange, StoreError> {
        let (group, user) = (group.to_string(), user_id.to_string());
        self.change(audited, now, move |c| {
            if sql::groups::find(c, &group)?.is_none() {
                return Ok(MemberChange::NoGroup);
            }
            if sql::users::find_by_id(c, &user)?.is_none() {
                return Ok(MemberChange::NoUser);
            }
            match sql::groups::add_member(c, &group, &user, now) {
                Ok(()) => Ok(MemberChange::Done),
                Err(StoreError::Duplicate(_)) => Ok(MemberChange::Unchanged),
                Err(other) => Err(other),
            }
        })
        .await
    }

    /// Ends a user's membership of a group.
    pub async fn remove_member(
        &self,
        group: &str,
        user_id: &str,
        audited: Audited,
        now: i64,
    ) -> Result<MemberChange, StoreError> {
        let (group, user) = (group.to_string(), user_id.to_string());
        self.change(audited, now, move |c| {
            if sql::groups::find(c, &group)?.is_none() {
                return Ok(MemberChange::NoGroup);
            }
            match sql::groups::remove_member(c, &group, &user)? {
                true => Ok(MemberChange::Done),
                false => Ok(MemberChange::Unchanged),
            }
        })
        .await
    }

    /// One transaction: the change, and its audit event when it was `Done`.
    async fn change(
        &self,
        audited: Audited,
        now: i64,
        change: impl FnOnce(&mut sql::AnyConnection) -> Result<MemberChange, StoreError> + Send + 'static,
    ) -> Result<MemberChange, StoreError> {
        let (outcome, event) = self
            .db
            .run(move |c| {
                sql::write_transaction(c, |c| {
                    let outcome = change(c)?;
                    let event = match outcome {
                        MemberChange::Done => Some(audited.insert(c, now)?),
                        _ => None,
                    };
                    Ok((outcome, event))
                })
            })
            .await?;
        if let Some(event) = &event {
            self.log.emit(event);
        }
        Ok(outcome)
    }

    /// The members of a group, by username.
    pub async fn members(&self, name: &str) -> Result<Vec<UserRecord>, StoreError> {
        let name = name.to_string();
        self.db.run(move |c| sql::groups::members(c, &name)).await
    }

    /// As [`of_user`](Self::of_user), `None` when there is no such user.
    pub async fn of_existing_user(&self, user_id: &str) -> Result<Option<Vec<String>>, StoreError> {
        let user = user_id.to_string();
        self.db
            .run(move |c| match sql::users::find_by_id(c, &user)? {
                Some(_) => sql::groups::of_user(c, &user).map(Some),
                None => Ok(None),
            })
            .await
    }

    /// The names of a user's groups, sorted, as the database has them now.
    pub async fn of_user(&self, user_id: &str) -> Result<Vec<String>, StoreError> {
        let user = user_id.to_string();
        self.db.run(move |c| sql::groups::of_user(c, &user)).await
    }
}
