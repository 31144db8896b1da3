//! `par.*`: pushed authorization requests (RFC 9126).

use serde::Deserialize;

use crate::protocol::pushed_requests::PushedPolicy;

#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ParSettings {
    /// Serve `/par` and accept its `request_uri`s at `/authorize`.
    pub enabled: bool,
    /// Every client must push its authorization requests
    /// (`require_pushed_authorization_requests` in discovery).
    pub required: bool,
    /// Seconds a `request_uri` can be used (once).
    pub ttl: u64,
}

impl Default for ParSettings {
    fn default() -> Self {
        let PushedPolicy { enabled, required, ttl } = PushedPolicy::default();
        ParSettings { enabled, required, ttl }
    }
}

impl ParSettings {
    pub fn policy(&self) -> PushedPolicy {
        PushedPolicy { enabled: self.enabled, required: self.required, ttl: self.ttl }
    }

    pub fn validate(&self) -> anyhow::Result<()> {
        anyhow::ensure!((5..=600).contains(&self.ttl), "par.ttl must be 5..=600 seconds (RFC 9126 §2.2)");
        anyhow::ensure!(self.enabled || !self.required, "par.required needs par.enabled");
        Ok(())
    }
}
