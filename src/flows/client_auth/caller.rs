//! Who may call `/introspect` (RFC 7662 §2.1: "the endpoint MUST also
//! require some form of authorization"): a client with real credentials
//! (never `none`), or a registered resource (an API, RFC 8707) with its own
//! credentials: HTTP Basic with its identifier, form-urlencoded, as the
//! user name (RFC 6749 §2.3.1) and its secret, or a `private_key_jwt`
//! assertion (RFC 7523 §2.2, §3) whose `iss` and `sub` are its identifier,
//! signed with a key of its registered JWK Set.

use std::sync::Arc;

use super::{ClientAuthenticator, ClientCredentials, Failure, extract, secret};
use crate::crypto::{constant_time_eq, secret_digest};
use crate::protocol::client_assertion::{self, Assertion, Reject, parse_public_jwks};
use crate::protocol::clients::validate_client_id;
use crate::protocol::entries::UsedAssertion;
use crate::protocol::{ClientAuthMethod, ClientRecord, OAuthError, Params, ResourceRecord};
use crate::store::Resources;

/// An authenticated caller of the introspection endpoint.
#[derive(Debug, Clone)]
pub enum Caller {
    Client(Box<ClientRecord>),
    Resource(ResourceRecord),
}

pub struct CallerAuthenticator {
    clients: Arc<ClientAuthenticator>,
    resources: Resources,
}

impl CallerAuthenticator {
    pub fn new(clients: Arc<ClientAuthenticator>, resources: Resources) -> CallerAuthenticator {
        CallerAuthenticator { clients, resources }
    }

    /// The caller, authenticated as a client or as a resource. A request
    /// without credentials, or a public client's, is `invalid_client`.
    pub async fn authenticate(
        &self,
        authorization: Option<&str>,
        params: &Params,
        now: i64,
    ) -> Result<Caller, OAuthError> {
        let creds = extract(authorization, params)?;
        if creds.method == ClientAuthMethod::None {
            tracing::info!(client_id = %creds.client_id, "introspection without client authentication");
            return Err(OAuthError::invalid_client("client authentication is required"));
        }
        if !self.may_be_client(&creds.client_id).await? {
            let mut resource = self.resources.find(&creds.client_id).await?;
            if resource.is_some() {
                let mut outcome = self.check_resource(resource.as_ref(), &creds, now).await;
                if matches!(outcome, Err(Failure::Denied(_))) {
                    // The cached record may predate a change: decide on the database's copy.
                    resource = self.resources.find_fresh(&creds.client_id).await?;
                    outcome = self.check_resource(resource.as_ref(), &creds, now).await;
                }
                return match (outcome, resource) {
                    (Ok(()), Some(resource)) => Ok(Caller::Resource(resource)),
                    (Ok(()), None) => Err(OAuthError::server_error("internal error")),
                    (Err(Failure::Denied(reason)), _) => {
                        tracing::info!(resource = %creds.client_id, method = %creds.method, %reason,
                            "resource authentication failed");
                        Err(OAuthError::invalid_client("client authentication failed"))
                    }
                    (Err(Failure::Store(e)), _) => Err(e.into()),
                };
            }
        }
        self.clients.check(&creds, now).await.map(|c| Caller::Client(Box::new(c)))
    }

    /// Whether the id names a client (cached lookup). Client ids and
    /// resource identifiers never collide (registration refuses it), and
    /// most resource identifiers cannot even be client ids.
    async fn may_be_client(&self, id: &str) -> Result<bool, OAuthError> {
        Ok(validate_client_id(id).is_ok() && self.clients.clients.find(id).await?.is_some())
    }

    /// The credentials checked against the resource: Basic with its secret,
    /// or an assertion verified with its JWK Set.
    async fn check_resource(
        &self,
        resource: Option<&ResourceRecord>,
        creds: &ClientCredentials,
        now: i64,
    ) -> Result<(), Failure> {
        let Some(resource) = resource else {
            secret::dummy_check(creds.secret.as_deref());
            return Err(Failure::Denied("unknown resource".into()));
        };
        match (creds.method, &creds.secret, &creds.assertion, &resource.secret_hash) {
            (ClientAuthMethod::ClientSecretBasic, Some(presented), _, Some(stored)) => {
                if constant_time_eq(secret_digest(presented).as_bytes(), stored.as_bytes()) {
                    Ok(())
                } else {
                    Err(Failure::Denied("wrong secret".into()))
                }
            }
            (ClientAuthMethod::PrivateKeyJwt, _, Some(assertion), _) => {
                self.verify_assertion(resource, assertion, now).await
            }
            (method, presented, _, _) => {
                secret::dummy_check(presented.as_deref());
                Err(Failure::Denied(format!("{method} is not how this resource authenticates")))
            }
        }
    }

    /// RFC 7523 §3 with the resource's registered keys; the `jti` is spent.
    async fn verify_assertion(
        &self,
        resource: &ResourceRecord,
        token: &str,
        now: i64,
    ) -> Result<(), Failure> {
        let jwks =
            resource.jwks.as_deref().ok_or_else(|| Failure::Denied("the resource has no JWKS".into()))?;
        let set = parse_public_jwks(jwks).map_err(Failure::Denied)?;
        let claims = Assertion::parse(token)?.verify(&set)?;
        let checked =
            client_assertion::check_claims(&claims, &resource.identifier, &self.clients.audiences, now)?;
        let used = UsedAssertion { expires_at: checked.remember_until() };
        let key = format!("{}:{}", resource.identifier, checked.jti);
        if self.clients.ephemeral.put_new(&key, &used, now).await? {
            Ok(())
        } else {
            Err(Reject::Replayed.into())
        }
    }
}
