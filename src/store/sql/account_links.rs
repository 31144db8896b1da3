//! Temporary secure links (`account_links`) and the two user columns they
//! govern: `email_verified` (set by a verification link) and
//! `verify_before_login` (set by self-registration, cleared with it).

use diesel::prelude::*;

use super::AnyConnection;
use super::models::UserRow;
use super::schema::{account_links, users};
use super::search::lower;
use crate::protocol::UserRecord;
use crate::protocol::links::{LinkPurpose, LinkRecord};
use crate::store::StoreError;

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = account_links)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
struct LinkRow {
    token_hash: String,
    purpose: String,
    user_id: String,
    bound_to: String,
    created_at: i64,
    expires_at: i64,
}

impl From<&LinkRecord> for LinkRow {
    fn from(l: &LinkRecord) -> LinkRow {
        LinkRow {
            token_hash: l.token_hash.clone(),
            purpose: l.purpose.as_str().to_string(),
            user_id: l.user_id.clone(),
            bound_to: l.bound_to.clone(),
            created_at: l.created_at,
            expires_at: l.expires_at,
        }
    }
}

impl TryFrom<LinkRow> for LinkRecord {
    type Error = StoreError;
    fn try_from(r: LinkRow) -> Result<LinkRecord, StoreError> {
        let purpose: LinkPurpose = r.purpose.parse().map_err(|e| StoreError::Corrupt(format!("{e}")))?;
        Ok(LinkRecord {
            token_hash: r.token_hash,
            purpose,
            user_id: r.user_id,
            bound_to: r.bound_to,
            created_at: r.created_at,
            expires_at: r.expires_at,
        })
    }
}

pub fn insert(conn: &mut AnyConnection, link: &LinkRecord) -> Result<(), StoreError> {
    diesel::insert_into(account_links::table).values(LinkRow::from(link)).execute(conn)?;
    Ok(())
}

pub fn find(conn: &mut AnyConnection, token_hash: &str) -> Result<Option<LinkRecord>, StoreError> {
    let row = account_links::table.find(token_hash).select(LinkRow::as_select()).first(conn).optional()?;
    row.map(LinkRecord::try_from).transpose()
}

/// Removes the link and returns it, once: of two concurrent takes in
/// their transactions, only the one whose delete hit the row gets it.
pub fn take(conn: &mut AnyConnection, token_hash: &str) -> Result<Option<LinkRecord>, StoreError> {
    let Some(link) = find(conn, token_hash)? else { return Ok(None) };
    let n = diesel::delete(account_links::table.find(token_hash)).execute(conn)?;
    Ok((n == 1).then_some(link))
}

pub fn delete_for_user(
    conn: &mut AnyConnection,
    user_id: &str,
    purpose: LinkPurpose,
) -> Result<usize, StoreError> {
    Ok(diesel::delete(
        account_links::table
            .filter(account_links::user_id.eq(user_id))
            .filter(account_links::purpose.eq(purpose.as_str())),
    )
    .execute(conn)?)
}

pub fn delete_expired(conn: &mut AnyConnection, now: i64) -> Result<usize, StoreError> {
    Ok(diesel::delete(account_links::table.filter(account_links::expires_at.le(now))).execute(conn)?)
}

/// Marks `address` verified for the user if it is still their address, and
/// lifts the registration hold; whether it was.
pub fn mark_verified(
    conn: &mut AnyConnection,
    user_id: &str,
    address: &str,
    now: i64,
) -> Result<bool, StoreError> {
    let n = diesel::update(users::table.filter(users::id.eq(user_id)).filter(users::email.eq(address)))
        .set((
            users::email_verified.eq(true),
            users::verify_before_login.eq(false),
            users::updated_at.eq(now),
            users::version.eq(users::version + 1),
        ))
        .execute(conn)?;
    Ok(n == 1)
}

/// Sets the registration hold: no sign-in before the email is verified.
pub fn hold(conn: &mut AnyConnection, user_id: &str) -> Result<bool, StoreError> {
    let n =
        diesel::update(users::table.find(user_id)).set(users::verify_before_login.eq(true)).execute(conn)?;
    Ok(n == 1)
}

pub fn is_held(conn: &mut AnyConnection, user_id: &str) -> Result<bool, StoreError> {
    let held: Option<bool> =
        users::table.find(user_id).select(users::verify_before_login).first(conn).optional()?;
    Ok(held.unwrap_or(false))
}

/// Users with this email address, ignoring case (addresses are not unique).
pub fn users_by_email(
    conn: &mut AnyConnection,
    email: &str,
    limit: i64,
) -> Result<Vec<UserRecord>, StoreError> {
    let rows = users::table
        .filter(lower(users::email.assume_not_null()).eq(email.to_ascii_lowercase()))
        .select(UserRow::as_select())
        .order(users::username.asc())
        .limit(limit)
        .load(conn)?;
    Ok(rows.into_iter().map(UserRecord::from).collect())
}
