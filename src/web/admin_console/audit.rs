//! `/admin/audit`: the audit trail, newest first, filtered by user,
//! client, kind and dates, with "older events" pages.

use actix_web::HttpResponse;
use actix_web::cookie::time::{Date, Month};
use actix_web::http::StatusCode;
use actix_web::web::{Data, Query};

use crate::flows::admin::{Admin, AdminError, AuditQuery};
use crate::protocol::{AuditEvent, AuditKind};
use crate::web::admin_console::views::{AuditFilter, AuditPage, AuditRow};
use crate::web::admin_console::{Console, admin_error, html, when};

/// The filters as the form sends them (all text; empty means "any").
#[derive(Debug, Default, serde::Deserialize)]
pub struct AuditForm {
    #[serde(default)]
    user: String,
    #[serde(default)]
    client: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    since: String,
    #[serde(default)]
    until: String,
    before: Option<String>,
}

pub async fn audit_get(console: Console, admin: Data<Admin>, form: Query<AuditForm>) -> HttpResponse {
    let form = form.into_inner();
    let filter = AuditFilter {
        user: form.user.trim().to_string(),
        client: form.client.trim().to_string(),
        kind: form.kind.trim().to_string(),
        since: form.since.trim().to_string(),
        until: form.until.trim().to_string(),
    };
    let query = match query_of(&admin, &filter, form.before.clone()).await {
        Ok(query) => query,
        Err(message) => {
            return page(&console, filter, Vec::new(), None, Some(&message), StatusCode::BAD_REQUEST);
        }
    };
    match admin.audit_events(&query).await {
        Ok(found) => {
            let older = found.next.map(|before| older_query(&filter, &before));
            let events = found.items.into_iter().map(row).collect();
            page(&console, filter, events, older, None, StatusCode::OK)
        }
        Err(AdminError::Invalid { message, .. }) => {
            page(&console, filter, Vec::new(), None, Some(&message), StatusCode::BAD_REQUEST)
        }
        Err(e) => admin_error(&console, &e),
    }
}

/// The filters as an audit query; a username is looked up (an id is used
/// as it is).
async fn query_of(admin: &Admin, filter: &AuditFilter, before: Option<String>) -> Result<AuditQuery, String> {
    let kind = match filter.kind.as_str() {
        "" => None,
        word => Some(word.parse::<AuditKind>().map_err(|e| e.to_string())?),
    };
    let user_id = match filter.user.as_str() {
        "" => None,
        key => Some(admin.find_user(key).await.map(|u| u.id).unwrap_or_else(|_| key.to_string())),
    };
    let since = day(&filter.since, 0).map_err(|e| format!("since: {e}"))?;
    let until = day(&filter.until, 86_399).map_err(|e| format!("until: {e}"))?;
    Ok(AuditQuery {
        user_id,
        client_id: (!filter.client.is_empty()).then(|| filter.client.clone()),
        kind,
        since,
        until,
        before: before.filter(|b| !b.is_empty()),
        limit: None,
    })
}

/// `YYYY-MM-DD` (UTC) as Unix seconds, plus `offset` seconds into the day.
fn day(text: &str, offset: i64) -> Result<Option<i64>, String> {
    if text.is_empty() {
        return Ok(None);
    }
    let bad = || format!("{text:?} is not a date like 2026-12-31");
    let mut parts = text.splitn(3, '-').map(|p| p.parse::<i64>().map_err(|_| bad()));
    let (year, month, date) = match (parts.next(), parts.next(), parts.next()) {
        (Some(y), Some(m), Some(d)) => (y?, m?, d?),
        _ => return Err(bad()),
    };
    let month = u8::try_from(month).ok().and_then(|m| Month::try_from(m).ok()).ok_or_else(bad)?;
    let year = i32::try_from(year).map_err(|_| bad())?;
    let date =
        Date::from_calendar_date(year, month, u8::try_from(date).map_err(|_| bad())?).map_err(|_| bad())?;
    Ok(Some(date.midnight().assume_utc().unix_timestamp() + offset))
}

fn older_query(filter: &AuditFilter, before: &str) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .append_pair("user", &filter.user)
        .append_pair("client", &filter.client)
        .append_pair("kind", &filter.kind)
        .append_pair("since", &filter.since)
        .append_pair("until", &filter.until)
        .append_pair("before", before)
        .finish()
}

fn page(
    console: &Console,
    filter: AuditFilter,
    events: Vec<AuditRow>,
    older: Option<String>,
    error: Option<&str>,
    status: StatusCode,
) -> HttpResponse {
    let page = AuditPage {
        nav: console.nav("audit"),
        ui: console.ui(),
        events,
        kinds: AuditKind::ALL.iter().map(|k| k.as_str()).collect(),
        filter,
        error,
        older,
    };
    html(status, &page)
}

fn row(e: AuditEvent) -> AuditRow {
    AuditRow {
        at: when(e.at),
        kind: e.kind.to_string(),
        actor: e.actor.unwrap_or_default(),
        user_id: e.user_id.unwrap_or_default(),
        client_id: e.client_id.unwrap_or_default(),
        summary: summary(&e.detail),
        detail: e.detail,
    }
}

/// One line for the table (the full detail folds out beneath it): an
/// admin action's `action target`, else the detail itself when short.
fn summary(detail: &str) -> String {
    const SHORT: usize = 80;
    let parsed: serde_json::Value = serde_json::from_str(detail).unwrap_or_default();
    let word = |name: &str| parsed[name].as_str().map(str::to_string);
    match (word("action"), word("target")) {
        (Some(action), Some(target)) => format!("{action} {target}"),
        _ if detail.chars().count() <= SHORT => detail.to_string(),
        _ => format!("{}…", detail.chars().take(SHORT).collect::<String>()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summaries_name_the_action_or_shorten_the_detail() {
        assert_eq!(
            summary(r#"{"action":"client.update","target":"wiki","before":{}}"#),
            "client.update wiki"
        );
        assert_eq!(summary(r#"{"reason":"logout"}"#), r#"{"reason":"logout"}"#);
        assert_eq!(summary(&format!(r#"{{"x":"{}"}}"#, "a".repeat(100))).chars().count(), 81);
    }

    #[test]
    fn days_are_utc_and_checked() {
        assert_eq!(day("2026-12-02", 0), Ok(Some(1_796_169_600)));
        assert_eq!(day("2026-12-02", 86_399), Ok(Some(1_796_255_999)));
        assert_eq!(day("", 0), Ok(None));
        assert!(day("2026-13-01", 0).is_err());
        assert!(day("yesterday", 0).is_err());
    }
}
