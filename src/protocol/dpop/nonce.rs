//! Server-provided DPoP nonces (RFC 9449 §8, §9) without server state: a
//! nonce names its period and carries an HMAC of it under a key that every
//! instance derives from the same key-encryption key, so any instance
//! accepts what another issued. A nonce is good for its period and the
//! next, so a client that keeps the latest `DPoP-Nonce` never sees
//! `use_dpop_nonce` twice in a row.

use crate::crypto::{constant_time_eq, hmac_sha256_b64url};

/// Seconds of one nonce period; a nonce lives one to two of them.
pub const PERIOD: i64 = 300;

/// The key nonces are made with.
#[derive(Clone)]
pub struct NonceKey([u8; 32]);

impl std::fmt::Debug for NonceKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NonceKey(..)")
    }
}

impl NonceKey {
    pub fn new(key: [u8; 32]) -> NonceKey {
        NonceKey(key)
    }

    /// The nonce to hand out at `now`.
    pub fn current(&self, now: i64) -> String {
        self.of_period(now.div_euclid(PERIOD))
    }

    fn of_period(&self, period: i64) -> String {
        format!("{period}.{}", hmac_sha256_b64url(&self.0, &period.to_be_bytes()))
    }

    /// Whether `nonce` was made by this key in this period or the last.
    pub fn accepts(&self, nonce: &str, now: i64) -> bool {
        let Some(period) = nonce.split_once('.').and_then(|(p, _)| p.parse::<i64>().ok()) else {
            return false;
        };
        let current = now.div_euclid(PERIOD);
        (period == current || period == current - 1)
            && constant_time_eq(nonce.as_bytes(), self.of_period(period).as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_800_000_000;

    #[test]
    fn a_nonce_lives_for_its_period_and_the_next() {
        let key = NonceKey::new([7; 32]);
        let nonce = key.current(NOW);
        assert!(key.accepts(&nonce, NOW));
        assert!(key.accepts(&nonce, NOW + PERIOD));
        assert!(!key.accepts(&nonce, NOW + 2 * PERIOD), "too old");
        assert!(!key.accepts(&nonce, NOW - PERIOD), "not yet issued");
        assert!(!NonceKey::new([8; 32]).accepts(&nonce, NOW), "another key's");
        for forged in ["", "x", "1.2", &format!("{}.{}", NOW / PERIOD, "A".repeat(43))] {
            assert!(!key.accepts(forged, NOW), "{forged}");
        }
        assert!(nonce.bytes().all(|b| b == 0x21 || (0x23..=0x5b).contains(&b) || (0x5d..=0x7e).contains(&b)));
    }
}
