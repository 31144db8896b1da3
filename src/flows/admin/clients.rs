//! Registering clients (RFC 7591's metadata, checked in `client_spec`),
//! listing, finding, deleting, and rotating their secrets. Every change
//! is recorded with its actor in the same transaction.

use serde_json::Value;

use super::client_spec::SecretSource;
use super::{Actor, Admin, AdminError, NewClient, Page, PageRequest};
use crate::crypto::{random_token, secret_digest};
use crate::protocol::{AdminOp, ClientRecord};
use crate::store::StoreError;

pub struct CreatedClient {
    pub client: ClientRecord,
    /// The plaintext secret, shown once; only its hash is stored.
    pub secret: Option<String>,
}

pub(super) fn no_client(client_id: &str) -> AdminError {
    AdminError::NotFound(format!("client {client_id:?} does not exist"))
}

/// A client as operators see it (admin API responses, audit events):
/// everything but its secret.
#[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct ClientView {
    pub client_id: String,
    pub name: Option<String>,
    /// `logo_uri` (OIDC Dynamic Client Registration §2).
    pub logo_uri: Option<String>,
    /// Public clients (SPAs, native apps) have no secret.
    pub public: bool,
    pub redirect_uris: Vec<String>,
    pub post_logout_redirect_uris: Vec<String>,
    pub grant_types: Vec<String>,
    pub scopes: Vec<String>,
    pub token_endpoint_auth_method: String,
    /// The inline JWK Set for `private_key_jwt` (public keys).
    pub jwks: Option<serde_json::Value>,
    pub jwks_uri: Option<String>,
    pub resources: Vec<String>,
    pub access_token_ttl: Option<i64>,
    pub refresh_token_idle_ttl: Option<i64>,
    pub refresh_token_absolute_ttl: Option<i64>,
    pub id_token_signed_response_alg: Option<String>,
    /// `implicit` or `required`.
    pub consent: String,
    pub backchannel_logout_uri: Option<String>,
    pub backchannel_logout_session_required: bool,
    pub frontchannel_logout_uri: Option<String>,
    pub frontchannel_logout_session_required: bool,
    pub web_origins: Vec<String>,
    /// `required` or `optional`.
    pub pkce: String,
    pub refresh_reuse_leeway: i64,
    /// Group-name prefix mapped to the `roles` claim.
    pub role_claim: Option<String>,
    /// Users must give a second factor to sign in to this client.
    pub require_mfa: bool,
    /// The client must push its authorization requests (RFC 9126 §6).
    pub require_pushed_authorization_requests: bool,
    /// The client must send signed request objects (RFC 9101 §10.5).
    pub require_signed_request_object: bool,
    /// The client must prove possession of a DPoP key at the token endpoint
    /// (RFC 9449 §5.2).
    #[serde(rename = "dpop_bound_access_tokens")]
    pub require_dpop: bool,
    /// `public` or `pairwise` `sub` values (OIDC Core §8).
    pub subject_type: String,
    /// The pairwise sector's document (OIDC Registration §2).
    pub sector_identifier_uri: Option<String>,
    /// The resources whose access tokens the client may exchange (RFC 8693).
    pub token_exchange_from: Vec<String>,
    /// ID tokens encrypted to the client's key after signing (OIDC
    /// Registration §2; Core §10.2): the JWE `alg` and `enc`.
    pub id_token_encrypted_response_alg: Option<String>,
    pub id_token_encrypted_response_enc: Option<String>,
    /// UserInfo answered as a JWT signed with this (Core §5.3.2).
    pub userinfo_signed_response_alg: Option<String>,
    /// UserInfo encrypted to the client's key (Registration §2).
    pub userinfo_encrypted_response_alg: Option<String>,
    pub userinfo_encrypted_response_enc: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    /// The version an update must name (`If-Match`).
    pub version: i64,
}

impl From<&ClientRecord> for ClientView {
    fn from(c: &ClientRecord) -> ClientView {
        let words = |list: &[crate::protocol::GrantType]| list.iter().map(|g| g.to_string()).collect();
        ClientView {
            client_id: c.client_id.clone(),
            name: c.name.clone(),
            logo_uri: c.logo_uri.clone(),
            public: c.public,
            redirect_uris: c.redirect_uris.clone(),
            post_logout_redirect_uris: c.post_logout_redirect_uris.clone(),
            grant_types: words(&c.grant_types),
            scopes: c.scopes.clone(),
            token_endpoint_auth_method: c.token_endpoint_auth_method.to_string(),
            jwks: c.jwks.as_deref().and_then(|j| serde_json::from_str(j).ok()),
            jwks_uri: c.jwks_uri.clone(),
            resources: c.resources.clone(),
            access_token_ttl: c.access_token_ttl,
            refresh_token_idle_ttl: c.refresh_token_idle_ttl,
            refresh_token_absolute_ttl: c.refresh_token_absolute_ttl,
            id_token_signed_response_alg: c.id_token_signed_response_alg.map(|a| a.to_string()),
            consent: c.consent.to_string(),
            backchannel_logout_uri: c.backchannel_logout.as_ref().map(|l| l.uri.clone()),
            backchannel_logout_session_required: c
                .backchannel_logout
                .as_ref()
                .is_some_and(|l| l.session_required),
            frontchannel_logout_uri: c.frontchannel_logout.as_ref().map(|l| l.uri.clone()),
            frontchannel_logout_session_required: c
                .frontchannel_logout
                .as_ref()
                .is_some_and(|l| l.session_required),
            web_origins: c.web_origins.clone(),
            pkce: c.pkce.to_string(),
            refresh_reuse_leeway: c.refresh_reuse_leeway,
            role_claim: c.role_claim.clone(),
            require_mfa: c.require_mfa,
            require_pushed_authorization_requests: c.require_pushed_requests,
            require_signed_request_object: c.require_signed_request_object,
            require_dpop: c.require_dpop,
            subject_type: c.subject_type.to_string(),
            sector_identifier_uri: c.sector_identifier_uri.clone(),
            token_exchange_from: c.token_exchange_from.clone(),
            id_token_encrypted_response_alg: c.id_token_encryption.map(|e| e.alg.to_string()),
            id_token_encrypted_response_enc: c.id_token_encryption.map(|e| e.enc.to_string()),
            userinfo_signed_response_alg: c.userinfo_signed_response_alg.map(|a| a.to_string()),
            userinfo_encrypted_response_alg: c.userinfo_encryption.map(|e| e.alg.to_string()),
            userinfo_encrypted_response_enc: c.userinfo_encryption.map(|e| e.enc.to_string()),
            created_at: c.created_at,
            updated_at: c.updated_at,
            version: c.version,
        }
    }
}

/// What an audit event says about a client (its view, without the JWK Set).
pub fn client_summary(client: &ClientRecord) -> Value {
    let mut view = ClientView::from(client);
    view.jwks = None;
    serde_json::to_value(view).unwrap_or(Value::Null)
}

impl Admin {
    pub async fn create_client(
        &self,
        by: &Actor,
        new: NewClient,
        now: i64,
    ) -> Result<CreatedClient, AdminError> {
        let (client, secret) = self.client_record(new, SecretSource::New, now)?;
        let client_id = client.client_id.clone();
        // One name space for whoever authenticates at /introspect.
        if self.stores.resources.find_fresh(&client_id).await?.is_some() {
            return Err(AdminError::Conflict(format!("a resource named {client_id:?} already exists")));
        }
        self.check_sector(&client).await?;
        self.check_encryption_keys(&client).await?;
        let audited = by
            .audited(AdminOp::ClientCreate, &client_id)
            .client(&client_id)
            .detail("after", client_summary(&client));
        match self.stores.clients.create(client.clone(), audited, now).await {
            Ok(()) => Ok(CreatedClient { client, secret }),
            Err(StoreError::Duplicate(_)) => {
                Err(AdminError::Conflict(format!("client {client_id:?} already exists")))
            }
            Err(other) => Err(other.into()),
        }
    }

    /// Clients ordered by id, optionally those whose id or name contains
    /// `page.search`.
    pub async fn list_clients(&self, page: &PageRequest) -> Result<Page<ClientRecord>, AdminError> {
        let size = page.size()?;
        let rows = self.stores.clients.page(page.after.clone(), page.search(), size + 1).await?;
        Ok(Page::from_rows(rows, size, |c| c.client_id.clone()))
    }

    /// The client as the database has it now.
    pub async fn find_client(&self, client_id: &str) -> Result<ClientRecord, AdminError> {
        self.stores.clients.find_fresh(client_id).await?.ok_or_else(|| no_client(client_id))
    }

    /// Deletes a client; its refresh tokens and consents go with it.
    pub async fn delete_client(&self, by: &Actor, client_id: &str, now: i64) -> Result<(), AdminError> {
        let client = self.find_client(client_id).await?;
        let audited = by
            .audited(AdminOp::ClientDelete, client_id)
            .client(client_id)
            .detail("before", client_summary(&client));
        if self.stores.clients.delete(client_id, audited, now).await? {
            Ok(())
        } else {
            Err(no_client(client_id))
        }
    }

    /// Issues a new secret for a client that uses one; the old one stops
    /// working at once. Returns the new plaintext secret (shown once).
    pub async fn rotate_client_secret(
        &self,
        by: &Actor,
        client_id: &str,
        now: i64,
    ) -> Result<String, AdminError> {
        let client = self.find_client(client_id).await?;
        if !client.token_endpoint_auth_method.uses_secret() {
            return Err(AdminError::invalid(format!(
                "client {client_id:?} uses {} and has no secret",
                client.token_endpoint_auth_method
            )));
        }
        let secret = random_token(32);
        let audited = by.audited(AdminOp::ClientRotateSecret, client_id).client(client_id);
        if self.stores.clients.update_secret(client_id, secret_digest(&secret), audited, now).await? {
            Ok(secret)
        } else {
            Err(no_client(client_id))
        }
    }
}
