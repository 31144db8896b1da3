//! Local accounts. Lookups are exact: callers normalise usernames first.

use diesel::prelude::*;

use super::AnyConnection;
use super::models::{NewUser, UserRow};
use super::schema::users;
use crate::store::{StoreError, UserRecord};

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

/// Every user, ordered by username.
#[cfg(test)]
pub fn list(conn: &mut AnyConnection) -> Result<Vec<UserRecord>, StoreError> {
    let rows = users::table.order(users::username.asc()).select(UserRow::as_select()).load(conn)?;
    Ok(rows.into_iter().map(UserRecord::from).collect())
}

/// Replaces a user's password hash; returns whether the user exists.
pub fn set_password(conn: &mut AnyConnection, id: &str, hash: &str, now: i64) -> Result<bool, StoreError> {
    let n = diesel::update(users::table.find(id))
        .set((users::password_hash.eq(hash), users::updated_at.eq(now)))
        .execute(conn)?;
    Ok(n > 0)
}

/// Returns whether a user was deleted.
pub fn delete(conn: &mut AnyConnection, id: &str) -> Result<bool, StoreError> {
    let n = diesel::delete(users::table.find(id)).execute(conn)?;
    Ok(n > 0)
}
