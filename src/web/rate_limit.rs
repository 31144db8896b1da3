//! The per-address rate limits in front of the routes anyone can call
//! (`flows::rate_limits`): a request over its route's budget is answered
//! 429 before its handler runs, so a flood costs one counter each.

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::web::Data;

use crate::clock::Clock;
use crate::flows::rate_limits::{RateLimits, RateVerdict};
use crate::protocol::rate_limits::LimitedRoute;
use crate::web::{extract, respond};

pub async fn limit_rate(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let limited = req.app_data::<Data<RateLimits>>().filter(|limits| limits.active()).and_then(|limits| {
        LimitedRoute::of(req.method().as_str(), req.path()).map(|route| (limits.clone(), route))
    });
    if let Some((limits, route)) = limited {
        let now = req.app_data::<Data<Clock>>().map_or_else(|| Clock::System.now(), |clock| clock.now());
        let ip = extract::client_ip(req.request());
        if let RateVerdict::Limited { retry_after } = limits.admit(route, ip, now).await {
            let resp = respond::too_many_requests(req.request(), route.answers_json(), retry_after);
            return Ok(req.into_response(resp).map_into_right_body());
        }
    }
    Ok(next.call(req).await?.map_into_left_body())
}
