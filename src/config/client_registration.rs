//! `client_registration.*`: dynamic client registration (RFC 7591) and
//! the client configuration endpoint (RFC 7592).

use serde::Deserialize;

use crate::protocol::client_registration::RegistrationPolicy;
use crate::protocol::scope::is_valid_scope_token;

#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ClientRegistrationSettings {
    /// Serve `/connect/register` (and list it in discovery). Registering
    /// needs an initial access token (`oxidp registration token create`).
    pub enabled: bool,
    /// Anyone may register, without an initial access token (bounded by
    /// `rate_limits.client_registration`).
    pub open: bool,
    /// The scope values a registered client may ask for.
    pub allowed_scopes: Vec<String>,
}

impl Default for ClientRegistrationSettings {
    fn default() -> Self {
        let scopes = ["openid", "profile", "email", "address", "phone", "offline_access"];
        ClientRegistrationSettings {
            enabled: true,
            open: false,
            allowed_scopes: scopes.iter().map(|s| s.to_string()).collect(),
        }
    }
}

impl ClientRegistrationSettings {
    pub fn policy(&self) -> RegistrationPolicy {
        RegistrationPolicy {
            enabled: self.enabled,
            open: self.open,
            allowed_scopes: self.allowed_scopes.clone(),
        }
    }

    pub fn validate(&self) -> anyhow::Result<()> {
        anyhow::ensure!(
            self.enabled || !self.open,
            "client_registration.open needs client_registration.enabled"
        );
        anyhow::ensure!(
            !self.allowed_scopes.is_empty(),
            "client_registration.allowed_scopes must name at least one scope"
        );
        if let Some(bad) = self.allowed_scopes.iter().find(|s| !is_valid_scope_token(s)) {
            anyhow::bail!("client_registration.allowed_scopes: {bad:?} is not a scope value (RFC 6749 §3.3)");
        }
        Ok(())
    }
}
