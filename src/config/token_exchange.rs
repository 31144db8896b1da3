//! `token_exchange.*`: services trading users' tokens (RFC 8693).

use serde::Deserialize;

#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TokenExchangeSettings {
    /// Run the token-exchange grant for clients registered for it (and
    /// list it in `grant_types_supported`). Switched off, it is refused as
    /// an unsupported grant type.
    pub enabled: bool,
}

impl Default for TokenExchangeSettings {
    fn default() -> Self {
        TokenExchangeSettings { enabled: true }
    }
}
