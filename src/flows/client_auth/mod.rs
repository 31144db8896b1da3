//! Client authentication at the token, revocation and introspection
//! endpoints (RFC 6749 §2.3, OpenID Connect Core §9):
//! - `client_secret_basic` / `client_secret_post` ([`secret`]),
//! - `private_key_jwt`, a signed JWT in `client_assertion` (RFC 7521 §4.2,
//!   RFC 7523 §2.2, §3; `protocol::client_assertion`, keys from
//!   [`client_keys`]),
//! - `none` for public clients (not at introspection, [`caller`], which
//!   also authenticates registered resources).
//!
//! A client uses the method it was registered with; the two secret methods
//! are interchangeable. Every failure after the request parsed is the same
//! `invalid_client` (RFC 6749 §5.2, RFC 7521 §4.2.1) so that responses do not
//! reveal which client ids exist; the reason goes to the log.

pub mod caller;
pub mod client_keys;
mod secret;

#[cfg(test)]
mod tests;

use std::sync::Arc;

use client_keys::{ClientKeyCache, ClientKeys, ClientKeysError, OutboundHttp};

use crate::protocol::client_assertion::{self, Assertion, Reject, audiences};
use crate::protocol::entries::UsedAssertion;
use crate::protocol::{ClientAssertionType, ClientAuthMethod, ClientRecord, OAuthError, Params};
use crate::store::{Clients, Ephemeral, StoreError};

/// Credentials as presented; secret and assertion are redacted in Debug.
pub struct ClientCredentials {
    /// For assertions: the (not yet verified) `sub` of the JWT.
    pub client_id: String,
    pub secret: Option<String>,
    /// The compact JWS of `client_assertion`.
    pub assertion: Option<String>,
    /// The method the request used.
    pub method: ClientAuthMethod,
}

impl std::fmt::Debug for ClientCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientCredentials")
            .field("client_id", &self.client_id)
            .field("method", &self.method)
            .finish_non_exhaustive()
    }
}

/// Reads the credentials from the `Authorization` header or the body. Using
/// more than one method is `invalid_request` (RFC 6749 §2.3).
pub fn extract(authorization: Option<&str>, params: &Params) -> Result<ClientCredentials, OAuthError> {
    if params.contains("client_assertion") || params.contains("client_assertion_type") {
        return extract_assertion(authorization, params);
    }
    if let Some(header) = authorization {
        if params.contains("client_secret") {
            return Err(OAuthError::invalid_request("use only one client authentication method"));
        }
        let (client_id, secret) = secret::parse_basic(header)?;
        if params.get("client_id").is_some_and(|id| id != client_id) {
            return Err(OAuthError::invalid_request("client_id does not match the Authorization header"));
        }
        return Ok(ClientCredentials {
            client_id,
            secret: Some(secret),
            assertion: None,
            method: ClientAuthMethod::ClientSecretBasic,
        });
    }
    let client_id = params
        .get("client_id")
        .ok_or_else(|| OAuthError::invalid_client("client authentication is required"))?
        .to_string();
    let secret = params.get("client_secret").map(str::to_string);
    let method = if secret.is_some() { ClientAuthMethod::ClientSecretPost } else { ClientAuthMethod::None };
    Ok(ClientCredentials { client_id, secret, assertion: None, method })
}

/// RFC 7521 §4.2: `client_assertion_type` + `client_assertion`, with an
/// optional `client_id` that must name the assertion's subject.
fn extract_assertion(authorization: Option<&str>, params: &Params) -> Result<ClientCredentials, OAuthError> {
    if authorization.is_some() || params.contains("client_secret") {
        return Err(OAuthError::invalid_request("use only one client authentication method"));
    }
    let assertion_type = params.require("client_assertion_type")?;
    let assertion = params.require("client_assertion")?;
    if ClientAssertionType::from_word(assertion_type) != Some(ClientAssertionType::JwtBearer) {
        // RFC 6749 §5.2: an unsupported authentication method is invalid_client.
        return Err(OAuthError::invalid_client("unsupported client_assertion_type"));
    }
    let parsed = Assertion::parse(assertion)
        .map_err(|e| OAuthError::invalid_client(format!("client_assertion: {e}")))?;
    let sub = parsed.subject().ok_or_else(|| OAuthError::invalid_client("client_assertion has no sub"))?;
    if params.get("client_id").is_some_and(|id| id != sub) {
        return Err(OAuthError::invalid_client("client_id does not match the client assertion"));
    }
    Ok(ClientCredentials {
        client_id: sub.to_string(),
        secret: None,
        assertion: Some(assertion.to_string()),
        method: ClientAuthMethod::PrivateKeyJwt,
    })
}

/// What the presented credentials must prove, given the registered method.
#[derive(Debug, PartialEq, Eq)]
enum Proof<'a> {
    /// A shared secret (Basic or post, whichever was registered).
    Secret(&'a str),
    /// A signed assertion (`private_key_jwt`).
    Assertion(&'a str),
    /// Nothing: a public client identifying itself.
    Public,
    /// The credentials do not fit the registration.
    Mismatch(String),
}

/// The method rules: `private_key_jwt` clients must send an assertion,
/// secret clients may use Basic or post, `none` is for public clients only.
fn required_proof<'a>(client: &ClientRecord, creds: &'a ClientCredentials) -> Proof<'a> {
    let registered = client.token_endpoint_auth_method;
    match (creds.method, &creds.secret, &creds.assertion) {
        (ClientAuthMethod::PrivateKeyJwt, _, Some(assertion))
            if registered == ClientAuthMethod::PrivateKeyJwt =>
        {
            Proof::Assertion(assertion)
        }
        (presented, Some(secret), _) if presented.uses_secret() && registered.uses_secret() => {
            Proof::Secret(secret)
        }
        (ClientAuthMethod::None, None, None) if registered == ClientAuthMethod::None && client.public => {
            Proof::Public
        }
        (presented, _, _) => {
            Proof::Mismatch(format!("{presented} used by a client registered for {registered}"))
        }
    }
}

/// Why authentication did not succeed.
enum Failure {
    /// Bad credentials: `invalid_client`, reason logged.
    Denied(String),
    /// The ephemeral store failed: 503/500, not the client's fault.
    Store(StoreError),
}

impl From<Reject> for Failure {
    fn from(r: Reject) -> Self {
        Failure::Denied(r.to_string())
    }
}

impl From<ClientKeysError> for Failure {
    fn from(e: ClientKeysError) -> Self {
        Failure::Denied(format!("client keys unavailable: {e}"))
    }
}

impl From<StoreError> for Failure {
    fn from(e: StoreError) -> Self {
        Failure::Store(e)
    }
}

pub struct ClientAuthenticator {
    clients: Clients,
    keys: ClientKeys,
    /// Where used assertion `jti`s are remembered.
    ephemeral: Ephemeral,
    /// Values of an assertion's `aud` that name this server.
    audiences: Vec<String>,
}

impl ClientAuthenticator {
    pub fn new(
        clients: Clients,
        keys: Arc<ClientKeyCache>,
        http: Arc<OutboundHttp>,
        ephemeral: Ephemeral,
        issuer: &str,
    ) -> ClientAuthenticator {
        ClientAuthenticator {
            clients,
            keys: ClientKeys::new(keys, http),
            ephemeral,
            audiences: audiences(issuer),
        }
    }

    /// The clients' public keys, as this authenticator reads them (shared
    /// cache): what responses are encrypted to.
    pub fn keys(&self) -> ClientKeys {
        self.keys.clone()
    }

    /// Looks the client up and checks the credentials of the request with
    /// the method it is registered for.
    pub async fn authenticate(
        &self,
        authorization: Option<&str>,
        params: &Params,
        now: i64,
    ) -> Result<ClientRecord, OAuthError> {
        let creds = extract(authorization, params)?;
        self.check(&creds, now).await
    }

    async fn check(&self, creds: &ClientCredentials, now: i64) -> Result<ClientRecord, OAuthError> {
        let mut client = self.clients.find(&creds.client_id).await?;
        let mut outcome = self.decide(client.as_ref(), creds, now).await;
        if matches!(outcome, Err(Failure::Denied(_))) && client.is_some() {
            // The cached record may predate a change (say, a new secret):
            // decide on the database's copy before refusing.
            client = self.clients.find_fresh(&creds.client_id).await?;
            if client.is_some() {
                outcome = self.decide(client.as_ref(), creds, now).await;
            }
        }
        match outcome {
            Ok(()) => client.ok_or_else(|| OAuthError::server_error("internal error")),
            Err(Failure::Denied(reason)) => {
                tracing::info!(
                    client_id = %creds.client_id,
                    method = %creds.method,
                    %reason,
                    "client authentication failed"
                );
                Err(OAuthError::invalid_client("client authentication failed"))
            }
            Err(Failure::Store(e)) => Err(e.into()),
        }
    }

    /// The credentials checked against `client`; an unknown client costs the
    /// same secret hashing as a known one.
    async fn decide(
        &self,
        client: Option<&ClientRecord>,
        creds: &ClientCredentials,
        now: i64,
    ) -> Result<(), Failure> {
        let Some(client) = client else {
            secret::dummy_check(creds.secret.as_deref());
            return Err(Failure::Denied("unknown client".into()));
        };
        match required_proof(client, creds) {
            Proof::Assertion(assertion) => self.verify_assertion(client, assertion, now).await,
            Proof::Secret(presented) if secret::matches(client, presented) => Ok(()),
            Proof::Secret(_) => Err(Failure::Denied("wrong secret".into())),
            Proof::Public => Ok(()),
            Proof::Mismatch(reason) => {
                if let Some(s) = &creds.secret {
                    secret::dummy_check(Some(s));
                }
                Err(Failure::Denied(reason))
            }
        }
    }

    /// RFC 7523 §3 processing of one assertion, then its `jti` is spent
    /// (atomically: two concurrent uses cannot both win).
    async fn verify_assertion(&self, client: &ClientRecord, token: &str, now: i64) -> Result<(), Failure> {
        let assertion = Assertion::parse(token)?;
        let set = self.keys.of(client, assertion.kid.as_deref(), now).await.inspect_err(|e| {
            tracing::warn!(client_id = %client.client_id, error = %e, "cannot get the client's JWK Set");
        })?;
        let claims = assertion.verify(&set)?;
        let checked = client_assertion::check_claims(&claims, &client.client_id, &self.audiences, now)?;
        let used = UsedAssertion { expires_at: checked.remember_until() };
        if self.ephemeral.put_new(&format!("{}:{}", client.client_id, checked.jti), &used, now).await? {
            Ok(())
        } else {
            Err(Reject::Replayed.into())
        }
    }
}
