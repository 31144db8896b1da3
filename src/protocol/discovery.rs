//! Provider metadata (OpenID Connect Discovery 1.0 §3, RFC 8414). Built once
//! at start; every list comes from a vocabulary, so it advertises exactly
//! what this server does.

use serde_json::{Value, json};

use crate::jose::SigningAlg;
use crate::jose::decryption_key::ACCEPTED_ALGS;
use crate::jose::jwe::{ContentEncryption, KeyManagementAlg};
use crate::protocol::client_registration::REGISTRATION_PATH;
use crate::protocol::dpop::DpopPolicy;
use crate::protocol::pushed_requests::PushedPolicy;
use crate::protocol::request_object::RequestObjectPolicy;
use crate::protocol::vocabulary::{
    AuthLevel, ClientAuthMethod, CodeChallengeMethod, GrantType, ResponseMode, ResponseType, StandardScope,
    SubjectType,
};

/// Claims an ID token or the UserInfo response may carry.
pub const CLAIMS_SUPPORTED: [&str; 25] = [
    "iss",
    "sub",
    "aud",
    "azp",
    "exp",
    "iat",
    "auth_time",
    "nonce",
    "at_hash",
    "sid",
    "acr",
    "amr",
    "name",
    "preferred_username",
    "updated_at",
    "given_name",
    "family_name",
    "locale",
    "zoneinfo",
    "picture",
    "email",
    "email_verified",
    "phone_number",
    "phone_number_verified",
    "address",
];

/// The optional features as configured: each is advertised only when on.
#[derive(Debug, Clone, Copy, Default)]
pub struct Features {
    pub pushed: PushedPolicy,
    pub signed_requests: RequestObjectPolicy,
    pub dpop: DpopPolicy,
    /// Pairwise subject identifiers (OIDC Core §8.1, `subjects.pairwise`).
    pub pairwise_subjects: bool,
    /// The `claims` request parameter (OIDC Core §5.5, `claims.parameter`).
    pub claims_parameter: bool,
    /// The token-exchange grant (RFC 8693, `token_exchange.enabled`).
    pub token_exchange: bool,
    /// Dynamic client registration (RFC 7591, `client_registration.enabled`).
    pub client_registration: bool,
    /// ID tokens and UserInfo encrypted to clients' keys (OIDC Core §10.2,
    /// `encryption.enabled`).
    pub response_encryption: bool,
}

/// RFC 8414 §2 `grant_types_supported`: token exchange only when on.
fn grant_types(token_exchange: bool) -> Vec<&'static str> {
    GrantType::ALL
        .iter()
        .filter(|g| token_exchange || **g != GrantType::TokenExchange)
        .map(|g| g.as_str())
        .collect()
}

/// OIDC Discovery §3 `subject_types_supported`.
fn subject_types(pairwise: bool) -> Vec<&'static str> {
    SubjectType::ALL.iter().filter(|t| pairwise || **t == SubjectType::Public).map(|t| t.as_str()).collect()
}

/// `signing_algs`: the algorithms with an active key (ID tokens).
pub fn metadata(issuer: &str, signing_algs: &[SigningAlg], features: Features) -> Value {
    let auth_methods = ClientAuthMethod::words();
    // RFC 7662 §2.1: introspection requires authentication, so not `none`.
    let introspection_auth: Vec<&str> =
        auth_methods.iter().copied().filter(|m| *m != ClientAuthMethod::None.as_str()).collect();
    let assertion_algs = SigningAlg::words();
    let mut document = json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{issuer}/authorize"),
        "token_endpoint": format!("{issuer}/token"),
        "userinfo_endpoint": format!("{issuer}/userinfo"),
        "jwks_uri": format!("{issuer}/.well-known/jwks.json"),
        "revocation_endpoint": format!("{issuer}/revoke"),
        "introspection_endpoint": format!("{issuer}/introspect"),
        "end_session_endpoint": format!("{issuer}/logout"),
        "device_authorization_endpoint": format!("{issuer}/device_authorization"),
        "scopes_supported": StandardScope::words(),
        "response_types_supported": ResponseType::words(),
        "response_modes_supported": ResponseMode::words(),
        "grant_types_supported": grant_types(features.token_exchange),
        "subject_types_supported": subject_types(features.pairwise_subjects),
        "claims_parameter_supported": features.claims_parameter,
        "id_token_signing_alg_values_supported": signing_algs,
        "userinfo_signing_alg_values_supported": signing_algs,
        "token_endpoint_auth_methods_supported": auth_methods,
        "token_endpoint_auth_signing_alg_values_supported": assertion_algs,
        "revocation_endpoint_auth_methods_supported": auth_methods,
        "revocation_endpoint_auth_signing_alg_values_supported": assertion_algs,
        "introspection_endpoint_auth_methods_supported": introspection_auth,
        "introspection_endpoint_auth_signing_alg_values_supported": assertion_algs,
        "code_challenge_methods_supported": CodeChallengeMethod::words(),
        "claims_supported": CLAIMS_SUPPORTED,
        "request_parameter_supported": false,
        // By reference only as /par's request_uri (RFC 9126 §4): nothing is fetched.
        "request_uri_parameter_supported": false,
        "authorization_response_iss_parameter_supported": true,
        "acr_values_supported": AuthLevel::words(),
        "backchannel_logout_supported": true,
        "backchannel_logout_session_supported": true,
        "frontchannel_logout_supported": true,
        "frontchannel_logout_session_supported": true,
    });
    if features.pushed.enabled {
        // RFC 9126 §5.
        document["pushed_authorization_request_endpoint"] = json!(format!("{issuer}/par"));
        document["require_pushed_authorization_requests"] = json!(features.pushed.required);
    }
    if features.signed_requests.enabled {
        // RFC 9101 §10.5, OIDC Discovery §3.
        document["request_parameter_supported"] = json!(true);
        document["request_object_signing_alg_values_supported"] = json!(SigningAlg::words());
        document["require_signed_request_object"] = json!(features.signed_requests.required);
        if features.response_encryption {
            // Signed, then encrypted to our "use":"enc" key in the JWKS (§6.1).
            let algs: Vec<&str> = ACCEPTED_ALGS.iter().map(|a| a.as_str()).collect();
            document["request_object_encryption_alg_values_supported"] = json!(algs);
            document["request_object_encryption_enc_values_supported"] = json!(ContentEncryption::words());
        }
    }
    if features.response_encryption {
        // OIDC Discovery §3: what clients may register (Registration §2).
        for what in ["id_token", "userinfo"] {
            document[format!("{what}_encryption_alg_values_supported")] = json!(KeyManagementAlg::words());
            document[format!("{what}_encryption_enc_values_supported")] = json!(ContentEncryption::words());
        }
    }
    if features.client_registration {
        // RFC 8414 §2, OIDC Discovery §3.
        document["registration_endpoint"] = json!(format!("{issuer}{REGISTRATION_PATH}"));
    }
    if features.dpop.enabled {
        // RFC 9449 §5.1.
        document["dpop_signing_alg_values_supported"] = json!(SigningAlg::words());
    }
    document
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_hang_off_the_issuer_and_lists_come_from_the_vocabularies() {
        let features = Features {
            pairwise_subjects: true,
            claims_parameter: true,
            token_exchange: true,
            response_encryption: true,
            client_registration: true,
            ..Features::default()
        };
        let m = metadata("https://id.example.com/tenant", &[SigningAlg::Rs256], features);
        assert_eq!(m["issuer"], "https://id.example.com/tenant");
        assert_eq!(m["token_endpoint"], "https://id.example.com/tenant/token");
        assert_eq!(m["jwks_uri"], "https://id.example.com/tenant/.well-known/jwks.json");
        assert_eq!(m["end_session_endpoint"], "https://id.example.com/tenant/logout");
        assert_eq!(m["backchannel_logout_session_supported"], true);
        assert_eq!(m["device_authorization_endpoint"], "https://id.example.com/tenant/device_authorization");
        assert_eq!(m["code_challenge_methods_supported"], json!(["S256"]));
        assert_eq!(m["id_token_signing_alg_values_supported"], json!(["RS256"]));
        assert_eq!(
            m["grant_types_supported"],
            json!([
                "authorization_code",
                "refresh_token",
                "client_credentials",
                "urn:ietf:params:oauth:grant-type:device_code",
                "urn:ietf:params:oauth:grant-type:token-exchange"
            ])
        );
        assert_eq!(
            m["token_endpoint_auth_methods_supported"],
            json!(["client_secret_basic", "client_secret_post", "private_key_jwt", "none"])
        );
        assert_eq!(m["pushed_authorization_request_endpoint"], "https://id.example.com/tenant/par");
        assert_eq!(m["require_pushed_authorization_requests"], false);
        assert_eq!(m["request_parameter_supported"], true);
        assert_eq!(
            m["request_object_signing_alg_values_supported"],
            json!(["RS256", "PS256", "ES256", "EdDSA"])
        );
        assert_eq!(m["require_signed_request_object"], false);
        assert_eq!(m["request_uri_parameter_supported"], false);
        assert_eq!(m["dpop_signing_alg_values_supported"], json!(["RS256", "PS256", "ES256", "EdDSA"]));
        assert_eq!(m["subject_types_supported"], json!(["public", "pairwise"]));
        assert_eq!(m["claims_parameter_supported"], true);
        assert_eq!(m["registration_endpoint"], "https://id.example.com/tenant/connect/register");
        assert_eq!(m["userinfo_signing_alg_values_supported"], json!(["RS256"]));
        assert_eq!(m["request_object_encryption_alg_values_supported"], json!(["ECDH-ES", "ECDH-ES+A256KW"]));
        assert_eq!(m["request_object_encryption_enc_values_supported"], json!(["A128CBC-HS256", "A256GCM"]));
        for what in ["id_token", "userinfo"] {
            let algs = &m[format!("{what}_encryption_alg_values_supported")];
            assert_eq!(*algs, json!(["RSA-OAEP-256", "ECDH-ES", "ECDH-ES+A256KW"]));
            let encs = &m[format!("{what}_encryption_enc_values_supported")];
            assert_eq!(*encs, json!(["A128CBC-HS256", "A256GCM"]));
        }
    }

    #[test]
    fn a_feature_switched_off_is_not_advertised() {
        let off = Features {
            pushed: PushedPolicy { enabled: false, ..PushedPolicy::default() },
            signed_requests: RequestObjectPolicy { enabled: false, required: false },
            dpop: DpopPolicy { enabled: false, require_nonce: false },
            pairwise_subjects: false,
            claims_parameter: false,
            token_exchange: false,
            response_encryption: false,
            client_registration: false,
        };
        let m = metadata("https://id.example.com", &[SigningAlg::Rs256], off);
        assert!(m.get("pushed_authorization_request_endpoint").is_none());
        assert!(m.get("require_pushed_authorization_requests").is_none());
        assert_eq!(m["request_parameter_supported"], false);
        assert!(m.get("request_object_signing_alg_values_supported").is_none());
        assert!(m.get("require_signed_request_object").is_none());
        assert!(m.get("dpop_signing_alg_values_supported").is_none());
        assert_eq!(m["subject_types_supported"], json!(["public"]));
        assert_eq!(m["claims_parameter_supported"], false);
        assert!(m.get("id_token_encryption_alg_values_supported").is_none());
        assert!(m.get("request_object_encryption_alg_values_supported").is_none());
        assert!(m.get("userinfo_encryption_enc_values_supported").is_none());
        assert!(m.get("registration_endpoint").is_none());
        let grants = m["grant_types_supported"].as_array().unwrap();
        assert!(!grants.contains(&json!("urn:ietf:params:oauth:grant-type:token-exchange")));
    }
}
