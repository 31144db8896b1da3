//! Provider metadata (OpenID Connect Discovery 1.0 §3, RFC 8414). Built once
//! from settings; it advertises only what this server actually does.

use serde_json::{Value, json};

use crate::config::Settings;

pub const SCOPES_SUPPORTED: [&str; 3] = ["openid", "profile", "email"];

pub fn metadata(settings: &Settings, signing_alg: &str) -> Value {
    let issuer = settings.issuer.as_str();
    json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{issuer}/authorize"),
        "token_endpoint": format!("{issuer}/token"),
        "userinfo_endpoint": format!("{issuer}/userinfo"),
        "jwks_uri": format!("{issuer}/.well-known/jwks.json"),
        "scopes_supported": SCOPES_SUPPORTED,
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": [signing_alg],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
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
        let m = metadata(&settings, "RS256");
        assert_eq!(m["issuer"], "https://id.example.com/tenant");
        assert_eq!(m["token_endpoint"], "https://id.example.com/tenant/token");
        assert_eq!(m["jwks_uri"], "https://id.example.com/tenant/.well-known/jwks.json");
        assert_eq!(m["code_challenge_methods_supported"], json!(["S256"]));
    }
}
