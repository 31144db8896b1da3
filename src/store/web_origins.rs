//! The set of every client's web origins, for CORS preflights: a preflight
//! carries no credentials and no body, so it cannot name its client; it is
//! answered when the origin is *some* client's, and the actual request is
//! then checked against its own client (`protocol::origin`).
//!
//! Loaded in one query and kept until the clients change: a local write
//! flushes it, and so does a move of the `clients` revision (written
//! anywhere, seen within `database.cache_interval`), like the row cache.
//! Its size is that of the registered origins, which only operators add,
//! never requests. With row caching off it is read on every lookup.

use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use super::StoreError;
use super::sql::{self, Db};

pub struct WebOriginSet {
    db: Db,
    enabled: bool,
    set: RwLock<Option<Arc<HashSet<String>>>>,
    /// Moves on every flush: a load that started before a flush must not
    /// install what it read.
    epoch: AtomicU64,
}

impl WebOriginSet {
    pub fn new(db: Db, enabled: bool) -> WebOriginSet {
        WebOriginSet { db, enabled, set: RwLock::new(None), epoch: AtomicU64::new(0) }
    }

    /// Whether `origin` is a web origin of any registered client.
    pub async fn contains(&self, origin: &str) -> Result<bool, StoreError> {
        if self.enabled
            && let Some(set) = self.set.read().unwrap_or_else(|p| p.into_inner()).as_ref()
        {
            return Ok(set.contains(origin));
        }
        let epoch = self.epoch.load(Ordering::Acquire);
        let loaded = Arc::new(self.db.run(sql::clients::all_web_origins).await?);
        let found = loaded.contains(origin);
        if self.enabled {
            let mut slot = self.set.write().unwrap_or_else(|p| p.into_inner());
            if self.epoch.load(Ordering::Acquire) == epoch {
                *slot = Some(loaded);
            }
        }
        Ok(found)
    }

    pub fn flush(&self) {
        let mut slot = self.set.write().unwrap_or_else(|p| p.into_inner());
        self.epoch.fetch_add(1, Ordering::AcqRel);
        *slot = None;
    }
}
