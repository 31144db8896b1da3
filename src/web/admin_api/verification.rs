//! `POST /admin/api/v1/users/{user}/send-verification`: mails the user a
//! new email-verification link (as `oxidp user send-verification`).

use actix_web::HttpResponse;
use actix_web::web::{Data, Path};

use super::caller::Operator;
use super::error::{ApiError, ErrorBody};
use crate::flows::admin::Admin;

#[utoipa::path(post, path = "/admin/api/v1/users/{user}/send-verification", tag = "users",
    params(("user" = String, Path)),
    responses((status = 202, description = "A verification link is on its way to the user's address"),
        (status = 400, body = ErrorBody, description = "The user has no email address or is disabled"),
        (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn send_verification(
    op: Operator,
    admin: Data<Admin>,
    user: Path<String>,
) -> Result<HttpResponse, ApiError> {
    let user = admin.find_user(&user).await?;
    admin.send_verification(&op.actor, &user.id, op.now).await?;
    Ok(HttpResponse::Accepted().finish())
}
