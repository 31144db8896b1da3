//! Refresh-token families (RFC 6749 §6, RFC 9700 §4.14.2): lookup by hash,
//! single-winner rotation, and revocation of a whole family.

use diesel::prelude::*;

use super::AnyConnection;
use super::models::RefreshTokenRow;
use super::schema::refresh_tokens as rt;
use crate::store::{RefreshTokenRecord, StoreError};

/// An access token to deny until it expires: `(jti, exp)`.
pub type IssuedAccessToken = (String, i64);

pub fn insert(conn: &mut AnyConnection, token: &RefreshTokenRecord) -> Result<(), StoreError> {
    diesel::insert_into(rt::table).values(RefreshTokenRow::try_from(token)?).execute(conn)?;
    Ok(())
}

pub fn find_by_hash(
    conn: &mut AnyConnection,
    token_hash: &str,
) -> Result<Option<RefreshTokenRecord>, StoreError> {
    rt::table
        .filter(rt::token_hash.eq(token_hash))
        .select(RefreshTokenRow::as_select())
        .first(conn)
        .optional()?
        .map(RefreshTokenRecord::try_from)
        .transpose()
}

/// Marks a live token as used. Exactly one of several concurrent callers
/// gets `true`; the others must treat their use as a replay.
pub fn mark_rotated(conn: &mut AnyConnection, id: &str, now: i64) -> Result<bool, StoreError> {
    let n = diesel::update(
        rt::table.filter(rt::id.eq(id)).filter(rt::rotated_at.is_null()).filter(rt::revoked_at.is_null()),
    )
    .set(rt::rotated_at.eq(now))
    .execute(conn)?;
    Ok(n == 1)
}

/// Whether the token was rotated at `earliest` or later and is not revoked
/// (its family is then alive: revocation takes every token of a family).
pub fn rotated_since(conn: &mut AnyConnection, id: &str, earliest: i64) -> Result<bool, StoreError> {
    let n: i64 = rt::table
        .filter(rt::id.eq(id))
        .filter(rt::rotated_at.ge(earliest))
        .filter(rt::revoked_at.is_null())
        .count()
        .get_result(conn)?;
    Ok(n == 1)
}

/// Revokes every token of a family; returns the access tokens issued with
/// them that have not expired yet.
pub fn revoke_family(
    conn: &mut AnyConnection,
    family_id: &str,
    now: i64,
) -> Result<Vec<IssuedAccessToken>, StoreError> {
    diesel::update(rt::table.filter(rt::family_id.eq(family_id)).filter(rt::revoked_at.is_null()))
        .set(rt::revoked_at.eq(now))
        .execute(conn)?;
    let rows: Vec<(Option<String>, Option<i64>)> = rt::table
        .filter(rt::family_id.eq(family_id))
        .filter(rt::access_token_exp.gt(now))
        .select((rt::access_token_jti, rt::access_token_exp))
        .load(conn)?;
    Ok(rows.into_iter().filter_map(|(jti, exp)| Some((jti?, exp?))).collect())
}

/// Revokes the families bound to an SSO session (used when it ends);
/// offline families keep the sid but are not bound to the session.
pub fn revoke_by_sid(
    conn: &mut AnyConnection,
    sid: &str,
    now: i64,
) -> Result<Vec<IssuedAccessToken>, StoreError> {
    let families = rt::table.filter(rt::sid.eq(sid).and(rt::offline.eq(false))).select(rt::family_id);
    let families = families.distinct().load(conn)?;
    revoke_families(conn, families, now)
}

/// Revokes a user's families at one client (a consent withdrawn).
pub fn revoke_user_client(
    conn: &mut AnyConnection,
    user_id: &str,
    client_id: &str,
    now: i64,
) -> Result<Vec<IssuedAccessToken>, StoreError> {
    let families =
        rt::table.filter(rt::user_id.eq(user_id).and(rt::client_id.eq(client_id))).select(rt::family_id);
    let families = families.distinct().load(conn)?;
    revoke_families(conn, families, now)
}

/// Revokes every family of a user, offline ones included (disabled or
/// deleted by an admin).
pub fn revoke_user(
    conn: &mut AnyConnection,
    user_id: &str,
    now: i64,
) -> Result<Vec<IssuedAccessToken>, StoreError> {
    let families = rt::table.filter(rt::user_id.eq(user_id)).select(rt::family_id);
    let families = families.distinct().load(conn)?;
    revoke_families(conn, families, now)
}

fn revoke_families(
    conn: &mut AnyConnection,
    families: Vec<String>,
    now: i64,
) -> Result<Vec<IssuedAccessToken>, StoreError> {
    let mut denied = Vec::new();
    for family in families {
        denied.extend(revoke_family(conn, &family, now)?);
    }
    Ok(denied)
}

/// Families that could not produce a token any more at `cutoff`: revoked,
/// past their absolute lifetime, or with every token idle-expired (the
/// newest token's `expires_at` is the family's idle expiry). Until then
/// even rotated tokens stay, so a replay is still recognised as one.
pub fn dead_families(conn: &mut AnyConnection, cutoff: i64, limit: i64) -> Result<Vec<String>, StoreError> {
    use diesel::dsl::{count, count_star, max};
    Ok(rt::table
        .group_by(rt::family_id)
        .having(
            max(rt::expires_at).le(cutoff).or(max(rt::family_expires_at).le(cutoff)).or(count(
                rt::revoked_at,
            )
            .eq(count_star())
            .and(max(rt::revoked_at).le(cutoff))),
        )
        .select(rt::family_id)
        .limit(limit)
        .load(conn)?)
}

/// Deletes every token of the given families; returns how many.
pub fn delete_families(conn: &mut AnyConnection, families: &[String]) -> Result<usize, StoreError> {
    Ok(diesel::delete(rt::table.filter(rt::family_id.eq_any(families))).execute(conn)?)
}
