//! Registered clients: read through an in-memory cache on every token,
//! authorize and revocation request; written by the admin operations, each
//! write bumping the `clients` revision in its own transaction so every
//! instance drops its cached copy within `database.cache_interval`.

use std::sync::Arc;

use super::StoreError;
use super::audit::{AuditLog, Audited};
use super::cache::RowCache;
use super::sql::revisions::{self, Counter};
use super::sql::{self, Db};
use super::web_origins::WebOriginSet;
use crate::protocol::ClientRecord;

#[derive(Clone)]
pub struct Clients {
    db: Db,
    cache: Arc<RowCache<ClientRecord>>,
    origins: Arc<WebOriginSet>,
    log: AuditLog,
}

impl Clients {
    pub(super) fn new(db: Db, cache_rows: bool, log: AuditLog) -> Clients {
        Clients {
            log,
            cache: Arc::new(RowCache::new(db.clone(), cache_rows, sql::clients::find)),
            origins: Arc::new(WebOriginSet::new(db.clone(), cache_rows)),
            db,
        }
    }

    /// Whether `origin` is a web origin of some client (CORS preflights).
    pub async fn is_web_origin(&self, origin: &str) -> Result<bool, StoreError> {
        self.origins.contains(origin).await
    }

    /// The client, from memory when cached.
    pub async fn find(&self, client_id: &str) -> Result<Option<ClientRecord>, StoreError> {
        self.cache.find(client_id).await
    }

    /// `f` of the client (`None` when there is no such client), from memory
    /// when cached, without copying the client: UserInfo and token checks
    /// read one or two settings on every call.
    pub async fn find_map<R>(
        &self,
        client_id: &str,
        f: impl FnOnce(&ClientRecord) -> R,
    ) -> Result<Option<R>, StoreError> {
        self.cache.find_map(client_id, f).await
    }

    /// The client as the database has it now (refreshes the cached copy):
    /// for decisions a stale copy would get wrong, e.g. a new secret.
    pub async fn find_fresh(&self, client_id: &str) -> Result<Option<ClientRecord>, StoreError> {
        self.cache.find_fresh(client_id).await
    }

    /// Every client, ordered by `client_id`.
    pub async fn list(&self) -> Result<Vec<ClientRecord>, StoreError> {
        self.db.run(sql::clients::list).await
    }

    /// Up to `limit` clients after `after` (by id), optionally only those
    /// whose id or name contains `search`.
    pub async fn page(
        &self,
        after: Option<String>,
        search: Option<String>,
        limit: i64,
    ) -> Result<Vec<ClientRecord>, StoreError> {
        self.db.run(move |c| sql::clients::page(c, after.as_deref(), search.as_deref(), limit)).await
    }

    /// Inserts a new client and records `audited` in the same transaction;
    /// a taken `client_id` is `Duplicate`.
    pub async fn create(&self, client: ClientRecord, audited: Audited, now: i64) -> Result<(), StoreError> {
        let event = self
            .db
            .run(move |c| {
                revisions::changing(c, Counter::Clients, |c| {
                    sql::clients::insert(c, &client)?;
                    Ok((audited.insert(c, now)?, true))
                })
            })
            .await?;
        self.log.emit(&event);
        self.origins.flush();
        Ok(())
    }

    /// Replaces a client with `client` (whose `version` is already the
    /// next one) if it is still at `base_version`, recording `audited` in
    /// the same transaction. `false` when it was not: deleted or changed
    /// meanwhile; then nothing at all is written.
    pub async fn replace(
        &self,
        client: ClientRecord,
        base_version: i64,
        audited: Audited,
        now: i64,
    ) -> Result<bool, StoreError> {
        let event = self
            .db
            .run(move |c| {
                revisions::changing(c, Counter::Clients, |c| {
                    if !sql::clients::replace(c, &client, base_version)? {
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

    /// Deletes a client (its refresh tokens go with it), recording
    /// `audited`; `false` when there was none, and then nothing at all is
    /// written.
    pub async fn delete(&self, client_id: &str, audited: Audited, now: i64) -> Result<bool, StoreError> {
        let id = client_id.to_string();
        let event = self
            .db
            .run(move |c| {
                revisions::changing(c, Counter::Clients, |c| {
                    if !sql::clients::delete(c, &id)? {
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

    /// Replaces the client's secret hash, recording `audited`; `false`
    /// when there is no such client (and nothing is written).
    pub async fn update_secret(
        &self,
        client_id: &str,
        secret_hash: String,
        audited: Audited,
        now: i64,
    ) -> Result<bool, StoreError> {
        let id = client_id.to_string();
        let event = self
            .db
            .run(move |c| {
                revisions::changing(c, Counter::Clients, |c| {
                    if !sql::clients::update_secret(c, &id, &secret_hash, now)? {
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
        let flushed = self.cache.observe_revision(value);
        if flushed {
            self.origins.flush();
        }
        flushed
    }

    pub(super) fn flush(&self) {
        self.cache.flush();
        self.origins.flush();
    }

    #[cfg(test)]
    pub(super) fn cached(&self, client_id: &str) -> bool {
        self.cache.cached(client_id)
    }
}
