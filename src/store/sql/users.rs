//! Local accounts. Lookups are exact: callers normalise usernames first.
//! Every change bumps `version` (compare-and-set for the admin API).

use diesel::prelude::*;

use super::AnyConnection;
use super::models::{NewUser, UserRow};
use super::schema::users;
pub use super::search::contains_pattern;
use super::search::lower;
use crate::store::{StoreError, UserRecord};

/// What a compare-and-set write found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cas {
    Written,
    Missing,
    /// The user exists at another version; nothing was written.
    Stale,
}

/// Inserts a new user; a taken username or id is `Duplicate`.
pub fn insert(conn: &mut AnyConnection, user: &UserRecord) -> Result<(), StoreError> {
    diesel::insert_into(users::table).values(NewUser::from(user)).execute(conn)?;
    Ok(())
}

pub fn find_by_id(conn: &mut AnyConnection, id: &str) -> Result<Option<UserRecord>, StoreError> {
    let row = users::table.find(id).select(UserRow::as_select()).first(conn).optional()?;
    Ok(row.map(UserRecord::from))
}

pub fn find_by_username(conn: &mut AnyConnection, username: &str) -> Result<Option<UserRecord>, StoreError> {
    let row = users::table
        .filter(users::username.eq(username))
        .select(UserRow::as_select())
        .first(conn)
        .optional()?;
    Ok(row.map(UserRecord::from))
}

/// Up to `limit` users ordered by username, after `after` when given, whose
/// username, email or name contains `search` (case-insensitively). `lower`
/// on both sides, because `LIKE` ignores case in SQLite but not in PostgreSQL.
pub fn page(
    conn: &mut AnyConnection,
    search: Option<&str>,
    after: Option<&str>,
    limit: i64,
) -> Result<Vec<UserRecord>, StoreError> {
    let mut query = users::table.select(UserRow::as_select()).into_boxed();
    if let Some(after) = after {
        query = query.filter(users::username.gt(after.to_string()));
    }
    if let Some(search) = search {
        let pattern = contains_pattern(search);
        query = query.filter(
            lower(users::username)
                .like(pattern.clone())
                .escape('\\')
                .or(lower(users::email.assume_not_null()).like(pattern.clone()).escape('\\'))
                .or(lower(users::name.assume_not_null()).like(pattern).escape('\\')),
        );
    }
    let rows = query.order(users::username.asc()).limit(limit).load(conn)?;
    Ok(rows.into_iter().map(UserRecord::from).collect())
}

/// Every user, ordered by username.
#[cfg(test)]
pub fn list(conn: &mut AnyConnection) -> Result<Vec<UserRecord>, StoreError> {
    page(conn, None, None, i64::MAX)
}

/// Tells `Missing` from `Stale` after an update that matched no row.
fn missed(conn: &mut AnyConnection, id: &str) -> Result<Cas, StoreError> {
    let exists: i64 = users::table.filter(users::id.eq(id)).count().get_result(conn)?;
    Ok(if exists == 0 { Cas::Missing } else { Cas::Stale })
}

/// The profile fields an admin may change.
#[derive(AsChangeset)]
#[diesel(table_name = users, treat_none_as_null = true)]
pub struct Profile<'a> {
    pub name: Option<&'a str>,
    pub email: Option<&'a str>,
    pub email_verified: bool,
    /// `protocol::profile::Profile` as JSON.
    pub profile: &'a str,
}

/// Replaces the profile when the row is at `version`, bumping it.
pub fn update_profile(
    conn: &mut AnyConnection,
    id: &str,
    version: i64,
    profile: Profile<'_>,
    now: i64,
) -> Result<Cas, StoreError> {
    let n = diesel::update(users::table.filter(users::id.eq(id)).filter(users::version.eq(version)))
        .set((profile, users::updated_at.eq(now), users::version.eq(users::version + 1)))
        .execute(conn)?;
    if n == 1 { Ok(Cas::Written) } else { missed(conn, id) }
}

/// Replaces a user's password hash; returns whether the user exists.
pub fn set_password(conn: &mut AnyConnection, id: &str, hash: &str, now: i64) -> Result<bool, StoreError> {
    let n = diesel::update(users::table.find(id))
        .set((
            users::password_hash.eq(hash),
            users::updated_at.eq(now),
            users::version.eq(users::version + 1),
        ))
        .execute(conn)?;
    Ok(n > 0)
}

/// Sets the `disabled` flag; returns whether the user exists.
pub fn set_disabled(
    conn: &mut AnyConnection,
    id: &str,
    disabled: bool,
    now: i64,
) -> Result<bool, StoreError> {
    let n = diesel::update(users::table.find(id))
        .set((users::disabled.eq(disabled), users::updated_at.eq(now), users::version.eq(users::version + 1)))
        .execute(conn)?;
    Ok(n > 0)
}

/// Returns whether a user was deleted.
pub fn delete(conn: &mut AnyConnection, id: &str) -> Result<bool, StoreError> {
    let n = diesel::delete(users::table.find(id)).execute(conn)?;
    Ok(n > 0)
}

#[cfg(test)]
#[path = "users_tests.rs"]
pub mod tests;
