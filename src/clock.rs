//! Time as a dependency: domain code receives `now` (Unix seconds) from a
//! `Clock`, so expiry rules are testable with a fixed clock.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

#[derive(Clone)]
pub enum Clock {
    System,
    /// A settable clock for tests.
    Fixed(Arc<AtomicI64>),
}

impl Clock {
    pub fn fixed(now: i64) -> Clock {
        Clock::Fixed(Arc::new(AtomicI64::new(now)))
    }

    /// Current time in Unix seconds.
    pub fn now(&self) -> i64 {
        match self {
            Clock::System => unix_now(),
            Clock::Fixed(t) => t.load(Ordering::SeqCst),
        }
    }

    /// Moves a fixed clock forward; no effect on the system clock.
    pub fn advance(&self, secs: i64) {
        if let Clock::Fixed(t) = self {
            t.fetch_add(secs, Ordering::SeqCst);
        }
    }
}

pub fn unix_now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}
