//! `/admin/api/v1/groups`: named sets of users (the `groups` claim and,
//! through a client's role prefix, its `roles` claim).

use actix_web::http::header;
use actix_web::web::{Bytes, Data, Path, Query};
use actix_web::{HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};

use super::ListQuery;
use super::caller::{Operator, json_body, no_store};
use super::error::{ApiError, ErrorBody};
use crate::flows::admin::{Admin, GroupSummary, UserView};
use crate::protocol::GroupRecord;

#[derive(Serialize, utoipa::ToSchema)]
pub struct GroupView {
    pub name: String,
    pub description: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

impl From<&GroupRecord> for GroupView {
    fn from(g: &GroupRecord) -> GroupView {
        GroupView {
            name: g.name.clone(),
            description: g.description.clone(),
            created_at: g.created_at,
            updated_at: g.updated_at,
        }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct GroupListed {
    #[serde(flatten)]
    pub group: GroupView,
    pub members: i64,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct GroupPage {
    pub items: Vec<GroupListed>,
    pub next: Option<String>,
}

/// A group with its members.
#[derive(Serialize, utoipa::ToSchema)]
pub struct GroupDetail {
    #[serde(flatten)]
    pub group: GroupView,
    pub members: Vec<UserView>,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GroupCreate {
    /// 1 to 100 of `A-Z a-z 0-9 . _ : -`.
    pub name: String,
    pub description: Option<String>,
}

/// Who to add: a user's id or username.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MemberAdd {
    pub user: String,
}

#[utoipa::path(get, path = "/admin/api/v1/groups", tag = "groups", params(ListQuery),
    responses((status = 200, body = GroupPage), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn list(
    _op: Operator,
    admin: Data<Admin>,
    query: Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = admin.list_groups(&query.into_inner().page()).await?;
    let items = page
        .items
        .iter()
        .map(|GroupSummary { group, members }| GroupListed { group: group.into(), members: *members })
        .collect();
    Ok(no_store().json(GroupPage { items, next: page.next }))
}

#[utoipa::path(post, path = "/admin/api/v1/groups", tag = "groups", request_body = GroupCreate,
    responses((status = 201, body = GroupView), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn create(
    op: Operator,
    admin: Data<Admin>,
    req: HttpRequest,
    body: Bytes,
) -> Result<HttpResponse, ApiError> {
    let new: GroupCreate = json_body(&req, &body)?;
    let group = admin.create_group(&op.actor, &new.name, new.description, op.now).await?;
    Ok(HttpResponse::Created()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::LOCATION, format!("/admin/api/v1/groups/{}", group.name)))
        .json(GroupView::from(&group)))
}

#[utoipa::path(get, path = "/admin/api/v1/groups/{name}", tag = "groups", params(("name" = String, Path)),
    responses((status = 200, body = GroupDetail), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
pub async fn get(_op: Operator, admin: Data<Admin>, name: Path<String>) -> Result<HttpResponse, ApiError> {
    let group = admin.find_group(&name).await?;
    let members = admin.group_members(&name).await?;
    Ok(no_store()
        .json(GroupDetail { group: (&group).into(), members: members.iter().map(UserView::from).collect() }))
}

#[utoipa::path(delete, path = "/admin/api/v1/groups/{name}", tag = "groups", params(("name" = String, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
pub async fn delete(op: Operator, admin: Data<Admin>, name: Path<String>) -> Result<HttpResponse, ApiError> {
    admin.delete_group(&op.actor, &name, op.now).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[utoipa::path(post, path = "/admin/api/v1/groups/{name}/members", tag = "groups", request_body = MemberAdd,
    params(("name" = String, Path)),
    responses((status = 204), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody, description = "Already a member")),
    security(("bearer" = [])))]
pub async fn add_member(
    op: Operator,
    admin: Data<Admin>,
    name: Path<String>,
    req: HttpRequest,
    body: Bytes,
) -> Result<HttpResponse, ApiError> {
    let member: MemberAdd = json_body(&req, &body)?;
    let user = admin.find_user(&member.user).await?;
    admin.add_member(&op.actor, &name, &user.id, op.now).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[utoipa::path(delete, path = "/admin/api/v1/groups/{name}/members/{user}", tag = "groups",
    params(("name" = String, Path), ("user" = String, Path, description = "The user's id or username")),
    responses((status = 204), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
pub async fn remove_member(
    op: Operator,
    admin: Data<Admin>,
    path: Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (name, user) = path.into_inner();
    let user = admin.find_user(&user).await?;
    admin.remove_member(&op.actor, &name, &user.id, op.now).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[utoipa::path(get, path = "/admin/api/v1/users/{user}/groups", tag = "groups",
    params(("user" = String, Path)),
    responses((status = 200, body = Vec<String>), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
pub async fn of_user(
    _op: Operator,
    admin: Data<Admin>,
    user: Path<String>,
) -> Result<HttpResponse, ApiError> {
    let user = admin.find_user(&user).await?;
    Ok(no_store().json(admin.user_groups(&user.id).await?))
}
