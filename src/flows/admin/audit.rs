//! Reading the audit trail: newest first, filtered by user, client, kind
//! and time, a page at a time. Pages continue after an event id (keyset
//! pagination on `(at, id)`: stable while new events arrive).

use super::{Admin, AdminError, MAX_PAGE_SIZE, Page};
use crate::protocol::{AuditEvent, AuditKind};
use crate::store::AuditFilter;

/// Default number of events per page.
pub const DEFAULT_AUDIT_PAGE: i64 = 50;

/// What to read. Times are Unix seconds, both bounds inclusive.
#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    pub user_id: Option<String>,
    pub client_id: Option<String>,
    pub kind: Option<AuditKind>,
    pub since: Option<i64>,
    pub until: Option<i64>,
    /// The `next` of the previous page: an event id; the page holds the
    /// events strictly older than it.
    pub before: Option<String>,
    /// 1 to 200; 50 when unset.
    pub limit: Option<i64>,
}

impl Admin {
    /// Events matching `query`, newest first (by time, then id).
    pub async fn audit_events(&self, query: &AuditQuery) -> Result<Page<AuditEvent>, AdminError> {
        let size = match query.limit {
            None => DEFAULT_AUDIT_PAGE,
            Some(n) if (1..=MAX_PAGE_SIZE).contains(&n) => n,
            Some(_) => {
                return Err(AdminError::invalid_field(
                    "limit",
                    format!("limit must be 1 to {MAX_PAGE_SIZE}"),
                ));
            }
        };
        if let (Some(since), Some(until)) = (query.since, query.until)
            && since > until
        {
            return Err(AdminError::invalid_field("since", "since must not be after until"));
        }
        let nonempty =
            |v: &Option<String>| v.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(String::from);
        let before = match nonempty(&query.before) {
            Some(id) => {
                let event = self.stores.audit.find(&id).await?.ok_or_else(|| {
                    AdminError::invalid_field("before", format!("no audit event {id:?} to continue after"))
                })?;
                Some((event.at, event.id))
            }
            None => None,
        };
        let filter = AuditFilter {
            user_id: nonempty(&query.user_id),
            client_id: nonempty(&query.client_id),
            kind: query.kind,
            since: query.since,
            until: query.until,
            before,
        };
        let rows = self.stores.audit.query(filter, size + 1).await?;
        Ok(Page::from_rows(rows, size, |e: &AuditEvent| e.id.clone()))
    }
}
