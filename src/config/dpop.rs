//! `dpop.*`: sender-constrained tokens (RFC 9449).

use serde::Deserialize;

use crate::protocol::dpop::DpopPolicy;

#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DpopSettings {
    /// Bind tokens to the key of a DPoP proof at `/token`; accept
    /// DPoP-bound tokens at `/userinfo`.
    pub enabled: bool,
    /// Proofs must carry a nonce this server issued (`DPoP-Nonce`).
    pub require_nonce: bool,
}

impl Default for DpopSettings {
    fn default() -> Self {
        let DpopPolicy { enabled, require_nonce } = DpopPolicy::default();
        DpopSettings { enabled, require_nonce }
    }
}

impl DpopSettings {
    pub fn policy(&self) -> DpopPolicy {
        DpopPolicy { enabled: self.enabled, require_nonce: self.require_nonce }
    }
}
