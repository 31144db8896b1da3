//! The audit trail: security-relevant events, newest first.

use diesel::prelude::*;

use super::AnyConnection;
use super::models::AuditRow;
use super::schema::audit_events;
use crate::protocol::AuditEvent;
use crate::store::StoreError;

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
    let rows: Vec<AuditRow> = audit_events::table
        .order((audit_events::at.desc(), audit_events::id.desc()))
        .limit(limit)
        .select(AuditRow::as_select())
        .load(conn)?;
    rows.into_iter()
        .map(|r| {
            Ok(AuditEvent {
                kind: r
                    .kind
                    .parse()
                    .map_err(|e| StoreError::Corrupt(format!("audit event {}: {e}", r.id)))?,
                id: r.id,
                at: r.at,
                client_id: r.client_id,
                user_id: r.user_id,
                detail: r.detail,
                actor: r.actor,
            })
        })
        .collect()
}

/// Removes events older than `cutoff`; returns how many.
pub fn delete_before(conn: &mut AnyConnection, cutoff: i64) -> Result<usize, StoreError> {
    Ok(diesel::delete(audit_events::table.filter(audit_events::at.lt(cutoff))).execute(conn)?)
}
