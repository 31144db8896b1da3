//! A registrant's metadata (RFC 7591 §2) as the admin operations take it:
//! a `NewClient` for a registration, a `ClientUpdate` replacing every
//! member a registrant may set (RFC 7592 §2.2) and none of the operator's.

use super::RegistrationError;
use crate::flows::admin::{ClientUpdate, NewClient};
use crate::protocol::client_registration::{
    ClientMetadata, RegistrantChoices, RegistrationPolicy, default_scopes, invalid_metadata,
};
use crate::protocol::clients::origins_of;
use crate::protocol::{ClientAuthMethod, ClientRecord, ConsentMode, SubjectType};

/// The registrant's words, checked against what registrants may choose.
fn choices(m: &ClientMetadata, policy: &RegistrationPolicy) -> Result<RegistrantChoices, RegistrationError> {
    let mut choices = m.registrant_choices(policy).map_err(RegistrationError::Invalid)?;
    if choices.scopes.is_empty() {
        choices.scopes = default_scopes(policy);
    }
    Ok(choices)
}

/// A new client: a public one for `none` (RFC 6749 §2.1), consent
/// `required`, a secret made for it when its method uses one.
pub(super) fn new_client(
    client_id: &str,
    m: ClientMetadata,
    policy: &RegistrationPolicy,
) -> Result<NewClient, RegistrationError> {
    let c = choices(&m, policy)?;
    Ok(NewClient {
        client_id: client_id.to_string(),
        redirect_uris: m.redirect_uris.unwrap_or_default(),
        post_logout_redirect_uris: m.post_logout_redirect_uris.unwrap_or_default(),
        grant_types: c.grant_types.iter().map(|g| g.to_string()).collect(),
        scopes: c.scopes,
        public: c.method == ClientAuthMethod::None,
        secret: None,
        token_endpoint_auth_method: Some(c.method.to_string()),
        jwks: m.jwks.map(|jwks| jwks.to_string()),
        jwks_uri: m.jwks_uri,
        id_token_signed_response_alg: m.id_token_signed_response_alg,
        name: m.client_name,
        logo_uri: m.logo_uri,
        consent: Some(ConsentMode::Required.to_string()),
        backchannel_logout_uri: m.backchannel_logout_uri,
        backchannel_logout_session_required: m.backchannel_logout_session_required.unwrap_or(false),
        frontchannel_logout_uri: m.frontchannel_logout_uri,
        frontchannel_logout_session_required: m.frontchannel_logout_session_required.unwrap_or(false),
        require_pushed_requests: m.require_pushed_authorization_requests.unwrap_or(false),
        require_signed_request_object: m.require_signed_request_object.unwrap_or(false),
        require_dpop: m.dpop_bound_access_tokens.unwrap_or(false),
        subject_type: m.subject_type,
        sector_identifier_uri: m.sector_identifier_uri,
        id_token_encrypted_response_alg: m.id_token_encrypted_response_alg,
        id_token_encrypted_response_enc: m.id_token_encrypted_response_enc,
        userinfo_signed_response_alg: m.userinfo_signed_response_alg,
        userinfo_encrypted_response_alg: m.userinfo_encrypted_response_alg,
        userinfo_encrypted_response_enc: m.userinfo_encrypted_response_enc,
        ..NewClient::default()
    })
}

/// The full replacement of `current`'s registrant metadata. A client
/// stays public or confidential (`Admin::update_client` keeps the type);
/// web origins that were the redirect URIs' follow the new ones.
pub(super) fn replacement(
    current: &ClientRecord,
    m: ClientMetadata,
    policy: &RegistrationPolicy,
) -> Result<ClientUpdate, RegistrationError> {
    let c = choices(&m, policy)?;
    if current.public != (c.method == ClientAuthMethod::None) {
        return Err(RegistrationError::Invalid(invalid_metadata(
            "token_endpoint_auth_method",
            format!(
                "a client registered with {} cannot change to {} (public and confidential clients differ); register a new client",
                current.token_endpoint_auth_method, c.method
            ),
        )));
    }
    let derived_origins = current.web_origins == origins_of(&current.redirect_uris);
    Ok(ClientUpdate {
        name: Some(m.client_name),
        logo_uri: Some(m.logo_uri),
        redirect_uris: Some(m.redirect_uris.unwrap_or_default()),
        post_logout_redirect_uris: Some(m.post_logout_redirect_uris.unwrap_or_default()),
        grant_types: Some(c.grant_types.iter().map(|g| g.to_string()).collect()),
        scopes: Some(c.scopes),
        token_endpoint_auth_method: Some(c.method.to_string()),
        jwks: Some(m.jwks.map(|jwks| jwks.to_string())),
        jwks_uri: Some(m.jwks_uri),
        id_token_signed_response_alg: Some(m.id_token_signed_response_alg),
        backchannel_logout_uri: Some(m.backchannel_logout_uri),
        backchannel_logout_session_required: Some(m.backchannel_logout_session_required.unwrap_or(false)),
        frontchannel_logout_uri: Some(m.frontchannel_logout_uri),
        frontchannel_logout_session_required: Some(m.frontchannel_logout_session_required.unwrap_or(false)),
        web_origins: derived_origins.then(Vec::new),
        require_pushed_requests: Some(m.require_pushed_authorization_requests.unwrap_or(false)),
        require_signed_request_object: Some(m.require_signed_request_object.unwrap_or(false)),
        require_dpop: Some(m.dpop_bound_access_tokens.unwrap_or(false)),
        subject_type: Some(m.subject_type.unwrap_or_else(|| SubjectType::Public.to_string())),
        sector_identifier_uri: Some(m.sector_identifier_uri),
        id_token_encrypted_response_alg: Some(m.id_token_encrypted_response_alg),
        id_token_encrypted_response_enc: Some(m.id_token_encrypted_response_enc),
        userinfo_signed_response_alg: Some(m.userinfo_signed_response_alg),
        userinfo_encrypted_response_alg: Some(m.userinfo_encrypted_response_alg),
        userinfo_encrypted_response_enc: Some(m.userinfo_encrypted_response_enc),
        ..ClientUpdate::default()
    })
}
