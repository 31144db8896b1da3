//! What oxidp measures, through the `metrics` facade: every metric's name,
//! labels and meaning are here, so the code that counts and the Prometheus
//! exporter (`app::metrics`, on `server.metrics_bind`) never disagree.
//! Without an exporter no recorder is installed, and each call is a check
//! of one atomic. Labels have bounded values only: route patterns (never
//! paths or query strings), registered client ids, vocabulary words.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use metrics::{Unit, counter, describe_counter, describe_gauge, describe_histogram, gauge, histogram};

use crate::protocol::pending_logins::PendingScope;
use crate::protocol::{AuditKind, GrantType};

pub const HTTP_REQUESTS: &str = "oxidp_http_requests_total";
pub const HTTP_DURATION: &str = "oxidp_http_request_duration_seconds";
pub const TOKENS_ISSUED: &str = "oxidp_tokens_issued_total";
pub const SECURITY_EVENTS: &str = "oxidp_security_events_total";
pub const BACKCHANNEL_DELIVERIES: &str = "oxidp_backchannel_logout_deliveries_total";
pub const PENDING_LOGINS_REFUSED: &str = "oxidp_pending_logins_refused_total";
pub const RATE_LIMITED: &str = "oxidp_rate_limited_total";
pub const SIGNING_KEY_AGE: &str = "oxidp_signing_key_age_seconds";
pub const STORE_DURATION: &str = "oxidp_store_operation_duration_seconds";
pub const STORE_ERRORS: &str = "oxidp_store_errors_total";
pub const POOL_CONNECTIONS: &str = "oxidp_db_pool_connections";
pub const POOL_IDLE: &str = "oxidp_db_pool_idle_connections";
pub const POOL_MAX: &str = "oxidp_db_pool_max_connections";
pub const EPHEMERAL_ENTRIES: &str = "oxidp_ephemeral_entries";
pub const BUILD_INFO: &str = "oxidp_build_info";

/// Histogram buckets for latencies, in seconds: 0.5 ms to 10 s.
pub const LATENCY_BUCKETS: &[f64] =
    &[0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];

/// Whether a recorder is installed. The `metrics` macros build their keys
/// (label strings included) even with none, so every call checks this
/// first: without `server.metrics_bind` measuring costs one atomic load.
static ENABLED: AtomicBool = AtomicBool::new(false);

fn enabled() -> bool {
    ENABLED.load(Ordering::Relaxed)
}

/// Registers what each metric means (the exporter's `# HELP` lines) and
/// the build info; once, when the recorder is installed.
pub fn describe() {
    ENABLED.store(true, Ordering::Relaxed);
    describe_counter!(HTTP_REQUESTS, "HTTP requests answered, by method, route pattern and status");
    describe_histogram!(
        HTTP_DURATION,
        Unit::Seconds,
        "Time to answer a request, by method and route pattern"
    );
    describe_counter!(TOKENS_ISSUED, "Token responses issued, by grant type and client");
    describe_counter!(
        SECURITY_EVENTS,
        "Security events recorded in the audit trail, by kind (logins by outcome, lockouts, refresh-token reuse, ...)"
    );
    describe_counter!(BACKCHANNEL_DELIVERIES, "Back-channel logout deliveries, by outcome");
    describe_counter!(PENDING_LOGINS_REFUSED, "Login transactions refused by login.max_pending*, by scope");
    describe_counter!(RATE_LIMITED, "Requests refused with 429 by rate_limits.*, by route");
    describe_gauge!(SIGNING_KEY_AGE, Unit::Seconds, "Age of the active signing key, by algorithm");
    describe_histogram!(STORE_DURATION, Unit::Seconds, "Store operation time, by backend");
    describe_counter!(STORE_ERRORS, "Store operations that failed, by backend");
    describe_gauge!(POOL_CONNECTIONS, "Database connections open");
    describe_gauge!(POOL_IDLE, "Database connections open and idle");
    describe_gauge!(POOL_MAX, "Database connections the pool may open (database.max_connections)");
    describe_gauge!(EPHEMERAL_ENTRIES, "Entries held by the in-process ephemeral store, by kind");
    describe_gauge!(BUILD_INFO, "Always 1; the version of this build");
    gauge!(BUILD_INFO, "version" => env!("CARGO_PKG_VERSION")).set(1.0);
}

pub fn http_request(method: &str, route: &str, status: u16, elapsed: Duration) {
    if !enabled() {
        return;
    }
    // Any token is a method to HTTP (RFC 9110 §9.1): unknown ones share a
    // label, so a client cannot grow the series without bound.
    let method = match method {
        "GET" | "HEAD" | "POST" | "PUT" | "PATCH" | "DELETE" | "OPTIONS" => method,
        _ => "other",
    };
    let route = route.to_string();
    counter!(HTTP_REQUESTS, "method" => method.to_string(), "route" => route.clone(), "status" => status.to_string())
        .increment(1);
    histogram!(HTTP_DURATION, "method" => method.to_string(), "route" => route).record(elapsed.as_secs_f64());
}

pub fn token_issued(grant: GrantType, client_id: &str) {
    if !enabled() {
        return;
    }
    counter!(TOKENS_ISSUED, "grant" => grant.as_str(), "client_id" => client_id.to_string()).increment(1);
}

pub fn security_event(kind: AuditKind) {
    if !enabled() {
        return;
    }
    counter!(SECURITY_EVENTS, "kind" => kind.as_str()).increment(1);
}

/// `outcome`: `delivered` or `failed`.
pub fn backchannel_delivery(outcome: &'static str) {
    if !enabled() {
        return;
    }
    counter!(BACKCHANNEL_DELIVERIES, "outcome" => outcome).increment(1);
}

pub fn pending_login_refused(scope: PendingScope) {
    if !enabled() {
        return;
    }
    let scope = match scope {
        PendingScope::Address => "address",
        PendingScope::Total => "total",
    };
    counter!(PENDING_LOGINS_REFUSED, "scope" => scope).increment(1);
}

/// A request refused by a rate limit; `route` is one of a few fixed names.
pub fn rate_limited(route: &'static str) {
    if !enabled() {
        return;
    }
    counter!(RATE_LIMITED, "route" => route).increment(1);
}

pub fn signing_key_age(alg: &'static str, seconds: i64) {
    if !enabled() {
        return;
    }
    gauge!(SIGNING_KEY_AGE, "alg" => alg).set(seconds as f64);
}

/// One store operation of `backend` (`sqlite`, `postgres`, `redis`).
pub fn store_operation(backend: &'static str, elapsed: Duration, ok: bool) {
    if !enabled() {
        return;
    }
    histogram!(STORE_DURATION, "backend" => backend).record(elapsed.as_secs_f64());
    if !ok {
        counter!(STORE_ERRORS, "backend" => backend).increment(1);
    }
}

pub fn db_pool(backend: &'static str, connections: u32, idle: u32, max: u32) {
    if !enabled() {
        return;
    }
    gauge!(POOL_CONNECTIONS, "backend" => backend).set(connections);
    gauge!(POOL_IDLE, "backend" => backend).set(idle);
    gauge!(POOL_MAX, "backend" => backend).set(max);
}

pub fn ephemeral_entries(kind: &str, count: usize) {
    if !enabled() {
        return;
    }
    gauge!(EPHEMERAL_ENTRIES, "kind" => kind.to_string()).set(count as f64);
}
