//! `/admin/api/v1/keys`: the signing key set (public facts only: private
//! keys never leave the server) and rotation.

use actix_web::web::{Bytes, Data};
use actix_web::{HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};

use super::caller::{Operator, json_body, no_store};
use super::error::{ApiError, ErrorBody};
use crate::flows::admin::{Admin, KeyInfo};
use crate::jose::SigningAlg;
use crate::protocol::key_lifecycle::Rotation;

#[derive(Serialize, utoipa::ToSchema)]
pub struct KeyView {
    pub kid: String,
    pub alg: String,
    /// `next` (published, not yet signing), `active` or `retired`.
    pub state: String,
    pub created_at: i64,
    pub signs_from: i64,
    pub activated_at: Option<i64>,
    pub retired_at: Option<i64>,
    pub delete_after: Option<i64>,
}

impl From<&KeyInfo> for KeyView {
    fn from(k: &KeyInfo) -> KeyView {
        KeyView {
            kid: k.kid.clone(),
            alg: k.alg.to_string(),
            state: k.state.to_string(),
            created_at: k.created_at,
            signs_from: k.signs_from,
            activated_at: k.activated_at,
            retired_at: k.retired_at,
            delete_after: k.delete_after,
        }
    }
}

/// Which algorithm to rotate (all configured ones when absent), and
/// whether to rotate before the next key has been published long enough.
#[derive(Deserialize, Default, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RotateRequest {
    pub alg: Option<String>,
    #[serde(default)]
    pub force: bool,
}

/// A private key to add as the next signing key (it signs after the
/// next rotation). Its public half is published; the private key is
/// stored encrypted and never returned.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct KeyImport {
    /// PEM (PKCS#8 or traditional) RSA, P-256 or Ed25519 private key.
    pub pem: String,
    /// RS256, PS256, ES256 or EdDSA; guessed from the key when absent.
    pub alg: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ImportedKey {
    pub alg: String,
    pub kid: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct RotationView {
    pub alg: String,
    pub rotated: bool,
    /// The key that signs now (when rotated).
    pub active: Option<String>,
    /// When the next key may sign (when not rotated yet).
    pub signs_from: Option<i64>,
}

#[utoipa::path(get, path = "/admin/api/v1/keys", tag = "keys",
    responses((status = 200, body = Vec<KeyView>), (status = 401, body = ErrorBody)), security(("bearer" = [])))]
pub async fn list(_op: Operator, admin: Data<Admin>) -> Result<HttpResponse, ApiError> {
    let keys = admin.list_keys().await?;
    Ok(no_store().json(keys.iter().map(KeyView::from).collect::<Vec<_>>()))
}

#[utoipa::path(post, path = "/admin/api/v1/keys/rotate", tag = "keys", request_body = RotateRequest,
    responses((status = 200, body = Vec<RotationView>), (status = 400, body = ErrorBody)), security(("bearer" = [])))]
pub async fn rotate(
    op: Operator,
    admin: Data<Admin>,
    req: HttpRequest,
    body: Bytes,
) -> Result<HttpResponse, ApiError> {
    let request: RotateRequest =
        if body.is_empty() { RotateRequest::default() } else { json_body(&req, &body)? };
    let alg = match request.alg.as_deref() {
        Some(raw) => {
            Some(raw.parse::<SigningAlg>().map_err(|e| ApiError::bad_request(Some("alg"), e.to_string()))?)
        }
        None => None,
    };
    let outcomes = admin.rotate_keys(&op.actor, alg, request.force, op.now).await?;
    let views: Vec<RotationView> = outcomes
        .into_iter()
        .map(|(alg, rotation)| match rotation {
            Rotation::Rotated { active, .. } => {
                RotationView { alg: alg.to_string(), rotated: true, active: Some(active), signs_from: None }
            }
            Rotation::NotYet { signs_from } => RotationView {
                alg: alg.to_string(),
                rotated: false,
                active: None,
                signs_from: Some(signs_from),
            },
        })
        .collect();
    Ok(no_store().json(views))
}

#[utoipa::path(post, path = "/admin/api/v1/keys", tag = "keys", request_body = KeyImport,
    responses((status = 201, body = ImportedKey), (status = 400, body = ErrorBody, description = "Not a usable private key, or already in the key set")),
    security(("bearer" = [])))]
pub async fn import(
    op: Operator,
    admin: Data<Admin>,
    req: HttpRequest,
    body: Bytes,
) -> Result<HttpResponse, ApiError> {
    let import: KeyImport = json_body(&req, &body)?;
    let alg = import
        .alg
        .as_deref()
        .map(|raw| raw.parse::<SigningAlg>().map_err(|e| ApiError::bad_request(Some("alg"), e.to_string())))
        .transpose()?;
    let (alg, kid) = admin.import_key(&op.actor, alg, import.pem.as_bytes(), op.now).await.map_err(|e| {
        let mut err = ApiError::from(e);
        err.blame("pem");
        err
    })?;
    Ok(HttpResponse::Created().json(ImportedKey { alg: alg.to_string(), kid }))
}
