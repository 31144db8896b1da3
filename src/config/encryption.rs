//! `encryption.*`: ID tokens and UserInfo responses encrypted to clients'
//! keys (JWE, RFC 7516; OpenID Connect Core §10.2).

use serde::Deserialize;

#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EncryptionSettings {
    /// Let clients register `id_token_encrypted_response_*` and
    /// `userinfo_encrypted_response_*` (and list the algorithms in
    /// discovery). Switched off, such clients cannot be registered, and
    /// those registered before get errors instead of unencrypted tokens.
    pub enabled: bool,
}

impl Default for EncryptionSettings {
    fn default() -> Self {
        EncryptionSettings { enabled: true }
    }
}
