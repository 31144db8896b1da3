//! Bounded unauthenticated state: an anonymous `GET /authorize` makes the
//! server keep a login transaction (an interaction) for `login.ttl`, so the
//! number started is capped per network address (IPv6: its /64) and in
//! total. Starts are counted in fixed windows of `login.ttl` seconds and
//! estimated over the last `login.ttl` seconds as a sliding window (the
//! previous window's count weighted by the share of it still inside), which
//! bounds the transactions alive at any moment to about the limit with two
//! counters per scope and no per-request state.

use crate::protocol::device::guess_bucket;

/// The limits; 0 means no limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PendingPolicy {
    /// Seconds a login transaction lives (`login.ttl`): the window.
    pub window: u64,
    /// Transactions started in any window, in total (`login.max_pending`).
    pub max_total: u64,
    /// Per address (`login.max_pending_per_address`).
    pub max_per_address: u64,
}

/// Which limit refused a start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PendingScope {
    /// This network address started too many (429).
    Address,
    /// The server holds as many as it may (503).
    Total,
}

/// Where `now` falls: the window's number and the seconds gone in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    pub index: i64,
    pub elapsed: u64,
}

impl PendingPolicy {
    pub fn position(&self, now: i64) -> Position {
        let window = self.window.max(1) as i64;
        Position { index: now.div_euclid(window), elapsed: now.rem_euclid(window) as u64 }
    }

    /// The counter ids of `scope` for the current and the previous window.
    /// The scope is a Redis hash tag, so both stay on one cluster slot.
    pub fn counter_ids(scope: &str, position: Position) -> (String, String) {
        (format!("{{{scope}}}:{}", position.index), format!("{{{scope}}}:{}", position.index - 1))
    }

    /// Seconds a counter must live: through the next window, where it is the
    /// previous one.
    pub fn counter_ttl(&self) -> u64 {
        2 * self.window.max(1)
    }
}

/// The scope an address's starts are counted under.
pub fn address_scope(ip: Option<&str>) -> String {
    format!("a:{}", guess_bucket(ip))
}

/// The scope of every start.
pub const TOTAL_SCOPE: &str = "total";

/// A scope's starts in the current window (this one included) and in the
/// previous one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    pub current: u64,
    pub previous: u64,
}

impl Counts {
    /// Starts within the last `window` seconds, estimated.
    pub fn estimate(&self, window: u64, position: Position) -> f64 {
        let window = window.max(1) as f64;
        let remaining = 1.0 - (position.elapsed as f64 / window);
        self.previous as f64 * remaining + self.current as f64
    }

    /// `None` if this start (already counted) is within `limit`; else the
    /// seconds until the estimate, without further starts, would let one in
    /// (RFC 9110 §10.2.3 `Retry-After`), at least one.
    pub fn refusal(&self, limit: u64, window: u64, position: Position) -> Option<u64> {
        if limit == 0 || self.estimate(window, position) <= limit as f64 {
            return None;
        }
        let (w, limit) = (window.max(1) as f64, limit as f64);
        let current = self.current as f64;
        let wait = if current < limit && self.previous > 0 {
            // previous · (1 − t/w) + current < limit
            let t = w * (1.0 - (limit - current) / self.previous as f64);
            t - position.elapsed as f64
        } else {
            // The next window, where this window's count is the previous one.
            let t = w * (1.0 - limit / current.max(1.0));
            (w - position.elapsed as f64) + t
        };
        Some((wait.ceil() as u64).max(1))
    }

    /// Whether this start is the one that crossed `limit` (for a single
    /// warning per crossing, not one per refused request).
    pub fn just_crossed(&self, limit: u64, window: u64, position: Position) -> bool {
        let before = Counts { current: self.current.saturating_sub(1), previous: self.previous };
        self.refusal(limit, window, position).is_some() && before.refusal(limit, window, position).is_none()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const POLICY: PendingPolicy = PendingPolicy { window: 900, max_total: 100, max_per_address: 10 };

    #[test]
    fn windows_are_numbered_from_the_epoch() {
        assert_eq!(POLICY.position(1800), Position { index: 2, elapsed: 0 });
        assert_eq!(POLICY.position(2699), Position { index: 2, elapsed: 899 });
        let (current, previous) = PendingPolicy::counter_ids("a:192.0.2.1", POLICY.position(2699));
        assert_eq!((current.as_str(), previous.as_str()), ("{a:192.0.2.1}:2", "{a:192.0.2.1}:1"));
        assert_eq!(address_scope(Some("2001:db8:1:2:3::9")), "a:2001:db8:1:2::/64");
    }

    #[test]
    fn the_previous_window_counts_by_the_share_still_inside() {
        let counts = Counts { current: 4, previous: 10 };
        assert_eq!(counts.estimate(900, Position { index: 1, elapsed: 0 }), 14.0);
        assert_eq!(counts.estimate(900, Position { index: 1, elapsed: 450 }), 9.0);
        assert_eq!(counts.estimate(900, Position { index: 1, elapsed: 899 }).round(), 4.0);
    }

    #[test]
    fn a_start_within_the_limit_passes_and_one_over_waits_until_it_would_pass() {
        let start = Position { index: 1, elapsed: 0 };
        assert_eq!(Counts { current: 10, previous: 0 }.refusal(10, 900, start), None);
        assert_eq!(Counts { current: 11, previous: 0 }.refusal(0, 900, start), None, "0 means no limit");
        // 11 now, none before: the next window, 900·(1 − 10/11) ≈ 82 s into it.
        assert_eq!(Counts { current: 11, previous: 0 }.refusal(10, 900, start), Some(900 + 82));
        // 5 now and 10 before: once 10·(1 − t/900) + 5 ≤ 10, t = 450.
        let halfway = Counts { current: 5, previous: 10 };
        assert_eq!(halfway.refusal(10, 900, Position { index: 1, elapsed: 100 }), Some(350));
        assert_eq!(halfway.refusal(10, 900, Position { index: 1, elapsed: 450 }), None);
    }

    #[test]
    fn only_the_start_that_crosses_the_limit_is_reported_as_crossing() {
        let start = Position { index: 1, elapsed: 0 };
        assert!(Counts { current: 11, previous: 0 }.just_crossed(10, 900, start));
        assert!(!Counts { current: 12, previous: 0 }.just_crossed(10, 900, start));
        assert!(!Counts { current: 10, previous: 0 }.just_crossed(10, 900, start));
    }
}
