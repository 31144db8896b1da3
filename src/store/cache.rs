//! Rows read on every request (clients, users), kept in memory so hot
//! endpoints do not pay a database round trip each time.
//!
//! Every change to a cached table bumps its counter in the same transaction
//! (`store::sql::revisions`). Each instance polls the counters every
//! `database.cache_interval` seconds and drops a cache whose counter moved,
//! so a change made anywhere (CLI, another instance) is seen within one
//! interval. Callers for whom a stale row would wrongly refuse or grant
//! something re-read it ([`RowCache::find_fresh`]). An interval of 0 turns
//! the caches off.

use std::collections::HashMap;
use std::sync::RwLock;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use crate::store::{AnyConnection, ClientRecord, Db, StoreError, UserRecord, sql};

/// Bound on cached rows per table; a full cache starts over rather than grow.
const MAX_ENTRIES: usize = 10_000;

/// Reads one row by key.
pub type Loader<T> = fn(&mut AnyConnection, &str) -> Result<Option<T>, StoreError>;

/// Registered clients by `client_id`.
pub type ClientCache = RowCache<ClientRecord>;
/// Users by id.
pub type UserCache = RowCache<UserRecord>;

impl ClientCache {
    pub fn clients(db: Db, enabled: bool) -> ClientCache {
        RowCache::new(db, enabled, sql::revisions::CLIENTS, sql::clients::find)
    }
}

impl UserCache {
    pub fn users(db: Db, enabled: bool) -> UserCache {
        RowCache::new(db, enabled, sql::revisions::USERS, sql::users::find_by_id)
    }
}

pub struct RowCache<T> {
    db: Db,
    enabled: bool,
    /// The counter in `revisions` that this table's writers bump.
    revision_name: &'static str,
    load: Loader<T>,
    entries: RwLock<HashMap<String, T>>,
    /// Moves on every flush: a lookup that started before a flush must not
    /// put what it read into the flushed cache.
    epoch: AtomicU64,
    /// The revision the cache was filled under.
    revision: RwLock<Option<i64>>,
    polling: AtomicBool,
}

impl<T: Clone + Send + Sync + 'static> RowCache<T> {
    pub fn new(db: Db, enabled: bool, revision_name: &'static str, load: Loader<T>) -> RowCache<T> {
        RowCache {
            db,
            enabled,
            revision_name,
            load,
            entries: RwLock::new(HashMap::new()),
            epoch: AtomicU64::new(0),
            revision: RwLock::new(None),
            polling: AtomicBool::new(false),
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

    /// Compares the shared revision with the one the cache was filled
    /// under and flushes on a change. Returns whether it flushed.
    pub async fn revalidate(&self) -> Result<bool, StoreError> {
        let name = self.revision_name;
        let current = self.db.run(move |c| sql::revisions::get(c, name)).await?;
        let mut seen = write(&self.revision);
        let changed = seen.is_some_and(|s| s != current);
        if changed {
            self.flush();
        }
        *seen = Some(current);
        Ok(changed)
    }

    /// Drops every cached row.
    pub fn flush(&self) {
        let mut entries = write(&self.entries);
        self.epoch.fetch_add(1, Ordering::AcqRel);
        entries.clear();
    }

    /// Polls the revision every `interval` seconds, once per cache.
    pub fn spawn_revalidation(self: &std::sync::Arc<Self>, interval_secs: u64) {
        if !self.enabled || interval_secs == 0 || self.polling.swap(true, Ordering::AcqRel) {
            return;
        }
        let cache = std::sync::Arc::downgrade(self);
        tokio::spawn(async move {
            let period = std::time::Duration::from_secs(interval_secs);
            loop {
                tokio::time::sleep(period).await;
                let Some(cache) = cache.upgrade() else { return };
                if let Err(e) = cache.revalidate().await {
                    // Unknown state: start over rather than serve stale data.
                    cache.flush();
                    tracing::warn!(error = %e, table = cache.revision_name, "cannot check a revision; cache flushed");
                }
            }
        });
    }

    #[cfg(test)]
    fn cached(&self, key: &str) -> bool {
        read(&self.entries).contains_key(key)
    }
}

fn read<T>(lock: &RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    lock.read().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn write<T>(lock: &RwLock<T>) -> std::sync::RwLockWriteGuard<'_, T> {
    lock.write().unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::admin::{self, NewClient};

    fn db() -> (tempfile::TempDir, Db) {
        let dir = tempfile::tempdir().expect("tempdir");
        let url = format!("sqlite://{}", dir.path().join("t.db").display());
        let db = Db::connect(&url, 2).expect("db");
        (dir, db)
    }

    fn new_client(id: &str) -> NewClient {
        NewClient {
            client_id: id.into(),
            redirect_uris: vec!["https://app.example/cb".into()],
            ..NewClient::default()
        }
    }

    #[tokio::test]
    async fn changes_are_seen_after_revalidation() {
        let (_dir, db) = db();
        let cache = ClientCache::clients(db.clone(), true);
        assert!(!cache.revalidate().await.unwrap(), "first look only records the revision");
        assert!(cache.find("app").await.unwrap().is_none());
        assert!(!cache.cached("app"), "unknown ids are not cached");

        let created = admin::create_client(&db, new_client("app"), 1).unwrap();
        let first = cache.find("app").await.unwrap().expect("created");
        assert_eq!(first.secret_hash, created.client.secret_hash);
        assert!(cache.cached("app"));

        admin::rotate_client_secret(&db, "app", 2).unwrap();
        let stale = cache.find("app").await.unwrap().expect("cached");
        assert_eq!(stale.secret_hash, first.secret_hash, "served from memory until revalidated");
        assert!(cache.revalidate().await.unwrap(), "the rotation moved the revision");
        let fresh = cache.find("app").await.unwrap().expect("reloaded");
        assert_ne!(fresh.secret_hash, first.secret_hash);

        admin::delete_client(&db, "app").unwrap();
        assert!(cache.revalidate().await.unwrap());
        assert!(cache.find("app").await.unwrap().is_none());
        assert!(!cache.revalidate().await.unwrap(), "nothing changed since");
    }

    #[tokio::test]
    async fn find_fresh_replaces_the_cached_copy() {
        let (_dir, db) = db();
        let cache = ClientCache::clients(db.clone(), true);
        admin::create_client(&db, new_client("app"), 1).unwrap();
        let before = cache.find("app").await.unwrap().unwrap();
        admin::rotate_client_secret(&db, "app", 2).unwrap();
        let fresh = cache.find_fresh("app").await.unwrap().unwrap();
        assert_ne!(fresh.secret_hash, before.secret_hash);
        assert_eq!(cache.find("app").await.unwrap().unwrap().secret_hash, fresh.secret_hash);
        admin::delete_client(&db, "app").unwrap();
        assert!(cache.find_fresh("app").await.unwrap().is_none());
        assert!(!cache.cached("app"), "a deleted client leaves the cache");
    }

    #[tokio::test]
    async fn new_users_move_the_users_revision() {
        let (_dir, db) = db();
        let users = UserCache::users(db.clone(), true);
        users.revalidate().await.unwrap();
        let new = admin::NewUser {
            username: "alice".into(),
            password: "correct horse battery staple".into(),
            email: None,
            name: None,
        };
        let alice = admin::create_user(&db, new, 1).unwrap();
        assert!(users.revalidate().await.unwrap());
        assert_eq!(users.find(&alice.id).await.unwrap().expect("found").username, "alice");
        assert!(users.cached(&alice.id));
    }

    #[tokio::test]
    async fn a_disabled_cache_always_reads_the_database() {
        let (_dir, db) = db();
        let cache = ClientCache::clients(db.clone(), false);
        admin::create_client(&db, new_client("app"), 1).unwrap();
        let before = cache.find("app").await.unwrap().unwrap();
        admin::rotate_client_secret(&db, "app", 2).unwrap();
        assert_ne!(cache.find("app").await.unwrap().unwrap().secret_hash, before.secret_hash);
        assert!(!cache.cached("app"));
    }
}
