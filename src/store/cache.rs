//! Rows read on every request (clients, users), kept in memory so hot
//! endpoints do not pay a database round trip each time.
//!
//! Every change to a cached table bumps its counter in the same transaction
//! (`sql::revisions`). Each instance reads the counters every
//! `database.cache_interval` seconds (`Stores::revalidate`) and drops a
//! cache whose counter moved, so a change made anywhere (CLI, another
//! instance) is seen within one interval. Callers for whom a stale row
//! would wrongly refuse or grant something re-read it
//! ([`RowCache::find_fresh`]). An interval of 0 turns the caches off.

use std::collections::HashMap;
use std::sync::RwLock;
use std::sync::atomic::{AtomicU64, Ordering};

use super::StoreError;
use super::sql::{AnyConnection, Db};

/// Bound on cached rows per table; a full cache starts over rather than grow.
const MAX_ENTRIES: usize = 10_000;

/// Reads one row by key.
pub type Loader<T> = fn(&mut AnyConnection, &str) -> Result<Option<T>, StoreError>;

pub struct RowCache<T> {
    db: Db,
    enabled: bool,
    load: Loader<T>,
    entries: RwLock<HashMap<String, T>>,
    /// Moves on every flush: a lookup that started before a flush must not
    /// put what it read into the flushed cache.
    epoch: AtomicU64,
    /// The revision the cache was filled under.
    revision: RwLock<Option<i64>>,
}

impl<T: Clone + Send + Sync + 'static> RowCache<T> {
    pub fn new(db: Db, enabled: bool, load: Loader<T>) -> RowCache<T> {
        RowCache {
            db,
            enabled,
            load,
            entries: RwLock::new(HashMap::new()),
            epoch: AtomicU64::new(0),
            revision: RwLock::new(None),
        }
    }

    /// The row, from memory when cached. Missing rows are not cached.
    pub async fn find(&self, key: &str) -> Result<Option<T>, StoreError> {
        if self.enabled
            && let Some(row) = read(&self.entries).get(key)
        {
            return Ok(Some(row.clone()));
        }
        self.find_fresh(key).await
    }

    /// `f` of the row, from memory when cached: no copy of the whole row
    /// (for hot paths that need one field).
    pub async fn find_map<R>(&self, key: &str, f: impl FnOnce(&T) -> R) -> Result<Option<R>, StoreError> {
        if self.enabled
            && let Some(row) = read(&self.entries).get(key)
        {
            return Ok(Some(f(row)));
        }
        Ok(self.find_fresh(key).await?.as_ref().map(f))
    }

    /// The row as the database has it now; refreshes the cached copy.
    pub async fn find_fresh(&self, key: &str) -> Result<Option<T>, StoreError> {
        let epoch = self.epoch.load(Ordering::Acquire);
        let (id, load) = (key.to_string(), self.load);
        let row = self.db.run(move |c| load(c, &id)).await?;
        if self.enabled {
            let mut entries = write(&self.entries);
            // Checked under the lock that `flush` also takes.
            if self.epoch.load(Ordering::Acquire) == epoch {
                match &row {
                    Some(found) => {
                        if entries.len() >= MAX_ENTRIES {
                            entries.clear();
                        }
                        entries.insert(key.to_string(), found.clone());
                    }
                    None => {
                        entries.remove(key);
                    }
                }
            }
        }
        Ok(row)
    }

    /// Records the table's current revision and flushes when it moved
    /// since the last one seen. Returns whether it flushed.
    pub fn observe_revision(&self, current: i64) -> bool {
        let mut seen = write(&self.revision);
        let changed = seen.is_some_and(|s| s != current);
        if changed {
            self.flush();
        }
        *seen = Some(current);
        changed
    }

    /// Drops every cached row.
    pub fn flush(&self) {
        let mut entries = write(&self.entries);
        self.epoch.fetch_add(1, Ordering::AcqRel);
        entries.clear();
    }

    #[cfg(test)]
    pub fn cached(&self, key: &str) -> bool {
        read(&self.entries).contains_key(key)
    }
}

fn read<T>(lock: &RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    lock.read().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn write<T>(lock: &RwLock<T>) -> std::sync::RwLockWriteGuard<'_, T> {
    lock.write().unwrap_or_else(|poisoned| poisoned.into_inner())
}
