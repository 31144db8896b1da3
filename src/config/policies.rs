//! The settings as the small typed policies the flows and stores take, so
//! nothing below the composition root reads `Settings`.

use std::time::Duration;

use super::Settings;
use crate::accounts::password::HashPolicy;
use crate::accounts::password_policy::{MAX_PASSWORD_CHARS, PasswordPolicy};
use crate::flows::authorize::AuthorizePolicy;
use crate::flows::device::DevicePolicy;
use crate::flows::janitor::RetentionPolicy;
use crate::flows::keys::KeyPolicy;
use crate::flows::sessions::SessionPolicy;
use crate::protocol::device::GuessPolicy;
use crate::protocol::discovery::Features;
use crate::protocol::lifetimes::TokenPolicy;
use crate::protocol::login_throttle::{LoginPolicy, ThrottlePolicy};
use crate::protocol::pending_logins::PendingPolicy;
use crate::protocol::rate_limits::RatePolicy;
use crate::store::{RedisConfig, StoreConfig};
use crate::web::Site;
use crate::web::client_address::TrustedProxies;
use crate::web::cookies::CookieNames;

impl Settings {
    pub fn store_config(&self) -> StoreConfig {
        StoreConfig {
            database_url: self.database.url.clone(),
            max_connections: self.database.max_connections,
            cache_rows: self.database.cache_interval > 0,
            redis: self.redis.url.as_ref().map(|url| RedisConfig {
                url: url.clone(),
                prefix: self.redis.prefix.clone(),
                command_timeout: Duration::from_millis(self.redis.command_timeout_ms),
                connect_timeout: Duration::from_millis(self.redis.connect_timeout_ms),
                probe_interval: Duration::from_millis(self.redis.probe_interval_ms),
            }),
        }
    }

    pub fn hash_policy(&self) -> HashPolicy {
        HashPolicy {
            memory_kib: self.login.argon2_memory_kib,
            iterations: self.login.argon2_iterations,
            parallelism: self.login.argon2_parallelism,
            max_concurrent: self.login.max_concurrent_hashes,
        }
    }

    pub fn password_policy(&self) -> PasswordPolicy {
        PasswordPolicy { min_length: self.password.min_length, max_length: MAX_PASSWORD_CHARS }
    }

    pub fn login_policy(&self) -> LoginPolicy {
        let l = &self.login;
        let account = ThrottlePolicy {
            max_failures: l.max_failures,
            failure_window: l.failure_window,
            lockout: l.lockout,
        };
        LoginPolicy {
            account,
            address: ThrottlePolicy { max_failures: l.max_failures_per_ip, ..account },
            max_attempts_per_page: l.max_attempts_per_page,
        }
    }

    pub fn key_policy(&self) -> KeyPolicy {
        KeyPolicy {
            algorithms: self.keys.algorithms.clone(),
            rsa_bits: self.keys.rsa_bits,
            rotation_period: self.keys.rotation_period,
            jwks_max_age: self.keys.jwks_max_age,
            retired_retention: self.keys.retired_retention,
            kek_file: self.keys.kek_path(),
            encrypted_requests: self.jar.enabled && self.encryption.enabled,
        }
    }

    pub fn token_policy(&self) -> TokenPolicy {
        TokenPolicy {
            access_token_ttl: self.tokens.access_token_ttl,
            id_token_ttl: self.tokens.id_token_ttl,
            code_ttl: self.tokens.code_ttl,
            refresh_token_idle_ttl: self.tokens.refresh_token_idle_ttl,
            refresh_token_absolute_ttl: self.tokens.refresh_token_absolute_ttl,
            // A token must not outlive the publication of its key (retired
            // keys stay in the JWKS for `retired_retention`).
            longest_access_token: self.keys.retired_retention.saturating_sub(self.keys.jwks_max_age),
            encrypted_tokens: self.encryption.enabled,
        }
    }

    /// The issuer name authenticator apps show next to a TOTP code: the
    /// issuer's host (and port).
    pub fn totp_label(&self) -> String {
        url::Url::parse(&self.issuer)
            .ok()
            .and_then(|u| u.host_str().map(|h| u.port().map_or(h.to_string(), |p| format!("{h}:{p}"))))
            .unwrap_or_else(|| self.issuer.clone())
    }

    pub fn authorize_policy(&self) -> AuthorizePolicy {
        AuthorizePolicy {
            code_ttl: self.tokens.code_ttl,
            interaction_ttl: self.login.ttl,
            pushed: self.par.policy(),
            signed_requests: self.jar.policy(),
            claims_parameter: self.claims.parameter,
        }
    }

    /// The optional protocol features, for discovery.
    pub fn features(&self) -> Features {
        Features {
            pushed: self.par.policy(),
            signed_requests: self.jar.policy(),
            dpop: self.dpop.policy(),
            pairwise_subjects: self.subjects.pairwise,
            claims_parameter: self.claims.parameter,
            token_exchange: self.token_exchange.enabled,
            client_registration: self.client_registration.enabled,
            response_encryption: self.encryption.enabled,
        }
    }

    /// The caps on login transactions started (`protocol::pending_logins`).
    pub fn pending_policy(&self) -> PendingPolicy {
        PendingPolicy {
            window: self.login.ttl,
            max_total: self.login.max_pending,
            max_per_address: self.login.max_pending_per_address,
        }
    }

    /// The per-address rate limits (`protocol::rate_limits`).
    pub fn rate_policy(&self) -> RatePolicy {
        let r = &self.rate_limits;
        RatePolicy {
            authorize: r.authorize,
            login: r.login,
            forgot: r.forgot,
            token: r.token,
            client_registration: r.client_registration,
        }
    }

    pub fn device_policy(&self) -> DevicePolicy {
        DevicePolicy {
            code_ttl: self.device.code_ttl,
            interval: self.device.interval,
            guesses: GuessPolicy {
                max_failures: self.device.max_failures,
                window: self.device.failure_window,
            },
        }
    }

    pub fn session_policy(&self) -> SessionPolicy {
        SessionPolicy { ttl: self.session.ttl, idle_ttl: self.session.idle_ttl }
    }

    pub fn retention_policy(&self) -> RetentionPolicy {
        RetentionPolicy {
            refresh_token_retention: self.retention.refresh_tokens,
            audit_retention: self.retention.audit_events,
        }
    }

    pub fn site(&self) -> Site {
        Site {
            issuer: self.issuer.clone(),
            secure_cookies: self.secure_cookies(),
            cookies: CookieNames::new(&self.session.cookie_name, self.issuer.starts_with("https://")),
            session_ttl: self.session.ttl,
            // Checked by `validate`; the defaults otherwise.
            branding: std::sync::Arc::new(self.branding.branding().unwrap_or_default()),
            registration: self.accounts.registration,
            passkeys: self.passkeys_enabled(),
            // Checked by `validate`.
            trusted_proxies: TrustedProxies::parse(&self.server.trusted_proxies).unwrap_or_default(),
        }
    }

    /// Passkeys are on (`accounts.passkeys`) and can work: the issuer's
    /// host is a domain name, which WebAuthn needs as the relying party id.
    pub fn passkeys_enabled(&self) -> bool {
        self.accounts.passkeys && url::Url::parse(&self.issuer).is_ok_and(|u| u.domain().is_some())
    }
}
