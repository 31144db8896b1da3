//! Provider metadata (OpenID Connect Discovery 1.0 §3, RFC 8414). Built once
//! from settings; it advertises only what this server actually does.

use serde_json::{Value, json};

use crate::config::Settings;

pub const SCOPES_SUPPORTED: [&str; 4] = ["openid", "profile", "email", "offline_access"];
pub const AUTH_METHODS: [&str; 4] = ["client_secret_basic", "client_secret_post", "private_key_jwt", "none"];
/// Algorithms accepted for `private_key_jwt` client assertions.
pub use crate::oauth::client_auth::private_key_jwt::SUPPORTED_ALGS as ASSERTION_ALGS;

pub fn metadata(settings: &Settings, signing_algs: &[&str]) -> Value {
    let issuer = settings.issuer.as_str();
    json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{issuer}/authorize"),
        "token_endpoint": format!("{issuer}/token"),
        "userinfo_endpoint": format!("{issuer}/userinfo"),
        "jwks_uri": format!("{issuer}/.well-known/jwks.json"),
        "revocation_endpoint": format!("{issuer}/revoke"),
        "introspection_endpoint": format!("{issuer}/introspect"),
        "scopes_supported": SCOPES_SUPPORTED,
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", "refresh_token", "client_credentials"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": signing_algs,
        "token_endpoint_auth_methods_supported": AUTH_METHODS,
        "token_endpoint_auth_signing_alg_values_supported": ASSERTION_ALGS,
        "revocation_endpoint_auth_methods_supported": AUTH_METHODS,
        "revocation_endpoint_auth_signing_alg_values_supported": ASSERTION_ALGS,
        "introspection_endpoint_auth_methods_supported": AUTH_METHODS,
        "introspection_endpoint_auth_signing_alg_values_supported": ASSERTION_ALGS,
        "code_challenge_methods_supported": ["S256"],
        "claims_supported": [
            "iss", "sub", "aud", "azp", "exp", "iat", "auth_time", "nonce", "at_hash", "sid",
            "name", "preferred_username", "updated_at", "email", "email_verified"
        ],
        "claims_parameter_supported": false,
        "request_parameter_supported": false,
        "request_uri_parameter_supported": false,
        "authorization_response_iss_parameter_supported": true,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_hang_off_the_issuer() {
        let settings = Settings { issuer: "https://id.example.com/tenant".into(), ..Settings::default() };
        let m = metadata(&settings, &["RS256"]);
        assert_eq!(m["issuer"], "https://id.example.com/tenant");
        assert_eq!(m["token_endpoint"], "https://id.example.com/tenant/token");
        assert_eq!(m["jwks_uri"], "https://id.example.com/tenant/.well-known/jwks.json");
        assert_eq!(m["code_challenge_methods_supported"], json!(["S256"]));
    }
}
