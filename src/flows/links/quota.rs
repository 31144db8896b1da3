//! Hourly caps kept in the ephemeral store ([`MailQuota`] entries), so
//! every instance counts together: compare-and-swap, refused when the
//! count keeps changing under concurrent takes (exact rather than lenient).

use crate::protocol::links::MailQuota;
use crate::store::{Ephemeral, StoreError};

/// Compare-and-swap attempts before refusing.
const CAS_ATTEMPTS: usize = 8;

#[derive(Clone)]
pub struct Quota {
    ephemeral: Ephemeral,
}

impl Quota {
    pub fn new(ephemeral: Ephemeral) -> Quota {
        Quota { ephemeral }
    }

    /// Counts one use of `bucket`; `false` when `max` were used in the
    /// current window of `window` seconds.
    pub async fn take(&self, bucket: &str, max: u32, window: i64, now: i64) -> Result<bool, StoreError> {
        for _ in 0..CAS_ATTEMPTS {
            let current: Option<MailQuota> = self.ephemeral.get(bucket).await?;
            let stored = match &current {
                Some(live) if live.window_ends > now => {
                    if live.count >= max {
                        return Ok(false);
                    }
                    let next = MailQuota { count: live.count + 1, window_ends: live.window_ends };
                    self.ephemeral.swap(bucket, live, &next, now).await?
                }
                stale => {
                    let next = MailQuota { count: 1, window_ends: now + window };
                    match stale {
                        Some(stale) => self.ephemeral.swap(bucket, stale, &next, now).await?,
                        None => self.ephemeral.put_new(bucket, &next, now).await?,
                    }
                }
            };
            if stored {
                return Ok(true);
            }
        }
        Ok(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_bucket_allows_max_per_window() {
        let quota = Quota::new(Ephemeral::memory());
        for _ in 0..3 {
            assert!(quota.take("reset:u1", 3, 3600, 1_000).await.unwrap());
        }
        assert!(!quota.take("reset:u1", 3, 3600, 1_000).await.unwrap());
        assert!(quota.take("reset:u2", 3, 3600, 1_000).await.unwrap(), "another account");
        assert!(quota.take("reset:u1", 3, 3600, 4_600).await.unwrap(), "a new window");
    }
}
