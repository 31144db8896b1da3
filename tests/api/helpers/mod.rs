//! Test harness: `spawn_app` starts a real server on port 0 with its own
//! storage; `TestApp` builders provision users and clients; `Browser` is a
//! cookie-keeping HTTP client that never follows redirects.

mod browser;
mod infra;
mod jwt;
mod oauth;

use std::sync::Arc;

pub use browser::*;
pub use infra::Backend;
pub use jwt::*;
pub use oauth::*;

use infra::Infra;
use oxidp::admin::{NewClient, NewUser};

/// Two test functions per body: `embedded` always runs; `pg_redis` runs when
/// `OXIDP_TEST_DATABASE_URL` and `OXIDP_TEST_REDIS_URL` are set and is a
/// no-op otherwise.
///
/// ```ignore
/// backend_test!(happy_path, |app| async move { /* app: TestApp */ });
/// ```
macro_rules! backend_test {
    ($name:ident, |$app:ident| $body:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn embedded() {
                let $app = $crate::helpers::spawn_app($crate::helpers::Backend::Embedded).await;
                $body.await
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn pg_redis() {
                let Some($app) = $crate::helpers::try_spawn_app($crate::helpers::Backend::PgRedis).await
                else {
                    $crate::helpers::skip_note(module_path!());
                    return;
                };
                $body.await
            }
        }
    };
}

pub fn skip_note(test: &str) {
    eprintln!(
        "skipping {test}: set OXIDP_TEST_DATABASE_URL and OXIDP_TEST_REDIS_URL to run on PostgreSQL + Redis"
    );
}

/// Current Unix time in seconds (for provisioning calls).
pub fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("clock after 1970").as_secs()
        as i64
}

/// A running server with its own storage.
pub struct TestApp {
    /// Base URL this instance listens on, e.g. `http://127.0.0.1:41234`.
    pub address: String,
    /// The configured issuer (equal to `address` unless it is a sibling).
    pub issuer: String,
    pub port: u16,
    pub db: oxidp::store::Db,
    /// Plain HTTP client: no cookies, no redirects.
    pub api: reqwest::Client,
    server: tokio::task::JoinHandle<std::io::Result<()>>,
    infra: Arc<Infra>,
}

/// Starts a server; panics when `backend` is unavailable.
pub async fn spawn_app(backend: Backend) -> TestApp {
    try_spawn_app(backend).await.unwrap_or_else(|| panic!("backend {backend:?} is not configured"))
}

/// Starts a server, or `None` when `PgRedis` is requested but not configured.
pub async fn try_spawn_app(backend: Backend) -> Option<TestApp> {
    let infra =
        tokio::task::spawn_blocking(move || Infra::create(backend)).await.expect("create test infra")?;
    Some(start(Arc::new(infra), None).await)
}

async fn start(infra: Arc<Infra>, issuer: Option<String>) -> TestApp {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind port 0");
    let port = listener.local_addr().expect("local addr").port();
    let address = format!("http://127.0.0.1:{port}");
    let issuer = issuer.unwrap_or_else(|| address.clone());
    let settings = infra.settings(&issuer);
    let app = oxidp::startup::Application::build_with_listener(settings, listener)
        .await
        .expect("build application");
    let db = app.db();
    let server = tokio::spawn(app.run_until_stopped());
    TestApp { address, issuer, port, db, api: http_client(), server, infra }
}

/// A reqwest client that does not follow redirects.
pub fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("build reqwest client")
}

impl TestApp {
    /// Another server on the same database, Redis prefix and keys dir, with
    /// the same issuer, listening on a different port.
    pub async fn spawn_sibling(&self) -> TestApp {
        start(self.infra.clone(), Some(self.issuer.clone())).await
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    /// A fresh browser (own cookie jar) for this server.
    pub fn browser(&self) -> Browser {
        Browser::new(&self.address)
    }

    pub async fn with_user(&self, username: &str, password: &str) -> TestUser {
        self.with_user_details(NewUser {
            username: username.to_string(),
            password: password.to_string(),
            email: Some(format!("{}@example.com", username.to_lowercase())),
            name: Some(format!("{username} Example")),
        })
        .await
    }

    pub async fn with_user_details(&self, new: NewUser) -> TestUser {
        let db = self.db.clone();
        let password = new.password.clone();
        let record = tokio::task::spawn_blocking(move || oxidp::admin::create_user(&db, new, now()))
            .await
            .expect("create_user task")
            .expect("create_user");
        TestUser { record, password }
    }

    pub async fn with_confidential_client(&self, client_id: &str, redirect_uris: &[&str]) -> TestClient {
        self.with_client(new_client(client_id, redirect_uris, false)).await
    }

    pub async fn with_public_client(&self, client_id: &str, redirect_uris: &[&str]) -> TestClient {
        self.with_client(new_client(client_id, redirect_uris, true)).await
    }

    pub async fn with_client(&self, new: NewClient) -> TestClient {
        let db = self.db.clone();
        let client_id = new.client_id.clone();
        let redirect_uris = new.redirect_uris.clone();
        let created = tokio::task::spawn_blocking(move || oxidp::admin::create_client(&db, new, now()))
            .await
            .expect("create_client task")
            .expect("create_client");
        TestClient { client_id, secret: created.secret, redirect_uris }
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.api.get(self.url(path)).send().await.expect("GET")
    }

    pub async fn discovery(&self) -> serde_json::Value {
        let resp = self.get("/.well-known/openid-configuration").await;
        assert_eq!(resp.status(), 200, "discovery status");
        resp.json().await.expect("discovery JSON")
    }

    pub async fn jwks(&self) -> serde_json::Value {
        let resp = self.get("/.well-known/jwks.json").await;
        assert_eq!(resp.status(), 200, "jwks status");
        resp.json().await.expect("jwks JSON")
    }

    /// POST /token with the given client authentication and form parameters.
    pub async fn token(&self, auth: &ClientAuth, params: &[(&str, &str)]) -> reqwest::Response {
        let mut form: Vec<(String, String)> =
            params.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        let mut req = self.api.post(self.url("/token"));
        match auth {
            ClientAuth::Basic { id, secret } => {
                req = req.header("Authorization", basic_auth(id, secret));
            }
            ClientAuth::Post { id, secret } => {
                form.push(("client_id".into(), id.clone()));
                form.push(("client_secret".into(), secret.clone()));
            }
            ClientAuth::PublicId(id) => form.push(("client_id".into(), id.clone())),
            ClientAuth::Nothing => {}
        }
        req.form(&form).send().await.expect("POST /token")
    }

    /// Exchanges `code` for tokens as `client` (its default auth method).
    pub async fn exchange_code(
        &self,
        client: &TestClient,
        code: &str,
        redirect_uri: &str,
        verifier: Option<&str>,
    ) -> reqwest::Response {
        let mut params =
            vec![("grant_type", "authorization_code"), ("code", code), ("redirect_uri", redirect_uri)];
        if let Some(v) = verifier {
            params.push(("code_verifier", v));
        }
        self.token(&client.auth(), &params).await
    }

    /// Runs authorize → login → token for `user` and `client` with default
    /// scopes `openid profile email`, PKCE and a nonce.
    pub async fn tokens_for(&self, user: &TestUser, client: &TestClient) -> Tokens {
        let browser = self.browser();
        let req = AuthRequest::new(client);
        self.tokens_with(&browser, user, client, &req).await
    }

    /// Like [`Self::tokens_for`] with an explicit browser and request.
    pub async fn tokens_with(
        &self,
        browser: &Browser,
        user: &TestUser,
        client: &TestClient,
        req: &AuthRequest,
    ) -> Tokens {
        let cb = browser.authorize_and_login(req, user).await;
        let verifier = req.pkce.as_ref().map(|p| p.verifier.as_str());
        let resp = self.exchange_code(client, &cb.code, &req.redirect_uri, verifier).await;
        Tokens::from_response(resp).await
    }

    pub async fn userinfo(&self, access_token: &str) -> reqwest::Response {
        self.api.get(self.url("/userinfo")).bearer_auth(access_token).send().await.expect("GET /userinfo")
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.server.abort();
    }
}

fn new_client(client_id: &str, redirect_uris: &[&str], public: bool) -> NewClient {
    NewClient {
        client_id: client_id.to_string(),
        redirect_uris: redirect_uris.iter().map(|u| u.to_string()).collect(),
        post_logout_redirect_uris: vec![],
        grant_types: vec![],
        scopes: vec![],
        public,
        secret: None,
        ..NewClient::default()
    }
}
