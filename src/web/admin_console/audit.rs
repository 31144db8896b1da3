//! `/admin/audit`: the audit trail, newest first.

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use actix_web::web::Data;

use crate::flows::admin::Admin;
use crate::protocol::{AuditEvent, AuditKind};
use crate::web::admin_console::views::{AuditFilter, AuditPage, AuditRow};
use crate::web::admin_console::{Console, admin_error, html, when};

/// Events per page.
const PAGE_SIZE: i64 = 100;

pub async fn audit_get(console: Console, admin: Data<Admin>) -> HttpResponse {
    let events = match admin.recent_audit_events(PAGE_SIZE).await {
        Ok(events) => events,
        Err(e) => return admin_error(&console, &e),
    };
    let page = AuditPage {
        nav: console.nav("audit"),
        events: events.into_iter().map(row).collect(),
        kinds: AuditKind::ALL.iter().map(|k| k.as_str()).collect(),
        filter: AuditFilter::default(),
        error: None,
        older: None,
    };
    html(StatusCode::OK, &page)
}

fn row(e: AuditEvent) -> AuditRow {
    AuditRow {
        at: when(e.at),
        kind: e.kind.to_string(),
        actor: e.actor.unwrap_or_default(),
        user_id: e.user_id.unwrap_or_default(),
        client_id: e.client_id.unwrap_or_default(),
        detail: e.detail,
    }
}
