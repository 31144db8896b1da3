//! `/admin/groups`: list and search, create, and one group's page:
//! members (add by username, remove), delete.

use actix_web::http::StatusCode;
use actix_web::web::{Bytes, Data, Path, Query};
use actix_web::{HttpRequest, HttpResponse};

use crate::clock::Clock;
use crate::flows::admin::{Admin, AdminError};
use crate::web::Site;
use crate::web::admin_console::users::row;
use crate::web::admin_console::views::{FormError, GroupPage, GroupRow, GroupsPage};
use crate::web::admin_console::{
    Console, Done, ListQuery, admin_error, done, html, next_query, notice, page_request, refused,
};

const NOTICES: [(&str, &str); 4] = [
    ("created", "The group was created."),
    ("deleted", "The group was deleted; its members stay."),
    ("added", "The member was added; their next token shows it."),
    ("removed", "The member was removed; their next token no longer shows it."),
];

pub async fn groups_get(console: Console, admin: Data<Admin>, query: Query<ListQuery>) -> HttpResponse {
    let notice = notice(query.done.as_deref(), &NOTICES);
    let search = query.q.clone().unwrap_or_default();
    list(&console, &admin, &search, query.after.clone(), notice, ("", ""), FormError::none()).await
}

async fn list(
    console: &Console,
    admin: &Admin,
    search: &str,
    after: Option<String>,
    notice: Option<&str>,
    (name, description): (&str, &str),
    error: FormError,
) -> HttpResponse {
    let request = page_request(search, after);
    let page = match admin.list_groups(&request).await {
        Ok(page) => page,
        Err(e) => return admin_error(console, &e),
    };
    let next = next_query(search, page.next);
    let groups = page
        .items
        .into_iter()
        .map(|g| GroupRow {
            name: g.group.name,
            description: g.group.description.unwrap_or_default(),
            members: g.members,
        })
        .collect();
    let status = if error.message.is_some() { StatusCode::BAD_REQUEST } else { StatusCode::OK };
    let page = GroupsPage {
        nav: console.nav("groups"),
        ui: console.ui(),
        notice,
        search,
        groups,
        next,
        name,
        description,
        error,
    };
    html(status, &page)
}

pub async fn create_post(
    console: Console,
    admin: Data<Admin>,
    site: Data<Site>,
    clock: Data<Clock>,
    req: HttpRequest,
    body: Bytes,
) -> HttpResponse {
    let params = match console.form(&site, &req, &body) {
        Ok(params) => params,
        Err(e) => return refused(&console, e),
    };
    let name = params.get("name").unwrap_or_default().trim();
    let description = params.get("description").unwrap_or_default().trim();
    let described = (!description.is_empty()).then(|| description.to_string());
    match admin.create_group(&console.actor(), name, described, clock.now()).await {
        Ok(group) => done(&format!("/admin/groups/{}", encode(&group.name)), "created"),
        Err(AdminError::Invalid { field, message }) => {
            let field = field.filter(|f| ["name", "description"].contains(f));
            list(&console, &admin, "", None, None, (name, description), FormError::new(field, message)).await
        }
        Err(AdminError::Conflict(message)) => {
            list(&console, &admin, "", None, None, (name, description), FormError::new(Some("name"), message))
                .await
        }
        Err(e) => admin_error(&console, &e),
    }
}

pub async fn group_get(
    console: Console,
    admin: Data<Admin>,
    name: Path<String>,
    query: Query<Done>,
) -> HttpResponse {
    let notice = notice(query.done.as_deref(), &NOTICES);
    group_page(&console, &admin, &name, StatusCode::OK, notice, "", FormError::none()).await
}

async fn group_page(
    console: &Console,
    admin: &Admin,
    name: &str,
    status: StatusCode,
    notice: Option<&str>,
    username: &str,
    error: FormError,
) -> HttpResponse {
    let (group, members) = match (admin.find_group(name).await, admin.group_members(name).await) {
        (Ok(group), Ok(members)) => (group, members),
        (Err(e), _) | (_, Err(e)) => return admin_error(console, &e),
    };
    let page = GroupPage {
        nav: console.nav("groups"),
        ui: console.ui(),
        notice,
        name: &group.name,
        description: group.description.as_deref().unwrap_or_default(),
        members: members.into_iter().map(row).collect(),
        username,
        error,
    };
    html(status, &page)
}

/// `POST /admin/groups/{name}/{action}`: add or remove a member, delete.
pub async fn action_post(
    console: Console,
    admin: Data<Admin>,
    site: Data<Site>,
    clock: Data<Clock>,
    path: Path<(String, String)>,
    req: HttpRequest,
    body: Bytes,
) -> HttpResponse {
    let params = match console.form(&site, &req, &body) {
        Ok(params) => params,
        Err(e) => return refused(&console, e),
    };
    let (name, action) = path.into_inner();
    let (by, now) = (console.actor(), clock.now());
    let result = match action.as_str() {
        "add-member" => {
            let username = params.get("username").unwrap_or_default().trim();
            let added = match admin.resolve_member(username).await {
                Ok(user) => admin.add_member(&by, &name, &user.id, now).await,
                Err(e) => Err(e),
            };
            match added {
                Ok(()) => Ok("added"),
                Err(
                    AdminError::Invalid { message, .. }
                    | AdminError::NotFound(message)
                    | AdminError::Conflict(message),
                ) if admin.find_group(&name).await.is_ok() => {
                    let error = FormError::new(Some("username"), message);
                    return group_page(
                        &console,
                        &admin,
                        &name,
                        StatusCode::BAD_REQUEST,
                        None,
                        username,
                        error,
                    )
                    .await;
                }
                Err(e) => Err(e),
            }
        }
        "remove-member" => {
            let user_id = params.get("user_id").unwrap_or_default();
            admin.remove_member(&by, &name, user_id, now).await.map(|()| "removed")
        }
        "delete" if params.get("confirm") == Some("yes") => {
            return match admin.delete_group(&by, &name, now).await {
                Ok(()) => done("/admin/groups", "deleted"),
                Err(e) => admin_error(&console, &e),
            };
        }
        "delete" => Err(AdminError::invalid("Tick the box to confirm the deletion. Nothing was deleted.")),
        _ => Err(AdminError::NotFound(format!("there is no {action:?} form"))),
    };
    match result {
        Ok(word) => done(&format!("/admin/groups/{}", encode(&name)), word),
        Err(e) => admin_error(&console, &e),
    }
}

/// A name as a path segment.
pub fn encode(segment: &str) -> String {
    url::form_urlencoded::byte_serialize(segment.as_bytes()).collect::<String>().replace('+', "%20")
}
