//! Argon2id password hashing (PHC strings). Verification always does one
//! full hash, against a dummy hash for unknown users, so response time does
//! not reveal whether a username exists. Hashes run on the blocking pool,
//! at most `login.max_concurrent_hashes` at once.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use argon2::{Algorithm, Argon2, Params, PasswordHasher as _, PasswordVerifier as _, Version};
use tokio::sync::Semaphore;

/// Argon2id parameters for new hashes, and how many run at once.
#[derive(Debug, Clone)]
pub struct HashPolicy {
    pub memory_kib: u32,
    pub iterations: u32,
    pub parallelism: u32,
    /// Password hashes computed at once; more wait their turn, so a login
    /// flood cannot take every core from token issuance. `None`: one less
    /// than the number of CPUs, at least one.
    pub max_concurrent: Option<usize>,
}

impl Default for HashPolicy {
    /// OWASP's Argon2id minimum (m=19 MiB, t=2, p=1), the argon2 crate's default.
    fn default() -> Self {
        HashPolicy { memory_kib: 19 * 1024, iterations: 2, parallelism: 1, max_concurrent: None }
    }
}

/// How long a login waits for a hashing slot before it is turned away.
const MAX_WAIT: Duration = Duration::from_secs(10);

pub struct PasswordHasher {
    params: Params,
    /// A hash of a random password with the configured parameters, made on
    /// first use (or by [`PasswordHasher::prepare`]) so start-up stays fast.
    dummy_hash: OnceLock<String>,
    slots: Semaphore,
    max_wait: Duration,
}

/// No hashing slot freed up within the wait: the server is saturated.
#[derive(Debug, thiserror::Error)]
#[error("too many sign-ins at once; try again shortly")]
pub struct Busy;

impl std::fmt::Debug for PasswordHasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PasswordHasher").field("params", &self.params).finish_non_exhaustive()
    }
}

impl PasswordHasher {
    pub fn new(policy: &HashPolicy) -> anyhow::Result<PasswordHasher> {
        let params = Params::new(policy.memory_kib, policy.iterations, policy.parallelism, None)
            .map_err(|e| anyhow::anyhow!("invalid argon2 parameters: {e}"))?;
        let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
        let slots = policy.max_concurrent.unwrap_or(cpus.saturating_sub(1)).max(1);
        Ok(PasswordHasher {
            params,
            dummy_hash: OnceLock::new(),
            slots: Semaphore::new(slots),
            max_wait: MAX_WAIT,
        })
    }

    /// Makes the dummy hash now (blocking; e.g. on a background thread right
    /// after start) instead of during the first unknown-user login.
    pub fn prepare(&self) {
        self.dummy();
    }

    fn dummy(&self) -> &str {
        self.dummy_hash.get_or_init(|| {
            // Cannot fail: the parameters were checked in `new`.
            self.hash(&crate::crypto::random_token(16)).unwrap_or_default()
        })
    }

    fn argon2(&self) -> Argon2<'static> {
        Argon2::new(Algorithm::Argon2id, Version::V0x13, self.params.clone())
    }

    /// A new PHC string with a fresh random salt. CPU-heavy: call off the
    /// async threads.
    pub fn hash(&self, password: &str) -> anyhow::Result<String> {
        let hash = self
            .argon2()
            .hash_password(password.as_bytes())
            .map_err(|e| anyhow::anyhow!("password hashing failed: {e}"))?;
        Ok(hash.to_string())
    }

    /// True when `password` matches `stored`. With no stored hash, does the
    /// same work against the dummy hash and returns false. The parameters
    /// come from the stored PHC string, so old hashes keep verifying.
    pub fn verify(&self, password: &str, stored: Option<&str>) -> bool {
        let phc = stored.unwrap_or_else(|| self.dummy());
        let ok = self.argon2().verify_password(password.as_bytes(), phc).is_ok();
        ok && stored.is_some()
    }

    /// [`verify`](Self::verify) on the blocking pool once a hashing slot is
    /// free; `Busy` when none frees up in time.
    pub async fn verify_in_turn(
        self: &Arc<Self>,
        password: String,
        stored: Option<String>,
    ) -> Result<bool, Busy> {
        let _slot = tokio::time::timeout(self.max_wait, self.slots.acquire())
            .await
            .map_err(|_| Busy)?
            .map_err(|_| Busy)?;
        let hasher = Arc::clone(self);
        tokio::task::spawn_blocking(move || hasher.verify(&password, stored.as_deref()))
            .await
            .map_err(|_| Busy)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cheap() -> PasswordHasher {
        let policy = HashPolicy { memory_kib: 1024, iterations: 1, ..HashPolicy::default() };
        PasswordHasher::new(&policy).unwrap()
    }

    #[test]
    fn hash_then_verify() {
        let h = cheap();
        let phc = h.hash("correct horse").unwrap();
        assert!(phc.starts_with("$argon2id$v=19$m=1024,t=1,p=1$"));
        assert!(h.verify("correct horse", Some(&phc)));
        assert!(!h.verify("wrong horse", Some(&phc)));
    }

    #[tokio::test]
    async fn hashes_take_turns_for_the_slots() {
        let policy =
            HashPolicy { memory_kib: 1024, iterations: 1, max_concurrent: Some(1), ..HashPolicy::default() };
        let mut h = PasswordHasher::new(&policy).unwrap();
        h.max_wait = Duration::from_millis(50);
        let h = Arc::new(h);
        let phc = h.hash("pw").unwrap();
        // The only slot is taken: a login waits, and is turned away after the wait.
        let held = h.slots.acquire().await.unwrap();
        assert!(h.verify_in_turn("pw".into(), Some(phc.clone())).await.is_err(), "no slot in time");
        drop(held);
        assert!(h.verify_in_turn("pw".into(), Some(phc)).await.unwrap());
        assert!(!h.verify_in_turn("pw".into(), None).await.unwrap());
    }

    #[test]
    fn unknown_user_never_verifies() {
        let h = cheap();
        assert!(!h.verify("anything", None));
        assert!(!h.verify("x", Some("not a phc string")));
    }
}
