//! `GET|POST /userinfo` with an access token: a bearer token (RFC 6750
//! §2.1 header, or §2.2 form body on POST; never both), or a DPoP-bound one
//! with the `DPoP` scheme and a proof (RFC 9449 §7.1); readable by the
//! browser origins of the client the token was issued to (`web::cors`).

use actix_web::http::header;
use actix_web::web::{Bytes, Data};
use actix_web::{HttpRequest, HttpResponse};

use crate::clock::Clock;
use crate::flows::dpop::{Presented, Scheme};
use crate::flows::origins::BrowserOrigins;
use crate::flows::userinfo::{UserinfoFlow, UserinfoResponse};
use crate::protocol::origin::{OriginVerdict, WebOrigin};
use crate::protocol::{ErrorCode, OAuthError};
use crate::web::{cors, extract, respond};

pub async fn userinfo_get(
    flow: Data<UserinfoFlow>,
    origins: Data<BrowserOrigins>,
    clock: Data<Clock>,
    req: HttpRequest,
) -> HttpResponse {
    let origin = cors::origin(&req);
    let resp = respond_with(&flow, &clock, &req, Ok(extract::access_token(&req)), origin.as_ref()).await;
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
    // A DPoP-bound token travels in the header only (RFC 9449 §7.1).
    let token = match (extract::access_token(&req), in_body) {
        (_, Err(e)) => Err(e),
        (Some(_), Ok(Some(_))) => {
            Err(OAuthError::invalid_request("use only one way to send the access token"))
        }
        (None, Ok(body)) => Ok(body.map(|token| (Scheme::Bearer, token))),
        (header, Ok(None)) => Ok(header),
    };
    let resp = respond_with(&flow, &clock, &req, token, origin.as_ref()).await;
    cors::per_client(resp.0, origin.as_ref(), resp.1, &origins).await
}

async fn respond_with(
    flow: &UserinfoFlow,
    clock: &Clock,
    req: &HttpRequest,
    token: Result<Option<(Scheme, String)>, OAuthError>,
    origin: Option<&WebOrigin>,
) -> (HttpResponse, OriginVerdict) {
    let now = clock.now();
    let (scheme, token) = match token {
        Ok(Some(token)) => token,
        Ok(None) => return (respond::bearer_error(None), OriginVerdict::Undecided),
        Err(e) => return (respond::bearer_error(Some(&e)), OriginVerdict::Undecided),
    };
    let proof = match extract::dpop_proof(req) {
        Ok(proof) => proof,
        Err(e) => return (respond::dpop_error(&e, None), OriginVerdict::Undecided),
    };
    let presented = Presented { token: &token, scheme, proof, method: req.method().as_str() };
    let answer = flow.userinfo(&presented, origin, now).await;
    let resp = match answer.result {
        Ok(answer) => {
            let mut ok = HttpResponse::Ok();
            ok.insert_header((header::CACHE_CONTROL, "no-store"));
            // OIDC Core §5.3.2: a signed or encrypted answer is `application/jwt`.
            let mut resp = match answer {
                UserinfoResponse::Claims(claims) => ok.json(claims),
                UserinfoResponse::Jwt(jwt) => ok.content_type("application/jwt").body(jwt),
            };
            if scheme == Scheme::Dpop {
                respond::add_dpop_nonce(&mut resp, flow.dpop_nonce(now));
            }
            resp
        }
        Err(e) if scheme == Scheme::Dpop || is_proof_error(&e) => {
            let nonce = (e.code == ErrorCode::UseDpopNonce).then(|| flow.dpop_nonce(now)).flatten();
            respond::dpop_error(&e, nonce)
        }
        Err(e) => respond::bearer_error(Some(&e)),
    };
    (resp, answer.origin)
}

fn is_proof_error(e: &OAuthError) -> bool {
    matches!(e.code, ErrorCode::InvalidDpopProof | ErrorCode::UseDpopNonce)
}
