//! The per-address rate limits (`protocol::rate_limits`): by default
//! counted in this process, in a map of tallies (`sliding_window::Tally`)
//! keyed by route and network, so each instance enforces the limits on what
//! it sees for a few hundred instructions and no round trip; with
//! `rate_limits.shared`, in the configured store (Redis,
//! `flows::window_counter`), so every instance counts against one budget.
//!
//! A counter that cannot be reached does not refuse anyone: the limits
//! guard against floods, and a Redis outage must not stop the token
//! endpoint (client credentials need no Redis otherwise).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

use crate::flows::window_counter;
use crate::protocol::entries::EntryKind;
use crate::protocol::rate_limits::{LimitedRoute, Network, RatePolicy, scope};
use crate::protocol::sliding_window::{Counts, Tally};
use crate::store::Ephemeral;

#[derive(Clone, Debug)]
pub struct RateLimits {
    counters: Counters,
    policy: RatePolicy,
}

#[derive(Clone, Debug)]
enum Counters {
    Local(Arc<Mutex<LocalTallies>>),
    Shared(Ephemeral),
}

/// The tallies of this process. Swept once a window, so what it holds is
/// bounded by the networks seen in the last two minutes.
#[derive(Debug, Default)]
struct LocalTallies {
    tallies: HashMap<(LimitedRoute, Network), Tally>,
    swept_at: i64,
}

impl LocalTallies {
    fn count(&mut self, route: LimitedRoute, network: Network, now: i64) -> Counts {
        let window = RatePolicy::WINDOW;
        let position = window.position(now);
        if now.saturating_sub(self.swept_at) >= window.seconds as i64 {
            self.tallies.retain(|_, tally| tally.live_at(position));
            self.swept_at = now;
        }
        self.tallies.entry((route, network)).or_default().count(position)
    }
}

/// What to do with one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RateVerdict {
    Allowed,
    /// Over the route's budget: 429, try again in `retry_after` seconds.
    Limited {
        retry_after: u64,
    },
}

impl RateLimits {
    /// Counts in `shared` when given, else in this process.
    pub fn new(policy: RatePolicy, shared: Option<Ephemeral>) -> RateLimits {
        let counters = match shared {
            Some(store) => Counters::Shared(store),
            None => Counters::Local(Arc::default()),
        };
        RateLimits { counters, policy }
    }

    /// Whether any route is limited (else requests skip the counting).
    pub fn active(&self) -> bool {
        self.policy.any()
    }

    /// Counts a request to `route` from `ip` (the client's address,
    /// `web::client_address`) and judges it.
    pub async fn admit(&self, route: LimitedRoute, ip: Option<IpAddr>, now: i64) -> RateVerdict {
        let limit = self.policy.limit(route);
        if limit == 0 {
            return RateVerdict::Allowed;
        }
        let window = RatePolicy::WINDOW;
        let (retry_after, just_crossed) = match &self.counters {
            Counters::Local(tallies) => {
                let counts =
                    tallies.lock().unwrap_or_else(|e| e.into_inner()).count(route, Network::of(ip), now);
                let position = window.position(now);
                (
                    counts.refusal(limit, window.seconds, position),
                    counts.just_crossed(limit, window.seconds, position),
                )
            }
            Counters::Shared(store) => {
                let scope = scope(route, ip.map(|ip| ip.to_string()).as_deref());
                match window_counter::count(store, EntryKind::RateLimit, window, &scope, limit, now).await {
                    Ok(counted) => (counted.retry_after, counted.just_crossed),
                    Err(e) => {
                        tracing::debug!(route = route.name(), error = %e, "rate limit counter unavailable: request allowed");
                        return RateVerdict::Allowed;
                    }
                }
            }
        };
        if just_crossed {
            let scope = scope(route, ip.map(|ip| ip.to_string()).as_deref());
            tracing::warn!(
                route = route.name(),
                scope,
                limit,
                "rate limit reached: requests refused with 429"
            );
        }
        match retry_after {
            Some(retry_after) => {
                crate::measure::rate_limited(route.name());
                RateVerdict::Limited { retry_after }
            }
            None => RateVerdict::Allowed,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_800_000_000;

    fn addr(ip: &str) -> IpAddr {
        ip.parse().unwrap()
    }

    fn limits(token: u64) -> RateLimits {
        RateLimits::new(RatePolicy { authorize: 0, login: 2, forgot: 0, token, client_registration: 0 }, None)
    }

    #[tokio::test]
    async fn a_budget_is_per_route_and_per_address() {
        let limits = limits(3);
        let ip = Some(addr("192.0.2.1"));
        for _ in 0..3 {
            assert_eq!(limits.admit(LimitedRoute::Token, ip, NOW).await, RateVerdict::Allowed);
        }
        let refused = limits.admit(LimitedRoute::Token, ip, NOW).await;
        assert!(matches!(refused, RateVerdict::Limited { retry_after } if retry_after >= 1), "{refused:?}");
        assert_eq!(
            limits.admit(LimitedRoute::Token, Some(addr("192.0.2.2")), NOW).await,
            RateVerdict::Allowed
        );
        assert_eq!(limits.admit(LimitedRoute::Login, ip, NOW).await, RateVerdict::Allowed, "own budget");
        // A minute later the old window weighs less, and more are let in.
        assert_eq!(limits.admit(LimitedRoute::Token, ip, NOW + 120).await, RateVerdict::Allowed);
    }

    #[tokio::test]
    async fn shared_counters_judge_alike() {
        let shared = RatePolicy { authorize: 0, login: 0, forgot: 0, token: 2, client_registration: 0 };
        let limits = RateLimits::new(shared, Some(Ephemeral::memory()));
        let ip = Some(addr("2001:db8::1"));
        for _ in 0..2 {
            assert_eq!(limits.admit(LimitedRoute::Token, ip, NOW).await, RateVerdict::Allowed);
        }
        let same_64 = Some(addr("2001:db8::ffff"));
        assert!(matches!(limits.admit(LimitedRoute::Token, same_64, NOW).await, RateVerdict::Limited { .. }));
    }

    #[test]
    fn quiet_networks_are_swept_once_a_window() {
        let mut local = LocalTallies::default();
        local.count(LimitedRoute::Token, Network::V4(1), NOW);
        local.count(LimitedRoute::Token, Network::V4(2), NOW + 30);
        assert_eq!(local.tallies.len(), 2, "within the window nothing goes");
        local.count(LimitedRoute::Token, Network::V4(3), NOW + 180);
        assert_eq!(local.tallies.len(), 1, "two quiet windows later only the new one is left");
    }

    #[tokio::test]
    async fn zero_is_no_limit() {
        let limits = limits(0);
        assert!(limits.active(), "login is limited");
        for _ in 0..100 {
            assert_eq!(
                limits.admit(LimitedRoute::Token, Some(addr("192.0.2.1")), NOW).await,
                RateVerdict::Allowed
            );
        }
        let off = RatePolicy { authorize: 0, login: 0, forgot: 0, token: 0, client_registration: 0 };
        let off = RateLimits::new(off, None);
        assert!(!off.active());
    }
}
