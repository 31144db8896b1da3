//! The audit trail: security-relevant events, newest first.

use diesel::prelude::*;

use super::AnyConnection;
use super::models::AuditRow;
use super::schema::audit_events;
use crate::store::{AuditEvent, StoreError};

pub fn insert(conn: &mut AnyConnection, event: &AuditEvent) -> Result<(), StoreError> {
    let row = AuditRow {
        id: event.id.clone(),
        at: event.at,
        kind: event.kind.clone(),
        client_id: event.client_id.clone(),
        user_id: event.user_id.clone(),
        detail: event.detail.clone(),
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
    Ok(rows
        .into_iter()
        .map(|r| AuditEvent {
            id: r.id,
            at: r.at,
            kind: r.kind,
            client_id: r.client_id,
            user_id: r.user_id,
            detail: r.detail,
        })
        .collect())
}
