//! Registering clients (RFC 7591's metadata, checked in `client_spec`),
//! listing, finding, deleting, and rotating their secrets. Every change
//! is recorded with its actor in the same transaction.

use serde_json::{Value, json};

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

/// What an audit event says about a client: everything but its secret.
pub fn client_summary(client: &ClientRecord) -> Value {
    json!({
        "client_id": client.client_id,
        "name": client.name,
        "public": client.public,
        "redirect_uris": client.redirect_uris,
        "post_logout_redirect_uris": client.post_logout_redirect_uris,
        "grant_types": client.grant_types,
        "scopes": client.scopes,
        "token_endpoint_auth_method": client.token_endpoint_auth_method,
        "jwks_uri": client.jwks_uri,
        "has_jwks": client.jwks.is_some(),
        "resources": client.resources,
        "access_token_ttl": client.access_token_ttl,
        "refresh_token_idle_ttl": client.refresh_token_idle_ttl,
        "refresh_token_absolute_ttl": client.refresh_token_absolute_ttl,
        "id_token_signed_response_alg": client.id_token_signed_response_alg,
        "consent": client.consent,
        "backchannel_logout_uri": client.backchannel_logout.as_ref().map(|l| &l.uri),
        "frontchannel_logout_uri": client.frontchannel_logout.as_ref().map(|l| &l.uri),
        "web_origins": client.web_origins,
        "pkce": client.pkce,
        "refresh_reuse_leeway": client.refresh_reuse_leeway,
        "role_claim": client.role_claim,
        "version": client.version,
    })
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
