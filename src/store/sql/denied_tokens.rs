//! The durable access-token denylist: `(jti, expires_at)` rows, dropped once
//! the token would have expired anyway. The truth the in-memory and Redis
//! copies are rebuilt from.

use diesel::prelude::*;

use super::AnyConnection;
use super::schema::denied_access_tokens as denied;
use crate::store::StoreError;

/// Records denials; a jti already denied is left as it is. Each insert is
/// its own savepoint: on PostgreSQL a failed statement would otherwise
/// abort the caller's whole transaction.
pub fn insert(conn: &mut AnyConnection, tokens: &[(String, i64)]) -> Result<(), StoreError> {
    let mut seen = std::collections::HashSet::new();
    for (jti, exp) in tokens.iter().filter(|(jti, _)| seen.insert(jti.clone())) {
        let row = (denied::jti.eq(jti), denied::expires_at.eq(exp));
        let inserted = super::write_transaction(conn, |c| {
            diesel::insert_into(denied::table).values(row).execute(c).map_err(StoreError::from)
        });
        match inserted {
            Ok(_) | Err(StoreError::Duplicate(_)) => {}
            Err(other) => return Err(other),
        }
    }
    Ok(())
}

/// Denials still in force.
pub fn live(conn: &mut AnyConnection, now: i64) -> Result<Vec<(String, i64)>, StoreError> {
    Ok(denied::table
        .filter(denied::expires_at.gt(now))
        .select((denied::jti, denied::expires_at))
        .load(conn)?)
}

/// Whether `jti` is denied now.
pub fn is_denied(conn: &mut AnyConnection, jti: &str, now: i64) -> Result<bool, StoreError> {
    let found: Option<String> = denied::table
        .filter(denied::jti.eq(jti))
        .filter(denied::expires_at.gt(now))
        .select(denied::jti)
        .first(conn)
        .optional()?;
    Ok(found.is_some())
}

/// Removes denials of tokens that have expired; returns how many.
pub fn delete_expired(conn: &mut AnyConnection, now: i64) -> Result<usize, StoreError> {
    Ok(diesel::delete(denied::table.filter(denied::expires_at.le(now))).execute(conn)?)
}
