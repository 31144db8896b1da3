//! Request ids: every response carries `X-Request-Id` (the caller's when
//! plausible, else a fresh one), and every log line of a request carries it
//! too, in JSON for log shippers; the query string is never logged.

use std::time::Duration;

use crate::helpers::*;

const REQUEST_ID: reqwest::header::HeaderName = reqwest::header::HeaderName::from_static("x-request-id");

backend_test!(every_response_has_a_request_id, |app| async move {
    let given = app.api.get(app.url("/healthz")).header(REQUEST_ID, "lb-7f3a:1").send().await.unwrap();
    assert_eq!(header(&given, REQUEST_ID).as_deref(), Some("lb-7f3a:1"), "the caller's id is kept");
    let mut seen = std::collections::HashSet::new();
    for path in ["/healthz", "/.well-known/jwks.json", "/no-such-page", &"/x".repeat(5000)] {
        let resp = app.api.get(app.url(path)).header(REQUEST_ID, "has space").send().await.unwrap();
        let id = header(&resp, REQUEST_ID).expect("an id on every response, errors included");
        assert_eq!(id.len(), 32, "{path}: an implausible id is replaced: {id}");
        assert!(seen.insert(id), "ids are unique");
    }
});

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_log_line_of_a_request_names_it_in_json() {
    let server = ServerProcess::start(&[("OXIDP__LOG__FORMAT", "json"), ("RUST_LOG", "debug")]).await;
    let client = reqwest::Client::new();
    let form = [("grant_type", "client_credentials"), ("client_id", "nobody"), ("client_secret", "wrong")];
    let resp = client
        .post(server.url("/token?hint=query-secret"))
        .header(REQUEST_ID, "trace-me-42")
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    assert_eq!(header(&resp, REQUEST_ID).as_deref(), Some("trace-me-42"));
    server.signal("-TERM");
    let output = server.exit(Duration::from_secs(30)).await;
    let log = String::from_utf8_lossy(&output.stdout);
    let lines: Vec<serde_json::Value> =
        log.lines().map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}"))).collect();
    let ours: Vec<&serde_json::Value> =
        lines.iter().filter(|l| l["span"]["request_id"] == "trace-me-42").collect();
    assert!(ours.len() >= 2, "the failed client authentication and the request line: {log}");
    assert!(
        ours.iter().any(|l| l["fields"]["message"] == "request served" && l["fields"]["status"] == 401),
        "{log}"
    );
    assert!(
        ours.iter().all(|l| l["span"]["route"] == "/token" && l["span"]["client_ip"] == "127.0.0.1"),
        "{log}"
    );
    assert!(!log.contains("query-secret"), "no query string in the log: {log}");
}
