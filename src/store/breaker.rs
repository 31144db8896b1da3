//! The circuit breaker in front of Redis and of the database, so an outage
//! costs each request nothing once it is known:
//! - **closed**: commands go to the service. The first one that fails for
//!   a connection-class reason (refused, dropped, timed out: the caller
//!   decides, see `ephemeral::redis::trips` and `sql::health`) opens the
//!   circuit. Errors the service itself reports (WRONGTYPE, a constraint)
//!   prove it is up and never open it.
//! - **open**: every command fails at once with the caller's "circuit
//!   open" detail, without touching the network, while one background
//!   [`probe`] checks the service every interval and closes the circuit
//!   when it answers.
//!
//! There is no half-open state letting requests through: the probe is the
//! only traffic while open, so a hung service cannot hold requests. Closings
//! are counted (`epoch`), so a command admitted before the last closing
//! that fails late cannot reopen a circuit the probe just closed.

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

/// The state is one word, so admitting a command (every database call and
/// every Redis command asks) is a single atomic load: bit 0 is set while
/// open, the rest counts the closings so far (the epoch). Only a trip or a
/// closing, a few per outage, touches `opened_at`.
#[derive(Debug)]
pub struct Breaker {
    word: AtomicU64,
    opened_at: Mutex<Option<Instant>>,
}

const OPEN: u64 = 1;

fn closed_in(epoch: u64) -> u64 {
    epoch << 1
}

/// A command admitted while the circuit was closed, in that closed epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Admitted {
    epoch: u64,
}

impl Default for Breaker {
    fn default() -> Self {
        Breaker { word: AtomicU64::new(closed_in(0)), opened_at: Mutex::new(None) }
    }
}

impl Breaker {
    /// `None` while open: the command must fail at once.
    pub fn admit(&self) -> Option<Admitted> {
        let word = self.word.load(Ordering::Acquire);
        (word & OPEN == 0).then_some(Admitted { epoch: word >> 1 })
    }

    pub fn is_open(&self) -> bool {
        self.word.load(Ordering::Acquire) & OPEN != 0
    }

    /// A connection-class failure of `admitted` at `now`. Opens the circuit
    /// when it is still closed in the epoch the command was admitted in;
    /// returns whether this call opened it (its caller starts the probe:
    /// of concurrent failures exactly one does).
    pub fn trip(&self, admitted: Admitted, now: Instant) -> bool {
        let mut opened_at = self.opened_at.lock().unwrap_or_else(|e| e.into_inner());
        let closed = closed_in(admitted.epoch);
        let opened =
            self.word.compare_exchange(closed, closed | OPEN, Ordering::AcqRel, Ordering::Acquire).is_ok();
        if opened {
            *opened_at = Some(now);
        }
        opened
    }

    /// A PING answered at `now`: closes the circuit and returns how long it
    /// was open (`None` when it was not).
    pub fn close(&self, now: Instant) -> Option<Duration> {
        let mut opened_at = self.opened_at.lock().unwrap_or_else(|e| e.into_inner());
        let word = self.word.load(Ordering::Acquire);
        if word & OPEN == 0 {
            return None;
        }
        self.word.store(closed_in((word >> 1) + 1), Ordering::Release);
        opened_at.take().map(|since| now.saturating_duration_since(since))
    }
}

/// How a probe ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProbeEnd {
    /// A PING answered and the circuit is closed again, after this many
    /// PINGs and this long open.
    Closed { pings: u32, open_for: Duration },
    /// Every handle on the store was dropped (or the circuit was closed
    /// by someone else): nothing left to probe for.
    Abandoned,
}

/// The background probe of an open circuit: `ping(store)` (which must
/// bound its own duration) until one succeeds, sleeping `interval` after
/// each failure, then closes the circuit. It holds the store only while a
/// PING runs, so dropping every handle on the store ends it.
pub async fn probe<S, F, Fut>(store: Weak<S>, interval: Duration, mut ping: F) -> ProbeEnd
where
    S: AsRef<Breaker>,
    F: FnMut(Arc<S>) -> Fut,
    Fut: Future<Output = bool>,
{
    let mut pings = 0;
    loop {
        let Some(live) = store.upgrade() else { return ProbeEnd::Abandoned };
        if !breaker(&*live).is_open() {
            return ProbeEnd::Abandoned;
        }
        pings += 1;
        if ping(live.clone()).await {
            return match breaker(&*live).close(Instant::now()) {
                Some(open_for) => ProbeEnd::Closed { pings, open_for },
                None => ProbeEnd::Abandoned,
            };
        }
        drop(live);
        tokio::time::sleep(interval).await;
    }
}

fn breaker<S: AsRef<Breaker>>(store: &S) -> &Breaker {
    store.as_ref()
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};

    use super::*;

    #[test]
    fn a_failure_opens_and_a_ping_closes() {
        let breaker = Breaker::default();
        let t0 = Instant::now();
        let admitted = breaker.admit().expect("closed at first");
        assert!(breaker.trip(admitted, t0), "the first failure opens");
        assert!(breaker.is_open());
        assert_eq!(breaker.admit(), None, "open: nothing is admitted");
        assert_eq!(breaker.close(t0 + Duration::from_millis(300)), Some(Duration::from_millis(300)));
        assert!(!breaker.is_open());
        assert!(breaker.admit().is_some(), "closed again: commands are admitted");
        assert_eq!(breaker.close(t0), None, "closing a closed circuit reports nothing");
    }

    #[test]
    fn of_concurrent_failures_one_opens() {
        let breaker = Breaker::default();
        let (a, b) = (breaker.admit().unwrap(), breaker.admit().unwrap());
        assert!(breaker.trip(a, Instant::now()));
        assert!(!breaker.trip(b, Instant::now()), "already open: no second probe");
    }

    #[test]
    fn a_late_failure_from_before_the_closing_does_not_reopen() {
        let breaker = Breaker::default();
        let t0 = Instant::now();
        let (first, straggler) = (breaker.admit().unwrap(), breaker.admit().unwrap());
        assert!(breaker.trip(first, t0));
        breaker.close(t0);
        assert!(!breaker.trip(straggler, t0), "admitted in the previous epoch");
        assert!(!breaker.is_open());
        let fresh = breaker.admit().unwrap();
        assert!(breaker.trip(fresh, t0), "a failure admitted after the closing opens again");
    }

    struct Fake {
        breaker: Breaker,
        pings: AtomicU32,
        up_after: u32,
    }

    impl AsRef<Breaker> for Fake {
        fn as_ref(&self) -> &Breaker {
            &self.breaker
        }
    }

    fn opened(up_after: u32) -> Arc<Fake> {
        let fake = Arc::new(Fake { breaker: Breaker::default(), pings: AtomicU32::new(0), up_after });
        let admitted = fake.breaker.admit().unwrap();
        assert!(fake.breaker.trip(admitted, Instant::now()));
        fake
    }

    async fn ping(fake: Arc<Fake>) -> bool {
        fake.pings.fetch_add(1, Ordering::SeqCst) + 1 >= fake.up_after
    }

    // The 10 s bounds only catch a probe that never ends.
    const HANG: Duration = Duration::from_secs(10);

    #[tokio::test]
    async fn the_probe_pings_until_redis_answers_then_closes() {
        let fake = opened(3);
        let end = tokio::time::timeout(HANG, probe(Arc::downgrade(&fake), Duration::from_millis(1), ping))
            .await
            .expect("the probe ends");
        assert!(matches!(end, ProbeEnd::Closed { pings: 3, .. }), "{end:?}");
        assert_eq!(fake.pings.load(Ordering::SeqCst), 3, "no PING after the circuit closed");
        assert!(fake.breaker.admit().is_some());
    }

    #[tokio::test]
    async fn the_probe_stops_when_the_store_is_dropped() {
        let fake = opened(u32::MAX);
        let weak = Arc::downgrade(&fake);
        let task = tokio::spawn(probe(weak, Duration::from_millis(1), ping));
        while fake.pings.load(Ordering::SeqCst) < 2 {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        drop(fake);
        let end = tokio::time::timeout(HANG, task).await.expect("the probe ends").expect("no panic");
        assert_eq!(end, ProbeEnd::Abandoned);
    }

    #[tokio::test]
    async fn the_probe_of_a_closed_circuit_does_nothing() {
        let fake = Arc::new(Fake { breaker: Breaker::default(), pings: AtomicU32::new(0), up_after: 1 });
        let end = probe(Arc::downgrade(&fake), Duration::from_millis(1), ping).await;
        assert_eq!(end, ProbeEnd::Abandoned);
        assert_eq!(fake.pings.load(Ordering::SeqCst), 0);
    }
}
