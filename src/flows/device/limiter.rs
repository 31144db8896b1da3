//! Bounds user-code guessing (RFC 8628 §5.1). Every well-formed code a
//! network address submits is counted before it is looked up; a right code
//! gives its attempt back. So at most `max_failures` wrong codes per
//! address (IPv6: per /64) and window, however many requests race, and no
//! one can reset the count by entering a valid code of their own.
//!
//! The bound: with L codes live at once, one address finds one with
//! probability at most `max_failures × L / 20^8` per window. With the
//! defaults (5 per 15 minutes) and 1,000 live codes that is 2 × 10^-7 per
//! window, 2 × 10^-5 per day. A per-browser count would add nothing: an
//! attacker drops cookies at will.

use crate::protocol::device::GuessPolicy;
use crate::protocol::entries::CodeGuesses;
use crate::store::{Ephemeral, StoreError};

/// Compare-and-swap attempts before giving up (refusing, for a count).
const CAS_ATTEMPTS: usize = 8;

#[derive(Clone)]
pub struct GuessLimiter {
    ephemeral: Ephemeral,
    policy: GuessPolicy,
}

impl GuessLimiter {
    pub fn new(ephemeral: Ephemeral, policy: GuessPolicy) -> GuessLimiter {
        GuessLimiter { ephemeral, policy }
    }

    /// Counts an attempt from `bucket`: the attempts so far in the window,
    /// this one included, or `None` when the budget is spent (or the count
    /// kept changing under concurrent attempts: refused, to stay exact).
    pub async fn reserve(&self, bucket: &str, now: i64) -> Result<Option<u32>, StoreError> {
        for _ in 0..CAS_ATTEMPTS {
            let current: Option<CodeGuesses> = self.ephemeral.get(bucket).await?;
            let stored = match &current {
                Some(live) if live.window_ends > now => {
                    if live.attempts >= self.policy.max_failures {
                        return Ok(None);
                    }
                    let next = CodeGuesses { attempts: live.attempts + 1, window_ends: live.window_ends };
                    self.ephemeral.swap(bucket, live, &next, now).await?.then_some(next.attempts)
                }
                stale => {
                    let next = CodeGuesses { attempts: 1, window_ends: now + self.policy.window as i64 };
                    let stored = match stale {
                        Some(stale) => self.ephemeral.swap(bucket, stale, &next, now).await?,
                        None => self.ephemeral.put_new(bucket, &next, now).await?,
                    };
                    stored.then_some(1)
                }
            };
            if stored.is_some() {
                return Ok(stored);
            }
        }
        Ok(None)
    }

    /// Gives back the attempt of a code that was right.
    pub async fn refund(&self, bucket: &str, now: i64) -> Result<(), StoreError> {
        for _ in 0..CAS_ATTEMPTS {
            let Some(live) = self.ephemeral.get::<CodeGuesses>(bucket).await? else { return Ok(()) };
            if live.attempts == 0 || live.window_ends <= now {
                return Ok(());
            }
            let next = CodeGuesses { attempts: live.attempts - 1, window_ends: live.window_ends };
            if self.ephemeral.swap(bucket, &live, &next, now).await? {
                return Ok(());
            }
        }
        Ok(())
    }

    pub fn max_failures(&self) -> u32 {
        self.policy.max_failures
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn wrong_codes_are_bounded_per_window_and_right_ones_give_back() {
        let limiter = GuessLimiter::new(Ephemeral::memory(), GuessPolicy { max_failures: 3, window: 60 });
        let now = 1_000;
        assert_eq!(limiter.reserve("a", now).await.unwrap(), Some(1));
        assert_eq!(limiter.reserve("a", now).await.unwrap(), Some(2));
        limiter.refund("a", now).await.unwrap();
        assert_eq!(limiter.reserve("a", now).await.unwrap(), Some(2));
        assert_eq!(limiter.reserve("a", now).await.unwrap(), Some(3));
        assert_eq!(limiter.reserve("a", now).await.unwrap(), None, "the budget is spent");
        assert_eq!(limiter.reserve("b", now).await.unwrap(), Some(1), "another address");
        assert_eq!(limiter.reserve("a", now + 59).await.unwrap(), None);
        assert_eq!(limiter.reserve("a", now + 60).await.unwrap(), Some(1), "a new window");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn racing_attempts_stay_within_the_budget() {
        let limiter = GuessLimiter::new(Ephemeral::memory(), GuessPolicy { max_failures: 5, window: 60 });
        let tasks: Vec<_> = (0..40)
            .map(|_| {
                let limiter = limiter.clone();
                tokio::spawn(async move { limiter.reserve("a", 1_000).await.unwrap() })
            })
            .collect();
        let mut allowed = 0;
        for task in tasks {
            allowed += usize::from(task.await.unwrap().is_some());
        }
        assert!(allowed <= 5, "{allowed} attempts passed a budget of 5");
    }
}
