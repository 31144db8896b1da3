//! `/admin/api/v1/clients`: register, list, read, change, delete clients
//! and rotate their secrets (RFC 7591 metadata names).

use actix_web::http::header;
use actix_web::web::{Bytes, Data, Path, Query};
use actix_web::{HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};

use super::caller::{Operator, etag, if_match, json_body, no_store};
use super::error::{ApiError, ErrorBody};
use super::{ListQuery, nullable};
use crate::flows::admin::{Admin, ClientUpdate, ClientView, NewClient};

/// A page of clients, ordered by `client_id`.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ClientPage {
    pub items: Vec<ClientView>,
    /// Pass as `after` for the next page; absent on the last.
    pub next: Option<String>,
}

/// A client with the secret made for it, shown this once.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ClientWithSecret {
    pub client: ClientView,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct RotatedSecret {
    pub client_id: String,
    pub client_secret: String,
}

/// A new client. Unset members take the same defaults as
/// `oxidp client create`.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClientCreate {
    pub client_id: String,
    pub name: Option<String>,
    /// Shown next to the name on the login and consent pages (OIDC Dynamic
    /// Client Registration §2): https, or http on loopback.
    pub logo_uri: Option<String>,
    #[serde(default)]
    pub public: bool,
    #[serde(default)]
    pub redirect_uris: Vec<String>,
    #[serde(default)]
    pub post_logout_redirect_uris: Vec<String>,
    #[serde(default)]
    pub grant_types: Vec<String>,
    #[serde(default)]
    pub scopes: Vec<String>,
    pub token_endpoint_auth_method: Option<String>,
    /// A secret of at least 32 characters; generated (and returned once) when unset.
    pub client_secret: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub jwks: Option<serde_json::Value>,
    pub jwks_uri: Option<String>,
    #[serde(default)]
    pub resources: Vec<String>,
    pub access_token_ttl: Option<i64>,
    pub refresh_token_idle_ttl: Option<i64>,
    pub refresh_token_absolute_ttl: Option<i64>,
    pub id_token_signed_response_alg: Option<String>,
    pub consent: Option<String>,
    pub backchannel_logout_uri: Option<String>,
    #[serde(default)]
    pub backchannel_logout_session_required: bool,
    pub frontchannel_logout_uri: Option<String>,
    #[serde(default)]
    pub frontchannel_logout_session_required: bool,
    #[serde(default)]
    pub web_origins: Vec<String>,
    pub pkce: Option<String>,
    pub refresh_reuse_leeway: Option<i64>,
    pub role_claim: Option<String>,
    /// Users must give a second factor to sign in to this client.
    #[serde(default)]
    pub require_mfa: bool,
    /// The client must push its authorization requests (RFC 9126 §6).
    #[serde(default)]
    pub require_pushed_authorization_requests: bool,
    /// The client must send signed request objects (RFC 9101 §10.5).
    #[serde(default)]
    pub require_signed_request_object: bool,
    /// The client must prove possession of a DPoP key at the token endpoint
    /// (RFC 9449 §5.2).
    #[serde(default)]
    pub dpop_bound_access_tokens: bool,
    /// `public` (default) or `pairwise` `sub` values (OIDC Core §8).
    pub subject_type: Option<String>,
    /// For pairwise clients: a JSON array of the client's redirect URIs,
    /// whose host is the sector (OIDC Registration §2, §5).
    pub sector_identifier_uri: Option<String>,
    /// The resources whose access tokens the client may exchange (RFC 8693;
    /// the APIs it implements); needs the token-exchange grant.
    #[serde(default)]
    pub token_exchange_from: Vec<String>,
    /// Encrypt ID tokens after signing (OIDC Registration §2, Core §10.2):
    /// RSA-OAEP-256, ECDH-ES or ECDH-ES+A256KW; needs a key with `use`
    /// `enc` in `jwks` or at `jwks_uri`.
    pub id_token_encrypted_response_alg: Option<String>,
    /// A128CBC-HS256 (default) or A256GCM; needs the `_alg`.
    pub id_token_encrypted_response_enc: Option<String>,
    /// Answer UserInfo as a JWT signed with this (Core §5.3.2).
    pub userinfo_signed_response_alg: Option<String>,
    /// Encrypt UserInfo responses (Registration §2), as for ID tokens.
    pub userinfo_encrypted_response_alg: Option<String>,
    pub userinfo_encrypted_response_enc: Option<String>,
}

/// The members to change; absent members stay, `null` clears an optional one.
#[derive(Deserialize, Default, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClientPatch {
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub name: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub logo_uri: Option<Option<String>>,
    pub redirect_uris: Option<Vec<String>>,
    pub post_logout_redirect_uris: Option<Vec<String>>,
    pub grant_types: Option<Vec<String>>,
    pub scopes: Option<Vec<String>>,
    pub token_endpoint_auth_method: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<Object>)]
    pub jwks: Option<Option<serde_json::Value>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub jwks_uri: Option<Option<String>>,
    pub resources: Option<Vec<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<i64>)]
    pub access_token_ttl: Option<Option<i64>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<i64>)]
    pub refresh_token_idle_ttl: Option<Option<i64>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<i64>)]
    pub refresh_token_absolute_ttl: Option<Option<i64>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub id_token_signed_response_alg: Option<Option<String>>,
    pub consent: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub backchannel_logout_uri: Option<Option<String>>,
    pub backchannel_logout_session_required: Option<bool>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub frontchannel_logout_uri: Option<Option<String>>,
    pub frontchannel_logout_session_required: Option<bool>,
    pub web_origins: Option<Vec<String>>,
    pub pkce: Option<String>,
    pub refresh_reuse_leeway: Option<i64>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub role_claim: Option<Option<String>>,
    pub require_mfa: Option<bool>,
    pub require_pushed_authorization_requests: Option<bool>,
    pub require_signed_request_object: Option<bool>,
    pub dpop_bound_access_tokens: Option<bool>,
    pub subject_type: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub sector_identifier_uri: Option<Option<String>>,
    /// Replaces the list; `[]` clears it.
    pub token_exchange_from: Option<Vec<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub id_token_encrypted_response_alg: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub id_token_encrypted_response_enc: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub userinfo_signed_response_alg: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub userinfo_encrypted_response_alg: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub userinfo_encrypted_response_enc: Option<Option<String>>,
}

fn jwks_text(jwks: serde_json::Value) -> String {
    jwks.to_string()
}

impl From<ClientCreate> for NewClient {
    fn from(c: ClientCreate) -> NewClient {
        NewClient {
            client_id: c.client_id,
            redirect_uris: c.redirect_uris,
            post_logout_redirect_uris: c.post_logout_redirect_uris,
            grant_types: c.grant_types,
            scopes: c.scopes,
            public: c.public,
            secret: c.client_secret,
            token_endpoint_auth_method: c.token_endpoint_auth_method,
            jwks: c.jwks.map(jwks_text),
            jwks_uri: c.jwks_uri,
            resources: c.resources,
            access_token_ttl: c.access_token_ttl,
            refresh_token_idle_ttl: c.refresh_token_idle_ttl,
            refresh_token_absolute_ttl: c.refresh_token_absolute_ttl,
            id_token_signed_response_alg: c.id_token_signed_response_alg,
            name: c.name,
            logo_uri: c.logo_uri,
            consent: c.consent,
            backchannel_logout_uri: c.backchannel_logout_uri,
            backchannel_logout_session_required: c.backchannel_logout_session_required,
            frontchannel_logout_uri: c.frontchannel_logout_uri,
            frontchannel_logout_session_required: c.frontchannel_logout_session_required,
            web_origins: c.web_origins,
            pkce: c.pkce,
            refresh_reuse_leeway: c.refresh_reuse_leeway,
            role_claim: c.role_claim,
            require_mfa: c.require_mfa,
            require_pushed_requests: c.require_pushed_authorization_requests,
            require_signed_request_object: c.require_signed_request_object,
            require_dpop: c.dpop_bound_access_tokens,
            subject_type: c.subject_type,
            sector_identifier_uri: c.sector_identifier_uri,
            token_exchange_from: c.token_exchange_from,
            id_token_encrypted_response_alg: c.id_token_encrypted_response_alg,
            id_token_encrypted_response_enc: c.id_token_encrypted_response_enc,
            userinfo_signed_response_alg: c.userinfo_signed_response_alg,
            userinfo_encrypted_response_alg: c.userinfo_encrypted_response_alg,
            userinfo_encrypted_response_enc: c.userinfo_encrypted_response_enc,
        }
    }
}

impl From<ClientPatch> for ClientUpdate {
    fn from(p: ClientPatch) -> ClientUpdate {
        ClientUpdate {
            name: p.name,
            logo_uri: p.logo_uri,
            redirect_uris: p.redirect_uris,
            post_logout_redirect_uris: p.post_logout_redirect_uris,
            grant_types: p.grant_types,
            scopes: p.scopes,
            token_endpoint_auth_method: p.token_endpoint_auth_method,
            jwks: p.jwks.map(|j| j.map(jwks_text)),
            jwks_uri: p.jwks_uri,
            resources: p.resources,
            access_token_ttl: p.access_token_ttl,
            refresh_token_idle_ttl: p.refresh_token_idle_ttl,
            refresh_token_absolute_ttl: p.refresh_token_absolute_ttl,
            id_token_signed_response_alg: p.id_token_signed_response_alg,
            consent: p.consent,
            backchannel_logout_uri: p.backchannel_logout_uri,
            backchannel_logout_session_required: p.backchannel_logout_session_required,
            frontchannel_logout_uri: p.frontchannel_logout_uri,
            frontchannel_logout_session_required: p.frontchannel_logout_session_required,
            web_origins: p.web_origins,
            pkce: p.pkce,
            refresh_reuse_leeway: p.refresh_reuse_leeway,
            role_claim: p.role_claim,
            require_mfa: p.require_mfa,
            require_pushed_requests: p.require_pushed_authorization_requests,
            require_signed_request_object: p.require_signed_request_object,
            require_dpop: p.dpop_bound_access_tokens,
            subject_type: p.subject_type,
            sector_identifier_uri: p.sector_identifier_uri,
            token_exchange_from: p.token_exchange_from,
            id_token_encrypted_response_alg: p.id_token_encrypted_response_alg,
            id_token_encrypted_response_enc: p.id_token_encrypted_response_enc,
            userinfo_signed_response_alg: p.userinfo_signed_response_alg,
            userinfo_encrypted_response_alg: p.userinfo_encrypted_response_alg,
            userinfo_encrypted_response_enc: p.userinfo_encrypted_response_enc,
        }
    }
}

fn with_etag(mut resp: actix_web::HttpResponseBuilder, version: i64) -> actix_web::HttpResponseBuilder {
    resp.insert_header((header::ETAG, etag(version))).insert_header((header::CACHE_CONTROL, "no-store"));
    resp
}

#[utoipa::path(get, path = "/admin/api/v1/clients", tag = "clients", params(ListQuery),
    responses((status = 200, body = ClientPage), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn list(
    _op: Operator,
    admin: Data<Admin>,
    query: Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = admin.list_clients(&query.into_inner().page()).await?;
    let page = ClientPage { items: page.items.iter().map(ClientView::from).collect(), next: page.next };
    Ok(no_store().json(page))
}

#[utoipa::path(post, path = "/admin/api/v1/clients", tag = "clients", request_body = ClientCreate,
    responses((status = 201, body = ClientWithSecret), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn create(
    op: Operator,
    admin: Data<Admin>,
    req: HttpRequest,
    body: Bytes,
) -> Result<HttpResponse, ApiError> {
    let new: ClientCreate = json_body(&req, &body)?;
    let created = admin.create_client(&op.actor, new.into(), op.now).await?;
    let location = format!("/admin/api/v1/clients/{}", created.client.client_id);
    Ok(with_etag(HttpResponse::Created(), created.client.version)
        .insert_header((header::LOCATION, location))
        .json(ClientWithSecret { client: ClientView::from(&created.client), client_secret: created.secret }))
}

#[utoipa::path(get, path = "/admin/api/v1/clients/{client_id}", tag = "clients",
    params(("client_id" = String, Path)),
    responses((status = 200, body = ClientView, headers(("ETag" = String))), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn get(
    _op: Operator,
    admin: Data<Admin>,
    client_id: Path<String>,
) -> Result<HttpResponse, ApiError> {
    let client = admin.find_client(&client_id).await?;
    Ok(with_etag(HttpResponse::Ok(), client.version).json(ClientView::from(&client)))
}

#[utoipa::path(patch, path = "/admin/api/v1/clients/{client_id}", tag = "clients", request_body = ClientPatch,
    params(("client_id" = String, Path), ("If-Match" = Option<String>, Header, description = "The ETag read; a changed client answers 412")),
    responses((status = 200, body = ClientWithSecret), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 412, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn update(
    op: Operator,
    admin: Data<Admin>,
    client_id: Path<String>,
    req: HttpRequest,
    body: Bytes,
) -> Result<HttpResponse, ApiError> {
    let patch: ClientPatch = json_body(&req, &body)?;
    let expected = if_match(&req).expected(admin.find_client(&client_id).await?.version)?;
    let updated = admin.update_client(&op.actor, &client_id, patch.into(), expected, op.now).await?;
    Ok(with_etag(HttpResponse::Ok(), updated.client.version)
        .json(ClientWithSecret { client: ClientView::from(&updated.client), client_secret: updated.secret }))
}

#[utoipa::path(delete, path = "/admin/api/v1/clients/{client_id}", tag = "clients",
    params(("client_id" = String, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
pub async fn delete(
    op: Operator,
    admin: Data<Admin>,
    client_id: Path<String>,
) -> Result<HttpResponse, ApiError> {
    admin.delete_client(&op.actor, &client_id, op.now).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[utoipa::path(post, path = "/admin/api/v1/clients/{client_id}/secret", tag = "clients",
    params(("client_id" = String, Path)),
    responses((status = 200, body = RotatedSecret), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn rotate_secret(
    op: Operator,
    admin: Data<Admin>,
    client_id: Path<String>,
) -> Result<HttpResponse, ApiError> {
    let secret = admin.rotate_client_secret(&op.actor, &client_id, op.now).await?;
    Ok(no_store().json(RotatedSecret { client_id: client_id.into_inner(), client_secret: secret }))
}
