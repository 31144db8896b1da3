//! `/admin/api/v1/audit-events`: the audit trail, newest first, filtered
//! by user, client, kind and time.

use actix_web::HttpResponse;
use actix_web::web::{Data, Query};
use serde::{Deserialize, Serialize};

use super::caller::{Operator, no_store};
use super::error::{ApiError, ErrorBody};
use crate::flows::admin::{Admin, AuditQuery};
use crate::protocol::{AuditEvent, AuditKind};

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditParams {
    pub user_id: Option<String>,
    pub client_id: Option<String>,
    /// An event kind, e.g. `login_failed`, `admin_action`.
    pub kind: Option<String>,
    /// Unix seconds, inclusive.
    pub since: Option<i64>,
    /// Unix seconds, inclusive.
    pub until: Option<i64>,
    /// The `next` of the previous page.
    pub before: Option<String>,
    /// 1 to 200 (default 50).
    pub limit: Option<i64>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct AuditEventView {
    pub id: String,
    pub at: i64,
    pub kind: String,
    pub client_id: Option<String>,
    pub user_id: Option<String>,
    /// `cli`, `user:<id>` or `client:<id>` for admin actions.
    pub actor: Option<String>,
    #[schema(value_type = Object)]
    pub detail: serde_json::Value,
}

impl From<&AuditEvent> for AuditEventView {
    fn from(e: &AuditEvent) -> AuditEventView {
        AuditEventView {
            id: e.id.clone(),
            at: e.at,
            kind: e.kind.to_string(),
            client_id: e.client_id.clone(),
            user_id: e.user_id.clone(),
            actor: e.actor.clone(),
            detail: serde_json::from_str(&e.detail).unwrap_or(serde_json::Value::Null),
        }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct AuditPage {
    pub items: Vec<AuditEventView>,
    /// Pass as `before` for older events; absent on the last page.
    pub next: Option<String>,
}

#[utoipa::path(get, path = "/admin/api/v1/audit-events", tag = "audit", params(AuditParams),
    responses((status = 200, body = AuditPage), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn list(
    _op: Operator,
    admin: Data<Admin>,
    params: Query<AuditParams>,
) -> Result<HttpResponse, ApiError> {
    let params = params.into_inner();
    let kind = match params.kind.as_deref() {
        Some(raw) => {
            Some(raw.parse::<AuditKind>().map_err(|e| ApiError::bad_request(Some("kind"), e.to_string()))?)
        }
        None => None,
    };
    let query = AuditQuery {
        user_id: params.user_id,
        client_id: params.client_id,
        kind,
        since: params.since,
        until: params.until,
        before: params.before,
        limit: params.limit,
    };
    let page = admin.audit_events(&query).await?;
    Ok(no_store()
        .json(AuditPage { items: page.items.iter().map(AuditEventView::from).collect(), next: page.next }))
}
