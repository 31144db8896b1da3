//! Prometheus metrics on their own listener (`server.metrics_bind`): HTTP
//! requests by route and status, tokens by grant and client, security
//! events by kind, store operations and gauges; nothing on the public port.
//! The recorder is one per process, so every figure checked here is for a
//! client or a difference this test alone produces.

use crate::authorize::CB;
use crate::helpers::*;

fn with_metrics() -> SpawnOptions {
    SpawnOptions::default().settings(|s| s.server.metrics_bind = Some("127.0.0.1:0".into()))
}

async fn scrape(app: &TestApp) -> String {
    let port = app.metrics_port.expect("metrics are on");
    let resp = app.api.get(format!("http://127.0.0.1:{port}/metrics")).send().await.expect("scrape");
    assert_eq!(resp.status(), 200);
    let kind = header(&resp, reqwest::header::CONTENT_TYPE).unwrap_or_default();
    assert!(kind.starts_with("text/plain; version=0.0.4"), "{kind}");
    resp.text().await.unwrap()
}

/// The value of the sample `name{labels}` (labels exactly as rendered).
fn sample(text: &str, series: &str) -> f64 {
    text.lines()
        .find_map(|l| l.strip_prefix(series).and_then(|v| v.strip_prefix(' ')))
        .map(|v| v.trim().parse().expect("a number"))
        .unwrap_or(0.0)
}

backend_test!(
    the_metrics_listener_reports_requests_tokens_and_security_events,
    options = with_metrics(),
    |app| async move {
        let client_id = format!("svc-{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
        let service = app.with_service_client(&client_id, &[], &[]).await;
        let before = scrape(&app).await;
        for _ in 0..3 {
            assert_eq!(app.client_credentials(&service, &[]).await.status(), 200);
        }
        // A failed sign-in is a security event.
        app.with_user("alice", "correct horse battery").await;
        let client = app.with_public_client(&format!("app-{client_id}"), &[CB]).await;
        let browser = app.browser();
        let form = browser.login_page(&AuthRequest::new(&client)).await;
        assert_eq!(browser.submit_login(&form, "alice", "not the password").await.status(), 200);

        // A made-up method does not become a series of its own.
        let odd = reqwest::Method::from_bytes(b"XMETHOD7").unwrap();
        app.api.request(odd, app.url("/healthz")).send().await.unwrap();

        let after = scrape(&app).await;
        let tokens =
            format!("oxidp_tokens_issued_total{{grant=\"client_credentials\",client_id=\"{client_id}\"}}");
        assert_eq!(sample(&after, &tokens), 3.0, "{after}");
        let token_requests = "oxidp_http_requests_total{method=\"POST\",route=\"/token\",status=\"200\"}";
        assert!(sample(&after, token_requests) - sample(&before, token_requests) >= 3.0, "{after}");
        let failed = "oxidp_security_events_total{kind=\"login_failed\"}";
        assert!(sample(&after, failed) - sample(&before, failed) >= 1.0, "{after}");
        for family in [
            "# TYPE oxidp_http_request_duration_seconds histogram",
            "oxidp_http_request_duration_seconds_bucket{method=\"POST\",route=\"/token\",le=\"0.5\"}",
            "oxidp_store_operation_duration_seconds_bucket{backend=",
            "oxidp_signing_key_age_seconds{alg=\"RS256\"}",
            "oxidp_build_info{version=",
            "# HELP oxidp_tokens_issued_total",
        ] {
            assert!(after.contains(family), "{family} missing:\n{after}");
        }
        assert!(!after.contains("XMETHOD7") && after.contains("method=\"other\""), "{after}");
        // Not on the public listener.
        assert_eq!(app.get("/metrics").await.status(), 404);
    }
);
