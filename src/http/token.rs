//! `POST /token` (RFC 6749 §3.2): authenticate the client, run the grant,
//! answer JSON that is never cached.

use actix_web::http::header;
use actix_web::web::{Bytes, Data};
use actix_web::{HttpRequest, HttpResponse};

use crate::http::{extract, respond};
use crate::oauth::grants::{self, TokenResponse};
use crate::oauth::{OAuthError, client_auth};
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
    params.reject_repeated()?;
    let authorization = extract::header_str(req, header::AUTHORIZATION.as_str());
    let credentials = client_auth::extract(authorization, &params)?;
    let client = client_auth::authenticate(&state.db, &credentials).await?;
    grants::token(state, &client, &params, state.now()).await
}
