//! Dynamic client registration (RFC 7591) and the client configuration
//! endpoint (RFC 7592). A registration is the admin operation every client
//! goes through (`Admin::create_client`, `Admin::update_client`: the same
//! checks as the CLI and the admin API), made by the registrant as its
//! actor, with consent `required`. Registering needs an initial access
//! token (RFC 7591 §3) unless registration is open; managing a client
//! needs its registration access token (RFC 7592 §3). Both are stored as
//! digests; a wrong token and an unknown client look alike.

mod metadata;

use std::sync::Arc;

use crate::crypto::{constant_time_eq, random_token, secret_digest};
use crate::flows::admin::{Actor, Admin, AdminError};
use crate::protocol::client_registration::{
    ClientInformation, ClientMetadata, ClientRegistrationRecord, REGISTRATION_PATH, RegistrationPolicy,
    invalid_metadata,
};
use crate::protocol::{ClientRecord, OAuthError};
use crate::store::{ClientRegistrations, StoreError};

/// Why a request was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegistrationError {
    /// The endpoints are off (`client_registration.enabled`): 404.
    Disabled,
    /// No bearer token: a bare challenge (RFC 6750 §3.1).
    MissingToken,
    /// A wrong, expired or used-up token, or a client that is not there
    /// (alike, so client ids cannot be probed): 401 `invalid_token`.
    InvalidToken,
    /// `invalid_redirect_uri` or `invalid_client_metadata` naming the
    /// member (RFC 7591 §3.2.2): 400.
    Invalid(OAuthError),
    /// The server failed (`server_error`, `temporarily_unavailable`).
    Failed(OAuthError),
}

impl From<StoreError> for RegistrationError {
    fn from(e: StoreError) -> Self {
        RegistrationError::Failed(e.into())
    }
}

/// The registration endpoint and the client configuration endpoint.
pub struct ClientRegistration {
    admin: Arc<Admin>,
    registrations: ClientRegistrations,
    policy: RegistrationPolicy,
    /// `{issuer}/connect/register`.
    endpoint: String,
}

impl ClientRegistration {
    pub fn new(
        admin: Arc<Admin>,
        registrations: ClientRegistrations,
        policy: RegistrationPolicy,
        issuer: &str,
    ) -> ClientRegistration {
        ClientRegistration { admin, registrations, policy, endpoint: format!("{issuer}{REGISTRATION_PATH}") }
    }

    pub fn enabled(&self) -> bool {
        self.policy.enabled
    }

    /// RFC 7591 §3.1: registers a client, spending a use of the initial
    /// access token (given back if the registration fails).
    pub async fn register(
        &self,
        initial_token: Option<&str>,
        metadata: ClientMetadata,
        now: i64,
    ) -> Result<ClientInformation, RegistrationError> {
        if !self.policy.enabled {
            return Err(RegistrationError::Disabled);
        }
        let initial = match (self.policy.open, initial_token) {
            (true, _) => None,
            (false, None) => return Err(RegistrationError::MissingToken),
            (false, Some(token)) => Some(
                self.registrations
                    .consume_initial_token(&secret_digest(token), now)
                    .await?
                    .ok_or(RegistrationError::InvalidToken)?,
            ),
        };
        let registered = self.create(initial.clone(), metadata, now).await;
        if let (Err(_), Some(id)) = (&registered, &initial)
            && let Err(e) = self.registrations.refund_initial_token(id).await
        {
            tracing::warn!(error = %e, token = %id, "an initial access token's use was not given back");
        }
        registered
    }

    async fn create(
        &self,
        initial: Option<String>,
        metadata: ClientMetadata,
        now: i64,
    ) -> Result<ClientInformation, RegistrationError> {
        let client_id = uuid::Uuid::new_v4().to_string();
        let new = metadata::new_client(&client_id, metadata, &self.policy)?;
        let by = Actor::Registrant { client_id: client_id.clone(), initial_token: initial };
        let created = self.admin.create_client(&by, new, now).await.map_err(refusal)?;
        let token = random_token(32);
        let registration = ClientRegistrationRecord {
            client_id: client_id.clone(),
            registration_token_hash: secret_digest(&token),
            created_at: now,
        };
        if let Err(e) = self.registrations.register(registration).await {
            // The client must not stay without a way to manage it.
            if let Err(undo) = self.admin.delete_client(&by, &client_id, now).await {
                tracing::error!(error = %undo, %client_id, "a client left without its registration");
            }
            return Err(e.into());
        }
        Ok(ClientInformation::new(&created.client, created.secret, token, self.client_uri(&client_id)))
    }

    /// RFC 7592 §2.1: the client as registered now. Its secret is not
    /// shown again (only its digest is stored).
    pub async fn read(
        &self,
        client_id: &str,
        token: Option<&str>,
    ) -> Result<ClientInformation, RegistrationError> {
        let (client, token) = self.authenticate(client_id, token).await?;
        Ok(ClientInformation::new(&client, None, token.to_string(), self.client_uri(client_id)))
    }

    /// RFC 7592 §2.2: replaces the registrant's metadata; members left
    /// out go back to their defaults. The body names the client; a
    /// `client_secret` in it must be the current one.
    pub async fn replace(
        &self,
        client_id: &str,
        token: Option<&str>,
        metadata: ClientMetadata,
        now: i64,
    ) -> Result<ClientInformation, RegistrationError> {
        let (current, token) = self.authenticate(client_id, token).await?;
        if metadata.client_id.as_deref() != Some(client_id) {
            return Err(RegistrationError::Invalid(invalid_metadata(
                "client_id",
                "the body must name the client being updated (RFC 7592 §2.2)",
            )));
        }
        if let Some(secret) = &metadata.client_secret {
            let same = current
                .secret_hash
                .as_deref()
                .is_some_and(|hash| constant_time_eq(secret_digest(secret).as_bytes(), hash.as_bytes()));
            if !same {
                return Err(RegistrationError::Invalid(invalid_metadata(
                    "client_secret",
                    "is not the client's current secret",
                )));
            }
        }
        let update = metadata::replacement(&current, metadata, &self.policy)?;
        let by = Actor::Registrant { client_id: client_id.to_string(), initial_token: None };
        let updated = self.admin.update_client(&by, client_id, update, None, now).await.map_err(refusal)?;
        Ok(ClientInformation::new(
            &updated.client,
            updated.secret,
            token.to_string(),
            self.client_uri(client_id),
        ))
    }

    /// RFC 7592 §2.3: deletes the client, its tokens and registration.
    pub async fn delete(
        &self,
        client_id: &str,
        token: Option<&str>,
        now: i64,
    ) -> Result<(), RegistrationError> {
        self.authenticate(client_id, token).await?;
        let by = Actor::Registrant { client_id: client_id.to_string(), initial_token: None };
        self.admin.delete_client(&by, client_id, now).await.map_err(refusal)
    }

    /// The client, if `token` is its registration access token.
    async fn authenticate<'t>(
        &self,
        client_id: &str,
        token: Option<&'t str>,
    ) -> Result<(ClientRecord, &'t str), RegistrationError> {
        if !self.policy.enabled {
            return Err(RegistrationError::Disabled);
        }
        let token = token.ok_or(RegistrationError::MissingToken)?;
        let presented = secret_digest(token);
        let registration = self.registrations.find(client_id).await?;
        let valid = registration
            .is_some_and(|r| constant_time_eq(presented.as_bytes(), r.registration_token_hash.as_bytes()));
        if !valid {
            return Err(RegistrationError::InvalidToken);
        }
        let client = self.admin.find_client(client_id).await.map_err(refusal)?;
        Ok((client, token))
    }

    /// RFC 7592 §3 `registration_client_uri`.
    fn client_uri(&self, client_id: &str) -> String {
        format!("{}/{client_id}", self.endpoint)
    }
}

/// The admin operation's refusal in RFC 7591 §3.2.2 terms, naming the
/// member by its RFC name.
fn refusal(e: AdminError) -> RegistrationError {
    match e {
        AdminError::Invalid { field: Some("redirect_uris"), message } => {
            RegistrationError::Invalid(crate::protocol::client_registration::invalid_redirect_uri(message))
        }
        AdminError::Invalid { field, message } => {
            let member = match field {
                Some("name") => "client_name",
                Some("scopes") => "scope",
                Some("secret") => "client_secret",
                Some(other) => other,
                None => "client metadata",
            };
            RegistrationError::Invalid(invalid_metadata(member, message))
        }
        AdminError::NotFound(_) => RegistrationError::InvalidToken,
        AdminError::Stale(_) => RegistrationError::Failed(OAuthError::temporarily_unavailable(
            "the client changed meanwhile; send the update again",
        )),
        AdminError::Store(e) => e.into(),
        AdminError::Conflict(message) | AdminError::Internal(message) => {
            tracing::error!(%message, "dynamic client registration failed");
            RegistrationError::Failed(OAuthError::server_error("internal error"))
        }
    }
}
