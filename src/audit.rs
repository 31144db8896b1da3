//! The audit trail: security-relevant events (token reuse, code replay,
//! revocations) written to the database and to the log. Writing an event
//! never changes the outcome of the request that caused it.

use serde_json::Value;

use crate::store::{AuditEvent, Db, sql};

pub const REFRESH_TOKEN_REUSE: &str = "refresh_token_reuse";
pub const CODE_REPLAY: &str = "code_replay";
pub const TOKEN_REVOKED: &str = "token_revoked";
pub const SESSION_ENDED: &str = "session_ended";

pub async fn record(
    db: &Db,
    now: i64,
    kind: &str,
    client_id: Option<&str>,
    user_id: Option<&str>,
    detail: Value,
) {
    tracing::warn!(kind, client_id, user_id, %detail, "audit event");
    let event = AuditEvent {
        id: crate::crypto::time_ordered_id(now),
        at: now,
        kind: kind.to_string(),
        client_id: client_id.map(str::to_string),
        user_id: user_id.map(str::to_string),
        detail: detail.to_string(),
    };
    if let Err(e) = db.run(move |c| sql::audit::insert(c, &event)).await {
        tracing::error!(error = %e, kind, "could not write audit event");
    }
}
