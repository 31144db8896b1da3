//! The admin REST API (`/admin/api/v1`): JSON in, JSON out, one error
//! shape (`error`), a bearer token with `oxidp:admin` (`caller`), ETags
//! and `If-Match` for updates. A thin face over `flows::admin`, like the
//! CLI and the console. The OpenAPI 3.1 document (utoipa) is served at
//! `/admin/api/openapi.json`; a test keeps it equal to [`ROUTES`].

mod audit;
pub mod caller;
mod clients;
pub mod error;
mod groups;
mod keys;
mod resources;
mod users;
mod verification;

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use serde::{Deserialize, Deserializer};
use utoipa::OpenApi;

use crate::flows::admin::PageRequest;
use error::ApiError;

/// Declares the routes once: the actix resources (one per path, so a known
/// path asked with another method answers 405 with `Allow`) and the
/// `(method, path)` list the OpenAPI test compares with the document.
macro_rules! admin_routes {
    ($( $path:literal => { $( $method:ident : $handler:path ),+ $(,)? } ),+ $(,)?) => {
        /// Every `(METHOD, path)` of the API, relative to `/admin/api/v1`.
        pub const ROUTES: &[(&str, &str)] = &[ $( $( (stringify!($method), $path) ),+ ),+ ];

        fn register(scope: actix_web::Scope) -> actix_web::Scope {
            scope $( .service(web::resource($path) $( .route(web::$method().to($handler)) )+ ) )+
        }
    };
}

admin_routes! {
    "/clients" => { get: clients::list, post: clients::create },
    "/clients/{client_id}" => { get: clients::get, patch: clients::update, delete: clients::delete },
    "/clients/{client_id}/secret" => { post: clients::rotate_secret },
    "/users" => { get: users::list, post: users::create },
    "/users/{user}" => { get: users::get, patch: users::update, delete: users::delete },
    "/users/{user}/password" => { put: users::set_password },
    "/users/{user}/disable" => { post: users::disable },
    "/users/{user}/enable" => { post: users::enable },
    "/users/{user}/unlock" => { post: users::unlock },
    "/users/{user}/mfa" => { delete: users::reset_mfa },
    "/users/{user}/send-verification" => { post: verification::send_verification },
    "/users/{user}/sessions" => { get: users::sessions, delete: users::end_sessions },
    "/users/{user}/sessions/{sid}" => { delete: users::end_session },
    "/users/{user}/consents" => { get: users::consents },
    "/users/{user}/consents/{client_id}" => { delete: users::revoke_consent },
    "/users/{user}/groups" => { get: groups::of_user },
    "/groups" => { get: groups::list, post: groups::create },
    "/groups/{name}" => { get: groups::get, delete: groups::delete },
    "/groups/{name}/members" => { post: groups::add_member },
    "/groups/{name}/members/{user}" => { delete: groups::remove_member },
    "/keys" => { get: keys::list, post: keys::import },
    "/keys/rotate" => { post: keys::rotate },
    "/resources" => { get: resources::list, post: resources::create, delete: resources::delete },
    "/audit-events" => { get: audit::list },
}

#[derive(OpenApi)]
#[openapi(
    info(title = "oxidp admin API", description = "Manage clients, users, groups, sessions, keys and the audit log of an oxidp deployment. Every request needs a bearer access token from this server with the oxidp:admin scope."),
    paths(
        clients::list, clients::create, clients::get, clients::update, clients::delete, clients::rotate_secret,
        users::list, users::create, users::get, users::update, users::delete, users::set_password,
        users::disable, users::enable, users::unlock, users::reset_mfa, users::sessions, users::end_sessions,
        users::end_session,
        users::consents, users::revoke_consent, verification::send_verification,
        groups::of_user, groups::list, groups::create, groups::get, groups::delete, groups::add_member,
        groups::remove_member, keys::list, keys::import, keys::rotate, resources::list, resources::create, resources::delete,
        audit::list,
    ),
    components(schemas(error::ErrorBody)),
    modifiers(&BearerAuth),
    tags(
        (name = "clients", description = "OAuth clients (RFC 7591 metadata)"),
        (name = "users", description = "Local accounts"),
        (name = "sessions", description = "A user's SSO sessions"),
        (name = "consents", description = "What a user granted each client"),
        (name = "groups", description = "Groups: the groups claim and client roles"),
        (name = "keys", description = "Signing keys (public facts only)"),
        (name = "resources", description = "Protected APIs (RFC 8707)"),
        (name = "audit", description = "The audit trail, newest first"),
    ),
)]
pub struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new().scheme(HttpAuthScheme::Bearer).bearer_format("JWT").build(),
            ),
        );
    }
}

/// The API under `/admin/api/v1`, its document, and JSON errors for
/// everything that fails before a handler runs.
pub fn configure(cfg: &mut web::ServiceConfig) {
    let query_errors = web::QueryConfig::default()
        .error_handler(|err, _| ApiError::bad_request(None, format!("invalid query: {err}")).into());
    let path_errors = web::PathConfig::default()
        .error_handler(|err, _| ApiError::bad_request(None, format!("invalid path: {err}")).into());
    cfg.service(
        web::resource("/admin/api/openapi.json")
            .route(web::get().to(openapi_json))
            .route(web::head().to(openapi_json)),
    )
    .service(
        register(web::scope("/admin/api/v1").app_data(query_errors).app_data(path_errors)).default_service(
            web::to(|| async {
                actix_web::ResponseError::error_response(&ApiError::not_found("no such admin API endpoint"))
            }),
        ),
    );
}

/// `GET /admin/api/openapi.json`: public, like any API description.
async fn openapi_json() -> HttpResponse {
    match ApiDoc::openapi().to_json() {
        Ok(json) => HttpResponse::Ok()
            .content_type("application/json")
            .insert_header((header::CACHE_CONTROL, "no-cache"))
            .body(json),
        Err(e) => {
            tracing::error!(error = %e, "serializing the OpenAPI document");
            HttpResponse::InternalServerError().finish()
        }
    }
}

/// `?search=&limit=&after=` of every listing.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Case-insensitive text to look for.
    pub search: Option<String>,
    /// Page size, 1 to 200 (default 50).
    pub limit: Option<i64>,
    /// The `next` of the previous page.
    pub after: Option<String>,
}

impl ListQuery {
    pub fn page(self) -> PageRequest {
        PageRequest { limit: self.limit, after: self.after, search: self.search }
    }
}

/// `null` as `Some(None)`, absence (with `#[serde(default)]`) as `None`:
/// a PATCH clears a member with `null` and leaves it alone by omission.
pub fn nullable<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}
