//! `GET|POST /userinfo` with a bearer token (RFC 6750 §2.1 header, or §2.2
//! form body on POST; never both), readable by the browser origins of the
//! client the token was issued to (`web::cors`).

use actix_web::http::header;
use actix_web::web::{Bytes, Data};
use actix_web::{HttpRequest, HttpResponse};

use crate::clock::Clock;
use crate::flows::origins::BrowserOrigins;
use crate::flows::userinfo::UserinfoFlow;
use crate::protocol::OAuthError;
use crate::protocol::origin::{OriginVerdict, WebOrigin};
use crate::web::{cors, extract, respond};

pub async fn userinfo_get(
    flow: Data<UserinfoFlow>,
    origins: Data<BrowserOrigins>,
    clock: Data<Clock>,
    req: HttpRequest,
) -> HttpResponse {
    let origin = cors::origin(&req);
    let resp = respond_with(&flow, &clock, Ok(extract::bearer_token(&req)), origin.as_ref()).await;
    cors::per_client(resp.0, origin.as_ref(), resp.1, &origins).await
}

pub async fn userinfo_post(
    flow: Data<UserinfoFlow>,
    origins: Data<BrowserOrigins>,
    clock: Data<Clock>,
    req: HttpRequest,
    body: Bytes,
) -> HttpResponse {
    let origin = cors::origin(&req);
    let in_body = if extract::is_form(&req) {
        match extract::form_params(&req, &body) {
            Ok(params) => Ok(params.get("access_token").map(str::to_string)),
            Err(e) => Err(e),
        }
    } else {
        Ok(None)
    };
    let token = match (extract::bearer_token(&req), in_body) {
        (_, Err(e)) => Err(e),
        (Some(_), Ok(Some(_))) => {
            Err(OAuthError::invalid_request("use only one way to send the access token"))
        }
        (None, Ok(body)) => Ok(body),
        (header, Ok(None)) => Ok(header),
    };
    let resp = respond_with(&flow, &clock, token, origin.as_ref()).await;
    cors::per_client(resp.0, origin.as_ref(), resp.1, &origins).await
}

async fn respond_with(
    flow: &UserinfoFlow,
    clock: &Clock,
    token: Result<Option<String>, OAuthError>,
    origin: Option<&WebOrigin>,
) -> (HttpResponse, OriginVerdict) {
    let token = match token {
        Ok(Some(token)) => token,
        Ok(None) => return (respond::bearer_error(None), OriginVerdict::Undecided),
        Err(e) => return (respond::bearer_error(Some(&e)), OriginVerdict::Undecided),
    };
    let answer = flow.userinfo(&token, origin, clock.now()).await;
    let resp = match answer.result {
        Ok(claims) => HttpResponse::Ok().insert_header((header::CACHE_CONTROL, "no-store")).json(claims),
        Err(e) => respond::bearer_error(Some(&e)),
    };
    (resp, answer.origin)
}
