//! Test harness: `spawn_app` starts a real server on port 0 with its own
//! storage; `TestApp` builders provision users and clients; `Browser` is a
//! cookie-keeping HTTP client that never follows redirects.

mod admin_api;
mod browser;
mod cli;
mod client_key;
mod infra;
mod jwt;
mod lifecycle;
mod logout;
mod mail;
mod oauth;
mod own_postgres;
mod passkey;
mod redis_servers;
mod resources;
mod server_process;

use std::sync::Arc;

pub use admin_api::*;
pub use browser::*;
pub use cli::*;
pub use client_key::*;
pub use infra::Backend;
pub use jwt::*;
pub use lifecycle::*;
pub use logout::*;
pub use mail::*;
pub use oauth::*;
pub use own_postgres::OwnPostgres;
pub use passkey::*;
pub use redis_servers::*;
pub use server_process::ServerProcess;

use infra::Infra;
use oxidp::app::Services;
use oxidp::clock::Clock;
use oxidp::config::Settings;
use oxidp::flows::admin::{Actor, NewClient, NewUser};

/// Two test functions per body: `embedded` always runs; `pg_redis` runs when
/// `OXIDP_TEST_DATABASE_URL` and `OXIDP_TEST_REDIS_URL` were set at build
/// time (the `oxidp_pg_redis` cfg, see build.rs) and is reported as ignored
/// otherwise.
///
/// ```ignore
/// backend_test!(happy_path, |app| async move { /* app: TestApp */ });
/// ```
///
/// With `options = <SpawnOptions>` the servers get a fixed clock and/or
/// adjusted settings:
///
/// ```ignore
/// backend_test!(expiry, options = SpawnOptions::fixed_clock(), |app| async move { app.advance(60); });
/// ```
macro_rules! backend_test {
    ($name:ident, |$app:ident| $body:expr) => {
        backend_test!($name, options = $crate::helpers::SpawnOptions::default(), |$app| $body);
    };
    ($name:ident, options = $options:expr, |$app:ident| $body:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn embedded() {
                let $app =
                    $crate::helpers::spawn_app_with($crate::helpers::Backend::Embedded, $options).await;
                $body.await
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            #[cfg_attr(
                not(oxidp_pg_redis),
                ignore = "needs PostgreSQL + Redis: set OXIDP_TEST_DATABASE_URL and OXIDP_TEST_REDIS_URL"
            )]
            async fn pg_redis() {
                let $app = $crate::helpers::spawn_app_with($crate::helpers::Backend::PgRedis, $options).await;
                $body.await
            }
        }
    };
}

/// Current Unix time in seconds (for provisioning calls).
pub fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("clock after 1970").as_secs()
        as i64
}

/// A change applied to the settings of every server instance of a test.
pub type SettingsOverride = Arc<dyn Fn(&mut Settings) + Send + Sync>;

/// How [`spawn_app_with`] builds the server.
#[derive(Clone, Default)]
pub struct SpawnOptions {
    /// A settable clock shared by every instance (restarts included);
    /// `None` means the system clock.
    pub clock: Option<Clock>,
    pub settings_override: Option<SettingsOverride>,
}

impl SpawnOptions {
    /// A fixed clock starting at the current time.
    pub fn fixed_clock() -> SpawnOptions {
        SpawnOptions { clock: Some(Clock::fixed(now())), settings_override: None }
    }

    /// Adds a settings change (applied after the storage settings).
    pub fn settings(mut self, f: impl Fn(&mut Settings) + Send + Sync + 'static) -> SpawnOptions {
        let previous = self.settings_override.take();
        self.settings_override = Some(Arc::new(move |s: &mut Settings| {
            if let Some(previous) = &previous {
                previous(s);
            }
            f(s);
        }));
        self
    }
}

/// A running server with its own storage.
pub struct TestApp {
    /// Base URL this instance listens on, e.g. `http://127.0.0.1:41234`.
    pub address: String,
    /// The configured issuer (equal to `address` unless it is a sibling).
    pub issuer: String,
    pub port: u16,
    /// The port of `GET /metrics`, when `server.metrics_bind` is set.
    pub metrics_port: Option<u16>,
    /// The application's stores and admin operations.
    pub services: Services,
    /// Plain HTTP client: no cookies, no redirects.
    pub api: reqwest::Client,
    /// The fixed clock, when the test asked for one.
    pub clock: Option<Clock>,
    /// The settings this instance was built with.
    pub settings: Settings,
    server: tokio::task::JoinHandle<std::io::Result<()>>,
    handle: actix_web::dev::ServerHandle,
    options: SpawnOptions,
    infra: Arc<Infra>,
}

/// Starts a server; panics when `backend` is unavailable.
#[allow(dead_code)] // `backend_test!` goes through `spawn_app_with`.
pub async fn spawn_app(backend: Backend) -> TestApp {
    spawn_app_with(backend, SpawnOptions::default()).await
}

/// Like [`spawn_app`], with a fixed clock and/or adjusted settings.
pub async fn spawn_app_with(backend: Backend, options: SpawnOptions) -> TestApp {
    try_spawn_app_with(backend, options)
        .await
        .unwrap_or_else(|| panic!("backend {backend:?} is not configured"))
}

/// Like [`spawn_app_with`], `None` when the backend is not configured.
pub async fn try_spawn_app_with(backend: Backend, options: SpawnOptions) -> Option<TestApp> {
    let infra =
        tokio::task::spawn_blocking(move || Infra::create(backend)).await.expect("create test infra")?;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind port 0");
    Some(start(Arc::new(infra), listener, None, options).await)
}

async fn start(
    infra: Arc<Infra>,
    listener: std::net::TcpListener,
    issuer: Option<String>,
    options: SpawnOptions,
) -> TestApp {
    let port = listener.local_addr().expect("local addr").port();
    let address = format!("http://127.0.0.1:{port}");
    let issuer = issuer.unwrap_or_else(|| address.clone());
    let mut settings = infra.settings(&issuer);
    if let Some(adjust) = &options.settings_override {
        adjust(&mut settings);
    }
    let app = match &options.clock {
        Some(clock) => {
            oxidp::app::Application::build_with_clock(settings.clone(), listener, clock.clone()).await
        }
        None => oxidp::app::Application::build_with_listener(settings.clone(), listener).await,
    }
    .expect("build application");
    let services = app.services().clone();
    let metrics_port = app.metrics_port();
    let handle = app.handle();
    let server = tokio::spawn(app.run_until_stopped());
    let clock = options.clock.clone();
    TestApp {
        address,
        issuer,
        port,
        metrics_port,
        services,
        api: http_client(),
        clock,
        settings,
        server,
        handle,
        options,
        infra,
    }
}

/// Storage of `backend` with no server on it yet (a target to import into),
/// and servers started on it later.
pub struct Storage(Arc<Infra>);

impl Storage {
    pub fn create(backend: Backend) -> Option<Storage> {
        Some(Storage(Arc::new(Infra::create(backend)?)))
    }

    /// The settings a server (or the CLI) on this storage runs with.
    pub fn settings(&self) -> Settings {
        self.0.settings("http://127.0.0.1")
    }

    pub async fn spawn(&self, options: SpawnOptions) -> TestApp {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind port 0");
        start(self.0.clone(), listener, None, options).await
    }
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
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind port 0");
        start(self.infra.clone(), listener, Some(self.issuer.clone()), self.options.clone()).await
    }

    /// Stops this server and starts a new one on the same port, storage,
    /// keys dir, Redis prefix, clock and settings (so the issuer is the
    /// same). The in-process ephemeral store of `Embedded` does not survive.
    pub async fn restart(&self) -> TestApp {
        self.handle.stop(false).await;
        let listener = rebind(self.port).await;
        start(self.infra.clone(), listener, Some(self.issuer.clone()), self.options.clone()).await
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
            profile: Default::default(),
        })
        .await
    }

    pub async fn with_user_details(&self, new: NewUser) -> TestUser {
        let password = new.password.clone();
        let record = self.services.admin.create_user(&Actor::Cli, new, now()).await.expect("create_user");
        TestUser { record, password }
    }

    pub async fn with_confidential_client(&self, client_id: &str, redirect_uris: &[&str]) -> TestClient {
        self.with_client(new_client(client_id, redirect_uris, false)).await
    }

    pub async fn with_public_client(&self, client_id: &str, redirect_uris: &[&str]) -> TestClient {
        self.with_client(new_client(client_id, redirect_uris, true)).await
    }

    pub async fn with_client(&self, new: NewClient) -> TestClient {
        let client_id = new.client_id.clone();
        let redirect_uris = new.redirect_uris.clone();
        let created = self
            .services
            .admin
            .create_client(&oxidp::flows::admin::Actor::Cli, new, now())
            .await
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
        self.post_form("/token", auth, params).await
    }

    /// POSTs a form to `path` with the given client authentication.
    pub async fn post_form(
        &self,
        path: &str,
        auth: &ClientAuth,
        params: &[(&str, &str)],
    ) -> reqwest::Response {
        self.post_form_with_headers(path, auth, params, &[]).await
    }

    /// [`post_form`](Self::post_form) with extra request headers (`DPoP`).
    pub async fn post_form_with_headers(
        &self,
        path: &str,
        auth: &ClientAuth,
        params: &[(&str, &str)],
        headers: &[(&str, &str)],
    ) -> reqwest::Response {
        let mut form: Vec<(String, String)> =
            params.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        let mut req = self.api.post(self.url(path));
        for (name, value) in headers {
            req = req.header(*name, *value);
        }
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
        req.form(&form).send().await.unwrap_or_else(|e| panic!("POST {path}: {e}"))
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

/// Binds `127.0.0.1:port` again once the stopped server has released it.
async fn rebind(port: u16) -> std::net::TcpListener {
    let mut last_error = None;
    for _ in 0..200 {
        match std::net::TcpListener::bind(("127.0.0.1", port)) {
            Ok(listener) => return listener,
            Err(e) => last_error = Some(e),
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    panic!("port {port} was not released after the server stopped: {last_error:?}");
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.server.abort();
    }
}

pub fn new_client(client_id: &str, redirect_uris: &[&str], public: bool) -> NewClient {
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
