//! Initial access tokens and registration access tokens (RFC 7591 §3,
//! RFC 7592 §3), both as digests.

use diesel::prelude::*;

use super::AnyConnection;
use super::schema::{client_registrations, initial_access_tokens};
use crate::protocol::client_registration::{ClientRegistrationRecord, InitialAccessToken};
use crate::store::StoreError;

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = initial_access_tokens)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
struct InitialTokenRow {
    id: String,
    token_hash: String,
    created_at: i64,
    expires_at: Option<i64>,
    uses_left: Option<i64>,
    created_by: Option<String>,
}

impl From<&InitialAccessToken> for InitialTokenRow {
    fn from(t: &InitialAccessToken) -> Self {
        InitialTokenRow {
            id: t.id.clone(),
            token_hash: t.token_hash.clone(),
            created_at: t.created_at,
            expires_at: t.expires_at,
            uses_left: t.uses_left,
            created_by: t.created_by.clone(),
        }
    }
}

impl From<InitialTokenRow> for InitialAccessToken {
    fn from(r: InitialTokenRow) -> Self {
        InitialAccessToken {
            id: r.id,
            token_hash: r.token_hash,
            created_at: r.created_at,
            expires_at: r.expires_at,
            uses_left: r.uses_left,
            created_by: r.created_by,
        }
    }
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = client_registrations)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
struct RegistrationRow {
    client_id: String,
    registration_token_hash: String,
    created_at: i64,
}

pub fn insert_initial_token(conn: &mut AnyConnection, token: &InitialAccessToken) -> Result<(), StoreError> {
    diesel::insert_into(initial_access_tokens::table).values(InitialTokenRow::from(token)).execute(conn)?;
    Ok(())
}

/// Every initial access token, oldest first.
pub fn list_initial_tokens(conn: &mut AnyConnection) -> Result<Vec<InitialAccessToken>, StoreError> {
    Ok(initial_access_tokens::table
        .order((initial_access_tokens::created_at.asc(), initial_access_tokens::id.asc()))
        .select(InitialTokenRow::as_select())
        .load(conn)?
        .into_iter()
        .map(InitialAccessToken::from)
        .collect())
}

/// Returns whether a token was deleted.
pub fn delete_initial_token(conn: &mut AnyConnection, id: &str) -> Result<bool, StoreError> {
    Ok(diesel::delete(initial_access_tokens::table.find(id)).execute(conn)? > 0)
}

/// Spends one use of the token with this digest, if it is unexpired and
/// has one left: one UPDATE, so concurrent registrations never spend more
/// uses than there are (a NULL count stays NULL). Its id, or `None`.
pub fn consume_initial_token(
    conn: &mut AnyConnection,
    token_hash: &str,
    now: i64,
) -> Result<Option<String>, StoreError> {
    use initial_access_tokens::dsl as t;
    let usable = t::initial_access_tokens
        .filter(t::token_hash.eq(token_hash))
        .filter(t::uses_left.is_null().or(t::uses_left.gt(0)))
        .filter(t::expires_at.is_null().or(t::expires_at.gt(now)));
    if diesel::update(usable).set(t::uses_left.eq(t::uses_left - 1)).execute(conn)? == 0 {
        return Ok(None);
    }
    Ok(t::initial_access_tokens.filter(t::token_hash.eq(token_hash)).select(t::id).first(conn).optional()?)
}

/// Gives back a use spent on a registration that did not happen.
pub fn refund_initial_token(conn: &mut AnyConnection, id: &str) -> Result<(), StoreError> {
    use initial_access_tokens::dsl as t;
    diesel::update(t::initial_access_tokens.find(id).filter(t::uses_left.is_not_null()))
        .set(t::uses_left.eq(t::uses_left + 1))
        .execute(conn)?;
    Ok(())
}

pub fn insert_registration(
    conn: &mut AnyConnection,
    registration: &ClientRegistrationRecord,
) -> Result<(), StoreError> {
    let row = RegistrationRow {
        client_id: registration.client_id.clone(),
        registration_token_hash: registration.registration_token_hash.clone(),
        created_at: registration.created_at,
    };
    diesel::insert_into(client_registrations::table).values(row).execute(conn)?;
    Ok(())
}

pub fn find_registration(
    conn: &mut AnyConnection,
    client_id: &str,
) -> Result<Option<ClientRegistrationRecord>, StoreError> {
    Ok(client_registrations::table
        .find(client_id)
        .select(RegistrationRow::as_select())
        .first(conn)
        .optional()?
        .map(|r| ClientRegistrationRecord {
            client_id: r.client_id,
            registration_token_hash: r.registration_token_hash,
            created_at: r.created_at,
        }))
}
