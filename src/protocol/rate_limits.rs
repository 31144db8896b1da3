//! Per-address rate limits on the endpoints anyone can call without a
//! session: the authorization endpoint, the sign-in and password-recovery
//! forms, and the token endpoint. Each has its own budget of requests per
//! minute per network address (IPv6: its /64), counted over a sliding
//! minute (`protocol::sliding_window`); over it, the request is refused
//! with 429 and `Retry-After` (RFC 6585 §4) before any work is done. These
//! sit in front of, not instead of, the per-account lockouts and the cap
//! on pending sign-ins.

use std::net::IpAddr;

use crate::protocol::client_registration::REGISTRATION_PATH;
use crate::protocol::device::guess_bucket;
use crate::protocol::sliding_window::SlidingWindow;

/// An endpoint with a budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LimitedRoute {
    /// `GET`/`POST /authorize` (RFC 6749 §3.1).
    Authorize,
    /// `POST /login`, `/login/mfa` and `/login/passkey`: credentials.
    Login,
    /// `POST /forgot`: each sends an email.
    Forgot,
    /// `POST /token` (RFC 6749 §3.2).
    Token,
    /// Dynamic client registration and the client configuration endpoint
    /// (RFC 7591 §3, RFC 7592 §2): registering creates state, and its
    /// tokens must not be guessed.
    ClientRegistration,
}

impl LimitedRoute {
    pub const ALL: [LimitedRoute; 5] = [
        LimitedRoute::Authorize,
        LimitedRoute::Login,
        LimitedRoute::Forgot,
        LimitedRoute::Token,
        LimitedRoute::ClientRegistration,
    ];

    /// The budget a request spends, if any: reading a form page is free,
    /// submitting it is not.
    pub fn of(method: &str, path: &str) -> Option<LimitedRoute> {
        let post = method == "POST";
        match path {
            "/authorize" if post || method == "GET" || method == "HEAD" => Some(LimitedRoute::Authorize),
            "/login" | "/login/mfa" | "/login/passkey" if post => Some(LimitedRoute::Login),
            "/forgot" if post => Some(LimitedRoute::Forgot),
            // Pushed requests come from the same clients, as JSON (RFC 9126).
            "/token" | "/par" if post => Some(LimitedRoute::Token),
            REGISTRATION_PATH if post => Some(LimitedRoute::ClientRegistration),
            _ if method != "OPTIONS" && is_client_configuration(path) => {
                Some(LimitedRoute::ClientRegistration)
            }
            _ => None,
        }
    }

    /// The name in configuration (`rate_limits.<name>`), metrics and logs.
    pub fn name(self) -> &'static str {
        match self {
            LimitedRoute::Authorize => "authorize",
            LimitedRoute::Login => "login",
            LimitedRoute::Forgot => "forgot",
            LimitedRoute::Token => "token",
            LimitedRoute::ClientRegistration => "client_registration",
        }
    }

    /// Whether the client is a program expecting JSON (RFC 6749 §5.2),
    /// rather than a browser expecting a page.
    pub fn answers_json(self) -> bool {
        matches!(self, LimitedRoute::Token | LimitedRoute::ClientRegistration)
    }
}

/// Requests per minute per address for each route; 0 means no limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RatePolicy {
    pub authorize: u64,
    pub login: u64,
    pub forgot: u64,
    pub token: u64,
    pub client_registration: u64,
}

impl RatePolicy {
    /// Every budget counts over the last minute.
    pub const WINDOW: SlidingWindow = SlidingWindow { seconds: 60 };

    pub fn limit(&self, route: LimitedRoute) -> u64 {
        match route {
            LimitedRoute::Authorize => self.authorize,
            LimitedRoute::Login => self.login,
            LimitedRoute::Forgot => self.forgot,
            LimitedRoute::Token => self.token,
            LimitedRoute::ClientRegistration => self.client_registration,
        }
    }

    /// Whether any route has a limit (else nothing is counted at all).
    pub fn any(&self) -> bool {
        LimitedRoute::ALL.iter().any(|&r| self.limit(r) > 0)
    }
}

/// `/connect/register/{client_id}` (RFC 7592 §2).
fn is_client_configuration(path: &str) -> bool {
    path.strip_prefix(REGISTRATION_PATH)
        .and_then(|rest| rest.strip_prefix('/'))
        .is_some_and(|id| !id.is_empty() && !id.contains('/'))
}

/// The network a client address counts for, as [`scope`] names it: an
/// IPv4 address (also IPv4-mapped IPv6) as is, IPv6 by its /64 (one
/// subscriber's prefix: a client changing the rest must not reset its
/// budget).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Network {
    V4(u32),
    V6(u64),
    Unknown,
}

impl Network {
    pub fn of(ip: Option<IpAddr>) -> Network {
        match ip {
            Some(IpAddr::V4(v4)) => Network::V4(v4.to_bits()),
            Some(IpAddr::V6(v6)) => match v6.to_ipv4_mapped() {
                Some(v4) => Network::V4(v4.to_bits()),
                None => Network::V6((v6.to_bits() >> 64) as u64),
            },
            None => Network::Unknown,
        }
    }
}

/// The counter scope of `route` for the client at `ip`.
pub fn scope(route: LimitedRoute, ip: Option<&str>) -> String {
    format!("{}:{}", route.name(), guess_bucket(ip))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn submitting_spends_the_budget_and_reading_does_not() {
        assert_eq!(LimitedRoute::of("GET", "/authorize"), Some(LimitedRoute::Authorize));
        assert_eq!(LimitedRoute::of("POST", "/authorize"), Some(LimitedRoute::Authorize));
        assert_eq!(LimitedRoute::of("POST", "/login/mfa"), Some(LimitedRoute::Login));
        assert_eq!(LimitedRoute::of("POST", "/forgot"), Some(LimitedRoute::Forgot));
        assert_eq!(LimitedRoute::of("GET", "/forgot"), None);
        assert_eq!(LimitedRoute::of("POST", "/token"), Some(LimitedRoute::Token));
        assert_eq!(LimitedRoute::of("OPTIONS", "/token"), None, "CORS preflight");
        assert_eq!(LimitedRoute::of("GET", "/userinfo"), None);
        assert_eq!(LimitedRoute::of("POST", "/token/"), None, "only the route itself");
        assert_eq!(LimitedRoute::of("POST", "/connect/register"), Some(LimitedRoute::ClientRegistration));
        assert_eq!(LimitedRoute::of("GET", "/connect/register/c1"), Some(LimitedRoute::ClientRegistration));
        assert_eq!(
            LimitedRoute::of("DELETE", "/connect/register/c1"),
            Some(LimitedRoute::ClientRegistration)
        );
        assert_eq!(LimitedRoute::of("OPTIONS", "/connect/register/c1"), None);
        assert_eq!(LimitedRoute::of("POST", "/register"), None, "people's self-registration");
    }

    #[test]
    fn an_ipv6_client_counts_by_its_64_and_a_mapped_ipv4_as_itself() {
        let net = |ip: &str| Network::of(Some(ip.parse().unwrap()));
        assert_eq!(net("2001:db8:1:2:3::9"), net("2001:db8:1:2:ffff::1"));
        assert_ne!(net("2001:db8:1:2::1"), net("2001:db8:1:3::1"));
        assert_eq!(net("::ffff:192.0.2.7"), net("192.0.2.7"));
        assert_ne!(net("192.0.2.7"), net("192.0.2.8"));
        assert_eq!(Network::of(None), Network::Unknown);
    }

    #[test]
    fn every_route_counts_on_its_own_per_network() {
        assert_eq!(scope(LimitedRoute::Token, Some("192.0.2.7")), "token:192.0.2.7");
        assert_eq!(scope(LimitedRoute::Login, Some("2001:db8:1:2:3::9")), "login:2001:db8:1:2::/64");
        let off = RatePolicy { authorize: 0, login: 0, forgot: 0, token: 0, client_registration: 0 };
        assert!(!off.any());
        assert!(RatePolicy { forgot: 5, ..off }.any());
    }
}
