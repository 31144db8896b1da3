//! The Prometheus exporter (`server.metrics_bind`, off by default): the
//! `metrics` recorder is installed once per process, and `GET /metrics` is
//! served on its own listener, never on the public one, so scrapes stay
//! inside the operator's network. What is measured is `crate::measure`.

use std::net::TcpListener;
use std::sync::Mutex;

use actix_web::dev::Server;
use actix_web::{App, HttpResponse, HttpServer, web};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

use crate::measure;

/// The process's recorder, once installed.
static HANDLE: Mutex<Option<PrometheusHandle>> = Mutex::new(None);

/// The installed recorder's handle, installing it first if needed.
pub fn recorder() -> anyhow::Result<PrometheusHandle> {
    let mut installed = HANDLE.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(handle) = installed.as_ref() {
        return Ok(handle.clone());
    }
    let recorder = PrometheusBuilder::new().set_buckets(measure::LATENCY_BUCKETS)?.build_recorder();
    let handle = recorder.handle();
    metrics::set_global_recorder(recorder)
        .map_err(|e| anyhow::anyhow!("cannot install the metrics recorder: {e}"))?;
    measure::describe();
    *installed = Some(handle.clone());
    Ok(handle)
}

/// The metrics listener: its port and the running server.
pub fn serve(bind: &str, handle: PrometheusHandle) -> anyhow::Result<(u16, Server)> {
    let listener = TcpListener::bind(bind)
        .map_err(|e| anyhow::anyhow!("server.metrics_bind {bind}: cannot listen: {e}"))?;
    let port = listener.local_addr()?.port();
    let handle = web::Data::new(handle);
    let server =
        HttpServer::new(move || App::new().app_data(handle.clone()).route("/metrics", web::get().to(render)))
            .workers(1)
            .disable_signals()
            .shutdown_timeout(1)
            .listen(listener)?
            .run();
    Ok((port, server))
}

/// The Prometheus text exposition format (version 0.0.4).
async fn render(handle: web::Data<PrometheusHandle>) -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain; version=0.0.4; charset=utf-8").body(handle.render())
}
