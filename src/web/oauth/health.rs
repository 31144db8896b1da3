//! Probes. Liveness (`/healthz`) answers without touching any store;
//! readiness (`/readyz`) asks the database, the ephemeral store and the
//! keyring (`flows::readiness`): 200 when all answer, else 503, each with
//! a JSON body naming every check, so an operator sees which one failed.

use actix_web::web::Data;
use actix_web::{HttpResponse, HttpResponseBuilder};
use serde_json::{Map, Value, json};

use crate::flows::readiness::Readiness;

pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain").body("ok")
}

pub async fn readyz(readiness: Data<Readiness>) -> HttpResponse {
    let report = readiness.check().await;
    let checks: Map<String, Value> = report
        .checks
        .iter()
        .map(|c| (c.name.to_string(), json!({ "ok": c.ok, "detail": c.detail })))
        .collect();
    let (mut builder, status): (HttpResponseBuilder, &str) = if report.ready() {
        (HttpResponse::Ok(), "ready")
    } else {
        for failed in report.checks.iter().filter(|c| !c.ok) {
            tracing::warn!(check = failed.name, detail = %failed.detail, "not ready");
        }
        (HttpResponse::ServiceUnavailable(), "not_ready")
    };
    builder.json(json!({ "status": status, "checks": checks }))
}
