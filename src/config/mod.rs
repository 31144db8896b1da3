//! Settings, layered: code defaults → optional TOML file (`oxidp.toml` in the
//! working directory, or `--config FILE`) → `OXIDP__SECTION__KEY` environment
//! variables. `validate()` runs before anything starts. Read only by the
//! composition root (`app`) and the CLI, which turn the settings into the
//! small typed policies each flow takes (`policies`).

mod branding;
mod claims;
mod client_registration;
mod dpop;
mod encryption;
mod jar;
mod login;
mod mail;
mod par;
mod password;
mod policies;
mod subjects;
#[cfg(test)]
mod tests;
mod token_exchange;
mod validate;

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

pub use self::claims::ClaimsSettings;
pub use self::client_registration::ClientRegistrationSettings;
pub use self::dpop::DpopSettings;
pub use self::encryption::EncryptionSettings;
pub use self::jar::JarSettings;
pub use self::par::ParSettings;
pub use self::password::PasswordSettings;
pub use self::subjects::SubjectSettings;
pub use self::token_exchange::TokenExchangeSettings;
pub use branding::BrandingSettings;
pub use login::{DeviceSettings, LoginSettings, RateLimitSettings};

use crate::jose::SigningAlg;
use crate::store::RedisConfig;
use crate::vocabulary::vocabulary;
pub use mail::{AccountSettings, LinkSettings, MailSettings};

/// `Debug` redacts what the sections' own `Debug` redacts (database and
/// Redis URLs, mail credentials).
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// The issuer identifier (OpenID Connect Discovery §3): scheme, host,
    /// optional port and path, no query or fragment, no trailing slash.
    pub issuer: String,
    pub server: ServerSettings,
    pub database: DatabaseSettings,
    pub redis: RedisSettings,
    pub keys: KeySettings,
    pub tokens: TokenSettings,
    pub session: SessionSettings,
    pub logout: LogoutSettings,
    pub login: LoginSettings,
    pub rate_limits: RateLimitSettings,
    pub par: ParSettings,
    /// Signed request objects (RFC 9101).
    pub jar: JarSettings,
    pub subjects: SubjectSettings,
    pub claims: ClaimsSettings,
    pub token_exchange: TokenExchangeSettings,
    pub client_registration: ClientRegistrationSettings,
    /// Encrypted ID tokens and UserInfo responses (JWE).
    pub encryption: EncryptionSettings,
    /// Sender-constrained tokens (RFC 9449).
    pub dpop: DpopSettings,
    pub password: PasswordSettings,
    pub device: DeviceSettings,
    pub jobs: JobSettings,
    pub retention: RetentionSettings,
    pub audit: AuditSettings,
    pub log: LogSettings,
    pub branding: BrandingSettings,
    pub mail: MailSettings,
    pub links: LinkSettings,
    pub accounts: AccountSettings,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerSettings {
    pub bind: String,
    /// Worker threads; defaults to the number of CPUs.
    pub workers: Option<usize>,
    /// PEM certificate chain and private key: serve HTTPS directly instead
    /// of behind a TLS-terminating proxy.
    pub tls_cert_file: Option<PathBuf>,
    pub tls_key_file: Option<PathBuf>,
    /// Reverse proxies (addresses or CIDR networks) whose `X-Forwarded-For`
    /// gives the client's address (`web::client_address`); empty: the TCP
    /// peer is the client.
    pub trusted_proxies: Vec<String>,
    /// Seconds from SIGTERM/SIGINT for the requests in flight and the
    /// queued deliveries (back-channel logout, mail) to finish.
    pub shutdown_timeout: u64,
    /// Where `GET /metrics` (Prometheus) is served, apart from the public
    /// listener; unset: no metrics.
    pub metrics_bind: Option<String>,
}

#[derive(Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DatabaseSettings {
    /// `sqlite://path` (embedded default) or `postgres://…`.
    pub url: String,
    pub max_connections: u32,
    /// Seconds between checks for client and user changes made elsewhere
    /// (CLI, other instances); they are cached in memory in between. 0
    /// turns the caches off.
    pub cache_interval: u64,
}

#[derive(Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RedisSettings {
    /// Absent: SSO sessions and codes live in this process only.
    pub url: Option<String>,
    pub prefix: String,
    /// Milliseconds a command waits for its reply before Redis counts as
    /// unreachable (requests then answer 503 at once until it is back).
    pub command_timeout_ms: u64,
    /// Milliseconds a connection attempt may take.
    pub connect_timeout_ms: u64,
    /// Milliseconds between background PINGs of an unreachable Redis.
    pub probe_interval_ms: u64,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct KeySettings {
    /// Folder of the key-encryption key (`kek`), created on first start.
    pub dir: PathBuf,
    /// The key-encryption key file; default `{dir}/kek`.
    pub kek_file: Option<PathBuf>,
    pub rsa_bits: u32,
    /// Signing algorithms, each with its own key lifecycle. RS256 (always
    /// listed) signs access tokens; clients pick one for their ID tokens.
    pub algorithms: Vec<SigningAlg>,
    /// Seconds between automatic rotations.
    pub rotation_period: u64,
    /// `Cache-Control: max-age` of the JWKS; a new key is published at least
    /// this long before it signs.
    pub jwks_max_age: u64,
    /// Seconds a retired key stays published (≥ the longest token lifetime).
    pub retired_retention: u64,
    /// Seconds between checks of the shared key set (the bound within which
    /// every instance signs with a newly activated key).
    pub poll_interval: u64,
}

impl KeySettings {
    pub fn kek_path(&self) -> PathBuf {
        self.kek_file.clone().unwrap_or_else(|| self.dir.join("kek"))
    }
}

/// Lifetimes in seconds.
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TokenSettings {
    pub access_token_ttl: u64,
    pub id_token_ttl: u64,
    pub code_ttl: u64,
    /// A refresh token unused this long expires (each rotation renews it).
    pub refresh_token_idle_ttl: u64,
    /// No refresh-token family outlives this, however often it is used.
    pub refresh_token_absolute_ttl: u64,
    /// `aud` of access tokens requested without a `resource` (RFC 8707);
    /// the issuer when unset.
    pub default_audience: Option<String>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SessionSettings {
    /// Absolute lifetime of an SSO session, in seconds.
    pub ttl: u64,
    /// A session unused this long ends, in seconds (at most `ttl`).
    pub idle_ttl: u64,
    pub cookie_name: String,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LogoutSettings {
    /// How long the logged-out page waits for back-channel deliveries, in
    /// seconds; they carry on in the background afterwards.
    pub backchannel_wait: u64,
}

/// Intervals of the background jobs that have no other home, in seconds.
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct JobSettings {
    /// Between runs of the janitor (expired tokens, denials, keys, audit rows).
    pub janitor_interval: u64,
    /// Between sweeps of the cache of clients' fetched JWK Sets.
    pub client_keys_interval: u64,
}

/// How long the janitor keeps what is no longer usable, in seconds.
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RetentionSettings {
    /// Refresh-token families that died (revoked, expired) are deleted this
    /// long after.
    pub refresh_tokens: u64,
    /// Audit events are deleted this long after they happened.
    pub audit_events: u64,
}

/// The audit trail (`audit_events`); its retention is `retention.audit_events`.
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuditSettings {
    /// Also write each event as a log line (`audit event`, level WARN).
    /// Events are stored in the database either way; turn this off when
    /// the log goes somewhere that should not hold who signed in from where.
    pub log: bool,
}

impl Default for AuditSettings {
    fn default() -> Self {
        AuditSettings { log: true }
    }
}

vocabulary! {
    /// How log lines are written.
    pub enum LogFormat("log format") {
        Text => "text",
        Json => "json",
    }
}

#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LogSettings {
    /// A tracing `EnvFilter` directive; `RUST_LOG` wins when set.
    pub level: String,
    pub format: LogFormat,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            issuer: "http://127.0.0.1:8080".into(),
            server: ServerSettings::default(),
            database: DatabaseSettings::default(),
            redis: RedisSettings::default(),
            keys: KeySettings::default(),
            tokens: TokenSettings::default(),
            session: SessionSettings::default(),
            logout: LogoutSettings::default(),
            login: LoginSettings::default(),
            rate_limits: RateLimitSettings::default(),
            par: ParSettings::default(),
            jar: JarSettings::default(),
            subjects: SubjectSettings::default(),
            claims: ClaimsSettings::default(),
            token_exchange: TokenExchangeSettings::default(),
            client_registration: ClientRegistrationSettings::default(),
            encryption: EncryptionSettings::default(),
            dpop: DpopSettings::default(),
            password: PasswordSettings::default(),
            device: DeviceSettings::default(),
            jobs: JobSettings::default(),
            retention: RetentionSettings::default(),
            audit: AuditSettings::default(),
            log: LogSettings::default(),
            branding: BrandingSettings::default(),
            mail: MailSettings::default(),
            links: LinkSettings::default(),
            accounts: AccountSettings::default(),
        }
    }
}

impl Default for ServerSettings {
    fn default() -> Self {
        ServerSettings {
            bind: "127.0.0.1:8080".into(),
            workers: None,
            tls_cert_file: None,
            tls_key_file: None,
            trusted_proxies: Vec::new(),
            shutdown_timeout: 30,
            metrics_bind: None,
        }
    }
}

impl Default for DatabaseSettings {
    fn default() -> Self {
        DatabaseSettings { url: "sqlite://data/oxidp.db".into(), max_connections: 8, cache_interval: 1 }
    }
}

impl Default for RedisSettings {
    fn default() -> Self {
        let ms = |d: Duration| d.as_millis() as u64;
        RedisSettings {
            url: None,
            prefix: "oxidp:".into(),
            command_timeout_ms: ms(RedisConfig::DEFAULT_COMMAND_TIMEOUT),
            connect_timeout_ms: ms(RedisConfig::DEFAULT_CONNECT_TIMEOUT),
            probe_interval_ms: ms(RedisConfig::DEFAULT_PROBE_INTERVAL),
        }
    }
}

impl Default for KeySettings {
    fn default() -> Self {
        KeySettings {
            dir: PathBuf::from("keys"),
            kek_file: None,
            rsa_bits: 2048,
            // PS256 is opt-in: another RSA key pair doubles first-start time.
            algorithms: vec![SigningAlg::Rs256, SigningAlg::Es256, SigningAlg::EdDsa],
            rotation_period: 30 * 24 * 3600,
            jwks_max_age: 300,
            retired_retention: 24 * 3600,
            poll_interval: 10,
        }
    }
}

impl Default for TokenSettings {
    fn default() -> Self {
        TokenSettings {
            access_token_ttl: 300,
            id_token_ttl: 300,
            code_ttl: 60,
            refresh_token_idle_ttl: 30 * 24 * 3600,
            refresh_token_absolute_ttl: 90 * 24 * 3600,
            default_audience: None,
        }
    }
}

impl Default for SessionSettings {
    fn default() -> Self {
        SessionSettings { ttl: 10 * 3600, idle_ttl: 2 * 3600, cookie_name: "oxidp_session".into() }
    }
}

impl Default for LogoutSettings {
    fn default() -> Self {
        LogoutSettings { backchannel_wait: 2 }
    }
}

impl Default for JobSettings {
    fn default() -> Self {
        JobSettings { janitor_interval: 3600, client_keys_interval: 300 }
    }
}

impl Default for RetentionSettings {
    fn default() -> Self {
        RetentionSettings { refresh_tokens: 24 * 3600, audit_events: 90 * 24 * 3600 }
    }
}

impl Default for LogSettings {
    fn default() -> Self {
        LogSettings { level: "info".into(), format: LogFormat::Text }
    }
}

impl Settings {
    /// Loads defaults, then `file` (or `oxidp.toml` if present), then the
    /// environment, then validates.
    pub fn load(file: Option<&Path>) -> anyhow::Result<Settings> {
        let mut builder = config::Config::builder();
        builder = match file {
            Some(path) => builder.add_source(config::File::from(path).required(true)),
            None => builder.add_source(config::File::with_name("oxidp.toml").required(false)),
        };
        let settings: Settings = builder
            .add_source(
                config::Environment::with_prefix("OXIDP")
                    .prefix_separator("__")
                    .separator("__")
                    .try_parsing(true)
                    .list_separator(",")
                    .with_list_parse_key("keys.algorithms")
                    .with_list_parse_key("server.trusted_proxies")
                    .with_list_parse_key("client_registration.allowed_scopes"),
            )
            .build()?
            .try_deserialize()?;
        settings.validate()?;
        Ok(settings)
    }

    /// Plain-http issuers are accepted only on loopback, where cookies may
    /// drop the Secure flag.
    pub fn issuer_is_loopback(&self) -> bool {
        url::Url::parse(&self.issuer)
            .ok()
            .and_then(|u| match u.host() {
                Some(url::Host::Ipv4(ip)) => Some(ip.is_loopback()),
                Some(url::Host::Ipv6(ip)) => Some(ip.is_loopback()),
                Some(url::Host::Domain(d)) => Some(d == "localhost"),
                None => None,
            })
            .unwrap_or(false)
    }

    /// The audience of access tokens issued without a resource indicator.
    pub fn default_audience(&self) -> &str {
        self.tokens.default_audience.as_deref().unwrap_or(&self.issuer)
    }

    /// Cookies carry `Secure` unless the issuer is plain http on loopback.
    pub fn secure_cookies(&self) -> bool {
        !(self.issuer.starts_with("http://") && self.issuer_is_loopback())
    }
}

/// Hides the password part of a connection URL, also of one `url` cannot
/// parse (`redis+cluster://:pw@a:7000,b:7001` lists several hosts).
pub fn redact_url(raw: &str) -> String {
    if let Ok(mut u) = url::Url::parse(raw) {
        if u.password().is_none() {
            return raw.to_string();
        }
        let _ = u.set_password(Some("redacted"));
        return u.to_string();
    }
    let Some((scheme, rest)) = raw.split_once("://") else { return raw.to_string() };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    match authority.rsplit_once('@') {
        Some((userinfo, hosts)) if userinfo.contains(':') => {
            let user = userinfo.split(':').next().unwrap_or_default();
            format!("{scheme}://{user}:redacted@{hosts}{}", &rest[authority.len()..])
        }
        _ => raw.to_string(),
    }
}

impl fmt::Debug for DatabaseSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DatabaseSettings")
            .field("url", &redact_url(&self.url))
            .field("max_connections", &self.max_connections)
            .field("cache_interval", &self.cache_interval)
            .finish()
    }
}

impl fmt::Debug for RedisSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisSettings")
            .field("url", &self.url.as_deref().map(redact_url))
            .field("prefix", &self.prefix)
            .field("command_timeout_ms", &self.command_timeout_ms)
            .field("connect_timeout_ms", &self.connect_timeout_ms)
            .field("probe_interval_ms", &self.probe_interval_ms)
            .finish()
    }
}
