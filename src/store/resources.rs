//! Registered protected resources (APIs): read through an in-memory cache
//! on the token and introspection paths, written by the admin operations
//! with a revision bump so every instance sees the change within
//! `database.cache_interval`. The whole (small) registry is cached too:
//! every token request needs it to know which scopes belong to which
//! resource.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use super::StoreError;
use super::audit::{AuditLog, Audited};
use super::cache::RowCache;
use super::sql::revisions::{self, Counter};
use super::sql::{self, Db};
use crate::protocol::ResourceRecord;

#[derive(Clone)]
pub struct Resources {
    db: Db,
    cache: Arc<RowCache<ResourceRecord>>,
    all: Arc<ListCache>,
    log: AuditLog,
}

/// The cached registry; `epoch` moves on every flush so that a read that
/// started before a flush does not store what it read.
#[derive(Default)]
struct ListCache {
    enabled: bool,
    list: RwLock<Option<Arc<Vec<ResourceRecord>>>>,
    epoch: AtomicU64,
}

impl ListCache {
    fn flush(&self) {
        let mut list = self.list.write().unwrap_or_else(|p| p.into_inner());
        self.epoch.fetch_add(1, Ordering::AcqRel);
        *list = None;
    }
}

impl Resources {
    pub(super) fn new(db: Db, cache_rows: bool, log: AuditLog) -> Resources {
        Resources {
            log,
            cache: Arc::new(RowCache::new(db.clone(), cache_rows, sql::resources::find)),
            all: Arc::new(ListCache { enabled: cache_rows, ..ListCache::default() }),
            db,
        }
    }

    /// Every resource, from memory when cached.
    pub async fn all(&self) -> Result<Arc<Vec<ResourceRecord>>, StoreError> {
        if self.all.enabled
            && let Some(list) = self.all.list.read().unwrap_or_else(|p| p.into_inner()).as_ref()
        {
            return Ok(list.clone());
        }
        self.all_fresh().await
    }

    /// Every resource as the database has it now; refreshes the cached copy.
    pub async fn all_fresh(&self) -> Result<Arc<Vec<ResourceRecord>>, StoreError> {
        let epoch = self.all.epoch.load(Ordering::Acquire);
        let list = Arc::new(self.db.run(sql::resources::list).await?);
        if self.all.enabled {
            let mut cached = self.all.list.write().unwrap_or_else(|p| p.into_inner());
            if self.all.epoch.load(Ordering::Acquire) == epoch {
                *cached = Some(list.clone());
            }
        }
        Ok(list)
    }

    /// The resource, from memory when cached.
    pub async fn find(&self, identifier: &str) -> Result<Option<ResourceRecord>, StoreError> {
        self.cache.find(identifier).await
    }

    /// The resource as the database has it now (for credential checks).
    pub async fn find_fresh(&self, identifier: &str) -> Result<Option<ResourceRecord>, StoreError> {
        self.cache.find_fresh(identifier).await
    }

    /// Every resource, ordered by identifier.
    pub async fn list(&self) -> Result<Vec<ResourceRecord>, StoreError> {
        self.db.run(sql::resources::list).await
    }

    /// Inserts a new resource; a taken identifier is `Duplicate`.
    pub async fn create(
        &self,
        resource: ResourceRecord,
        audited: Audited,
        now: i64,
    ) -> Result<(), StoreError> {
        let event = self
            .db
            .run(move |c| {
                revisions::changing(c, Counter::Resources, |c| {
                    sql::resources::insert(c, &resource)?;
                    Ok((audited.insert(c, now)?, true))
                })
            })
            .await?;
        self.log.emit(&event);
        self.all.flush();
        Ok(())
    }

    /// Deletes a resource, recording `audited`; `false` when there was none
    /// (nothing written).
    pub async fn delete(&self, identifier: &str, audited: Audited, now: i64) -> Result<bool, StoreError> {
        let id = identifier.to_string();
        let event = self
            .db
            .run(move |c| {
                revisions::changing(c, Counter::Resources, |c| {
                    if !sql::resources::delete(c, &id)? {
                        return Ok((None, false));
                    }
                    Ok((Some(audited.insert(c, now)?), true))
                })
            })
            .await?;
        let Some(event) = event else { return Ok(false) };
        self.log.emit(&event);
        self.flush();
        Ok(true)
    }

    pub(super) fn observe_revision(&self, value: i64) -> bool {
        let changed = self.cache.observe_revision(value);
        if changed {
            self.all.flush();
        }
        changed
    }

    pub(super) fn flush(&self) {
        self.cache.flush();
        self.all.flush();
    }
}
