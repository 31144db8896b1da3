//! What the server refuses to start with.

use super::Settings;
use crate::accounts::password_policy::MAX_PASSWORD_CHARS;
use crate::jose::SigningAlg;

impl Settings {
    /// Rejects settings the server cannot run with safely.
    pub fn validate(&self) -> anyhow::Result<()> {
        let issuer = url::Url::parse(&self.issuer)
            .map_err(|e| anyhow::anyhow!("issuer {:?} is not a URL: {e}", self.issuer))?;
        anyhow::ensure!(
            issuer.scheme() == "https" || issuer.scheme() == "http",
            "issuer must be an http(s) URL"
        );
        anyhow::ensure!(
            issuer.query().is_none() && issuer.fragment().is_none(),
            "issuer must not have a query or fragment (OpenID Connect Discovery §3)"
        );
        anyhow::ensure!(!self.issuer.ends_with('/'), "issuer must not end with '/'");
        anyhow::ensure!(
            issuer.scheme() == "https" || self.issuer_is_loopback(),
            "issuer must be https unless it is on a loopback address"
        );
        anyhow::ensure!(
            self.server.tls_cert_file.is_some() == self.server.tls_key_file.is_some(),
            "server.tls_cert_file and server.tls_key_file must be set together"
        );
        anyhow::ensure!(
            self.server.shutdown_timeout <= 3600,
            "server.shutdown_timeout must be at most 3600 seconds"
        );
        crate::web::client_address::TrustedProxies::parse(&self.server.trusted_proxies)
            .map_err(|e| anyhow::anyhow!("server.trusted_proxies: {e}"))?;
        anyhow::ensure!(
            [2048, 3072, 4096].contains(&self.keys.rsa_bits),
            "keys.rsa_bits must be 2048, 3072 or 4096"
        );
        // Every algorithm is a SigningAlg already (unknown ones fail to
        // parse); RS256 must stay: OpenID Connect Core §15.1 makes it the one
        // every OpenID Provider supports, and it signs the access tokens.
        anyhow::ensure!(
            self.keys.algorithms.contains(&SigningAlg::Rs256),
            "keys.algorithms must include RS256 (OpenID Connect Core §15.1; it also signs access tokens)"
        );
        anyhow::ensure!(
            self.keys.rotation_period > self.keys.jwks_max_age,
            "keys.rotation_period must be longer than keys.jwks_max_age"
        );
        let longest_token = self.tokens.access_token_ttl.max(self.tokens.id_token_ttl);
        anyhow::ensure!(
            self.keys.retired_retention >= longest_token + self.keys.jwks_max_age,
            "keys.retired_retention must cover the longest token lifetime plus keys.jwks_max_age"
        );
        anyhow::ensure!(self.keys.poll_interval > 0, "keys.poll_interval must be positive");
        anyhow::ensure!(
            self.tokens.code_ttl > 0 && self.tokens.code_ttl <= 600,
            "tokens.code_ttl must be 1..=600 seconds"
        );
        anyhow::ensure!(self.tokens.access_token_ttl > 0, "tokens.access_token_ttl must be positive");
        anyhow::ensure!(self.tokens.id_token_ttl > 0, "tokens.id_token_ttl must be positive");
        anyhow::ensure!(
            self.tokens.refresh_token_idle_ttl > 0
                && self.tokens.refresh_token_idle_ttl <= self.tokens.refresh_token_absolute_ttl,
            "tokens.refresh_token_idle_ttl must be positive and at most tokens.refresh_token_absolute_ttl"
        );
        anyhow::ensure!(self.session.ttl > 0, "session.ttl must be positive");
        anyhow::ensure!(
            self.session.idle_ttl > 0 && self.session.idle_ttl <= self.session.ttl,
            "session.idle_ttl must be positive and at most session.ttl"
        );
        anyhow::ensure!(
            self.logout.backchannel_wait <= 30,
            "logout.backchannel_wait must be at most 30 seconds"
        );
        anyhow::ensure!(self.login.ttl > 0, "login.ttl must be positive");
        anyhow::ensure!(
            self.login.max_concurrent_hashes != Some(0),
            "login.max_concurrent_hashes must be positive"
        );
        self.validate_sign_in_limits()?;
        anyhow::ensure!(
            (60..=3600).contains(&self.device.code_ttl),
            "device.code_ttl must be 60..=3600 seconds"
        );
        anyhow::ensure!((1..=60).contains(&self.device.interval), "device.interval must be 1..=60 seconds");
        anyhow::ensure!(
            (1..=100).contains(&self.device.max_failures),
            "device.max_failures must be 1..=100 (RFC 8628 §5.1: user codes must not be guessable)"
        );
        anyhow::ensure!(self.device.failure_window > 0, "device.failure_window must be positive");
        anyhow::ensure!(self.database.max_connections > 0, "database.max_connections must be positive");
        self.par.validate()?;
        self.jar.validate()?;
        self.client_registration.validate()?;
        let rate_policy = self.rate_policy();
        for route in crate::protocol::rate_limits::LimitedRoute::ALL {
            anyhow::ensure!(
                rate_policy.limit(route) <= 1_000_000,
                "rate_limits.{} must be 0..=1000000 requests per minute",
                route.name()
            );
        }
        anyhow::ensure!(!self.redis.prefix.is_empty(), "redis.prefix must not be empty");
        // A brace would start a hash tag and move keys that must share a
        // slot (a counter and its previous window) onto different ones.
        anyhow::ensure!(
            !self.redis.prefix.contains(['{', '}']),
            "redis.prefix must not contain {{ or }} (Redis Cluster hash tags)"
        );
        if let Some(url) = &self.redis.url {
            crate::store::ephemeral::RedisLayout::parse(url).map_err(anyhow::Error::msg)?;
        }
        for (name, ms) in [
            ("redis.command_timeout_ms", self.redis.command_timeout_ms),
            ("redis.connect_timeout_ms", self.redis.connect_timeout_ms),
            ("redis.probe_interval_ms", self.redis.probe_interval_ms),
        ] {
            anyhow::ensure!((1..=60_000).contains(&ms), "{name} must be 1..=60000 milliseconds");
        }
        anyhow::ensure!(self.jobs.janitor_interval > 0, "jobs.janitor_interval must be positive");
        anyhow::ensure!(self.jobs.client_keys_interval > 0, "jobs.client_keys_interval must be positive");
        self.branding.branding().map_err(anyhow::Error::msg)?;
        Ok(())
    }

    /// Brute-force limits and the password policy (NIST SP 800-63B §5.1.1.2, §5.2.2).
    fn validate_sign_in_limits(&self) -> anyhow::Result<()> {
        let l = &self.login;
        anyhow::ensure!((1..=1000).contains(&l.max_failures), "login.max_failures must be 1..=1000");
        anyhow::ensure!(
            (1..=100_000).contains(&l.max_failures_per_ip),
            "login.max_failures_per_ip must be 1..=100000"
        );
        anyhow::ensure!(
            (1..=30 * 86_400).contains(&l.failure_window),
            "login.failure_window must be 1..=2592000 seconds"
        );
        anyhow::ensure!((1..=30 * 86_400).contains(&l.lockout), "login.lockout must be 1..=2592000 seconds");
        anyhow::ensure!(
            (1..=100).contains(&l.max_attempts_per_page),
            "login.max_attempts_per_page must be 1..=100"
        );
        anyhow::ensure!(
            (8..=MAX_PASSWORD_CHARS).contains(&self.password.min_length),
            "password.min_length must be 8..={MAX_PASSWORD_CHARS} (NIST SP 800-63B §5.1.1.2)"
        );
        self.validate_mail()?;
        Ok(())
    }
}
