//! `POST /introspect` (RFC 7662 §2): authenticated clients only.

use actix_web::http::header;
use actix_web::web::{Bytes, Data};
use actix_web::{HttpRequest, HttpResponse};

use crate::http::{extract, respond};
use crate::oauth::OAuthError;
use crate::oauth::introspection::{self, Introspection};
use crate::state::AppState;

pub async fn introspect_post(state: Data<AppState>, req: HttpRequest, body: Bytes) -> HttpResponse {
    match introspect(&state, &req, &body).await {
        Ok(answer) => HttpResponse::Ok()
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .insert_header((header::PRAGMA, "no-cache"))
            .json(answer),
        Err(e) => respond::json_error(&e),
    }
}

async fn introspect(state: &AppState, req: &HttpRequest, body: &[u8]) -> Result<Introspection, OAuthError> {
    let params = extract::form_params(req, body)?;
    params.reject_repeated()?;
    let client = extract::authenticate_client(state, req, &params).await?;
    introspection::introspect(state, &client, &params, state.now()).await
}
