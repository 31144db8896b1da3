//! `/admin/users`: list and search, create, and one user's page: profile
//! (with the version it was read at), password, groups, sessions (end one
//! or all), consents (revoke), disable/enable, unlock sign-in, delete.

use actix_web::http::StatusCode;
use actix_web::web::{Bytes, Data, Path, Query};
use actix_web::{HttpRequest, HttpResponse};

use crate::clock::Clock;
use crate::flows::admin::{Admin, AdminError, NewUser, UserUpdate};
use crate::protocol::Params;
use crate::web::Site;
use crate::web::account::describe;
use crate::web::admin_console::views::{
    ConsentRow, FormError, NewUserForm, NewUserPage, ProfileForm, UserPage, UserRow, UserSessionRow,
    UsersPage,
};
use crate::web::admin_console::{
    Console, Done, ListQuery, admin_error, done, html, next_query, notice, page_request, refused, when,
};

const NOTICES: [(&str, &str); 13] = [
    ("created", "The user was created."),
    ("saved", "The profile was saved."),
    ("password_set", "The password was set; the user's sessions ended."),
    ("disabled", "The account was disabled; its sessions ended."),
    ("enabled", "The account was enabled."),
    ("unlocked", "Failed sign-ins were forgotten: the user can sign in again at once."),
    ("deleted", "The user was deleted."),
    ("session_ended", "The session was ended."),
    ("sessions_ended", "All the user's sessions were ended."),
    ("consent_revoked", "The consent was revoked; the app's refresh tokens for this user died."),
    ("nothing", "Nothing to do."),
    ("mfa_reset", "The user's second factors were removed; they sign in with their password."),
    ("no_mfa", "The user had no second factor."),
];

const STALE: &str = "This user was changed by someone else since you opened the page. Reload it to see the changes, then make yours again.";

pub async fn users_get(console: Console, admin: Data<Admin>, query: Query<ListQuery>) -> HttpResponse {
    let search = query.q.clone().unwrap_or_default();
    let request = page_request(&search, query.after.clone());
    let page = match admin.list_users(&request).await {
        Ok(page) => page,
        Err(e) => return admin_error(&console, &e),
    };
    let next = next_query(&search, page.next);
    let users = page.items.into_iter().map(row).collect();
    let notice = notice(query.done.as_deref(), &NOTICES);
    html(
        StatusCode::OK,
        &UsersPage { nav: console.nav("users"), ui: console.ui(), notice, search: &search, users, next },
    )
}

pub fn row(u: crate::protocol::UserRecord) -> UserRow {
    UserRow {
        id: u.id,
        username: u.username,
        name: u.name.unwrap_or_default(),
        email: u.email.unwrap_or_default(),
        disabled: u.disabled,
    }
}

pub async fn new_get(console: Console) -> HttpResponse {
    let page = NewUserPage {
        nav: console.nav("users"),
        ui: console.ui(),
        form: NewUserForm::default(),
        error: FormError::none(),
    };
    html(StatusCode::OK, &page)
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
    let text = |name: &str| params.get(name).unwrap_or_default().trim().to_string();
    let form = NewUserForm { username: text("username"), name: text("name"), email: text("email") };
    let new = NewUser {
        username: form.username.clone(),
        password: params.get("password").unwrap_or_default().to_string(),
        email: optional(&form.email),
        name: optional(&form.name),
        profile: Default::default(),
    };
    match admin.create_user(&console.actor(), new, clock.now()).await {
        Ok(user) => done(&format!("/admin/users/{}", user.id), "created"),
        Err(e) => {
            let (status, error) = match field_error(e) {
                Ok(shown) => shown,
                Err(other) => return admin_error(&console, &other),
            };
            html(status, &NewUserPage { nav: console.nav("users"), ui: console.ui(), form, error })
        }
    }
}

pub async fn user_get(
    console: Console,
    admin: Data<Admin>,
    clock: Data<Clock>,
    user_id: Path<String>,
    query: Query<Done>,
) -> HttpResponse {
    let notice = notice(query.done.as_deref(), &NOTICES);
    user_page(&console, &admin, &user_id, StatusCode::OK, notice, None, FormError::none(), clock.now()).await
}

/// `POST /admin/users/{id}/{action}`: the forms of a user's page.
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
    let (user_id, action) = path.into_inner();
    let (by, now) = (console.actor(), clock.now());
    let back = format!("/admin/users/{user_id}");
    let result = match action.as_str() {
        "profile" => {
            let profile = profile_form(&params);
            let update = UserUpdate {
                name: Some(optional(&profile.name)),
                email: Some(optional(&profile.email)),
                email_verified: Some(profile.email_verified),
                profile: Default::default(),
            };
            match admin.update_user(&by, &user_id, update, Some(profile.version), now).await {
                Ok(_) => Ok("saved"),
                Err(e) => return form_refused(&console, &admin, &user_id, e, Some(profile), now).await,
            }
        }
        "password" => {
            let password = params.get("password").unwrap_or_default().to_string();
            match admin.set_user_password(&by, &user_id, password, now).await {
                Ok(()) => Ok("password_set"),
                Err(e) => return form_refused(&console, &admin, &user_id, e, None, now).await,
            }
        }
        "disable" => admin.disable_user(&by, &user_id, now).await.map(|_| "disabled"),
        "enable" => admin.enable_user(&by, &user_id, now).await.map(|_| "enabled"),
        "unlock" => admin.unlock_user(&by, &user_id, now).await.map(|_| "unlocked"),
        "reset-mfa" => admin
            .reset_user_mfa(&by, &user_id, now)
            .await
            .map(|removed| if removed { "mfa_reset" } else { "no_mfa" }),
        "delete" if params.get("confirm") == Some("yes") => {
            return match admin.delete_user(&by, &user_id, now).await {
                Ok(()) => done("/admin/users", "deleted"),
                Err(e) => admin_error(&console, &e),
            };
        }
        "delete" => Err(AdminError::invalid("Tick the box to confirm the deletion. Nothing was deleted.")),
        "end-session" => {
            let sid = params.get("sid").unwrap_or_default();
            admin.end_user_session(&by, &user_id, sid, now).await.map(|()| "session_ended")
        }
        "end-sessions" => admin.end_user_sessions(&by, &user_id, now).await.map(|_| "sessions_ended"),
        "revoke-consent" => {
            let client_id = params.get("client_id").unwrap_or_default();
            admin.revoke_consent(&by, &user_id, client_id, now).await.map(|()| "consent_revoked")
        }
        _ => Err(AdminError::NotFound(format!("there is no {action:?} form"))),
    };
    match result {
        Ok(word) => done(&back, word),
        Err(e) => admin_error(&console, &e),
    }
}

fn profile_form(params: &Params) -> ProfileForm {
    ProfileForm {
        name: params.get("name").unwrap_or_default().trim().to_string(),
        email: params.get("email").unwrap_or_default().trim().to_string(),
        email_verified: params.get("email_verified") == Some("yes"),
        version: params.get("version").and_then(|v| v.parse().ok()).unwrap_or(0),
    }
}

/// The user's page again, with the error next to its field (and the
/// profile as typed); nothing was written.
async fn form_refused(
    console: &Console,
    admin: &Admin,
    user_id: &str,
    e: AdminError,
    typed: Option<ProfileForm>,
    now: i64,
) -> HttpResponse {
    match field_error(e) {
        Ok((status, error)) => user_page(console, admin, user_id, status, None, typed, error, now).await,
        Err(other) => admin_error(console, &other),
    }
}

/// Input errors shown on the form; anything else is for the error page.
fn field_error(e: AdminError) -> Result<(StatusCode, FormError), AdminError> {
    match e {
        AdminError::Invalid { field, message } => {
            Ok((StatusCode::BAD_REQUEST, FormError::new(field, message)))
        }
        AdminError::Conflict(message) => {
            Ok((StatusCode::CONFLICT, FormError::new(Some("username"), message)))
        }
        AdminError::Stale(_) => Ok((StatusCode::CONFLICT, FormError::new(None, STALE))),
        other => Err(other),
    }
}

#[allow(clippy::too_many_arguments)]
async fn user_page(
    console: &Console,
    admin: &Admin,
    user_id: &str,
    status: StatusCode,
    notice: Option<&str>,
    typed: Option<ProfileForm>,
    error: FormError,
    now: i64,
) -> HttpResponse {
    let user = match admin.find_user(user_id).await {
        Ok(user) => user,
        Err(e) => return admin_error(console, &e),
    };
    let (groups, sessions, consents, second_factors) = match (
        admin.user_groups(&user.id).await,
        admin.list_user_sessions(&user.id, now).await,
        admin.list_user_consents(&user.id).await,
        admin.user_second_factors(&user.id).await,
    ) {
        (Ok(g), Ok(s), Ok(c), Ok(f)) => (g, s, c, f),
        (Err(e), ..) | (_, Err(e), ..) | (_, _, Err(e), _) | (.., Err(e)) => return admin_error(console, &e),
    };
    let profile = typed.unwrap_or_else(|| ProfileForm {
        name: user.name.clone().unwrap_or_default(),
        email: user.email.clone().unwrap_or_default(),
        email_verified: user.email_verified,
        version: user.version,
    });
    let sessions = sessions
        .into_iter()
        .map(|s| UserSessionRow {
            device: describe(&s.device),
            last_seen: when(s.last_seen),
            signed_in: when(s.created_at),
            sid: s.sid,
        })
        .collect();
    let consents = consents
        .into_iter()
        .map(|c| ConsentRow {
            scopes: c.scope.iter().collect::<Vec<_>>().join(" "),
            since: when(c.granted_at),
            client_id: c.client_id,
        })
        .collect();
    let page = UserPage {
        nav: console.nav("users"),
        ui: console.ui(),
        notice,
        id: &user.id,
        username: &user.username,
        disabled: user.disabled,
        created: when(user.created_at),
        profile,
        error,
        groups,
        sessions,
        consents,
        second_factors,
    };
    html(status, &page)
}

fn optional(text: &str) -> Option<String> {
    (!text.is_empty()).then(|| text.to_string())
}
