//! `POST /token` (RFC 6749 §3.2): authenticate the client, run the grant,
//! answer JSON that is never cached.

use actix_web::http::header;
use actix_web::web::{Bytes, Data};
use actix_web::{HttpRequest, HttpResponse};

use crate::http::{extract, respond};
use crate::oauth::OAuthError;
use crate::oauth::grants::{self, TokenResponse};
use crate::state::AppState;

pub async fn token_post(state: Data<AppState>, req: HttpRequest, body: Bytes) -> HttpResponse {
    match token(&state, &req, &body).await {
        Ok(response) => HttpResponse::Ok()
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .insert_header((header::PRAGMA, "no-cache"))
            .json(response),
        Err(e) => respond::json_error(&e),
    }
}

async fn token(state: &AppState, req: &HttpRequest, body: &[u8]) -> Result<TokenResponse, OAuthError> {
    let params = extract::form_params(req, body)?;
    // RFC 8707 §2: `resource` may be given several times.
    params.reject_repeated_except(&["resource"])?;
    let client = extract::authenticate_client(state, req, &params).await?;
    grants::token(state, &client, &params, state.now()).await
}
