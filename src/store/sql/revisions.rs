//! Change counters for state that instances cache in memory: a writer bumps
//! the counter in the transaction that changes the state, readers compare
//! it with the value their cache was filled under.

use diesel::prelude::*;

use super::AnyConnection;
use super::schema::revisions;
use crate::store::StoreError;
use crate::vocabulary::vocabulary;

vocabulary! {
    /// The cached state each counter stands for.
    pub enum Counter("revision counter") {
        Clients => "clients",
        Users => "users",
        Denylist => "denylist",
        Resources => "resources",
    }
}

/// Every counter's current value (0 for a missing row).
pub fn all(conn: &mut AnyConnection) -> Result<Vec<(Counter, i64)>, StoreError> {
    let rows: Vec<(String, i64)> = revisions::table.select((revisions::name, revisions::value)).load(conn)?;
    Ok(Counter::ALL
        .iter()
        .map(|counter| {
            let value = rows.iter().find(|(name, _)| name == counter.as_str()).map_or(0, |(_, v)| *v);
            (*counter, value)
        })
        .collect())
}

/// Moves the counter on; call inside the transaction that made the change.
pub fn bump(conn: &mut AnyConnection, counter: Counter) -> Result<(), StoreError> {
    diesel::update(revisions::table.find(counter.as_str()))
        .set(revisions::value.eq(revisions::value + 1))
        .execute(conn)?;
    Ok(())
}

/// Runs `change` in a transaction and bumps `counter` in it when the change
/// reports that it changed something (`true`), so every running instance
/// drops what it cached; a change that found nothing leaves the counter be.
pub fn changing<T>(
    conn: &mut AnyConnection,
    counter: Counter,
    change: impl FnOnce(&mut AnyConnection) -> Result<(T, bool), StoreError>,
) -> Result<T, StoreError> {
    super::write_transaction(conn, |c| {
        let (result, changed) = change(c)?;
        if changed {
            bump(c, counter)?;
        }
        Ok(result)
    })
}
