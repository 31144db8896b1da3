//! The shared signing-key set. Every change runs in `locked`, so instances
//! racing to initialise or rotate the set take turns.

use diesel::prelude::*;

use super::AnyConnection;
use super::schema::{key_set_lock, signing_keys as sk};
use crate::protocol::{KeyState, SigningKeyRecord};
use crate::store::StoreError;

type Row = (String, String, String, String, i64, i64, Option<i64>, Option<i64>, Option<i64>);

fn record(r: Row) -> Result<SigningKeyRecord, StoreError> {
    let corrupt =
        |e: crate::vocabulary::UnknownWord| StoreError::Corrupt(format!("signing key {}: {e}", r.0));
    Ok(SigningKeyRecord {
        alg: r.1.parse().map_err(corrupt)?,
        state: r.2.parse().map_err(corrupt)?,
        kid: r.0,
        private_key_sealed: r.3,
        created_at: r.4,
        signs_from: r.5,
        activated_at: r.6,
        retired_at: r.7,
        delete_after: r.8,
    })
}

/// Runs `f` in a transaction that first takes the key-set lock.
pub fn locked<T>(
    conn: &mut AnyConnection,
    now: i64,
    f: impl FnOnce(&mut AnyConnection) -> Result<T, StoreError>,
) -> Result<T, StoreError> {
    super::write_transaction(conn, |c| {
        diesel::update(key_set_lock::table.find(1_i64)).set(key_set_lock::updated_at.eq(now)).execute(c)?;
        f(c)
    })
}

/// Every key, oldest first.
pub fn list(conn: &mut AnyConnection) -> Result<Vec<SigningKeyRecord>, StoreError> {
    let rows: Vec<Row> = sk::table
        .order((sk::created_at.asc(), sk::kid.asc()))
        .select((
            sk::kid,
            sk::alg,
            sk::state,
            sk::private_key,
            sk::created_at,
            sk::signs_from,
            sk::activated_at,
            sk::retired_at,
            sk::delete_after,
        ))
        .load(conn)?;
    rows.into_iter().map(record).collect()
}

pub fn insert(conn: &mut AnyConnection, key: &SigningKeyRecord) -> Result<(), StoreError> {
    diesel::insert_into(sk::table)
        .values((
            sk::kid.eq(&key.kid),
            sk::alg.eq(key.alg.as_str()),
            sk::state.eq(key.state.as_str()),
            sk::private_key.eq(&key.private_key_sealed),
            sk::created_at.eq(key.created_at),
            sk::signs_from.eq(key.signs_from),
            sk::activated_at.eq(key.activated_at),
            sk::retired_at.eq(key.retired_at),
            sk::delete_after.eq(key.delete_after),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn activate(conn: &mut AnyConnection, kid: &str, now: i64) -> Result<(), StoreError> {
    diesel::update(sk::table.find(kid))
        .set((sk::state.eq(KeyState::Active.as_str()), sk::activated_at.eq(now)))
        .execute(conn)?;
    Ok(())
}

pub fn retire(conn: &mut AnyConnection, kid: &str, now: i64, delete_after: i64) -> Result<(), StoreError> {
    diesel::update(sk::table.find(kid))
        .set((
            sk::state.eq(KeyState::Retired.as_str()),
            sk::retired_at.eq(now),
            sk::delete_after.eq(delete_after),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn delete(conn: &mut AnyConnection, kid: &str) -> Result<(), StoreError> {
    diesel::delete(sk::table.find(kid)).execute(conn)?;
    Ok(())
}

/// Drops retired keys whose tokens have all expired; returns how many.
pub fn delete_expired(conn: &mut AnyConnection, now: i64) -> Result<usize, StoreError> {
    Ok(diesel::delete(
        sk::table.filter(sk::state.eq(KeyState::Retired.as_str())).filter(sk::delete_after.le(now)),
    )
    .execute(conn)?)
}
