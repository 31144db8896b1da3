//! The audit trail: security-relevant events, newest first.

use diesel::prelude::*;

use super::AnyConnection;
use super::models::AuditRow;
use super::schema::audit_events;
use crate::protocol::AuditEvent;
use crate::store::{AuditFilter, StoreError};

pub fn insert(conn: &mut AnyConnection, event: &AuditEvent) -> Result<(), StoreError> {
    let row = AuditRow {
        id: event.id.clone(),
        at: event.at,
        kind: event.kind.to_string(),
        client_id: event.client_id.clone(),
        user_id: event.user_id.clone(),
        detail: event.detail.clone(),
        actor: event.actor.clone(),
    };
    diesel::insert_into(audit_events::table).values(row).execute(conn)?;
    Ok(())
}

pub fn recent(conn: &mut AnyConnection, limit: i64) -> Result<Vec<AuditEvent>, StoreError> {
    query(conn, &AuditFilter::default(), limit)
}

pub fn find(conn: &mut AnyConnection, id: &str) -> Result<Option<AuditEvent>, StoreError> {
    let row = audit_events::table.find(id).select(AuditRow::as_select()).first(conn).optional()?;
    row.map(event).transpose()
}

/// Events matching `filter`, newest first: by `at`, then by id (the
/// order keyset pagination continues in).
pub fn query(
    conn: &mut AnyConnection,
    filter: &AuditFilter,
    limit: i64,
) -> Result<Vec<AuditEvent>, StoreError> {
    let mut query = audit_events::table
        .order((audit_events::at.desc(), audit_events::id.desc()))
        .limit(limit)
        .into_boxed();
    if let Some(user_id) = &filter.user_id {
        query = query.filter(audit_events::user_id.eq(user_id.clone()));
    }
    if let Some(client_id) = &filter.client_id {
        query = query.filter(audit_events::client_id.eq(client_id.clone()));
    }
    if let Some(kind) = filter.kind {
        query = query.filter(audit_events::kind.eq(kind.as_str()));
    }
    if let Some(since) = filter.since {
        query = query.filter(audit_events::at.ge(since));
    }
    if let Some(until) = filter.until {
        query = query.filter(audit_events::at.le(until));
    }
    if let Some((at, id)) = &filter.before {
        query = query.filter(
            audit_events::at.lt(*at).or(audit_events::at.eq(*at).and(audit_events::id.lt(id.clone()))),
        );
    }
    let rows: Vec<AuditRow> = query.select(AuditRow::as_select()).load(conn)?;
    rows.into_iter().map(event).collect()
}

fn event(r: AuditRow) -> Result<AuditEvent, StoreError> {
    Ok(AuditEvent {
        kind: r.kind.parse().map_err(|e| StoreError::Corrupt(format!("audit event {}: {e}", r.id)))?,
        id: r.id,
        at: r.at,
        client_id: r.client_id,
        user_id: r.user_id,
        detail: r.detail,
        actor: r.actor,
    })
}

/// Removes events older than `cutoff`; returns how many.
pub fn delete_before(conn: &mut AnyConnection, cutoff: i64) -> Result<usize, StoreError> {
    Ok(diesel::delete(audit_events::table.filter(audit_events::at.lt(cutoff))).execute(conn)?)
}
