//! Registered clients, kept in memory so the token and authorization
//! endpoints do not pay a database round trip per request.
//!
//! Every change to `clients` bumps the `clients` revision in the same
//! transaction (`store::sql::revisions`). Each instance polls that counter
//! every `clients.cache_refresh_interval` seconds and drops its cache when it
//! moved, so a change made anywhere (CLI, another instance) is seen within
//! one interval. Callers that reject credentials re-read the client first
//! ([`ClientCache::find_fresh`]), so a new secret works at once; only an old
//! secret or a deleted client can outlive its change, by at most one
//! interval. An interval of 0 turns the cache off.

use std::collections::HashMap;
use std::sync::RwLock;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use crate::store::{ClientRecord, Db, StoreError, sql};

/// Bound on cached clients; a full cache starts over rather than grow.
const MAX_ENTRIES: usize = 10_000;

pub struct ClientCache {
    db: Db,
    enabled: bool,
    entries: RwLock<HashMap<String, ClientRecord>>,
    /// Moves on every flush: a lookup that started before a flush must not
    /// put what it read into the flushed cache.
    epoch: AtomicU64,
    /// The `clients` revision the cache was filled under.
    revision: RwLock<Option<i64>>,
    polling: AtomicBool,
}

impl ClientCache {
    pub fn new(db: Db, enabled: bool) -> ClientCache {
        ClientCache {
            db,
            enabled,
            entries: RwLock::new(HashMap::new()),
            epoch: AtomicU64::new(0),
            revision: RwLock::new(None),
            polling: AtomicBool::new(false),
        }
    }

    /// The client, from memory when cached. Unknown ids are not cached.
    pub async fn find(&self, client_id: &str) -> Result<Option<ClientRecord>, StoreError> {
        if self.enabled
            && let Some(client) = read(&self.entries).get(client_id)
        {
            return Ok(Some(client.clone()));
        }
        self.find_fresh(client_id).await
    }

    /// The client as the database has it now; refreshes the cached copy.
    pub async fn find_fresh(&self, client_id: &str) -> Result<Option<ClientRecord>, StoreError> {
        let epoch = self.epoch.load(Ordering::Acquire);
        let id = client_id.to_string();
        let client = self.db.run(move |c| sql::clients::find(c, &id)).await?;
        if self.enabled {
            let mut entries = write(&self.entries);
            // Checked under the lock that `flush` also takes.
            if self.epoch.load(Ordering::Acquire) == epoch {
                match &client {
                    Some(found) => {
                        if entries.len() >= MAX_ENTRIES {
                            entries.clear();
                        }
                        entries.insert(client_id.to_string(), found.clone());
                    }
                    None => {
                        entries.remove(client_id);
                    }
                }
            }
        }
        Ok(client)
    }

    /// Compares the shared revision with the one the cache was filled
    /// under and flushes on a change. Returns whether it flushed.
    pub async fn revalidate(&self) -> Result<bool, StoreError> {
        let current = self.db.run(|c| sql::revisions::get(c, sql::revisions::CLIENTS)).await?;
        let mut seen = write(&self.revision);
        let changed = seen.is_some_and(|s| s != current);
        if changed {
            self.flush();
        }
        *seen = Some(current);
        Ok(changed)
    }

    /// Drops every cached client.
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
                    tracing::warn!(error = %e, "cannot check the clients revision; client cache flushed");
                }
            }
        });
    }

    #[cfg(test)]
    fn cached(&self, client_id: &str) -> bool {
        read(&self.entries).contains_key(client_id)
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
        let cache = ClientCache::new(db.clone(), true);
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
        let cache = ClientCache::new(db.clone(), true);
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
    async fn a_disabled_cache_always_reads_the_database() {
        let (_dir, db) = db();
        let cache = ClientCache::new(db.clone(), false);
        admin::create_client(&db, new_client("app"), 1).unwrap();
        let before = cache.find("app").await.unwrap().unwrap();
        admin::rotate_client_secret(&db, "app", 2).unwrap();
        assert_ne!(cache.find("app").await.unwrap().unwrap().secret_hash, before.secret_hash);
        assert!(!cache.cached("app"));
    }
}
