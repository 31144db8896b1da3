//! `/admin/api/v1/resources`: protected APIs (RFC 8707 resource
//! indicators). Identifiers are URIs, so they travel in the query.

use actix_web::http::header;
use actix_web::web::{Bytes, Data, Query};
use actix_web::{HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};

use super::caller::{Operator, json_body, no_store};
use super::error::{ApiError, ErrorBody};
use crate::flows::admin::{Admin, NewResource};
use crate::protocol::ResourceRecord;

#[derive(Serialize, utoipa::ToSchema)]
pub struct ResourceView {
    /// The `aud` of its tokens.
    pub identifier: String,
    pub scopes: Vec<String>,
    pub access_token_ttl: Option<i64>,
    pub signing_alg: Option<String>,
    /// Whether it introspects with `private_key_jwt` rather than a secret.
    pub uses_jwks: bool,
    /// Its access tokens are encrypted to its key (JWE): `alg` and `enc`.
    pub access_token_encrypted_response_alg: Option<String>,
    pub access_token_encrypted_response_enc: Option<String>,
    pub created_at: i64,
}

impl From<&ResourceRecord> for ResourceView {
    fn from(r: &ResourceRecord) -> ResourceView {
        ResourceView {
            identifier: r.identifier.clone(),
            scopes: r.scopes.clone(),
            access_token_ttl: r.access_token_ttl,
            signing_alg: r.signing_alg.map(|a| a.to_string()),
            uses_jwks: r.jwks.is_some(),
            access_token_encrypted_response_alg: r.access_token_encryption.map(|e| e.alg.to_string()),
            access_token_encrypted_response_enc: r.access_token_encryption.map(|e| e.enc.to_string()),
            created_at: r.created_at,
        }
    }
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResourceCreate {
    pub identifier: String,
    #[serde(default)]
    pub scopes: Vec<String>,
    pub access_token_ttl: Option<i64>,
    pub signing_alg: Option<String>,
    /// An introspection secret (at least 32 characters); generated when
    /// neither it nor `jwks` is given.
    pub secret: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub jwks: Option<serde_json::Value>,
    /// Encrypt its access tokens to a key of `jwks` (RSA-OAEP-256, ECDH-ES,
    /// ECDH-ES+A256KW) so clients cannot read them.
    pub access_token_encrypted_response_alg: Option<String>,
    /// A128CBC-HS256 (default) or A256GCM.
    pub access_token_encrypted_response_enc: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ResourceWithSecret {
    pub resource: ResourceView,
    /// Shown this once.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ResourceParams {
    pub identifier: String,
}

#[utoipa::path(get, path = "/admin/api/v1/resources", tag = "resources",
    responses((status = 200, body = Vec<ResourceView>), (status = 401, body = ErrorBody)), security(("bearer" = [])))]
pub async fn list(_op: Operator, admin: Data<Admin>) -> Result<HttpResponse, ApiError> {
    let resources = admin.list_resources().await?;
    Ok(no_store().json(resources.iter().map(ResourceView::from).collect::<Vec<_>>()))
}

#[utoipa::path(post, path = "/admin/api/v1/resources", tag = "resources", request_body = ResourceCreate,
    responses((status = 201, body = ResourceWithSecret), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn create(
    op: Operator,
    admin: Data<Admin>,
    req: HttpRequest,
    body: Bytes,
) -> Result<HttpResponse, ApiError> {
    let new: ResourceCreate = json_body(&req, &body)?;
    let new = NewResource {
        identifier: new.identifier,
        scopes: new.scopes,
        access_token_ttl: new.access_token_ttl,
        signing_alg: new.signing_alg,
        secret: new.secret,
        jwks: new.jwks.map(|j| j.to_string()),
        access_token_encrypted_response_alg: new.access_token_encrypted_response_alg,
        access_token_encrypted_response_enc: new.access_token_encrypted_response_enc,
    };
    let created = admin.create_resource(&op.actor, new, op.now).await?;
    Ok(HttpResponse::Created()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(ResourceWithSecret { resource: ResourceView::from(&created.resource), secret: created.secret }))
}

#[utoipa::path(delete, path = "/admin/api/v1/resources", tag = "resources", params(ResourceParams),
    responses((status = 204), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
pub async fn delete(
    op: Operator,
    admin: Data<Admin>,
    params: Query<ResourceParams>,
) -> Result<HttpResponse, ApiError> {
    admin.delete_resource(&op.actor, &params.identifier, op.now).await?;
    Ok(HttpResponse::NoContent().finish())
}
