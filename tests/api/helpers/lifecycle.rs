//! Token lifecycle helpers: clients with refresh / client-credentials
//! grants, refresh, revocation (RFC 7009), introspection (RFC 7662), the
//! audit trail and the fixed clock.

use oxidp::flows::admin::{Actor, NewClient};
use oxidp::store::AuditEvent;
use reqwest::header::WWW_AUTHENTICATE;
use serde_json::{Value, json};

use super::browser::header;
use super::oauth::{AuthRequest, ClientAuth, TestClient, TestUser, Tokens, oauth_error};
use super::{TestApp, now};

/// The redirect URI of the clients built here.
pub const CALLBACK: &str = "http://127.0.0.1:9999/cb";

/// The scope `tokens_for` asks for.
pub const FULL_SCOPE: &str = "openid profile email";

/// A confidential client allowed the authorization code and refresh grants.
pub fn refresh_client_spec(client_id: &str) -> NewClient {
    NewClient {
        client_id: client_id.into(),
        redirect_uris: vec![CALLBACK.into()],
        grant_types: vec!["authorization_code".into(), "refresh_token".into()],
        ..NewClient::default()
    }
}

/// A confidential client allowed only the client credentials grant.
pub fn service_client_spec(client_id: &str, scopes: &[&str], resources: &[&str]) -> NewClient {
    NewClient {
        client_id: client_id.into(),
        redirect_uris: vec![CALLBACK.into()],
        grant_types: vec!["client_credentials".into()],
        scopes: scopes.iter().map(|s| s.to_string()).collect(),
        resources: resources.iter().map(|s| s.to_string()).collect(),
        ..NewClient::default()
    }
}

/// The space-separated `scope` member of a JSON object, sorted.
pub fn scope_of(json: &Value) -> Vec<String> {
    let scope = json["scope"].as_str().unwrap_or_else(|| panic!("no scope member: {json}"));
    sorted_scope(scope)
}

/// A scope string as a sorted list of its tokens.
pub fn sorted_scope(scope: &str) -> Vec<String> {
    let mut tokens: Vec<String> = scope.split(' ').filter(|t| !t.is_empty()).map(str::to_string).collect();
    tokens.sort();
    tokens
}

/// Asserts an RFC 6749 §5.2 JSON error with this status and code.
pub async fn assert_oauth_error(resp: reqwest::Response, status: u16, error: &str) -> Value {
    let (got, code, body) = oauth_error(resp).await;
    assert_eq!((got, code.as_str()), (status, error), "{body}");
    for member in ["access_token", "refresh_token", "id_token", "active"] {
        assert!(body.get(member).is_none(), "{member} in an error response: {body}");
    }
    body
}

/// RFC 6749 §5.2 `invalid_client`: 401 with a challenge (the requests here
/// authenticate with Basic or not at all), or 400 when no Basic was sent.
pub async fn assert_invalid_client(resp: reqwest::Response) {
    let status = resp.status().as_u16();
    let challenge = header(&resp, WWW_AUTHENTICATE);
    let (_, code, body) = oauth_error(resp).await;
    assert_eq!(code, "invalid_client", "{body}");
    assert!(status == 401 || status == 400, "status {status}: {body}");
    if status == 401 {
        assert!(challenge.is_some(), "401 without WWW-Authenticate: {body}");
    }
}

impl TestApp {
    pub async fn with_refresh_client(&self, client_id: &str) -> TestClient {
        self.with_client(refresh_client_spec(client_id)).await
    }

    /// A public client (auth method `none`) with the refresh grant.
    pub async fn with_public_refresh_client(&self, client_id: &str) -> TestClient {
        self.with_client(NewClient { public: true, ..refresh_client_spec(client_id) }).await
    }

    pub async fn with_service_client(
        &self,
        client_id: &str,
        scopes: &[&str],
        resources: &[&str],
    ) -> TestClient {
        self.with_client(service_client_spec(client_id, scopes, resources)).await
    }

    /// Code flow for `user` at `client` with `scope`, in a fresh browser.
    pub async fn tokens_scoped(&self, user: &TestUser, client: &TestClient, scope: &str) -> Tokens {
        let req = AuthRequest::new(client).scope(scope);
        self.tokens_with(&self.browser(), user, client, &req).await
    }

    /// `grant_type=refresh_token` as `client` (its default authentication).
    pub async fn refresh(&self, client: &TestClient, refresh_token: &str) -> reqwest::Response {
        self.refresh_with(&client.auth(), refresh_token, &[]).await
    }

    /// `grant_type=refresh_token` with explicit authentication and extra
    /// parameters (`scope`, ...).
    pub async fn refresh_with(
        &self,
        auth: &ClientAuth,
        refresh_token: &str,
        extra: &[(&str, &str)],
    ) -> reqwest::Response {
        let mut params = vec![("grant_type", "refresh_token"), ("refresh_token", refresh_token)];
        params.extend_from_slice(extra);
        self.token(auth, &params).await
    }

    /// A successful refresh.
    pub async fn refreshed(&self, client: &TestClient, refresh_token: &str) -> Tokens {
        Tokens::from_response(self.refresh(client, refresh_token).await).await
    }

    /// `grant_type=client_credentials` as `client` with extra parameters.
    pub async fn client_credentials(&self, client: &TestClient, extra: &[(&str, &str)]) -> reqwest::Response {
        let mut params = vec![("grant_type", "client_credentials")];
        params.extend_from_slice(extra);
        self.token(&client.auth(), &params).await
    }

    /// POST /revoke (RFC 7009 §2.1).
    pub async fn revoke(&self, auth: &ClientAuth, token: &str, hint: Option<&str>) -> reqwest::Response {
        let mut params = vec![("token", token)];
        if let Some(hint) = hint {
            params.push(("token_type_hint", hint));
        }
        self.post_form("/revoke", auth, &params).await
    }

    /// Revokes `token` as `client`, asserting 200 with an empty body.
    pub async fn revoked(&self, client: &TestClient, token: &str) {
        let resp = self.revoke(&client.auth(), token, None).await;
        assert_revocation_ok(resp).await;
    }

    /// POST /introspect (RFC 7662 §2.1).
    pub async fn introspect(&self, auth: &ClientAuth, token: &str, hint: Option<&str>) -> reqwest::Response {
        let mut params = vec![("token", token)];
        if let Some(hint) = hint {
            params.push(("token_type_hint", hint));
        }
        self.post_form("/introspect", auth, &params).await
    }

    /// Introspects `token` as `client`, asserting a 200 JSON answer.
    pub async fn introspection(&self, client: &TestClient, token: &str) -> Value {
        let resp = self.introspect(&client.auth(), token, None).await;
        let status = resp.status();
        let body = resp.text().await.expect("introspection body");
        assert_eq!(status, 200, "introspection failed: {body}");
        serde_json::from_str(&body).unwrap_or_else(|e| panic!("introspection is not JSON ({e}): {body}"))
    }

    /// RFC 7662 §2.2: an inactive token is `{"active":false}` and nothing else.
    pub async fn assert_inactive(&self, client: &TestClient, token: &str, what: &str) {
        let info = self.introspection(client, token).await;
        assert_eq!(info, json!({ "active": false }), "{what}");
    }

    pub async fn assert_active(&self, client: &TestClient, token: &str, what: &str) -> Value {
        let info = self.introspection(client, token).await;
        assert_eq!(info["active"], true, "{what}: {info}");
        info
    }

    /// The access token is dead everywhere: inactive at /introspect (asked
    /// by `client`) and refused by /userinfo with `invalid_token`.
    pub async fn assert_access_token_dead(&self, client: &TestClient, access_token: &str, what: &str) {
        self.assert_inactive(client, access_token, what).await;
        let resp = self.userinfo(access_token).await;
        assert_eq!(resp.status(), 401, "{what}: userinfo still accepts the token");
        let challenge = header(&resp, WWW_AUTHENTICATE).unwrap_or_default();
        assert!(challenge.contains(r#"error="invalid_token""#), "{what}: {challenge}");
    }

    /// The access token is alive: active at /introspect and served by /userinfo.
    pub async fn assert_access_token_alive(&self, client: &TestClient, access_token: &str, what: &str) {
        self.assert_active(client, access_token, what).await;
        let resp = self.userinfo(access_token).await;
        assert_eq!(resp.status(), 200, "{what}: userinfo refuses the token");
    }

    /// The refresh token is refused with `invalid_grant`.
    pub async fn assert_refresh_fails(&self, client: &TestClient, refresh_token: &str, what: &str) {
        let resp = self.refresh(client, refresh_token).await;
        let (status, code, body) = oauth_error(resp).await;
        assert_eq!((status, code.as_str()), (400, "invalid_grant"), "{what}: {body}");
    }

    /// The most recent audit events (newest first).
    pub async fn audit_events(&self) -> Vec<AuditEvent> {
        self.services.admin.recent_audit_events(500).await.expect("read audit events")
    }

    /// Audit events of `kind`.
    pub async fn audit_events_of(&self, kind: &str) -> Vec<AuditEvent> {
        self.audit_events().await.into_iter().filter(|e| e.kind.as_str() == kind).collect()
    }

    pub async fn delete_user(&self, user: &TestUser) {
        self.services.admin.delete_user(&Actor::Cli, &user.sub(), self.now()).await.expect("delete user");
    }

    /// Deletes every Redis key of this test; `false` on `Embedded`.
    pub async fn flush_redis(&self) -> bool {
        let infra = self.infra.clone();
        tokio::task::spawn_blocking(move || infra.flush_redis()).await.expect("flush task")
    }

    /// Moves the fixed clock forward (panics without one).
    pub fn advance(&self, secs: i64) {
        self.clock.as_ref().expect("this test needs SpawnOptions::fixed_clock()").advance(secs);
    }

    /// The server's current time (the fixed clock, or the system's).
    pub fn now(&self) -> i64 {
        self.clock.as_ref().map_or_else(now, |c| c.now())
    }
}

/// RFC 7009 §2.2: 200 and an empty body.
pub async fn assert_revocation_ok(resp: reqwest::Response) {
    let status = resp.status();
    let body = resp.text().await.expect("revocation body");
    assert_eq!(status, 200, "revocation failed: {body}");
    assert!(body.is_empty(), "revocation answered a body: {body}");
}

/// alice, the refresh-enabled confidential client `app1`, and the tokens of
/// one code flow with `openid profile email`: the starting point of the
/// token-lifecycle tests.
pub struct Granted {
    pub app: TestApp,
    pub user: TestUser,
    pub client: TestClient,
    pub tokens: Tokens,
}

impl Granted {
    pub const PASSWORD: &'static str = "correct horse battery";

    pub async fn new(app: TestApp) -> Granted {
        let client = app.with_refresh_client("app1").await;
        Granted::with_client(app, client).await
    }

    pub async fn with_client(app: TestApp, client: TestClient) -> Granted {
        let user = app.with_user("alice", Self::PASSWORD).await;
        let tokens = app.tokens_for(&user, &client).await;
        Granted { app, user, client, tokens }
    }

    /// Tokens with `offline_access`: a refresh family that outlives the
    /// session (OIDC Core §11), so it survives losing the session store.
    pub async fn offline(app: TestApp) -> Granted {
        let scopes = ["openid", "profile", "email", "offline_access"].map(String::from).to_vec();
        let client = app.with_client(NewClient { scopes, ..refresh_client_spec("app1") }).await;
        let user = app.with_user("alice", Self::PASSWORD).await;
        let tokens = app.tokens_scoped(&user, &client, "openid profile email offline_access").await;
        assert!(tokens.refresh_token.is_some(), "offline_access gives a refresh token");
        Granted { app, user, client, tokens }
    }

    pub fn rt(&self) -> String {
        self.tokens.refresh_token().to_string()
    }
}
