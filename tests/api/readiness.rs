//! `/readyz` on a healthy server: every check answers, named in the body
//! (a stopped Redis is in `redis_faults`).

use crate::helpers::*;

backend_test!(a_healthy_server_is_ready_and_says_what_it_checked, |app| async move {
    let resp = app.api.get(app.url("/readyz")).send().await.expect("GET /readyz");
    assert_eq!(resp.status(), 200);
    assert_eq!(header(&resp, reqwest::header::CACHE_CONTROL).as_deref(), Some("no-store"));
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(body["status"], "ready", "{body}");
    for check in ["database", "sessions", "keys"] {
        assert_eq!(body["checks"][check]["ok"], true, "{check}: {body}");
    }
    let sessions = body["checks"]["sessions"]["detail"].as_str().unwrap_or_default();
    assert!(sessions == "ok (memory)" || sessions == "ok (redis)", "{body}");
    assert!(body["checks"]["keys"]["detail"].as_str().unwrap_or_default().starts_with("ok (RS256"), "{body}");
    let head = app.api.head(app.url("/readyz")).send().await.unwrap();
    assert_eq!(head.status(), 200, "HEAD too");
});
