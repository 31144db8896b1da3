//! Registering protected resources (APIs, RFC 8707): the audience their
//! tokens carry, the scopes they define, the lifetime and algorithm of
//! their access tokens, and the credentials they introspect with.

use super::{Actor, Admin, AdminError};
use crate::crypto::{random_token, secret_digest};
use crate::jose::jwe::Encryption;
use crate::protocol::client_assertion::parse_public_jwks;
use crate::protocol::clients::{MIN_SECRET_LEN, validate_resource, validate_scope_value};
use crate::protocol::{AdminOp, ResourceRecord, StandardScope};
use crate::store::StoreError;

/// A resource as an operator describes it.
#[derive(Debug, Default)]
pub struct NewResource {
    pub identifier: String,
    pub scopes: Vec<String>,
    pub access_token_ttl: Option<i64>,
    /// One of `keys.algorithms`; RS256 when unset.
    pub signing_alg: Option<String>,
    /// The introspection secret; generated when neither it nor `jwks` is given.
    pub secret: Option<String>,
    /// Inline JWK Set (JSON) to introspect with `private_key_jwt` instead,
    /// and to encrypt its access tokens to.
    pub jwks: Option<String>,
    /// Encrypt the API's access tokens to a key of `jwks` (JWE, RFC 7516):
    /// RSA-OAEP-256, ECDH-ES or ECDH-ES+A256KW.
    pub access_token_encrypted_response_alg: Option<String>,
    /// A128CBC-HS256 (default) or A256GCM.
    pub access_token_encrypted_response_enc: Option<String>,
}

pub struct CreatedResource {
    pub resource: ResourceRecord,
    /// The plaintext secret, shown once; only its hash is stored.
    pub secret: Option<String>,
}

fn invalid(message: String) -> AdminError {
    AdminError::invalid(message)
}

impl Admin {
    pub async fn create_resource(
        &self,
        by: &Actor,
        new: NewResource,
        now: i64,
    ) -> Result<CreatedResource, AdminError> {
        let (resource, secret) = self.resource_record(new, now)?;
        let identifier = resource.identifier.clone();
        if self.stores.clients.find_fresh(&identifier).await?.is_some() {
            return Err(AdminError::Conflict(format!("a client named {identifier:?} already exists")));
        }
        let audited = by
            .audited(AdminOp::ResourceCreate, &identifier)
            .detail("scopes", resource.scopes.clone())
            .detail("signing_alg", resource.signing_alg.map(|a| a.to_string()));
        match self.stores.resources.create(resource.clone(), audited, now).await {
            Ok(()) => Ok(CreatedResource { resource, secret }),
            Err(StoreError::Duplicate(_)) => {
                Err(AdminError::Conflict(format!("resource {identifier:?} already exists")))
            }
            Err(other) => Err(other.into()),
        }
    }

    /// Every check of a new resource, and its secret; nothing is written.
    fn resource_record(
        &self,
        new: NewResource,
        now: i64,
    ) -> Result<(ResourceRecord, Option<String>), AdminError> {
        validate_resource(&new.identifier).map_err(invalid)?;
        if new.identifier.len() > 512 {
            return Err(invalid("a resource identifier must be at most 512 characters".into()));
        }
        let mut scopes: Vec<String> = Vec::new();
        for scope in new.scopes {
            validate_scope_value(&scope).map_err(invalid)?;
            if StandardScope::from_word(&scope).is_some() {
                return Err(invalid(format!("scope {scope:?} is an OpenID Connect scope, not an API's")));
            }
            if !scopes.contains(&scope) {
                scopes.push(scope);
            }
        }
        if new.access_token_ttl.is_some_and(|ttl| ttl <= 0) {
            return Err(invalid("token lifetimes must be positive numbers of seconds".into()));
        }
        let signing_alg = new.signing_alg.as_deref().map(|raw| self.id_token_alg(raw)).transpose()?;
        let access_token_encryption = Encryption::parse(
            "access_token",
            new.access_token_encrypted_response_alg.as_deref(),
            new.access_token_encrypted_response_enc.as_deref(),
        )
        .map_err(invalid)?;
        if let Some(encryption) = access_token_encryption {
            if !self.response_encryption {
                return Err(invalid(
                    "encrypted tokens are switched off on this server (encryption.enabled)".into(),
                ));
            }
            let keys = new.jwks.as_deref().map(parse_public_jwks).transpose().map_err(invalid)?;
            if keys.is_none_or(|keys| encryption.key_in(&keys).is_none()) {
                return Err(invalid(format!(
                    "access_token_encrypted_response_alg: the resource's JWKS has no key that can receive {} \
                     (a key with \"use\":\"enc\" of the right type)",
                    encryption.alg
                )));
            }
        }
        let (secret, jwks) = match (new.secret, new.jwks) {
            (Some(_), Some(_)) => return Err(invalid("give either a secret or a JWKS, not both".into())),
            (Some(s), None) if s.chars().count() < MIN_SECRET_LEN => {
                return Err(invalid(format!("a secret must be at least {MIN_SECRET_LEN} characters")));
            }
            (Some(s), None) => (Some(s), None),
            (None, Some(jwks)) => {
                parse_public_jwks(&jwks).map_err(invalid)?;
                (None, Some(jwks))
            }
            (None, None) => (Some(random_token(32)), None),
        };
        let resource = ResourceRecord {
            identifier: new.identifier,
            secret_hash: secret.as_deref().map(secret_digest),
            jwks,
            scopes,
            access_token_ttl: new.access_token_ttl,
            signing_alg,
            access_token_encryption,
            created_at: now,
            updated_at: now,
        };
        Ok((resource, secret))
    }

    pub async fn list_resources(&self) -> Result<Vec<ResourceRecord>, AdminError> {
        Ok(self.stores.resources.list().await?)
    }

    pub async fn delete_resource(&self, by: &Actor, identifier: &str, now: i64) -> Result<(), AdminError> {
        let audited = by.audited(AdminOp::ResourceDelete, identifier);
        if self.stores.resources.delete(identifier, audited, now).await? {
            Ok(())
        } else {
            Err(AdminError::NotFound(format!("resource {identifier:?} does not exist")))
        }
    }
}
