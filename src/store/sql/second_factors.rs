//! TOTP factors and recovery codes. Accepting a TOTP step or a recovery
//! code is one conditional UPDATE, so two instances racing with the same
//! code accept it once (RFC 6238 §5.2).

use diesel::prelude::*;

use super::AnyConnection;
use super::schema::{recovery_codes, totp_factors};
use crate::store::StoreError;

/// The sealed secret and the last accepted step of a user's TOTP factor.
pub fn totp(conn: &mut AnyConnection, user_id: &str) -> Result<Option<(String, i64)>, StoreError> {
    Ok(totp_factors::table
        .find(user_id)
        .select((totp_factors::secret_sealed, totp_factors::last_step))
        .first(conn)
        .optional()?)
}

/// Sets the user's TOTP factor (replacing any) and their recovery codes.
pub fn enroll(
    conn: &mut AnyConnection,
    user_id: &str,
    secret_sealed: &str,
    step: i64,
    code_hashes: &[String],
    now: i64,
) -> Result<(), StoreError> {
    diesel::delete(totp_factors::table.find(user_id)).execute(conn)?;
    diesel::insert_into(totp_factors::table)
        .values((
            totp_factors::user_id.eq(user_id),
            totp_factors::secret_sealed.eq(secret_sealed),
            totp_factors::last_step.eq(step),
            totp_factors::created_at.eq(now),
        ))
        .execute(conn)?;
    replace_codes(conn, user_id, code_hashes, now)
}

pub fn replace_codes(
    conn: &mut AnyConnection,
    user_id: &str,
    code_hashes: &[String],
    now: i64,
) -> Result<(), StoreError> {
    diesel::delete(recovery_codes::table.filter(recovery_codes::user_id.eq(user_id))).execute(conn)?;
    for hash in code_hashes {
        diesel::insert_into(recovery_codes::table)
            .values((
                recovery_codes::user_id.eq(user_id),
                recovery_codes::code_hash.eq(hash),
                recovery_codes::created_at.eq(now),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Accepts `step` if it is later than every step accepted before.
pub fn use_step(conn: &mut AnyConnection, user_id: &str, step: i64) -> Result<bool, StoreError> {
    let updated = diesel::update(
        totp_factors::table
            .filter(totp_factors::user_id.eq(user_id))
            .filter(totp_factors::last_step.lt(step)),
    )
    .set(totp_factors::last_step.eq(step))
    .execute(conn)?;
    Ok(updated == 1)
}

/// Marks an unused recovery code used; whether there was one.
pub fn use_code(conn: &mut AnyConnection, user_id: &str, hash: &str, now: i64) -> Result<bool, StoreError> {
    let updated = diesel::update(
        recovery_codes::table
            .filter(recovery_codes::user_id.eq(user_id))
            .filter(recovery_codes::code_hash.eq(hash))
            .filter(recovery_codes::used_at.is_null()),
    )
    .set(recovery_codes::used_at.eq(Some(now)))
    .execute(conn)?;
    Ok(updated == 1)
}

pub fn unused_codes(conn: &mut AnyConnection, user_id: &str) -> Result<i64, StoreError> {
    Ok(recovery_codes::table
        .filter(recovery_codes::user_id.eq(user_id))
        .filter(recovery_codes::used_at.is_null())
        .count()
        .get_result(conn)?)
}

/// Removes the user's TOTP factor and recovery codes; whether there were any.
pub fn remove(conn: &mut AnyConnection, user_id: &str) -> Result<bool, StoreError> {
    let totp = diesel::delete(totp_factors::table.find(user_id)).execute(conn)?;
    let codes =
        diesel::delete(recovery_codes::table.filter(recovery_codes::user_id.eq(user_id))).execute(conn)?;
    Ok(totp + codes > 0)
}

/// Removes every second factor of the user, passkeys included (an
/// operator's reset); whether there was any.
pub fn remove_all(conn: &mut AnyConnection, user_id: &str) -> Result<bool, StoreError> {
    let totp = remove(conn, user_id)?;
    let passkeys = super::passkeys::remove_all(conn, user_id)?;
    Ok(totp || passkeys > 0)
}
