//! Registering clients (RFC 7591's metadata, checked by
//! `protocol::clients`), listing, deleting, and rotating their secrets.

use super::{Admin, AdminError};
use crate::crypto::{random_token, secret_digest};
use crate::jose::SigningAlg;
use crate::protocol::admin::validate_role_prefix;
use crate::protocol::client_assertion::{is_acceptable_jwks_uri, parse_public_jwks};
use crate::protocol::clients::{
    self, DEFAULT_SCOPES, MAX_REFRESH_REUSE_LEEWAY, MIN_SECRET_LEN, is_private_use_redirect, origins_of,
    validate_client_id, validate_display_name, validate_logout_uri, validate_redirect_uri, validate_resource,
    validate_scope_value, web_origin,
};
use crate::protocol::{ClientAuthMethod, ClientRecord, ConsentMode, GrantType, LogoutUri, PkcePolicy};
use crate::store::StoreError;

/// A client as an operator describes it: words not yet parsed, lists not
/// yet checked.
#[derive(Debug, Default)]
pub struct NewClient {
    pub client_id: String,
    pub redirect_uris: Vec<String>,
    pub post_logout_redirect_uris: Vec<String>,
    /// Empty means `authorization_code`.
    pub grant_types: Vec<String>,
    /// Empty means `openid profile email`.
    pub scopes: Vec<String>,
    pub public: bool,
    /// None for a confidential client using a secret means "generate one".
    pub secret: Option<String>,
    /// Default: `none` for public clients, else `client_secret_basic`.
    pub token_endpoint_auth_method: Option<String>,
    /// Inline JWK Set (JSON text) for `private_key_jwt`.
    pub jwks: Option<String>,
    pub jwks_uri: Option<String>,
    /// Resource indicators (RFC 8707) the client may request.
    pub resources: Vec<String>,
    pub access_token_ttl: Option<i64>,
    pub refresh_token_idle_ttl: Option<i64>,
    pub refresh_token_absolute_ttl: Option<i64>,
    /// One of the server's signing algorithms; the default (RS256) when unset.
    pub id_token_signed_response_alg: Option<String>,
    /// Shown to people instead of the client id.
    pub name: Option<String>,
    /// `implicit` (default) or `required`.
    pub consent: Option<String>,
    /// Back-Channel Logout 1.0 §2.2.
    pub backchannel_logout_uri: Option<String>,
    pub backchannel_logout_session_required: bool,
    /// Front-Channel Logout 1.0 §2.
    pub frontchannel_logout_uri: Option<String>,
    pub frontchannel_logout_session_required: bool,
    /// Browser origins allowed to use CORS; default: the origins of the
    /// http(s) redirect URIs.
    pub web_origins: Vec<String>,
    /// `required` (default) or `optional` (confidential clients only).
    pub pkce: Option<String>,
    /// Seconds a rotated refresh token may be reused (0 to 60, default 0).
    pub refresh_reuse_leeway: Option<i64>,
    /// A group-name prefix: the user's groups under it become the `roles`
    /// claim of this client's tokens (`app1:` maps `app1:admin` to `admin`).
    pub role_claim: Option<String>,
}

pub struct CreatedClient {
    pub client: ClientRecord,
    /// The plaintext secret, shown once; only its hash is stored.
    pub secret: Option<String>,
}

fn invalid(message: String) -> AdminError {
    AdminError::invalid(message)
}

/// A logout endpoint, checked; `session_required` needs an endpoint.
fn logout_uri(
    channel: &str,
    uri: Option<String>,
    session_required: bool,
) -> Result<Option<LogoutUri>, AdminError> {
    match uri {
        Some(uri) => {
            validate_logout_uri(&uri).map_err(invalid)?;
            Ok(Some(LogoutUri { uri, session_required }))
        }
        None if session_required => {
            Err(invalid(format!("--{channel}-logout-session-required needs --{channel}-logout-uri")))
        }
        None => Ok(None),
    }
}

impl Admin {
    pub async fn create_client(&self, new: NewClient, now: i64) -> Result<CreatedClient, AdminError> {
        let (client, secret) = self.client_record(new, now)?;
        let client_id = client.client_id.clone();
        // One name space for whoever authenticates at /introspect.
        if self.stores.resources.find_fresh(&client_id).await?.is_some() {
            return Err(AdminError::Conflict(format!("a resource named {client_id:?} already exists")));
        }
        match self.stores.clients.create(client.clone()).await {
            Ok(()) => Ok(CreatedClient { client, secret }),
            Err(StoreError::Duplicate(_)) => {
                Err(AdminError::Conflict(format!("client {client_id:?} already exists")))
            }
            Err(other) => Err(other.into()),
        }
    }

    /// Every check of a new client, and its secret; nothing is written.
    fn client_record(&self, new: NewClient, now: i64) -> Result<(ClientRecord, Option<String>), AdminError> {
        validate_client_id(&new.client_id).map_err(invalid)?;
        let grant_types = clients::grant_types(&new.grant_types, new.public).map_err(invalid)?;
        // Only the code flow redirects (client_credentials and the device
        // grant never do).
        if new.redirect_uris.is_empty() && grant_types.contains(&GrantType::AuthorizationCode) {
            return Err(invalid("at least one --redirect-uri is required for authorization_code".into()));
        }
        for uri in new.redirect_uris.iter().chain(&new.post_logout_redirect_uris) {
            validate_redirect_uri(uri).map_err(invalid)?;
            if !new.public && is_private_use_redirect(uri) {
                return Err(invalid(format!(
                    "redirect URI {uri:?}: private-use schemes are for native apps, which are public clients (RFC 8252 §8.4)"
                )));
            }
        }
        let web_origins = if new.web_origins.is_empty() {
            origins_of(&new.redirect_uris)
        } else {
            new.web_origins.iter().map(|o| web_origin(o)).collect::<Result<Vec<_>, _>>().map_err(invalid)?
        };
        let pkce = match new.pkce.as_deref() {
            Some(word) => word.parse().map_err(|e: crate::vocabulary::UnknownWord| invalid(e.to_string()))?,
            None => PkcePolicy::Required,
        };
        if new.public && pkce == PkcePolicy::Optional {
            return Err(invalid("a public client must use PKCE (RFC 9700 §2.1.1); --pkce optional is for confidential clients".into()));
        }
        let refresh_reuse_leeway = new.refresh_reuse_leeway.unwrap_or(0);
        if !(0..=MAX_REFRESH_REUSE_LEEWAY).contains(&refresh_reuse_leeway) {
            return Err(invalid(format!(
                "--refresh-reuse-leeway must be 0 to {MAX_REFRESH_REUSE_LEEWAY} seconds"
            )));
        }
        let scopes = if new.scopes.is_empty() {
            DEFAULT_SCOPES.iter().map(|s| s.to_string()).collect()
        } else {
            new.scopes
        };
        for scope in &scopes {
            validate_scope_value(scope).map_err(invalid)?;
        }
        let method =
            clients::auth_method(new.public, new.token_endpoint_auth_method.as_deref()).map_err(invalid)?;
        let (jwks, jwks_uri) = key_source(method, new.jwks, new.jwks_uri)?;
        let secret = match (method.uses_secret(), new.secret) {
            (false, Some(_)) => return Err(invalid(format!("a client using {method} has no secret"))),
            (false, None) => None,
            (true, Some(s)) if s.chars().count() < MIN_SECRET_LEN => {
                return Err(invalid(format!("a client secret must be at least {MIN_SECRET_LEN} characters")));
            }
            (true, Some(s)) => Some(s),
            (true, None) => Some(random_token(32)),
        };
        let id_token_alg = match new.id_token_signed_response_alg.as_deref() {
            None => None,
            Some(raw) => Some(self.id_token_alg(raw)?),
        };
        for resource in &new.resources {
            validate_resource(resource).map_err(invalid)?;
        }
        for ttl in [new.access_token_ttl, new.refresh_token_idle_ttl, new.refresh_token_absolute_ttl]
            .into_iter()
            .flatten()
        {
            if ttl <= 0 {
                return Err(invalid("token lifetimes must be positive numbers of seconds".into()));
            }
        }
        if let Some(name) = &new.name {
            validate_display_name(name).map_err(invalid)?;
        }
        let backchannel_logout =
            logout_uri("backchannel", new.backchannel_logout_uri, new.backchannel_logout_session_required)?;
        let frontchannel_logout = logout_uri(
            "frontchannel",
            new.frontchannel_logout_uri,
            new.frontchannel_logout_session_required,
        )?;
        if let Some(prefix) = &new.role_claim {
            validate_role_prefix(prefix).map_err(AdminError::field("role_claim"))?;
        }
        let consent = match new.consent.as_deref() {
            Some(word) => word.parse().map_err(|e: crate::vocabulary::UnknownWord| invalid(e.to_string()))?,
            None => ConsentMode::Implicit,
        };
        let client = ClientRecord {
            client_id: new.client_id,
            secret_hash: secret.as_deref().map(secret_digest),
            public: new.public,
            redirect_uris: dedup(new.redirect_uris),
            post_logout_redirect_uris: dedup(new.post_logout_redirect_uris),
            grant_types,
            scopes: dedup(scopes),
            token_endpoint_auth_method: method,
            jwks,
            jwks_uri,
            resources: dedup(new.resources),
            access_token_ttl: new.access_token_ttl,
            refresh_token_idle_ttl: new.refresh_token_idle_ttl,
            refresh_token_absolute_ttl: new.refresh_token_absolute_ttl,
            id_token_signed_response_alg: id_token_alg,
            name: new.name,
            consent,
            web_origins: dedup(web_origins),
            pkce,
            refresh_reuse_leeway,
            backchannel_logout,
            frontchannel_logout,
            created_at: now,
            updated_at: now,
            role_claim: new.role_claim,
            version: 1,
        };
        Ok((client, secret))
    }

    /// A client (or resource) may only ask for tokens in an algorithm the
    /// server keeps keys for (`keys.algorithms`): anything else would fail
    /// every issuance.
    pub(super) fn id_token_alg(&self, raw: &str) -> Result<SigningAlg, AdminError> {
        let alg: SigningAlg =
            raw.parse().map_err(|e: crate::vocabulary::UnknownWord| invalid(e.to_string()))?;
        if self.keys.algorithms.contains(&alg) {
            return Ok(alg);
        }
        let offered: Vec<&str> = self.keys.algorithms.iter().map(|a| a.as_str()).collect();
        Err(invalid(format!(
            "id_token_signed_response_alg {alg} has no signing key on this server (keys.algorithms: {}); add it to keys.algorithms first",
            offered.join(", ")
        )))
    }

    pub async fn list_clients(&self) -> Result<Vec<ClientRecord>, AdminError> {
        Ok(self.stores.clients.list().await?)
    }

    pub async fn delete_client(&self, client_id: &str) -> Result<(), AdminError> {
        if self.stores.clients.delete(client_id).await? {
            Ok(())
        } else {
            Err(AdminError::NotFound(format!("client {client_id:?} does not exist")))
        }
    }

    /// Issues a new secret for a client that uses one; the old one stops
    /// working at once. Returns the new plaintext secret (shown once).
    pub async fn rotate_client_secret(&self, client_id: &str, now: i64) -> Result<String, AdminError> {
        let client = self
            .stores
            .clients
            .find_fresh(client_id)
            .await?
            .ok_or_else(|| AdminError::NotFound(format!("client {client_id:?} does not exist")))?;
        if !client.token_endpoint_auth_method.uses_secret() {
            return Err(invalid(format!(
                "client {client_id:?} uses {} and has no secret",
                client.token_endpoint_auth_method
            )));
        }
        let secret = random_token(32);
        if self.stores.clients.update_secret(client_id, secret_digest(&secret), now).await? {
            Ok(secret)
        } else {
            Err(AdminError::NotFound(format!("client {client_id:?} does not exist")))
        }
    }
}

/// `private_key_jwt` needs exactly one key source; other methods none.
fn key_source(
    method: ClientAuthMethod,
    jwks: Option<String>,
    jwks_uri: Option<String>,
) -> Result<(Option<String>, Option<String>), AdminError> {
    match (method, jwks, jwks_uri) {
        (ClientAuthMethod::PrivateKeyJwt, Some(_), Some(_)) => {
            Err(invalid("give either a JWKS or a jwks_uri, not both".into()))
        }
        (ClientAuthMethod::PrivateKeyJwt, None, None) => {
            Err(invalid("private_key_jwt needs --jwks-file or --jwks-uri".into()))
        }
        (ClientAuthMethod::PrivateKeyJwt, Some(jwks), None) => {
            parse_public_jwks(&jwks).map_err(invalid)?;
            Ok((Some(jwks), None))
        }
        (ClientAuthMethod::PrivateKeyJwt, None, Some(uri)) => {
            if !is_acceptable_jwks_uri(&uri) {
                return Err(invalid(format!("jwks_uri {uri:?} must be https (or http on loopback)")));
            }
            Ok((None, Some(uri)))
        }
        (_, None, None) => Ok((None, None)),
        (m, _, _) => Err(invalid(format!("a JWKS is only used with private_key_jwt, not {m}"))),
    }
}

fn dedup(mut values: Vec<String>) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    values.retain(|v| seen.insert(v.clone()));
    values
}
