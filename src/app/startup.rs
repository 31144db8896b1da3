//! Builds the application from settings: stores, keys, flows, HTTP server,
//! background jobs. `build_with_listener` lets tests bind port 0 first and
//! derive the issuer.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::{App, HttpServer, web};

use super::jobs::{self, Jobs};
use super::registry::Registry;
use crate::accounts::PasswordHasher;
use crate::clock::Clock;
use crate::config::{Settings, redact_url};
use crate::flows::access_tokens::AccessTokenVerifier;
use crate::flows::account::{AccountFlow, AccountStores};
use crate::flows::admin::Admin;
use crate::flows::admin_gate::AdminGate;
use crate::flows::authorize::{AuthorizeFlow, AuthorizeStores, PushFlow, RequestObjectKeys};
use crate::flows::client_auth::ClientAuthenticator;
use crate::flows::client_auth::caller::CallerAuthenticator;
use crate::flows::client_auth::client_keys::{ClientKeyCache, ClientKeys, OutboundHttp};
use crate::flows::console::{ConsoleFlow, ConsoleState};
use crate::flows::credentials::Credentials;
use crate::flows::device::{DeviceFlow, DeviceStores};
use crate::flows::dpop::DpopChecker;
use crate::flows::interaction::{InteractionFlow, InteractionParts};
use crate::flows::introspection::IntrospectionFlow;
use crate::flows::janitor::Janitor;
use crate::flows::keys::{self, KeyPoller};
use crate::flows::links::{AccountLinkFlow, LinkSender, Quota};
use crate::flows::login_guard::LoginGuard;
use crate::flows::logout::LogoutFlow;
use crate::flows::logout::backchannel::{Backchannel, DeliveryPolicy, WorkerParts};
use crate::flows::metadata::Metadata;
use crate::flows::origins::BrowserOrigins;
use crate::flows::outbox::{Outbox, RetryPolicy};
use crate::flows::passkeys::PasskeyService;
use crate::flows::pending_logins::PendingLogins;
use crate::flows::readiness::Readiness;
use crate::flows::response_encryption::ResponseSealer;
use crate::flows::revocation::RevocationFlow;
use crate::flows::second_factor::SecondFactor;
use crate::flows::sessions::Sessions;
use crate::flows::subjects::SubjectResolver;
use crate::flows::token::{ExchangeParts, GrantParts, TokenFlow, TokenGrants, TokenIssuer};
use crate::flows::userinfo::UserinfoFlow;
use crate::jose::KeyringHandle;
use crate::protocol::dpop::nonce::NonceKey;
use crate::protocol::subjects::Subjects;
use crate::store::{OpenMode, Stores};

/// What tests and operators' tools may reach of a running application.
#[derive(Clone)]
pub struct Services {
    pub stores: Stores,
    pub admin: Arc<Admin>,
    pub janitor: Arc<Janitor>,
    pub keyring: Arc<KeyringHandle>,
}

pub struct Application {
    port: u16,
    server: Server,
    services: Services,
    jobs: jobs::Running,
    shutdown_timeout: Duration,
    /// The metrics listener's port and server (`server.metrics_bind`).
    metrics: Option<(u16, Server)>,
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
        let recorder =
            settings.server.metrics_bind.as_ref().map(|_| super::metrics::recorder()).transpose()?;
        let built = build_services(&settings, &clock).await?;
        let port = listener.local_addr()?.port();
        let https = settings.issuer.starts_with("https://");
        let registry = built.registry.clone();
        let mut server = HttpServer::new(move || {
            registry.register(
                App::new()
                    .wrap(actix_web::middleware::from_fn(crate::web::rate_limit::limit_rate))
                    .wrap(actix_web::middleware::from_fn(crate::web::middleware::limit_request_target))
                    .wrap(crate::web::middleware::security_headers(https))
                    .wrap(actix_web::middleware::from_fn(crate::web::request_log::request_span)),
            )
        });
        server = match super::tls::acceptor(&settings)? {
            Some(acceptor) => server.listen_openssl(listener, acceptor)?,
            None => server.listen(listener)?,
        };
        if let Some(workers) = settings.server.workers {
            server = server.workers(workers);
        }
        // Signals are ours (`run_until_stopped`): the queues drain after the server.
        let shutdown_timeout = Duration::from_secs(settings.server.shutdown_timeout);
        let server = server.disable_signals().shutdown_timeout(settings.server.shutdown_timeout).run();
        let metrics = match (&settings.server.metrics_bind, &recorder) {
            (Some(bind), Some(handle)) => Some(super::metrics::serve(bind, handle.clone())?),
            _ => None,
        };
        let jobs = jobs::spawn(built.jobs, recorder);
        Ok(Application { port, server, services: built.services, jobs, shutdown_timeout, metrics })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The port of `GET /metrics`, when `server.metrics_bind` is set.
    pub fn metrics_port(&self) -> Option<u16> {
        self.metrics.as_ref().map(|(port, _)| *port)
    }

    pub fn services(&self) -> &Services {
        &self.services
    }

    /// Stops the server from another task (graceful or not).
    pub fn handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }

    /// Serves until SIGTERM or SIGINT (or `handle().stop`), then shuts
    /// down gracefully: no new connections, the requests in flight finish,
    /// then the back-channel and mail queues deliver what they hold, all
    /// within `server.shutdown_timeout` of the signal.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let Application { server, jobs, shutdown_timeout, metrics, .. } = self;
        // Scrapes go on while the public listener drains.
        let metrics = metrics.map(|(_, server)| {
            let handle = server.handle();
            tokio::spawn(server);
            handle
        });
        let (handle, signalled) = (server.handle(), Arc::new(std::sync::OnceLock::new()));
        let watcher = tokio::spawn({
            let signalled = signalled.clone();
            async move {
                let signal = super::signals::shutdown().await;
                let _ = signalled.set(std::time::Instant::now());
                tracing::info!(
                    signal,
                    timeout_secs = shutdown_timeout.as_secs(),
                    "shutting down: no new connections; requests in flight and queued deliveries may finish"
                );
                handle.stop(true).await;
            }
        });
        let served = server.await;
        watcher.abort();
        let since = signalled.get().copied().unwrap_or_else(std::time::Instant::now);
        jobs.finish(since + shutdown_timeout).await;
        if let Some(metrics) = metrics {
            metrics.stop(true).await;
        }
        tracing::info!("oxidp stopped");
        served
    }
}

/// The application's parts, before the HTTP server starts.
pub struct Built {
    services: Services,
    registry: Registry,
    jobs: Jobs,
}

/// Opens the stores and the key set and builds every flow.
pub async fn build_services(settings: &Settings, clock: &Clock) -> anyhow::Result<Built> {
    let now = clock.now();
    let stores = Stores::open(&settings.store_config(), OpenMode::CreateIfMissing).await.map_err(|e| {
        anyhow::anyhow!(
            "opening the stores (database {}, redis {}): {e}",
            redact_url(&settings.database.url),
            settings.redis.url.as_deref().map_or_else(|| "none".into(), redact_url)
        )
    })?;
    stores.log_audit_events(settings.audit.log);
    // The revisions the (empty) caches start from, and the denylist.
    stores.revalidate(now).await.map_err(|e| anyhow::anyhow!("reading the revision counters: {e}"))?;
    let key_policy = settings.key_policy();
    let (kek, keyring) = keys::open(&stores.signing_keys, &key_policy, now)
        .await
        .map_err(|e| anyhow::anyhow!("signing keys: {e}"))?;
    let (kek, keyring) = (Arc::new(kek), Arc::new(KeyringHandle::new(keyring)));
    let hasher = Arc::new(PasswordHasher::new(&settings.hash_policy())?);
    let http = Arc::new(OutboundHttp::new());
    let client_keys = Arc::new(ClientKeyCache::new());
    let issuer = settings.issuer.clone();
    let pairwise_key = settings.subjects.pairwise.then(|| kek.derive("oxidp pairwise subjects")).transpose();
    let subjects = Arc::new(Subjects::new(pairwise_key.map_err(|e| anyhow::anyhow!("pairwise key: {e}"))?));
    let resolver = SubjectResolver::new(subjects.clone(), stores.clients.clone());

    let (backchannel, backchannel_worker) = Backchannel::new(WorkerParts {
        clients: stores.clients.clone(),
        keyring: keyring.clone(),
        issuer: issuer.clone(),
        subjects: subjects.clone(),
        http: http.clone(),
        audit: stores.audit.clone(),
        clock: clock.clone(),
        policy: DeliveryPolicy::default(),
    });
    let sessions = Sessions::new(
        stores.ephemeral.clone(),
        stores.grants.clone(),
        stores.users.clone(),
        backchannel,
        settings.session_policy(),
    );
    let second_factor = SecondFactor::new(
        stores.second_factors.clone(),
        kek.clone(),
        stores.ephemeral.clone(),
        stores.audit.clone(),
        settings.totp_label(),
        PasskeyService::new(
            &settings.issuer,
            settings.passkeys_enabled(),
            &settings.branding.product_name,
            stores.passkeys.clone(),
            stores.users.clone(),
            stores.audit.clone(),
        ),
    );
    let authorize = Arc::new(AuthorizeFlow::new(
        AuthorizeStores {
            clients: stores.clients.clone(),
            resources: stores.resources.clone(),
            users: stores.users.clone(),
            consents: stores.consents.clone(),
            sessions: sessions.clone(),
            ephemeral: stores.ephemeral.clone(),
            second_factor: second_factor.clone(),
            pending_logins: PendingLogins::new(stores.ephemeral.clone(), settings.pending_policy()),
            request_keys: RequestObjectKeys {
                clients: ClientKeys::new(client_keys.clone(), http.clone()),
                ours: keys::request_key(&kek, &key_policy)?,
            },
            subjects: resolver.clone(),
        },
        keyring.clone(),
        issuer.clone(),
        settings.authorize_policy(),
    ));
    let credentials = Credentials::new(
        stores.users.clone(),
        hasher.clone(),
        stores.audit.clone(),
        LoginGuard::new(stores.ephemeral.clone(), settings.login_policy()),
        settings.password_policy(),
    );
    let interaction = InteractionFlow::new(
        InteractionParts {
            ephemeral: stores.ephemeral.clone(),
            credentials: credentials.clone(),
            second_factor: second_factor.clone(),
            consents: stores.consents.clone(),
            sessions: sessions.clone(),
            audit: stores.audit.clone(),
        },
        authorize.clone(),
    );
    let account = AccountFlow::new(
        credentials,
        sessions.clone(),
        AccountStores {
            users: stores.users.clone(),
            clients: stores.clients.clone(),
            consents: stores.consents.clone(),
            grants: stores.grants.clone(),
            audit: stores.audit.clone(),
            second_factor: second_factor.clone(),
            ephemeral: stores.ephemeral.clone(),
        },
    );
    let logout = LogoutFlow::new(
        sessions.clone(),
        stores.clients.clone(),
        keyring.clone(),
        issuer.clone(),
        Duration::from_secs(settings.logout.backchannel_wait),
        resolver.clone(),
    );
    let client_auth = Arc::new(ClientAuthenticator::new(
        stores.clients.clone(),
        client_keys.clone(),
        http.clone(),
        stores.ephemeral.clone(),
        &issuer,
    ));
    let token_issuer = Arc::new(TokenIssuer::new(
        keyring.clone(),
        issuer.clone(),
        settings.default_audience().to_string(),
        settings.token_policy(),
        stores.resources.clone(),
        stores.groups.clone(),
        subjects.clone(),
    ));
    let access_tokens =
        Arc::new(AccessTokenVerifier::new(keyring.clone(), stores.denylist.clone(), issuer.clone()));
    let nonces =
        NonceKey::new(kek.derive("oxidp DPoP nonces").map_err(|e| anyhow::anyhow!("DPoP nonce key: {e}"))?);
    let dpop = Arc::new(DpopChecker::new(settings.dpop.policy(), nonces, stores.ephemeral.clone(), &issuer));
    let sealer = || ResponseSealer::new(keyring.clone(), client_auth.keys(), settings.encryption.enabled);
    let token = Arc::new(TokenFlow::new(
        client_auth.clone(),
        dpop.clone(),
        sealer(),
        TokenGrants::new(GrantParts {
            ephemeral: stores.ephemeral.clone(),
            users: stores.users.clone(),
            grants: stores.grants.clone(),
            sessions: sessions.clone(),
            issuer: token_issuer,
            exchange: ExchangeParts {
                access_tokens: access_tokens.clone(),
                subjects: resolver.clone(),
                consents: stores.consents.clone(),
                audit: stores.audit.clone(),
                enabled: settings.token_exchange.enabled,
            },
        }),
    ));
    let device = DeviceFlow::new(
        client_auth.clone(),
        DeviceStores {
            ephemeral: stores.ephemeral.clone(),
            sessions: sessions.clone(),
            audit: stores.audit.clone(),
        },
        authorize.clone(),
        &issuer,
        settings.device_policy(),
    );
    let revocation = RevocationFlow::new(
        client_auth.clone(),
        stores.grants.clone(),
        keyring.clone(),
        issuer.clone(),
        subjects.clone(),
    );
    let pushes = PushFlow::new(client_auth.clone(), authorize.clone(), dpop.clone());
    let introspection = IntrospectionFlow::new(
        CallerAuthenticator::new(client_auth.clone(), stores.resources.clone()),
        access_tokens.clone(),
        stores.grants.clone(),
        stores.users.clone(),
        sessions.clone(),
        resolver.clone(),
    );
    let userinfo = UserinfoFlow::new(
        access_tokens.clone(),
        dpop,
        stores.users.clone(),
        stores.clients.clone(),
        stores.groups.clone(),
        subjects,
        sealer(),
    );
    let metadata = Metadata::new(
        &issuer,
        &keyring.current().algorithms(),
        settings.features(),
        keyring.clone(),
        settings.keys.jwks_max_age,
    );
    let janitor = Arc::new(Janitor::new(
        stores.grants.clone(),
        stores.signing_keys.clone(),
        stores.audit.clone(),
        stores.links.clone(),
        settings.retention_policy(),
    ));
    let transport =
        crate::mail::Transport::new(&settings.mail_config()).map_err(|e| anyhow::anyhow!("mail: {e}"))?;
    let (outbox, outbox_worker) =
        Outbox::queued(transport, stores.audit.clone(), clock.clone(), RetryPolicy::default());
    let link_sender = LinkSender::new(
        stores.links.clone(),
        outbox,
        Quota::new(stores.ephemeral.clone()),
        issuer.clone(),
        settings.link_policy(),
    );
    let admin = Arc::new(
        Admin::new(
            stores.clone(),
            sessions.clone(),
            settings.hash_policy(),
            settings.password_policy(),
            key_policy.clone(),
            settings.subjects.pairwise,
        )
        .with_links(link_sender.clone())
        .with_response_encryption(settings.encryption.enabled),
    );
    let links = AccountLinkFlow::new(
        link_sender,
        stores.links.clone(),
        stores.users.clone(),
        admin.clone(),
        stores.audit.clone(),
    );
    super::console_client::ensure_console_client(&admin, &issuer, now)
        .await
        .map_err(|e| anyhow::anyhow!("the admin console's client: {e}"))?;
    let console = ConsoleFlow::new(
        token.clone(),
        access_tokens.clone(),
        keyring.clone(),
        ConsoleState {
            sessions: sessions.clone(),
            users: stores.users.clone(),
            admin: admin.clone(),
            ephemeral: stores.ephemeral.clone(),
            subjects: resolver.clone(),
        },
        issuer.clone(),
    );
    let key_poller = Arc::new(KeyPoller::new(
        stores.signing_keys.clone(),
        kek,
        key_policy,
        keyring.clone(),
        stores.audit.clone(),
    ));

    let registry = Registry {
        clock: web::Data::new(clock.clone()),
        site: web::Data::new(settings.site()),
        metadata: web::Data::new(metadata),
        authorize: web::Data::from(authorize),
        interaction: web::Data::new(interaction),
        logout: web::Data::new(logout),
        account: web::Data::new(account),
        token: web::Data::from(token),
        revocation: web::Data::new(revocation),
        introspection: web::Data::new(introspection),
        pushes: web::Data::new(pushes),
        userinfo: web::Data::new(userinfo),
        origins: web::Data::new(BrowserOrigins::new(stores.clients.clone())),
        device: web::Data::new(device),
        admin: web::Data::from(admin.clone()),
        admin_gate: web::Data::new(AdminGate::new(
            access_tokens,
            stores.clients.clone(),
            stores.users.clone(),
            admin.clone(),
            resolver,
        )),
        console: web::Data::new(console),
        links: web::Data::new(links),
        readiness: web::Data::new(Readiness::new(stores.clone(), keyring.clone())),
        rate_limits: super::registry::rate_limits(&stores, settings),
        client_registration: super::registry::client_registration(&admin, &stores, settings),
    };
    let jobs = Jobs {
        stores: stores.clone(),
        key_poller,
        janitor: janitor.clone(),
        client_keys,
        hasher,
        http,
        backchannel: backchannel_worker,
        outbox: outbox_worker,
        clock: clock.clone(),
        intervals: jobs::Intervals {
            key_poll: settings.keys.poll_interval,
            cache_revalidation: settings.database.cache_interval,
            janitor: settings.jobs.janitor_interval,
            client_keys: settings.jobs.client_keys_interval,
        },
    };
    Ok(Built { services: Services { stores, admin, janitor, keyring }, registry, jobs })
}
