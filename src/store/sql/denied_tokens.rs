//! The durable copy of the access-token denylist: `(jti, expires_at)` rows,
//! dropped once the token would have expired anyway.

use diesel::prelude::*;

use super::AnyConnection;
use super::schema::denied_access_tokens as denied;
use crate::store::StoreError;

/// Records denials; a jti already denied is left as it is.
pub fn insert(conn: &mut AnyConnection, tokens: &[(String, i64)]) -> Result<(), StoreError> {
    for (jti, exp) in tokens {
        let row = (denied::jti.eq(jti), denied::expires_at.eq(exp));
        match diesel::insert_into(denied::table).values(row).execute(conn) {
            Ok(_) => {}
            Err(e) => match StoreError::from(e) {
                StoreError::Duplicate(_) => {}
                other => return Err(other),
            },
        }
    }
    Ok(())
}

/// Denials still in force, after removing the expired ones.
pub fn live(conn: &mut AnyConnection, now: i64) -> Result<Vec<(String, i64)>, StoreError> {
    diesel::delete(denied::table.filter(denied::expires_at.le(now))).execute(conn)?;
    Ok(denied::table.select((denied::jti, denied::expires_at)).load(conn)?)
}
