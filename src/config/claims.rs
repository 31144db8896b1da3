//! `claims.*`: asking for claims by name (OpenID Connect Core §5.5).

use serde::Deserialize;

#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ClaimsSettings {
    /// Read the `claims` request parameter (`claims_parameter_supported`).
    /// Switched off, it is ignored, as an OP without it does.
    pub parameter: bool,
}

impl Default for ClaimsSettings {
    fn default() -> Self {
        ClaimsSettings { parameter: true }
    }
}
