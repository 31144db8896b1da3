//! `jar.*`: signed request objects (RFC 9101).

use serde::Deserialize;

use crate::protocol::request_object::RequestObjectPolicy;

#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct JarSettings {
    /// Accept signed `request` objects at `/authorize` and `/par`.
    pub enabled: bool,
    /// Every client must sign its authorization requests
    /// (`require_signed_request_object` in discovery).
    pub required: bool,
}

impl Default for JarSettings {
    fn default() -> Self {
        let RequestObjectPolicy { enabled, required } = RequestObjectPolicy::default();
        JarSettings { enabled, required }
    }
}

impl JarSettings {
    pub fn policy(&self) -> RequestObjectPolicy {
        RequestObjectPolicy { enabled: self.enabled, required: self.required }
    }

    pub fn validate(&self) -> anyhow::Result<()> {
        anyhow::ensure!(self.enabled || !self.required, "jar.required needs jar.enabled");
        Ok(())
    }
}
