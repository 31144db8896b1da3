//! The login page and the device grant: lifetimes, Argon2id cost,
//! brute-force limits, the caps on pending login transactions and the
//! per-address rate limits.

use serde::Deserialize;

#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LoginSettings {
    /// How long a login page stays usable, in seconds.
    pub ttl: u64,
    /// Argon2id memory cost in KiB, iterations and lanes for new hashes.
    pub argon2_memory_kib: u32,
    pub argon2_iterations: u32,
    pub argon2_parallelism: u32,
    /// Password hashes computed at once; more wait their turn, so a login
    /// flood cannot take every core from token issuance. Default: one less
    /// than the number of CPUs, at least one.
    pub max_concurrent_hashes: Option<usize>,
    /// Failed sign-ins per username within `failure_window` before back-off
    /// and then a lockout (NIST SP 800-63B §5.2.2).
    pub max_failures: u32,
    /// Seconds from the first counted failure until the count starts over.
    pub failure_window: u64,
    /// Seconds a locked username (or address) stays locked.
    pub lockout: u64,
    /// Failed sign-ins per address (IPv6: /64) within the window, across
    /// usernames (credential stuffing).
    pub max_failures_per_ip: u32,
    /// Wrong passwords one login page accepts before the user must start
    /// again from the application.
    pub max_attempts_per_page: u32,
    /// Login transactions (a login page's state, kept for `ttl`) started
    /// within any `ttl` seconds, in total: a flood of anonymous
    /// `/authorize` requests is refused (503) beyond this, so the memory it
    /// can take is bounded. 0: no limit.
    pub max_pending: u64,
    /// The same per client address (IPv6: its /64), refused with 429, so
    /// one address cannot take the whole allowance. 0: no limit.
    pub max_pending_per_address: u64,
}

/// The Device Authorization Grant (RFC 8628), in seconds.
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DeviceSettings {
    /// How long a device code and its user code live (§3.2 `expires_in`).
    pub code_ttl: u64,
    /// The polling interval devices start with (§3.2 `interval`).
    pub interval: u64,
    /// Wrong user codes one address (IPv6: one /64) may enter per window (§5.1).
    pub max_failures: u32,
    pub failure_window: u64,
}

/// Requests per minute per client address (IPv6: its /64) on the routes
/// anyone can call (`protocol::rate_limits`); over it, 429 with
/// `Retry-After`. 0 turns a limit off.
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RateLimitSettings {
    /// `GET`/`POST /authorize`.
    pub authorize: u64,
    /// `POST /login` (and its second-factor and passkey steps).
    pub login: u64,
    /// `POST /forgot` (each may send an email).
    pub forgot: u64,
    /// `POST /token`.
    pub token: u64,
    /// Dynamic client registration (`/connect/register`, RFC 7591) and
    /// its client configuration endpoint (RFC 7592), every method.
    pub client_registration: u64,
    /// Count in the ephemeral store (Redis), so instances share one budget
    /// per address, at one Redis round trip per limited request; default:
    /// each instance counts on its own, in memory.
    pub shared: bool,
}

impl Default for RateLimitSettings {
    fn default() -> Self {
        // Far above what a person or a well-behaved app sends from one
        // address, far below what a flood does.
        RateLimitSettings {
            authorize: 300,
            login: 60,
            forgot: 10,
            token: 1200,
            client_registration: 30,
            shared: false,
        }
    }
}

impl Default for LoginSettings {
    fn default() -> Self {
        // OWASP's Argon2id minimum (m=19 MiB, t=2, p=1), the argon2 crate's default.
        LoginSettings {
            ttl: 15 * 60,
            argon2_memory_kib: 19 * 1024,
            argon2_iterations: 2,
            argon2_parallelism: 1,
            max_concurrent_hashes: None,
            max_failures: 5,
            failure_window: 900,
            lockout: 900,
            max_failures_per_ip: 50,
            max_attempts_per_page: 3,
            // 55 logins a second for 15 minutes; about 60 MB of interactions
            // on the memory store (RELIABILITY.md).
            max_pending: 50_000,
            max_pending_per_address: 1_000,
        }
    }
}

impl Default for DeviceSettings {
    fn default() -> Self {
        DeviceSettings { code_ttl: 600, interval: 5, max_failures: 5, failure_window: 900 }
    }
}
