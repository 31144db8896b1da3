//! Builds the application from settings: stores, keys, state, HTTP server.
//! `build_with_listener` lets tests bind port 0 first and derive the issuer.

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::dev::Server;
use actix_web::{App, HttpServer, web};
use tracing_actix_web::TracingLogger;

use crate::accounts::PasswordHasher;
use crate::clock::Clock;
use crate::config::{Settings, redact_url};
use crate::jose::keystore::{self, KeyringHandle};
use crate::jose::{Kek, KeyError, Keyring};
use crate::state::AppState;
use crate::store::cache::{ClientCache, UserCache};
use crate::store::{Db, Ephemeral};

pub struct Application {
    port: u16,
    server: Server,
    state: AppState,
}

impl Application {
    pub async fn build(settings: Settings) -> anyhow::Result<Application> {
        let listener = TcpListener::bind(&settings.server.bind)
            .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", settings.server.bind))?;
        Self::build_with_listener(settings, listener).await
    }

    pub async fn build_with_listener(
        settings: Settings,
        listener: TcpListener,
    ) -> anyhow::Result<Application> {
        Self::build_with_clock(settings, listener, Clock::System).await
    }

    /// As `build_with_listener`, with a given clock (tests use `Clock::fixed`).
    pub async fn build_with_clock(
        settings: Settings,
        listener: TcpListener,
        clock: Clock,
    ) -> anyhow::Result<Application> {
        settings.validate()?;
        let state = build_state(settings, clock).await?;
        let restored = crate::oauth::denylist::restore(&state.db, &state.ephemeral, state.now())
            .await
            .map_err(|e| anyhow::anyhow!("restoring the access-token denylist: {e}"))?;
        if restored > 0 {
            tracing::info!(restored, "restored revoked access tokens to the session store");
        }
        // The revisions the (empty) caches start from.
        state.clients.revalidate().await.map_err(|e| anyhow::anyhow!("reading the clients revision: {e}"))?;
        state.users.revalidate().await.map_err(|e| anyhow::anyhow!("reading the users revision: {e}"))?;
        let port = listener.local_addr()?.port();
        let data = web::Data::new(state.clone());
        let https = state.settings.issuer.starts_with("https://");
        let mut server = HttpServer::new(move || {
            App::new()
                .wrap(crate::http::middleware::security_headers(https))
                .wrap(TracingLogger::default())
                .app_data(data.clone())
                .configure(crate::http::configure)
        });
        server = match tls_acceptor(&state.settings)? {
            Some(acceptor) => server.listen_openssl(listener, acceptor)?,
            None => server.listen(listener)?,
        };
        if let Some(workers) = state.settings.server.workers {
            server = server.workers(workers);
        }
        let server = server.run();
        spawn_key_poller(state.clone());
        state.clients.spawn_revalidation(state.settings.database.cache_interval);
        state.users.spawn_revalidation(state.settings.database.cache_interval);
        Ok(Application { port, server, state })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    pub fn db(&self) -> Db {
        self.state.db.clone()
    }

    /// Stops the server from another task (graceful or not).
    pub fn handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }

    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}

/// TLS with Mozilla's intermediate profile (TLS 1.2+), when configured.
fn tls_acceptor(settings: &Settings) -> anyhow::Result<Option<openssl::ssl::SslAcceptorBuilder>> {
    use openssl::ssl::{SslAcceptor, SslFiletype, SslMethod};
    let (Some(cert), Some(key)) = (&settings.server.tls_cert_file, &settings.server.tls_key_file) else {
        return Ok(None);
    };
    let mut acceptor = SslAcceptor::mozilla_intermediate_v5(SslMethod::tls())?;
    acceptor
        .set_private_key_file(key, SslFiletype::PEM)
        .map_err(|e| anyhow::anyhow!("TLS key {}: {e}", key.display()))?;
    acceptor
        .set_certificate_chain_file(cert)
        .map_err(|e| anyhow::anyhow!("TLS certificate {}: {e}", cert.display()))?;
    acceptor
        .check_private_key()
        .map_err(|e| anyhow::anyhow!("TLS key does not match the certificate: {e}"))?;
    Ok(Some(acceptor))
}

/// Opens the stores, loads (or creates) the signing key, builds the state.
pub async fn build_state(settings: Settings, clock: Clock) -> anyhow::Result<AppState> {
    let db = open_db(&settings).await?;
    let ephemeral = match &settings.redis.url {
        Some(url) => Ephemeral::connect_redis(url, &settings.redis.prefix)
            .await
            .map_err(|e| anyhow::anyhow!("redis {}: {e}", redact_url(url)))?,
        None => Ephemeral::memory(),
    };
    let (kek, keyring) = open_keys(&db, &settings, clock.now()).await?;
    let hasher = Arc::new(PasswordHasher::new(&settings.login)?);
    let prepared = Arc::clone(&hasher);
    // The dummy hash (for unknown users) costs one Argon2 run: not on the
    // way to the first request.
    tokio::task::spawn_blocking(move || prepared.prepare());
    let caching = settings.database.cache_interval > 0;
    let clients = Arc::new(ClientCache::clients(db.clone(), caching));
    let users = Arc::new(UserCache::users(db.clone(), caching));
    let discovery = crate::oidc::discovery::metadata(&settings, &keyring.algorithms()).to_string();
    let http = Arc::new(std::sync::OnceLock::new());
    let prebuilt = Arc::clone(&http);
    // Loading the system's CA certificates takes tens of milliseconds:
    // off the way to the first request (AppState::http builds on demand too).
    tokio::task::spawn_blocking(move || {
        if let Ok(client) = crate::state::outbound_http() {
            let _ = prebuilt.set(client);
        }
    });
    Ok(AppState {
        settings: Arc::new(settings),
        db,
        ephemeral,
        keyring: Arc::new(KeyringHandle::new(keyring)),
        kek: Arc::new(kek),
        hasher,
        clients,
        users,
        verified_tokens: Arc::new(crate::oauth::verified::VerifiedTokens::new()),
        clock,
        discovery_json: discovery.into(),
        http,
        client_keys: Arc::new(crate::oauth::client_keys::ClientKeyCache::new()),
    })
}

/// Opens the shared key set (creating it, and the KEK, on a fresh
/// database) and loads the keyring. A missing or wrong KEK is an error.
pub async fn open_keys(db: &Db, settings: &Settings, now: i64) -> anyhow::Result<(Kek, Keyring)> {
    let (db, keys) = (db.clone(), settings.keys.clone());
    let opened = tokio::task::spawn_blocking(move || -> Result<(Kek, Keyring), KeyError> {
        let mut conn = db.conn()?;
        let kek = keystore::open(&mut conn, &keys, now)?;
        let keyring = keystore::load(&mut conn, &kek)?;
        Ok((kek, keyring))
    })
    .await?;
    opened.map_err(|e| anyhow::anyhow!("signing keys: {e}"))
}

/// Every `poll_interval`: rotate if due (one instance wins the lock) and
/// reload the keyring when the shared set changed, so every instance signs
/// with a newly activated key within one interval.
fn spawn_key_poller(state: AppState) {
    tokio::spawn(async move {
        let period = std::time::Duration::from_secs(state.settings.keys.poll_interval);
        let mut seen = String::new();
        loop {
            tokio::time::sleep(period).await;
            let (db, kek, keys, now) =
                (state.db.clone(), state.kek.clone(), state.settings.keys.clone(), state.now());
            let last = seen.clone();
            let checked =
                tokio::task::spawn_blocking(move || reload_if_changed(&db, &kek, &keys, now, &last)).await;
            match checked {
                Ok(Ok(Some((fingerprint, keyring)))) => {
                    if !seen.is_empty() {
                        tracing::info!(active = keyring.active_kid(), "signing key set changed; reloaded");
                    }
                    state.keyring.replace(keyring);
                    seen = fingerprint;
                }
                Ok(Ok(None)) => {}
                Ok(Err(e)) => tracing::error!(error = %e, "signing key check failed"),
                Err(e) => tracing::error!(error = %e, "signing key check aborted"),
            }
        }
    });
}

/// Rotates if due; returns the new keyring when the set differs from `last`.
fn reload_if_changed(
    db: &Db,
    kek: &Kek,
    keys: &crate::config::KeySettings,
    now: i64,
    last: &str,
) -> Result<Option<(String, Keyring)>, KeyError> {
    let mut conn = db.conn()?;
    keystore::rotate_if_due(&mut conn, kek, keys, now)?;
    let fingerprint = keystore::fingerprint(&mut conn)?;
    if fingerprint == last {
        return Ok(None);
    }
    let keyring = keystore::load(&mut conn, kek)?;
    Ok(Some((fingerprint, keyring)))
}

/// Connects to the database and applies pending migrations.
pub async fn open_db(settings: &Settings) -> anyhow::Result<Db> {
    let (url, max) = (settings.database.url.clone(), settings.database.max_connections);
    tokio::task::spawn_blocking(move || Db::connect(&url, max))
        .await?
        .map_err(|e| anyhow::anyhow!("database {}: {e}", redact_url(&settings.database.url)))
}
