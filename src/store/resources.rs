//! Registered protected resources (APIs): read through an in-memory cache
//! on the token and introspection paths, written by the admin operations
//! with a revision bump so every instance sees the change within
//! `database.cache_interval`.

use std::sync::Arc;

use super::StoreError;
use super::cache::RowCache;
use super::sql::revisions::{self, Counter};
use super::sql::{self, Db};
use crate::protocol::ResourceRecord;

#[derive(Clone)]
pub struct Resources {
    db: Db,
    cache: Arc<RowCache<ResourceRecord>>,
}

impl Resources {
    pub(super) fn new(db: Db, cache_rows: bool) -> Resources {
        Resources { cache: Arc::new(RowCache::new(db.clone(), cache_rows, sql::resources::find)), db }
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
    pub async fn create(&self, resource: ResourceRecord) -> Result<(), StoreError> {
        self.db
            .run(move |c| {
                revisions::changing(c, Counter::Resources, |c| {
                    Ok((sql::resources::insert(c, &resource)?, true))
                })
            })
            .await
    }

    /// Deletes a resource; `false` when there was none (nothing written).
    pub async fn delete(&self, identifier: &str) -> Result<bool, StoreError> {
        let id = identifier.to_string();
        let deleted = self
            .db
            .run(move |c| {
                revisions::changing(c, Counter::Resources, |c| {
                    let deleted = sql::resources::delete(c, &id)?;
                    Ok((deleted, deleted))
                })
            })
            .await?;
        if deleted {
            self.cache.flush();
        }
        Ok(deleted)
    }

    pub(super) fn observe_revision(&self, value: i64) -> bool {
        self.cache.observe_revision(value)
    }

    pub(super) fn flush(&self) {
        self.cache.flush();
    }
}
