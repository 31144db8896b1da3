//! A caller of the admin REST API: a bearer token and JSON requests.

use reqwest::Method;
use serde_json::Value;

use super::*;

/// The answer of one admin API request.
pub struct ApiAnswer {
    pub status: u16,
    pub etag: Option<String>,
    pub headers: reqwest::header::HeaderMap,
    pub json: Value,
}

pub struct AdminApi {
    base: String,
    token: Option<String>,
}

impl TestApp {
    /// An automation client with `oxidp:admin` (client_credentials) and an
    /// API caller holding its token.
    pub async fn admin_api(&self) -> AdminApi {
        let client = self.with_service_client("automation", &["oxidp:admin"], &[]).await;
        let token = self.service_token(&client, "oxidp:admin").await;
        self.admin_api_with(Some(token))
    }

    /// An API caller presenting `token` (or nothing).
    pub fn admin_api_with(&self, token: Option<String>) -> AdminApi {
        AdminApi { base: self.url("/admin/api/v1"), token }
    }

    /// A client_credentials access token for `client` with `scope`.
    pub async fn service_token(&self, client: &TestClient, scope: &str) -> String {
        let resp = self.client_credentials(client, &[("scope", scope)]).await;
        assert_eq!(resp.status(), 200, "client_credentials for {}", client.client_id);
        Tokens::from_response(resp).await.access_token
    }
}

impl AdminApi {
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
        if_match: Option<&str>,
    ) -> ApiAnswer {
        let mut req = http_client().request(method, format!("{}{path}", self.base));
        if let Some(token) = &self.token {
            req = req.bearer_auth(token);
        }
        if let Some(tag) = if_match {
            req = req.header("If-Match", tag);
        }
        if let Some(body) = body {
            req = req.json(&body);
        }
        let resp = req.send().await.expect("admin API request");
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let etag = headers.get("etag").and_then(|v| v.to_str().ok()).map(str::to_string);
        let text = resp.text().await.expect("body");
        let json =
            if text.is_empty() { Value::Null } else { serde_json::from_str(&text).expect("JSON body") };
        ApiAnswer { status, etag, headers, json }
    }

    pub async fn get(&self, path: &str) -> ApiAnswer {
        self.call(Method::GET, path, None, None).await
    }

    pub async fn post(&self, path: &str, body: Value) -> ApiAnswer {
        self.call(Method::POST, path, Some(body), None).await
    }

    pub async fn patch(&self, path: &str, body: Value, if_match: Option<&str>) -> ApiAnswer {
        self.call(Method::PATCH, path, Some(body), if_match).await
    }

    pub async fn put(&self, path: &str, body: Value) -> ApiAnswer {
        self.call(Method::PUT, path, Some(body), None).await
    }

    pub async fn delete(&self, path: &str) -> ApiAnswer {
        self.call(Method::DELETE, path, None, None).await
    }
}

impl TestApp {
    /// How many audit events exist (each admin change adds one).
    pub async fn audit_count(&self) -> usize {
        self.services.admin.recent_audit_events(10_000).await.expect("audit").len()
    }
}

impl AdminApi {
    /// `POST /clients` with `body` is refused with 400 naming `field`, and
    /// writes nothing: the client does not exist and no audit event was
    /// added. Returns the error answer.
    pub async fn refused_client(&self, app: &TestApp, body: Value, field: &str) -> Value {
        let before = app.audit_count().await;
        let answer = self.post("/clients", body.clone()).await;
        assert_eq!(api_error(&answer, 400), "invalid_request", "{body}");
        assert_eq!(answer.json["field"], field, "{body}: {}", answer.json);
        let client_id = body["client_id"].as_str().expect("client_id");
        assert_eq!(
            self.get(&format!("/clients/{client_id}")).await.status,
            404,
            "{client_id} was not written"
        );
        assert_eq!(app.audit_count().await, before, "no audit record for refused input");
        answer.json
    }
}

/// Asserts the API's one error shape and returns the error code.
pub fn api_error(answer: &ApiAnswer, status: u16) -> String {
    assert_eq!(answer.status, status, "{}", answer.json);
    assert!(
        answer.json["error"].is_string() && answer.json["error_description"].is_string(),
        "{}",
        answer.json
    );
    answer.json["error"].as_str().unwrap_or_default().to_string()
}
