//! Bounded unauthenticated state: an anonymous `GET /authorize` makes the
//! server keep a login transaction (an interaction) for `login.ttl`, so the
//! number started is capped per network address (IPv6: its /64) and in
//! total. Starts are counted over a sliding window of `login.ttl` seconds
//! (`protocol::sliding_window`), which bounds the transactions alive at any
//! moment to about the limit.

use crate::protocol::device::guess_bucket;
use crate::protocol::sliding_window::SlidingWindow;

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

impl PendingPolicy {
    pub fn window(&self) -> SlidingWindow {
        SlidingWindow { seconds: self.window }
    }
}

/// The scope an address's starts are counted under.
pub fn address_scope(ip: Option<&str>) -> String {
    format!("a:{}", guess_bucket(ip))
}

/// The scope of every start.
pub const TOTAL_SCOPE: &str = "total";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_ipv6_address_counts_under_its_64() {
        assert_eq!(address_scope(Some("2001:db8:1:2:3::9")), "a:2001:db8:1:2::/64");
        assert_eq!(address_scope(Some("192.0.2.1")), "a:192.0.2.1");
    }
}
