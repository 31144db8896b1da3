//! Dynamic client registration (RFC 7591) and the client configuration
//! endpoint (RFC 7592): the metadata a registrant sends, the rules only
//! registrants are held to (the rest are the admin rules every client
//! passes), the client information response, and the records of initial
//! and registration access tokens (kept as digests only).

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::protocol::vocabulary::{ClientAuthMethod, GrantType, ResponseType};
use crate::protocol::{ClientRecord, OAuthError};

/// The registration endpoint (RFC 7591 §3); `{path}/{client_id}` is a
/// client's configuration endpoint (RFC 7592 §2). Not `/register`: that
/// is people's self-registration page (`accounts.registration`).
pub const REGISTRATION_PATH: &str = "/connect/register";

/// What dynamic registration allows (`client_registration.*`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistrationPolicy {
    /// The endpoints are served.
    pub enabled: bool,
    /// Registering needs no initial access token (RFC 7591 §3).
    pub open: bool,
    /// The scope values a registered client may ask for.
    pub allowed_scopes: Vec<String>,
}

/// The grants a registrant may ask for: not token exchange, which lets a
/// service act for users at other services (an operator's decision).
pub const REGISTRANT_GRANTS: [GrantType; 4] = [
    GrantType::AuthorizationCode,
    GrantType::RefreshToken,
    GrantType::ClientCredentials,
    GrantType::DeviceCode,
];

/// An initial access token (RFC 7591 §3): its digest, never the token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InitialAccessToken {
    pub id: String,
    pub token_hash: String,
    pub created_at: i64,
    /// `None`: never expires.
    pub expires_at: Option<i64>,
    /// Registrations it may still make; `None`: unlimited.
    pub uses_left: Option<i64>,
    /// The `Actor::label` of who made it.
    pub created_by: Option<String>,
}

/// The registration access token of a dynamically registered client
/// (RFC 7592 §3), as its digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientRegistrationRecord {
    pub client_id: String,
    pub registration_token_hash: String,
    pub created_at: i64,
}

/// The client metadata of a registration or update request (RFC 7591 §2,
/// OIDC Registration §2). Members not listed are ignored (§2: "MUST
/// ignore any client metadata ... it does not understand"), including the
/// operator's own settings (consent, lifetimes, resources, ...).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ClientMetadata {
    pub redirect_uris: Option<Vec<String>>,
    pub token_endpoint_auth_method: Option<String>,
    pub grant_types: Option<Vec<String>>,
    pub response_types: Option<Vec<String>>,
    pub client_name: Option<String>,
    pub logo_uri: Option<String>,
    /// Space-separated scope values (RFC 7591 §2).
    pub scope: Option<String>,
    pub jwks: Option<Value>,
    pub jwks_uri: Option<String>,
    pub post_logout_redirect_uris: Option<Vec<String>>,
    pub backchannel_logout_uri: Option<String>,
    pub backchannel_logout_session_required: Option<bool>,
    pub frontchannel_logout_uri: Option<String>,
    pub frontchannel_logout_session_required: Option<bool>,
    pub id_token_signed_response_alg: Option<String>,
    pub id_token_encrypted_response_alg: Option<String>,
    pub id_token_encrypted_response_enc: Option<String>,
    pub userinfo_signed_response_alg: Option<String>,
    pub userinfo_encrypted_response_alg: Option<String>,
    pub userinfo_encrypted_response_enc: Option<String>,
    pub subject_type: Option<String>,
    pub sector_identifier_uri: Option<String>,
    pub require_pushed_authorization_requests: Option<bool>,
    pub require_signed_request_object: Option<bool>,
    pub dpop_bound_access_tokens: Option<bool>,
    /// RFC 7592 §2.2: an update names the client it replaces.
    pub client_id: Option<String>,
    /// RFC 7592 §2.2: if present, it must be the current secret.
    pub client_secret: Option<String>,
}

/// `invalid_client_metadata` naming `member` (RFC 7591 §3.2.2).
pub fn invalid_metadata(member: &str, message: impl std::fmt::Display) -> OAuthError {
    OAuthError::new(crate::protocol::ErrorCode::InvalidClientMetadata, format!("{member}: {message}"))
}

/// `invalid_redirect_uri` (RFC 7591 §3.2.2).
pub fn invalid_redirect_uri(message: impl std::fmt::Display) -> OAuthError {
    OAuthError::new(crate::protocol::ErrorCode::InvalidRedirectUri, format!("redirect_uris: {message}"))
}

/// The checked words of a request: the authentication method (RFC 7591
/// §2 default `client_secret_basic`), the grants (default
/// `authorization_code`) and scope values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistrantChoices {
    pub method: ClientAuthMethod,
    pub grant_types: Vec<GrantType>,
    pub scopes: Vec<String>,
}

impl ClientMetadata {
    /// Reads a JSON object; a member of the wrong type is
    /// `invalid_client_metadata` naming it.
    pub fn from_json(body: &[u8]) -> Result<ClientMetadata, OAuthError> {
        let invalid =
            |message: String| OAuthError::new(crate::protocol::ErrorCode::InvalidClientMetadata, message);
        let value: Value = serde_json::from_slice(body).map_err(|e| invalid(format!("invalid JSON: {e}")))?;
        let Value::Object(members) = value else {
            return Err(invalid("the body must be a JSON object".into()));
        };
        serde_json::from_value(Value::Object(members.clone())).map_err(|e| {
            // serde_json does not say which member; try them one by one.
            let culprit = members.iter().find(|(name, value)| {
                let alone = serde_json::Map::from_iter([(name.to_string(), (*value).clone())]);
                serde_json::from_value::<ClientMetadata>(Value::Object(alone)).is_err()
            });
            match culprit {
                Some((name, _)) => invalid_metadata(name, e),
                None => invalid(e.to_string()),
            }
        })
    }

    /// What only registrants are held to: grants among
    /// [`REGISTRANT_GRANTS`], `response_types` only `code` and consistent
    /// with the grants (§2.1), scope values among the allowed ones.
    pub fn registrant_choices(&self, policy: &RegistrationPolicy) -> Result<RegistrantChoices, OAuthError> {
        let method = match &self.token_endpoint_auth_method {
            Some(raw) => raw.parse().map_err(|e| invalid_metadata("token_endpoint_auth_method", e))?,
            None => ClientAuthMethod::ClientSecretBasic,
        };
        let mut grant_types = Vec::new();
        for raw in self.grant_types.as_deref().unwrap_or_default() {
            let grant: GrantType = raw.parse().map_err(|e| invalid_metadata("grant_types", e))?;
            if !REGISTRANT_GRANTS.contains(&grant) {
                return Err(invalid_metadata("grant_types", format!("{grant} is not open to registration")));
            }
            if !grant_types.contains(&grant) {
                grant_types.push(grant);
            }
        }
        if grant_types.is_empty() {
            grant_types.push(GrantType::AuthorizationCode);
        }
        let code_flow = grant_types.contains(&GrantType::AuthorizationCode);
        if let Some(response_types) = &self.response_types {
            let mut code = false;
            for raw in response_types {
                let ResponseType::Code =
                    raw.parse::<ResponseType>().map_err(|e| invalid_metadata("response_types", e))?;
                code = true;
            }
            // RFC 7591 §2.1: `code` goes with `authorization_code`.
            if code != code_flow {
                return Err(invalid_metadata(
                    "response_types",
                    "response type code goes with grant type authorization_code, and only with it (RFC 7591 §2.1)",
                ));
            }
        }
        let scopes = match &self.scope {
            Some(raw) => {
                let scopes: Vec<String> =
                    raw.split(' ').filter(|s| !s.is_empty()).map(str::to_string).collect();
                if let Some(outside) = scopes.iter().find(|s| !policy.allowed_scopes.contains(s)) {
                    return Err(invalid_metadata(
                        "scope",
                        format!(
                            "{outside:?} is not open to registration (allowed: {})",
                            policy.allowed_scopes.join(" ")
                        ),
                    ));
                }
                scopes
            }
            None => Vec::new(),
        };
        if policy.open {
            // Anyone may register: the URLs the server itself fetches or
            // posts to must not point it at its own network.
            for (member, uri) in [
                ("jwks_uri", &self.jwks_uri),
                ("sector_identifier_uri", &self.sector_identifier_uri),
                ("backchannel_logout_uri", &self.backchannel_logout_uri),
            ] {
                if let Some(uri) = uri.as_deref().filter(|uri| names_internal_host(uri)) {
                    return Err(invalid_metadata(
                        member,
                        format!(
                            "{uri} names a loopback, private or link-local host, which open registration does not reach"
                        ),
                    ));
                }
            }
        }
        Ok(RegistrantChoices { method, grant_types, scopes })
    }
}

/// Whether `uri`'s host is `localhost` or an IP address of loopback,
/// private (RFC 1918, RFC 4193), shared (RFC 6598), link-local or
/// unspecified use. Names that resolve there are not caught (the fetch
/// would need its own resolver for that).
pub fn names_internal_host(uri: &str) -> bool {
    use std::net::{IpAddr, Ipv4Addr};
    let internal_v4 = |ip: Ipv4Addr| {
        ip.is_loopback()
            || ip.is_private()
            || ip.is_link_local()
            || ip.is_unspecified()
            || ip.is_broadcast()
            || (ip.octets()[0] == 100 && (64..128).contains(&ip.octets()[1]))
            || ip.octets()[0] == 0
    };
    match url::Url::parse(uri).ok().and_then(|u| u.host().map(|h| h.to_owned())) {
        Some(url::Host::Domain(name)) => {
            let name = name.trim_end_matches('.').to_ascii_lowercase();
            name == "localhost" || name.ends_with(".localhost")
        }
        Some(url::Host::Ipv4(ip)) => internal_v4(ip),
        Some(url::Host::Ipv6(ip)) => match ip.to_ipv4_mapped() {
            Some(v4) => internal_v4(v4),
            None => {
                let ip = IpAddr::V6(ip);
                ip.is_loopback()
                    || ip.is_unspecified()
                    || matches!(ip, IpAddr::V6(v6) if v6.is_unique_local() || v6.is_unicast_link_local())
            }
        },
        None => false,
    }
}

/// The scopes of a registrant who named none: the default scopes that are
/// open to registration, else all of those.
pub fn default_scopes(policy: &RegistrationPolicy) -> Vec<String> {
    let defaults: Vec<String> = crate::protocol::clients::DEFAULT_SCOPES
        .iter()
        .map(|s| s.to_string())
        .filter(|s| policy.allowed_scopes.contains(s))
        .collect();
    if defaults.is_empty() { policy.allowed_scopes.clone() } else { defaults }
}

/// The client information response (RFC 7591 §3.2.1, RFC 7592 §3): the
/// registered metadata under its RFC names, with what the server made.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClientInformation {
    pub client_id: String,
    pub client_id_issued_at: i64,
    /// Only when one was just made: only its digest is stored.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<String>,
    /// 0 (never) for a client with a secret (§3.2.1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_secret_expires_at: Option<i64>,
    pub registration_access_token: String,
    pub registration_client_uri: String,
    pub redirect_uris: Vec<String>,
    pub token_endpoint_auth_method: String,
    pub grant_types: Vec<String>,
    pub response_types: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub logo_uri: Option<String>,
    pub scope: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub jwks: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub jwks_uri: Option<String>,
    pub post_logout_redirect_uris: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub backchannel_logout_uri: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub backchannel_logout_session_required: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub frontchannel_logout_uri: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub frontchannel_logout_session_required: Option<bool>,
    pub id_token_signed_response_alg: String,
    pub subject_type: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sector_identifier_uri: Option<String>,
    pub require_pushed_authorization_requests: bool,
    pub require_signed_request_object: bool,
    pub dpop_bound_access_tokens: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id_token_encrypted_response_alg: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id_token_encrypted_response_enc: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub userinfo_signed_response_alg: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub userinfo_encrypted_response_alg: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub userinfo_encrypted_response_enc: Option<String>,
}

impl ClientInformation {
    /// `token` is the registration access token in force (just made, or
    /// the one the request presented); `uri` the client's configuration
    /// endpoint.
    pub fn new(
        client: &ClientRecord,
        secret: Option<String>,
        token: String,
        uri: String,
    ) -> ClientInformation {
        let code_flow = client.grant_types.contains(&GrantType::AuthorizationCode);
        let uses_secret = client.token_endpoint_auth_method.uses_secret();
        ClientInformation {
            client_id: client.client_id.clone(),
            client_id_issued_at: client.created_at,
            client_secret: secret,
            client_secret_expires_at: uses_secret.then_some(0),
            registration_access_token: token,
            registration_client_uri: uri,
            redirect_uris: client.redirect_uris.clone(),
            token_endpoint_auth_method: client.token_endpoint_auth_method.to_string(),
            grant_types: client.grant_types.iter().map(|g| g.to_string()).collect(),
            response_types: if code_flow { vec![ResponseType::Code.to_string()] } else { Vec::new() },
            client_name: client.name.clone(),
            logo_uri: client.logo_uri.clone(),
            scope: client.scopes.join(" "),
            jwks: client.jwks.as_deref().and_then(|j| serde_json::from_str(j).ok()),
            jwks_uri: client.jwks_uri.clone(),
            post_logout_redirect_uris: client.post_logout_redirect_uris.clone(),
            backchannel_logout_uri: client.backchannel_logout.as_ref().map(|l| l.uri.clone()),
            backchannel_logout_session_required: client
                .backchannel_logout
                .as_ref()
                .map(|l| l.session_required),
            frontchannel_logout_uri: client.frontchannel_logout.as_ref().map(|l| l.uri.clone()),
            frontchannel_logout_session_required: client
                .frontchannel_logout
                .as_ref()
                .map(|l| l.session_required),
            id_token_signed_response_alg: client
                .id_token_signed_response_alg
                .unwrap_or(crate::jose::SigningAlg::Rs256)
                .to_string(),
            subject_type: client.subject_type.to_string(),
            sector_identifier_uri: client.sector_identifier_uri.clone(),
            require_pushed_authorization_requests: client.require_pushed_requests,
            require_signed_request_object: client.require_signed_request_object,
            dpop_bound_access_tokens: client.require_dpop,
            id_token_encrypted_response_alg: client.id_token_encryption.map(|e| e.alg.to_string()),
            id_token_encrypted_response_enc: client.id_token_encryption.map(|e| e.enc.to_string()),
            userinfo_signed_response_alg: client.userinfo_signed_response_alg.map(|a| a.to_string()),
            userinfo_encrypted_response_alg: client.userinfo_encryption.map(|e| e.alg.to_string()),
            userinfo_encrypted_response_enc: client.userinfo_encryption.map(|e| e.enc.to_string()),
        }
    }
}

#[cfg(test)]
#[path = "client_registration_tests.rs"]
mod tests;
