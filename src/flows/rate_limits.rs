//! The per-address rate limits (`protocol::rate_limits`), counted in the
//! ephemeral store (`flows::window_counter`): by default in a store of this
//! process's own, so each instance enforces the limits on what it sees and
//! pays no round trip for it; with `rate_limits.shared`, in the configured
//! store (Redis), so every instance counts against one budget.
//!
//! A counter that cannot be reached does not refuse anyone: the limits
//! guard against floods, and a Redis outage must not stop the token
//! endpoint (client credentials need no Redis otherwise).

use crate::flows::window_counter;
use crate::protocol::entries::EntryKind;
use crate::protocol::rate_limits::{LimitedRoute, RatePolicy, scope};
use crate::store::Ephemeral;

#[derive(Clone, Debug)]
pub struct RateLimits {
    counters: Ephemeral,
    policy: RatePolicy,
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
    /// Counts in `shared` when given, else in a store of this process.
    pub fn new(policy: RatePolicy, shared: Option<Ephemeral>) -> RateLimits {
        RateLimits { counters: shared.unwrap_or_else(Ephemeral::memory), policy }
    }

    /// Whether any route is limited (else requests skip the counting).
    pub fn active(&self) -> bool {
        self.policy.any()
    }

    /// Counts a request to `route` from `ip` (the client's address,
    /// `web::client_address`) and judges it.
    pub async fn admit(&self, route: LimitedRoute, ip: Option<&str>, now: i64) -> RateVerdict {
        let limit = self.policy.limit(route);
        if limit == 0 {
            return RateVerdict::Allowed;
        }
        let scope = scope(route, ip);
        let window = RatePolicy::WINDOW;
        match window_counter::count(&self.counters, EntryKind::RateLimit, window, &scope, limit, now).await {
            Ok(counted) => {
                if counted.just_crossed {
                    tracing::warn!(
                        route = route.name(),
                        scope,
                        limit,
                        "rate limit reached: requests refused with 429"
                    );
                }
                match counted.retry_after {
                    Some(retry_after) => {
                        crate::measure::rate_limited(route.name());
                        RateVerdict::Limited { retry_after }
                    }
                    None => RateVerdict::Allowed,
                }
            }
            Err(e) => {
                tracing::debug!(route = route.name(), error = %e, "rate limit counter unavailable: request allowed");
                RateVerdict::Allowed
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_800_000_000;

    fn limits(token: u64) -> RateLimits {
        RateLimits::new(RatePolicy { authorize: 0, login: 2, forgot: 0, token }, None)
    }

    #[tokio::test]
    async fn a_budget_is_per_route_and_per_address() {
        let limits = limits(3);
        let ip = Some("192.0.2.1");
        for _ in 0..3 {
            assert_eq!(limits.admit(LimitedRoute::Token, ip, NOW).await, RateVerdict::Allowed);
        }
        let refused = limits.admit(LimitedRoute::Token, ip, NOW).await;
        assert!(matches!(refused, RateVerdict::Limited { retry_after } if retry_after >= 1), "{refused:?}");
        assert_eq!(limits.admit(LimitedRoute::Token, Some("192.0.2.2"), NOW).await, RateVerdict::Allowed);
        assert_eq!(limits.admit(LimitedRoute::Login, ip, NOW).await, RateVerdict::Allowed, "own budget");
        // A minute later the old window weighs less, and more are let in.
        assert_eq!(limits.admit(LimitedRoute::Token, ip, NOW + 120).await, RateVerdict::Allowed);
    }

    #[tokio::test]
    async fn zero_is_no_limit() {
        let limits = limits(0);
        assert!(limits.active(), "login is limited");
        for _ in 0..100 {
            assert_eq!(limits.admit(LimitedRoute::Token, Some("192.0.2.1"), NOW).await, RateVerdict::Allowed);
        }
        let off = RateLimits::new(RatePolicy { authorize: 0, login: 0, forgot: 0, token: 0 }, None);
        assert!(!off.active());
    }
}
