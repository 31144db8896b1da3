//! Counting events per scope (a network address, a route, everything) over
//! the last `seconds` with two counters per scope and no per-event state:
//! events are counted in fixed windows and estimated over the sliding one
//! (the previous window's count weighted by the share of it still inside).
//! The pending-login caps and the rate limits count this way, in the
//! ephemeral store, so every instance sharing a Redis sees the same counts.

/// A window of `seconds`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SlidingWindow {
    pub seconds: u64,
}

impl SlidingWindow {
    pub fn position(&self, now: i64) -> Position {
        let window = self.seconds.max(1) as i64;
        Position { index: now.div_euclid(window), elapsed: now.rem_euclid(window) as u64 }
    }

    /// The counter ids of `scope` for the current and the previous window.
    /// The scope is a Redis hash tag, so both stay on one cluster slot.
    pub fn counter_ids(scope: &str, position: Position) -> (String, String) {
        (format!("{{{scope}}}:{}", position.index), format!("{{{scope}}}:{}", position.index - 1))
    }

    /// How long a counter must live: through the next window, where it is
    /// the previous one.
    pub fn counter_ttl(&self) -> std::time::Duration {
        std::time::Duration::from_secs(2 * self.seconds.max(1))
    }
}

/// One scope's two counters held in memory (the per-process rate limits,
/// which need no store: a tally is a few words, no key is formatted).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    index: i64,
    current: u64,
    previous: u64,
}

impl Tally {
    /// Counts one event at `position`; the counts with it.
    pub fn count(&mut self, position: Position) -> Counts {
        match position.index - self.index {
            0 => self.current += 1,
            1 => (self.previous, self.current) = (self.current, 1),
            // Quiet for two windows or more (or the clock went back).
            _ => (self.previous, self.current) = (0, 1),
        }
        self.index = position.index;
        Counts { current: self.current, previous: self.previous }
    }

    /// Whether the tally still weighs at `position` (else it can go).
    pub fn live_at(&self, position: Position) -> bool {
        position.index - self.index <= 1
    }
}

/// Where `now` falls: the window's number and the seconds gone in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    pub index: i64,
    pub elapsed: u64,
}

/// A scope's events in the current window (this one included) and in the
/// previous one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    pub current: u64,
    pub previous: u64,
}

impl Counts {
    /// Events within the last `window` seconds, estimated.
    pub fn estimate(&self, window: u64, position: Position) -> f64 {
        let window = window.max(1) as f64;
        let remaining = 1.0 - (position.elapsed as f64 / window);
        self.previous as f64 * remaining + self.current as f64
    }

    /// `None` if this event (already counted) is within `limit`; else the
    /// seconds until the estimate, without further events, would let one in
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

    /// Whether this event is the one that crossed `limit` (for a single
    /// warning per crossing, not one per refused request).
    pub fn just_crossed(&self, limit: u64, window: u64, position: Position) -> bool {
        let before = Counts { current: self.current.saturating_sub(1), previous: self.previous };
        self.refusal(limit, window, position).is_some() && before.refusal(limit, window, position).is_none()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const WINDOW: SlidingWindow = SlidingWindow { seconds: 900 };

    #[test]
    fn a_tally_rolls_its_window_over_and_forgets_quiet_ones() {
        let mut tally = Tally::default();
        let at = |now| WINDOW.position(now);
        assert_eq!(tally.count(at(1800)), Counts { current: 1, previous: 0 });
        assert_eq!(tally.count(at(2699)), Counts { current: 2, previous: 0 });
        assert_eq!(tally.count(at(2700)), Counts { current: 1, previous: 2 }, "the next window");
        assert!(tally.live_at(at(3600)) && !tally.live_at(at(4500)));
        assert_eq!(tally.count(at(4500)), Counts { current: 1, previous: 0 }, "two windows later");
    }

    #[test]
    fn windows_are_numbered_from_the_epoch() {
        assert_eq!(WINDOW.position(1800), Position { index: 2, elapsed: 0 });
        assert_eq!(WINDOW.position(2699), Position { index: 2, elapsed: 899 });
        let (current, previous) = SlidingWindow::counter_ids("a:192.0.2.1", WINDOW.position(2699));
        assert_eq!((current.as_str(), previous.as_str()), ("{a:192.0.2.1}:2", "{a:192.0.2.1}:1"));
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
