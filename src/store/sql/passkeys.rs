//! Passkeys (WebAuthn credentials). A credential id is the primary key, so
//! one registered to any account cannot be registered again.

use diesel::prelude::*;

use super::AnyConnection;
use super::schema::passkeys;
use crate::store::StoreError;

/// One stored passkey row.
#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct PasskeyRow {
    pub id: String,
    pub user_id: String,
    pub name: String,
    pub passkey: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
}

const COLUMNS: (
    passkeys::id,
    passkeys::user_id,
    passkeys::name,
    passkeys::passkey,
    passkeys::created_at,
    passkeys::last_used_at,
) = (
    passkeys::id,
    passkeys::user_id,
    passkeys::name,
    passkeys::passkey,
    passkeys::created_at,
    passkeys::last_used_at,
);

/// The user's passkeys, oldest first.
pub fn of_user(conn: &mut AnyConnection, user_id: &str) -> Result<Vec<PasskeyRow>, StoreError> {
    Ok(passkeys::table
        .filter(passkeys::user_id.eq(user_id))
        .order((passkeys::created_at.asc(), passkeys::id.asc()))
        .select(COLUMNS)
        .load(conn)?)
}

pub fn find(conn: &mut AnyConnection, id: &str) -> Result<Option<PasskeyRow>, StoreError> {
    Ok(passkeys::table.find(id).select(COLUMNS).first(conn).optional()?)
}

pub fn count_of_user(conn: &mut AnyConnection, user_id: &str) -> Result<i64, StoreError> {
    Ok(passkeys::table.filter(passkeys::user_id.eq(user_id)).count().get_result(conn)?)
}

pub fn insert(conn: &mut AnyConnection, row: &PasskeyRow) -> Result<(), StoreError> {
    diesel::insert_into(passkeys::table)
        .values((
            passkeys::id.eq(&row.id),
            passkeys::user_id.eq(&row.user_id),
            passkeys::name.eq(&row.name),
            passkeys::passkey.eq(&row.passkey),
            passkeys::created_at.eq(row.created_at),
            passkeys::last_used_at.eq(row.last_used_at),
        ))
        .execute(conn)?;
    Ok(())
}

/// Records a use: the credential as updated (its signature counter) and
/// when. Only while `previous` is still what is stored, so two instances
/// accepting the same counter value cannot both win.
pub fn record_use(
    conn: &mut AnyConnection,
    id: &str,
    previous: &str,
    passkey: &str,
    now: i64,
) -> Result<bool, StoreError> {
    let updated =
        diesel::update(passkeys::table.filter(passkeys::id.eq(id)).filter(passkeys::passkey.eq(previous)))
            .set((passkeys::passkey.eq(passkey), passkeys::last_used_at.eq(Some(now))))
            .execute(conn)?;
    Ok(updated == 1)
}

/// Removes one of the user's passkeys; whether it was theirs.
pub fn remove(conn: &mut AnyConnection, user_id: &str, id: &str) -> Result<bool, StoreError> {
    let removed =
        diesel::delete(passkeys::table.filter(passkeys::id.eq(id)).filter(passkeys::user_id.eq(user_id)))
            .execute(conn)?;
    Ok(removed == 1)
}

/// Removes every passkey of the user; how many.
pub fn remove_all(conn: &mut AnyConnection, user_id: &str) -> Result<usize, StoreError> {
    Ok(diesel::delete(passkeys::table.filter(passkeys::user_id.eq(user_id))).execute(conn)?)
}
