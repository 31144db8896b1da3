//! `POST /revoke` (RFC 7009 §2): 200 with an empty body unless the client
//! fails to authenticate or the request is malformed.

use actix_web::http::header;
use actix_web::web::{Bytes, Data};
use actix_web::{HttpRequest, HttpResponse};

use crate::http::{extract, respond};
use crate::oauth::{OAuthError, revocation};
use crate::state::AppState;

pub async fn revoke_post(state: Data<AppState>, req: HttpRequest, body: Bytes) -> HttpResponse {
    match revoke(&state, &req, &body).await {
        Ok(()) => HttpResponse::Ok().insert_header((header::CACHE_CONTROL, "no-store")).finish(),
        Err(e) => respond::json_error(&e),
    }
}

async fn revoke(state: &AppState, req: &HttpRequest, body: &[u8]) -> Result<(), OAuthError> {
    let params = extract::form_params(req, body)?;
    params.reject_repeated()?;
    let client = extract::authenticate_client(state, req, &params).await?;
    revocation::revoke(state, &client, &params, state.now()).await
}
