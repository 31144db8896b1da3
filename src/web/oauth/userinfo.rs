//! `GET|POST /userinfo` with a bearer token (RFC 6750 §2.1 header, or §2.2
//! form body on POST; never both).

use actix_web::http::header;
use actix_web::web::{Bytes, Data};
use actix_web::{HttpRequest, HttpResponse};

use crate::clock::Clock;
use crate::flows::userinfo::UserinfoFlow;
use crate::protocol::OAuthError;
use crate::web::{extract, respond};

pub async fn userinfo_get(flow: Data<UserinfoFlow>, clock: Data<Clock>, req: HttpRequest) -> HttpResponse {
    respond_with(&flow, &clock, header_token(&req)).await
}

pub async fn userinfo_post(
    flow: Data<UserinfoFlow>,
    clock: Data<Clock>,
    req: HttpRequest,
    body: Bytes,
) -> HttpResponse {
    let in_body = if extract::is_form(&req) {
        match extract::form_params(&req, &body) {
            Ok(params) => params.get("access_token").map(str::to_string),
            Err(e) => return respond::bearer_error(Some(&e)),
        }
    } else {
        None
    };
    let token = match (header_token(&req), in_body) {
        (Ok(Some(_)), Some(_)) => {
            Err(OAuthError::invalid_request("use only one way to send the access token"))
        }
        (Ok(None), Some(body)) => Ok(Some(body)),
        (header, _) => header,
    };
    respond_with(&flow, &clock, token).await
}

async fn respond_with(
    flow: &UserinfoFlow,
    clock: &Clock,
    token: Result<Option<String>, OAuthError>,
) -> HttpResponse {
    let token = match token {
        Ok(Some(token)) => token,
        Ok(None) => return respond::bearer_error(None),
        Err(e) => return respond::bearer_error(Some(&e)),
    };
    match flow.userinfo(&token, clock.now()).await {
        Ok(claims) => HttpResponse::Ok()
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .insert_header((header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"))
            .json(claims),
        Err(e) => respond::bearer_error(Some(&e)),
    }
}

/// `Authorization: Bearer <token>`; the scheme is case-insensitive.
fn header_token(req: &HttpRequest) -> Result<Option<String>, OAuthError> {
    let Some(value) = extract::header_str(req, header::AUTHORIZATION.as_str()) else { return Ok(None) };
    match value.split_once(' ') {
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() => {
            Ok(Some(token.trim().to_string()))
        }
        _ => Err(OAuthError::invalid_request("the Authorization header must use the Bearer scheme")),
    }
}
