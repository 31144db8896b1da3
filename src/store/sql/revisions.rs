//! Change counters for tables that instances cache in memory: a writer bumps
//! the counter in the transaction that changes the table, a reader compares
//! it with the value its cache was filled under.

use diesel::prelude::*;

use super::AnyConnection;
use super::schema::revisions;
use crate::store::StoreError;

/// The counter of changes to `clients`.
pub const CLIENTS: &str = "clients";
/// The counter of changes to `users`.
pub const USERS: &str = "users";

/// The counter's current value (0 if the row is missing).
pub fn get(conn: &mut AnyConnection, name: &str) -> Result<i64, StoreError> {
    Ok(revisions::table.find(name).select(revisions::value).first::<i64>(conn).optional()?.unwrap_or(0))
}

/// Moves the counter on; call inside the transaction that made the change.
pub fn bump(conn: &mut AnyConnection, name: &str) -> Result<(), StoreError> {
    diesel::update(revisions::table.find(name))
        .set(revisions::value.eq(revisions::value + 1))
        .execute(conn)?;
    Ok(())
}

/// Runs `change` with the counter `name` bumped in the same transaction, so
/// every running instance notices and drops what it cached.
pub fn changing<T>(
    conn: &mut AnyConnection,
    name: &str,
    change: impl FnOnce(&mut AnyConnection) -> Result<T, StoreError>,
) -> Result<T, StoreError> {
    conn.transaction(|c| {
        let result = change(c)?;
        bump(c, name)?;
        Ok(result)
    })
}
