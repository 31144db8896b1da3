//! The audit trail: security-relevant events (token reuse, code replay,
//! revocations, ended sessions), kept in the database for operators and
//! written to the log. Events caused by a revocation are written in the
//! revocation's own transaction (`Grants`), so neither exists without the
//! other; the log line follows the commit (unless `audit.log` is off).
//! Never a secret in `detail`.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use serde_json::{Map, Value};

use super::StoreError;
use super::sql::{self, AnyConnection, Db};
use crate::protocol::{AuditEvent, AuditKind};

/// An event about to be recorded.
#[derive(Debug, Clone)]
pub struct Audited {
    pub kind: AuditKind,
    pub client_id: Option<String>,
    pub user_id: Option<String>,
    /// Who caused it, for admin actions (`Actor::label`).
    pub actor: Option<String>,
    /// A JSON object of event-specific facts.
    pub detail: Map<String, Value>,
}

impl Audited {
    pub fn new(kind: AuditKind) -> Audited {
        Audited { kind, client_id: None, user_id: None, actor: None, detail: Map::new() }
    }

    pub fn client(mut self, client_id: &str) -> Audited {
        self.client_id = Some(client_id.to_string());
        self
    }

    pub fn user(mut self, user_id: &str) -> Audited {
        self.user_id = Some(user_id.to_string());
        self
    }

    pub fn actor(mut self, actor: impl Into<String>) -> Audited {
        self.actor = Some(actor.into());
        self
    }

    pub fn detail(mut self, name: &str, value: impl Into<Value>) -> Audited {
        self.detail.insert(name.to_string(), value.into());
        self
    }

    /// The row, stamped with `now` and a time-ordered id.
    pub(super) fn event(&self, now: i64) -> AuditEvent {
        AuditEvent {
            id: crate::crypto::time_ordered_id(now),
            at: now,
            kind: self.kind,
            client_id: self.client_id.clone(),
            user_id: self.user_id.clone(),
            detail: Value::Object(self.detail.clone()).to_string(),
            actor: self.actor.clone(),
        }
    }

    /// Inserts the row in the caller's transaction.
    pub(super) fn insert(&self, conn: &mut AnyConnection, now: i64) -> Result<AuditEvent, StoreError> {
        let event = self.event(now);
        sql::audit::insert(conn, &event)?;
        Ok(event)
    }
}

/// Whether committed events are also written as log lines (`audit.log`):
/// shared by every repository that records events, set once at start-up.
#[derive(Clone)]
pub(super) struct AuditLog(Arc<AtomicBool>);

impl AuditLog {
    pub(super) fn new() -> AuditLog {
        AuditLog(Arc::new(AtomicBool::new(true)))
    }

    pub(super) fn set(&self, enabled: bool) {
        self.0.store(enabled, Ordering::Relaxed);
    }

    /// The log line of a committed event, when lines are wanted.
    pub(super) fn emit(&self, event: &AuditEvent) {
        crate::measure::security_event(event.kind);
        if self.0.load(Ordering::Relaxed) {
            log(event);
        }
    }
}

fn log(event: &AuditEvent) {
    tracing::warn!(
        kind = %event.kind,
        client_id = event.client_id.as_deref(),
        user_id = event.user_id.as_deref(),
        actor = event.actor.as_deref(),
        detail = %event.detail,
        "audit event"
    );
}

/// Which events to read. `before` is a position `(at, id)`: only events
/// strictly older are returned (keyset pagination; ids are time-ordered
/// and unique, so ties on `at` are broken by id).
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub user_id: Option<String>,
    pub client_id: Option<String>,
    pub kind: Option<AuditKind>,
    /// Inclusive lower bound on `at`.
    pub since: Option<i64>,
    /// Inclusive upper bound on `at`.
    pub until: Option<i64>,
    pub before: Option<(i64, String)>,
}

#[derive(Clone)]
pub struct Audit {
    db: Db,
    log: AuditLog,
}

impl Audit {
    pub(super) fn new(db: Db, log: AuditLog) -> Audit {
        Audit { db, log }
    }

    /// Records an event that belongs to no other write.
    pub async fn record(&self, audited: Audited, now: i64) -> Result<(), StoreError> {
        let event = self.db.run(move |c| audited.insert(c, now)).await?;
        self.log.emit(&event);
        Ok(())
    }

    /// Records an event where failing to record must not fail the request
    /// it belongs to (a sign-in, a consent): an error is logged instead.
    pub async fn record_or_log(&self, audited: Audited, now: i64) {
        let kind = audited.kind;
        if let Err(e) = self.record(audited, now).await {
            tracing::error!(error = %e, %kind, "could not record an audit event");
        }
    }

    /// Events matching `filter`, newest first (by time, then id), at most
    /// `limit`.
    pub async fn query(&self, filter: AuditFilter, limit: i64) -> Result<Vec<AuditEvent>, StoreError> {
        self.db.run(move |c| sql::audit::query(c, &filter, limit)).await
    }

    /// One event by id.
    pub async fn find(&self, id: &str) -> Result<Option<AuditEvent>, StoreError> {
        let id = id.to_string();
        self.db.run(move |c| sql::audit::find(c, &id)).await
    }

    /// The most recent events, newest first.
    pub async fn recent(&self, limit: i64) -> Result<Vec<AuditEvent>, StoreError> {
        self.db.run(move |c| sql::audit::recent(c, limit)).await
    }

    /// Removes events older than `cutoff`; returns how many.
    pub async fn delete_before(&self, cutoff: i64) -> Result<usize, StoreError> {
        self.db.run(move |c| sql::audit::delete_before(c, cutoff)).await
    }
}

#[cfg(test)]
impl Audited {
    /// An event for tests that write through the repositories directly.
    pub fn test() -> Audited {
        Audited::new(AuditKind::AdminAction).actor("test")
    }
}
