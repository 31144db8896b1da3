//! `/admin/api/v1/users`: accounts, their password and status, their
//! sessions and consents. `{user}` is a user's id or username.

use actix_web::http::header;
use actix_web::web::{Bytes, Data, Path, Query};
use actix_web::{HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};

use super::caller::{Operator, etag, if_match, json_body, no_store};
use super::error::{ApiError, ErrorBody};
use super::{ListQuery, nullable};
use crate::flows::admin::{AddressView, Admin, NewUser, ProfileUpdate, UserUpdate, UserView};
use crate::protocol::entries::SsoSession;
use crate::protocol::profile::{Address, Profile};
use crate::protocol::{ConsentRecord, UserRecord};

#[derive(Serialize, utoipa::ToSchema)]
pub struct UserPage {
    pub items: Vec<UserView>,
    /// Pass as `after` for the next page; absent on the last.
    pub next: Option<String>,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserCreate {
    pub username: String,
    /// Stored only as an Argon2id hash; never returned or logged.
    pub password: String,
    pub email: Option<String>,
    pub name: Option<String>,
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    /// A BCP 47 language tag, e.g. `en-US`.
    pub locale: Option<String>,
    /// A tz database zone, e.g. `Europe/Paris`.
    pub zoneinfo: Option<String>,
    /// An https URL.
    pub picture: Option<String>,
    /// E.164, e.g. `+14255551212`.
    pub phone_number: Option<String>,
    #[serde(default)]
    pub phone_number_verified: bool,
    #[schema(value_type = Option<AddressView>)]
    pub address: Option<Address>,
}

impl UserCreate {
    fn profile(&self) -> Profile {
        Profile {
            given_name: self.given_name.clone(),
            family_name: self.family_name.clone(),
            locale: self.locale.clone(),
            zoneinfo: self.zoneinfo.clone(),
            picture: self.picture.clone(),
            phone_number: self.phone_number.clone(),
            phone_number_verified: self.phone_number_verified,
            address: self.address.clone(),
        }
    }
}

/// Absent members stay; `null` clears `name`, `email` or a profile member
/// (`address` is replaced or cleared whole). A new email or phone number
/// is unverified unless `email_verified` / `phone_number_verified` says
/// otherwise.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserPatch {
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub name: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub email: Option<Option<String>>,
    pub email_verified: Option<bool>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub given_name: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub family_name: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub locale: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub zoneinfo: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub picture: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub phone_number: Option<Option<String>>,
    pub phone_number_verified: Option<bool>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<AddressView>)]
    pub address: Option<Option<Address>>,
}

impl UserPatch {
    fn update(self) -> UserUpdate {
        UserUpdate {
            name: self.name,
            email: self.email,
            email_verified: self.email_verified,
            profile: ProfileUpdate {
                given_name: self.given_name,
                family_name: self.family_name,
                locale: self.locale,
                zoneinfo: self.zoneinfo,
                picture: self.picture,
                phone_number: self.phone_number,
                phone_number_verified: self.phone_number_verified,
                address: self.address,
            },
        }
    }
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordSet {
    pub password: String,
}

/// A live SSO session (never its secret).
#[derive(Serialize, utoipa::ToSchema)]
pub struct SessionView {
    pub sid: String,
    pub auth_time: i64,
    pub created_at: i64,
    pub last_seen: i64,
    pub expires_at: i64,
    pub idle_expires_at: i64,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    /// Clients that received codes in the session.
    pub clients: Vec<String>,
}

impl From<&SsoSession> for SessionView {
    fn from(s: &SsoSession) -> SessionView {
        SessionView {
            sid: s.sid.clone(),
            auth_time: s.authentication.auth_time,
            created_at: s.created_at,
            last_seen: s.last_seen,
            expires_at: s.expires_at,
            idle_expires_at: s.idle_expires_at,
            ip: s.device.ip.clone(),
            user_agent: s.device.user_agent.clone(),
            clients: s.clients.clone(),
        }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct EndedSessions {
    pub ended: usize,
}

/// What a user granted a client (OpenID Connect Core §3.1.2.4).
#[derive(Serialize, utoipa::ToSchema)]
pub struct ConsentView {
    pub client_id: String,
    pub scopes: Vec<String>,
    pub granted_at: i64,
    pub updated_at: i64,
}

impl From<&ConsentRecord> for ConsentView {
    fn from(c: &ConsentRecord) -> ConsentView {
        ConsentView {
            client_id: c.client_id.clone(),
            scopes: c.scope.iter().map(str::to_string).collect(),
            granted_at: c.granted_at,
            updated_at: c.updated_at,
        }
    }
}

fn user_response(status: actix_web::http::StatusCode, user: &UserRecord) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((header::ETAG, etag(user.version)))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(UserView::from(user))
}

#[utoipa::path(get, path = "/admin/api/v1/users", tag = "users", params(ListQuery),
    responses((status = 200, body = UserPage), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn list(
    _op: Operator,
    admin: Data<Admin>,
    query: Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = admin.list_users(&query.into_inner().page()).await?;
    Ok(no_store().json(UserPage { items: page.items.iter().map(UserView::from).collect(), next: page.next }))
}

#[utoipa::path(post, path = "/admin/api/v1/users", tag = "users", request_body = UserCreate,
    responses((status = 201, body = UserView), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn create(
    op: Operator,
    admin: Data<Admin>,
    req: HttpRequest,
    body: Bytes,
) -> Result<HttpResponse, ApiError> {
    let new: UserCreate = json_body(&req, &body)?;
    let profile = new.profile();
    let new =
        NewUser { username: new.username, password: new.password, email: new.email, name: new.name, profile };
    let user = admin.create_user(&op.actor, new, op.now).await?;
    let mut resp = user_response(actix_web::http::StatusCode::CREATED, &user);
    if let Ok(location) = header::HeaderValue::from_str(&format!("/admin/api/v1/users/{}", user.id)) {
        resp.headers_mut().insert(header::LOCATION, location);
    }
    Ok(resp)
}

#[utoipa::path(get, path = "/admin/api/v1/users/{user}", tag = "users",
    params(("user" = String, Path, description = "The user's id or username")),
    responses((status = 200, body = UserView, headers(("ETag" = String))), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn get(_op: Operator, admin: Data<Admin>, user: Path<String>) -> Result<HttpResponse, ApiError> {
    Ok(user_response(actix_web::http::StatusCode::OK, &admin.find_user(&user).await?))
}

#[utoipa::path(patch, path = "/admin/api/v1/users/{user}", tag = "users", request_body = UserPatch,
    params(("user" = String, Path), ("If-Match" = Option<String>, Header, description = "The ETag read; a changed user answers 412")),
    responses((status = 200, body = UserView), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 412, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn update(
    op: Operator,
    admin: Data<Admin>,
    user: Path<String>,
    req: HttpRequest,
    body: Bytes,
) -> Result<HttpResponse, ApiError> {
    let patch: UserPatch = json_body(&req, &body)?;
    let user = admin.find_user(&user).await?;
    let expected = if_match(&req).expected(user.version)?;
    let updated = admin.update_user(&op.actor, &user.id, patch.update(), expected, op.now).await?;
    Ok(user_response(actix_web::http::StatusCode::OK, &updated))
}

#[utoipa::path(delete, path = "/admin/api/v1/users/{user}", tag = "users", params(("user" = String, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
pub async fn delete(op: Operator, admin: Data<Admin>, user: Path<String>) -> Result<HttpResponse, ApiError> {
    let user = admin.find_user(&user).await?;
    admin.delete_user(&op.actor, &user.id, op.now).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[utoipa::path(put, path = "/admin/api/v1/users/{user}/password", tag = "users", request_body = PasswordSet,
    params(("user" = String, Path)),
    responses((status = 204, description = "Set; the user's sessions ended"), (status = 400, body = ErrorBody),
        (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn set_password(
    op: Operator,
    admin: Data<Admin>,
    user: Path<String>,
    req: HttpRequest,
    body: Bytes,
) -> Result<HttpResponse, ApiError> {
    let body: PasswordSet = json_body(&req, &body)?;
    let user = admin.find_user(&user).await?;
    admin.set_user_password(&op.actor, &user.id, body.password, op.now).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[utoipa::path(post, path = "/admin/api/v1/users/{user}/disable", tag = "users", params(("user" = String, Path)),
    responses((status = 200, body = UserView, description = "Disabled; sessions ended, refresh tokens revoked"),
        (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn disable(op: Operator, admin: Data<Admin>, user: Path<String>) -> Result<HttpResponse, ApiError> {
    let user = admin.find_user(&user).await?;
    let user = admin.disable_user(&op.actor, &user.id, op.now).await?;
    Ok(user_response(actix_web::http::StatusCode::OK, &user))
}

#[utoipa::path(post, path = "/admin/api/v1/users/{user}/enable", tag = "users", params(("user" = String, Path)),
    responses((status = 200, body = UserView), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
pub async fn enable(op: Operator, admin: Data<Admin>, user: Path<String>) -> Result<HttpResponse, ApiError> {
    let user = admin.find_user(&user).await?;
    let user = admin.enable_user(&op.actor, &user.id, op.now).await?;
    Ok(user_response(actix_web::http::StatusCode::OK, &user))
}

#[utoipa::path(post, path = "/admin/api/v1/users/{user}/unlock", tag = "users", params(("user" = String, Path)),
    responses((status = 200, body = UserView, description = "Failed sign-ins forgotten; any back-off or lockout lifted"),
        (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn unlock(op: Operator, admin: Data<Admin>, user: Path<String>) -> Result<HttpResponse, ApiError> {
    let user = admin.find_user(&user).await?;
    let user = admin.unlock_user(&op.actor, &user.id, op.now).await?;
    Ok(user_response(actix_web::http::StatusCode::OK, &user))
}

/// What resetting a user's second factors found.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct MfaReset {
    /// The user had a second factor, now removed.
    pub removed: bool,
}

#[utoipa::path(delete, path = "/admin/api/v1/users/{user}/mfa", tag = "users", params(("user" = String, Path)),
    responses((status = 200, body = MfaReset, description = "The user's TOTP, recovery codes and passkeys are gone; sessions continue"),
        (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn reset_mfa(
    op: Operator,
    admin: Data<Admin>,
    user: Path<String>,
) -> Result<HttpResponse, ApiError> {
    let user = admin.find_user(&user).await?;
    let removed = admin.reset_user_mfa(&op.actor, &user.id, op.now).await?;
    Ok(no_store().json(MfaReset { removed }))
}

#[utoipa::path(get, path = "/admin/api/v1/users/{user}/sessions", tag = "sessions", params(("user" = String, Path)),
    responses((status = 200, body = Vec<SessionView>), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
pub async fn sessions(
    op: Operator,
    admin: Data<Admin>,
    user: Path<String>,
) -> Result<HttpResponse, ApiError> {
    let user = admin.find_user(&user).await?;
    let sessions = admin.list_user_sessions(&user.id, op.now).await?;
    Ok(no_store().json(sessions.iter().map(SessionView::from).collect::<Vec<_>>()))
}

#[utoipa::path(delete, path = "/admin/api/v1/users/{user}/sessions", tag = "sessions", params(("user" = String, Path)),
    responses((status = 200, body = EndedSessions), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
pub async fn end_sessions(
    op: Operator,
    admin: Data<Admin>,
    user: Path<String>,
) -> Result<HttpResponse, ApiError> {
    let user = admin.find_user(&user).await?;
    let ended = admin.end_user_sessions(&op.actor, &user.id, op.now).await?;
    Ok(no_store().json(EndedSessions { ended }))
}

#[utoipa::path(delete, path = "/admin/api/v1/users/{user}/sessions/{sid}", tag = "sessions",
    params(("user" = String, Path), ("sid" = String, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
pub async fn end_session(
    op: Operator,
    admin: Data<Admin>,
    path: Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (user, sid) = path.into_inner();
    let user = admin.find_user(&user).await?;
    admin.end_user_session(&op.actor, &user.id, &sid, op.now).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[utoipa::path(get, path = "/admin/api/v1/users/{user}/consents", tag = "consents", params(("user" = String, Path)),
    responses((status = 200, body = Vec<ConsentView>), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
pub async fn consents(
    _op: Operator,
    admin: Data<Admin>,
    user: Path<String>,
) -> Result<HttpResponse, ApiError> {
    let user = admin.find_user(&user).await?;
    let consents = admin.list_user_consents(&user.id).await?;
    Ok(no_store().json(consents.iter().map(ConsentView::from).collect::<Vec<_>>()))
}

#[utoipa::path(delete, path = "/admin/api/v1/users/{user}/consents/{client_id}", tag = "consents",
    params(("user" = String, Path), ("client_id" = String, Path)),
    responses((status = 204, description = "Revoked with the client's refresh tokens for the user"),
        (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn revoke_consent(
    op: Operator,
    admin: Data<Admin>,
    path: Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (user, client_id) = path.into_inner();
    let user = admin.find_user(&user).await?;
    admin.revoke_consent(&op.actor, &user.id, &client_id, op.now).await?;
    Ok(HttpResponse::NoContent().finish())
}
