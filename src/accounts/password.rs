//! Argon2id password hashing (PHC strings). Verification always does one
//! full hash, against a dummy hash for unknown users, so response time does
//! not reveal whether a username exists.

use argon2::{Algorithm, Argon2, Params, PasswordHasher as _, PasswordVerifier as _, Version};

use crate::config::LoginSettings;

pub struct PasswordHasher {
    params: Params,
    /// A hash of a random password with the configured parameters.
    dummy_hash: String,
}

impl std::fmt::Debug for PasswordHasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PasswordHasher").field("params", &self.params).finish_non_exhaustive()
    }
}

impl PasswordHasher {
    pub fn new(settings: &LoginSettings) -> anyhow::Result<PasswordHasher> {
        let params = Params::new(
            settings.argon2_memory_kib,
            settings.argon2_iterations,
            settings.argon2_parallelism,
            None,
        )
        .map_err(|e| anyhow::anyhow!("invalid argon2 parameters: {e}"))?;
        let mut hasher = PasswordHasher { params, dummy_hash: String::new() };
        hasher.dummy_hash = hasher.hash(&crate::crypto::random_token(16))?;
        Ok(hasher)
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
        let phc = stored.unwrap_or(&self.dummy_hash);
        let ok = self.argon2().verify_password(password.as_bytes(), phc).is_ok();
        ok && stored.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cheap() -> PasswordHasher {
        let settings =
            LoginSettings { argon2_memory_kib: 1024, argon2_iterations: 1, ..LoginSettings::default() };
        PasswordHasher::new(&settings).unwrap()
    }

    #[test]
    fn hash_then_verify() {
        let h = cheap();
        let phc = h.hash("correct horse").unwrap();
        assert!(phc.starts_with("$argon2id$v=19$m=1024,t=1,p=1$"));
        assert!(h.verify("correct horse", Some(&phc)));
        assert!(!h.verify("wrong horse", Some(&phc)));
    }

    #[test]
    fn unknown_user_never_verifies() {
        let h = cheap();
        assert!(!h.verify("anything", None));
        assert!(!h.verify("x", Some("not a phc string")));
    }
}
