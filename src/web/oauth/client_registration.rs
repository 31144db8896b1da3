//! `POST /connect/register` (RFC 7591 §3) and `GET`/`PUT`/`DELETE
//! /connect/register/{client_id}` (RFC 7592 §2): JSON in and out, the
//! initial or registration access token as a bearer token (RFC 6750
//! §2.1), errors as RFC 7591 §3.2.2 JSON or an RFC 6750 §3 challenge.

use actix_web::guard::GuardContext;
use actix_web::http::StatusCode;
use actix_web::web::{Bytes, Data, Path};
use actix_web::{HttpRequest, HttpResponse};

use crate::clock::Clock;
use crate::flows::client_registration::{ClientRegistration, RegistrationError};
use crate::protocol::client_registration::{ClientInformation, ClientMetadata};
use crate::protocol::{ErrorCode, OAuthError};
use crate::web::{extract, respond};

/// The largest registration body: metadata with an inline JWK Set.
pub const MAX_BODY: usize = 64 * 1024;

/// The routes exist only while registration is on (`client_registration.enabled`).
pub fn enabled(ctx: &GuardContext<'_>) -> bool {
    ctx.app_data::<Data<ClientRegistration>>().is_some_and(|flow| flow.enabled())
}

pub async fn register_post(
    flow: Data<ClientRegistration>,
    clock: Data<Clock>,
    req: HttpRequest,
    body: Bytes,
) -> HttpResponse {
    let answer = match metadata(&req, &body) {
        Ok(metadata) => flow.register(extract::bearer_token(&req).as_deref(), metadata, clock.now()).await,
        Err(e) => Err(RegistrationError::Invalid(e)),
    };
    information(StatusCode::CREATED, answer)
}

pub async fn client_get(
    flow: Data<ClientRegistration>,
    req: HttpRequest,
    path: Path<String>,
) -> HttpResponse {
    let answer = flow.read(&path, extract::bearer_token(&req).as_deref()).await;
    information(StatusCode::OK, answer)
}

pub async fn client_put(
    flow: Data<ClientRegistration>,
    clock: Data<Clock>,
    req: HttpRequest,
    path: Path<String>,
    body: Bytes,
) -> HttpResponse {
    let token = extract::bearer_token(&req);
    // The token first: an unauthenticated caller learns nothing of the body's faults.
    let answer = match metadata(&req, &body) {
        Ok(metadata) => flow.replace(&path, token.as_deref(), metadata, clock.now()).await,
        Err(e) => match flow.read(&path, token.as_deref()).await {
            Ok(_) => Err(RegistrationError::Invalid(e)),
            Err(refused) => Err(refused),
        },
    };
    information(StatusCode::OK, answer)
}

pub async fn client_delete(
    flow: Data<ClientRegistration>,
    clock: Data<Clock>,
    req: HttpRequest,
    path: Path<String>,
) -> HttpResponse {
    match flow.delete(&path, extract::bearer_token(&req).as_deref(), clock.now()).await {
        // RFC 7592 §2.3.
        Ok(()) => HttpResponse::NoContent().insert_header(("Cache-Control", "no-store")).finish(),
        Err(e) => refusal(e),
    }
}

/// An `application/json` object (RFC 7591 §3.1), at most [`MAX_BODY`].
fn metadata(req: &HttpRequest, body: &[u8]) -> Result<ClientMetadata, OAuthError> {
    let is_json = extract::header_str(req, "content-type").is_some_and(|ct| {
        ct.split(';').next().is_some_and(|t| t.trim().eq_ignore_ascii_case("application/json"))
    });
    if !is_json {
        return Err(OAuthError::new(ErrorCode::InvalidClientMetadata, "the body must be application/json"));
    }
    if body.len() > MAX_BODY {
        return Err(OAuthError::new(
            ErrorCode::InvalidClientMetadata,
            format!("the body must be at most {MAX_BODY} bytes"),
        ));
    }
    ClientMetadata::from_json(body)
}

/// The client information response (RFC 7591 §3.2.1), never cached.
fn information(status: StatusCode, answer: Result<ClientInformation, RegistrationError>) -> HttpResponse {
    match answer {
        Ok(information) => respond::json_answer(status, Ok::<_, OAuthError>(information)),
        Err(e) => refusal(e),
    }
}

fn refusal(e: RegistrationError) -> HttpResponse {
    match e {
        RegistrationError::Disabled => HttpResponse::NotFound().finish(),
        RegistrationError::MissingToken => respond::bearer_error(None),
        RegistrationError::InvalidToken => respond::bearer_error(Some(&OAuthError::new(
            ErrorCode::InvalidToken,
            "the access token is invalid, expired or used up",
        ))),
        RegistrationError::Invalid(e) | RegistrationError::Failed(e) => respond::json_error(&e),
    }
}

/// The registration endpoint and the client configuration endpoints,
/// there only while registration is on.
pub fn routes(cfg: &mut actix_web::web::ServiceConfig) {
    use crate::protocol::client_registration::REGISTRATION_PATH;
    use actix_web::guard::fn_guard;
    use actix_web::web;
    cfg.service(
        web::resource(REGISTRATION_PATH).guard(fn_guard(enabled)).route(web::post().to(register_post)),
    )
    .service(
        web::resource(format!("{REGISTRATION_PATH}/{{client_id}}"))
            .guard(fn_guard(enabled))
            .route(web::get().to(client_get))
            .route(web::head().to(client_get))
            .route(web::put().to(client_put))
            .route(web::delete().to(client_delete)),
    );
}
