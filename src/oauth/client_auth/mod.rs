//! Client authentication at the token, revocation and introspection
//! endpoints (RFC 6749 §2.3, OpenID Connect Core §9):
//! - `client_secret_basic` / `client_secret_post` ([`secret`]),
//! - `private_key_jwt`, a signed JWT in `client_assertion` (RFC 7521 §4.2,
//!   RFC 7523 §2.2, §3; [`private_key_jwt`]),
//! - `none` for public clients.
//!
//! A client uses the method it was registered with; the two secret methods
//! are interchangeable. Every failure after the request parsed is the same
//! `invalid_client` (RFC 6749 §5.2, RFC 7521 §4.2.1) so that responses do not
//! reveal which client ids exist; the reason goes to the log.

pub mod private_key_jwt;
mod secret;

#[cfg(test)]
mod test_support;
#[cfg(test)]
mod tests;

use crate::oauth::client_keys::{ClientKeyCache, ClientKeysError};
use crate::oauth::{OAuthError, Params};
use crate::state::AppState;
use crate::store::{ClientRecord, StoreError};

pub use private_key_jwt::JWT_BEARER;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthMethod {
    Basic,
    Post,
    PrivateKeyJwt,
    None,
}

impl AuthMethod {
    /// The `token_endpoint_auth_method` name (RFC 7591 §2).
    pub fn as_str(self) -> &'static str {
        match self {
            AuthMethod::Basic => "client_secret_basic",
            AuthMethod::Post => "client_secret_post",
            AuthMethod::PrivateKeyJwt => "private_key_jwt",
            AuthMethod::None => "none",
        }
    }
}

/// Credentials as presented; secret and assertion are redacted in Debug.
pub struct ClientCredentials {
    /// For assertions: the (not yet verified) `sub` of the JWT.
    pub client_id: String,
    pub secret: Option<String>,
    /// The compact JWS of `client_assertion`.
    pub assertion: Option<String>,
    pub method: AuthMethod,
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
            method: AuthMethod::Basic,
        });
    }
    let client_id = params
        .get("client_id")
        .ok_or_else(|| OAuthError::invalid_client("client authentication is required"))?
        .to_string();
    let secret = params.get("client_secret").map(str::to_string);
    let method = if secret.is_some() { AuthMethod::Post } else { AuthMethod::None };
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
    if assertion_type != JWT_BEARER {
        // RFC 6749 §5.2: an unsupported authentication method is invalid_client.
        return Err(OAuthError::invalid_client("unsupported client_assertion_type"));
    }
    let parsed = private_key_jwt::Assertion::parse(assertion)
        .map_err(|e| OAuthError::invalid_client(format!("client_assertion: {e}")))?;
    let sub = parsed.subject().ok_or_else(|| OAuthError::invalid_client("client_assertion has no sub"))?;
    if params.get("client_id").is_some_and(|id| id != sub) {
        return Err(OAuthError::invalid_client("client_id does not match the client assertion"));
    }
    Ok(ClientCredentials {
        client_id: sub.to_string(),
        secret: None,
        assertion: Some(assertion.to_string()),
        method: AuthMethod::PrivateKeyJwt,
    })
}

/// Looks the client up and checks its credentials with the method it is
/// registered for. Keys fetched from `jwks_uri` are cached process-wide.
pub async fn authenticate(
    state: &AppState,
    creds: &ClientCredentials,
    now: i64,
) -> Result<ClientRecord, OAuthError> {
    authenticate_with(state, &state.client_keys, creds, now).await
}

/// [`authenticate`] with an explicit key cache.
pub async fn authenticate_with(
    state: &AppState,
    keys: &ClientKeyCache,
    creds: &ClientCredentials,
    now: i64,
) -> Result<ClientRecord, OAuthError> {
    let mut client = state.clients.find(&creds.client_id).await?;
    let mut outcome = decide(state, keys, client.as_ref(), creds, now).await;
    if matches!(outcome, Err(Failure::Denied(_))) && client.is_some() {
        // The cached record may predate a change (say, a new secret):
        // decide on the database's copy before refusing.
        client = state.clients.find_fresh(&creds.client_id).await?;
        if client.is_some() {
            outcome = decide(state, keys, client.as_ref(), creds, now).await;
        }
    }
    match outcome {
        Ok(()) => client.ok_or_else(|| OAuthError::server_error("internal error")),
        Err(Failure::Denied(reason)) => {
            tracing::info!(
                client_id = %creds.client_id,
                method = creds.method.as_str(),
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
    state: &AppState,
    keys: &ClientKeyCache,
    client: Option<&ClientRecord>,
    creds: &ClientCredentials,
    now: i64,
) -> Result<(), Failure> {
    match client {
        None => {
            secret::dummy_check(creds.secret.as_deref());
            Err(Failure::Denied("unknown client".into()))
        }
        Some(client) => check(state, keys, client, creds, now).await,
    }
}

/// Why authentication did not succeed.
enum Failure {
    /// Bad credentials: `invalid_client`, reason logged.
    Denied(String),
    /// The ephemeral store failed: 503/500, not the client's fault.
    Store(StoreError),
}

impl From<private_key_jwt::Reject> for Failure {
    fn from(r: private_key_jwt::Reject) -> Self {
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

/// The method rules: `private_key_jwt` clients must send an assertion,
/// secret clients may use Basic or post, `none` is for public clients only.
async fn check(
    state: &AppState,
    keys: &ClientKeyCache,
    client: &ClientRecord,
    creds: &ClientCredentials,
    now: i64,
) -> Result<(), Failure> {
    let registered = client.token_endpoint_auth_method.as_str();
    match (creds.method, registered, &creds.secret, &creds.assertion) {
        (AuthMethod::PrivateKeyJwt, "private_key_jwt", _, Some(assertion)) => {
            verify_assertion(state, keys, client, assertion, now).await
        }
        (AuthMethod::Basic | AuthMethod::Post, "client_secret_basic" | "client_secret_post", Some(s), _) => {
            if secret::matches(client, s) {
                Ok(())
            } else {
                Err(Failure::Denied("wrong secret".into()))
            }
        }
        (AuthMethod::None, "none", None, None) if client.public => Ok(()),
        (presented, _, _, _) => {
            if let Some(s) = &creds.secret {
                secret::dummy_check(Some(s));
            }
            Err(Failure::Denied(format!(
                "{} used by a client registered for {registered}",
                presented.as_str()
            )))
        }
    }
}

/// RFC 7523 §3 processing of one assertion, then its `jti` is spent.
async fn verify_assertion(
    state: &AppState,
    keys: &ClientKeyCache,
    client: &ClientRecord,
    token: &str,
    now: i64,
) -> Result<(), Failure> {
    let assertion = private_key_jwt::Assertion::parse(token)?;
    let http = state.http().map_err(|e| ClientKeysError::Fetch(e.to_string()))?;
    let set = keys.keys_for(http, client, assertion.kid.as_deref(), now).await.inspect_err(|e| {
        tracing::warn!(client_id = %client.client_id, error = %e, "cannot get the client's JWK Set");
    })?;
    let claims = assertion.verify(&set)?;
    let checked = private_key_jwt::check_claims(&claims, &client.client_id, &audiences(state.issuer()), now)?;
    if private_key_jwt::consume_jti(&state.ephemeral, &client.client_id, &checked, now).await? {
        Ok(())
    } else {
        Err(private_key_jwt::Reject::Replayed.into())
    }
}

/// Values of `aud` that name this server (RFC 7523 §3 item 3): its issuer
/// identifier and the endpoints that accept client authentication.
pub fn audiences(issuer: &str) -> Vec<String> {
    let mut values = vec![issuer.to_string()];
    values.extend(["token", "revoke", "introspect"].map(|path| format!("{issuer}/{path}")));
    values
}
