//! Local accounts: creating, listing, finding and editing them. Locking
//! users out (password, disable, delete) is in `user_access`; their
//! sessions and consents in `user_sessions`.

use serde_json::Value;

use super::user_profile::{ProfileUpdate, ProfileView, checked};
use super::{Actor, Admin, AdminError, Page, PageRequest, changed};
use crate::accounts::PasswordHasher;
use crate::accounts::users::{normalize_username, validate_email};
use crate::protocol::profile::Profile;
use crate::protocol::{AdminOp, UserRecord};
use crate::store::{Cas, StoreError, UserProfile};

/// Longest display name accepted.
pub const MAX_NAME_CHARS: usize = 256;
/// Longest email address accepted (RFC 5321 §4.5.3.1 path limit, roughly).
pub const MAX_EMAIL_CHARS: usize = 320;
/// Unconditional updates retried when a concurrent write got in between.
const UPDATE_ATTEMPTS: usize = 3;

pub struct NewUser {
    pub username: String,
    pub password: String,
    pub email: Option<String>,
    pub name: Option<String>,
    /// The §5.1 claims, checked with `Profile::validated`.
    pub profile: Profile,
}

/// A profile change. Outer `None`: leave as is; `Some(None)`: clear.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserUpdate {
    pub name: Option<Option<String>>,
    pub email: Option<Option<String>>,
    /// Unset while the email changes: the new address is unverified.
    pub email_verified: Option<bool>,
    /// The §5.1 claims.
    pub profile: ProfileUpdate,
}

/// A user as operators see them (admin API, CLI, audit events): never
/// the password hash.
#[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct UserView {
    /// The immutable `sub` of the user's tokens.
    pub id: String,
    pub username: String,
    pub email: Option<String>,
    pub email_verified: bool,
    pub name: Option<String>,
    /// The §5.1 claims (given_name, ..., address), flattened.
    #[serde(flatten)]
    pub profile: ProfileView,
    pub disabled: bool,
    pub created_at: i64,
    pub updated_at: i64,
    /// The version an update must name (`If-Match`).
    pub version: i64,
}

impl From<&UserRecord> for UserView {
    fn from(u: &UserRecord) -> UserView {
        UserView {
            id: u.id.clone(),
            username: u.username.clone(),
            email: u.email.clone(),
            email_verified: u.email_verified,
            name: u.name.clone(),
            profile: ProfileView::from(&u.profile),
            disabled: u.disabled,
            created_at: u.created_at,
            updated_at: u.updated_at,
            version: u.version,
        }
    }
}

/// [`UserView`] as JSON, for audit details and the CLI's `--json`.
pub fn user_view(user: &UserRecord) -> Value {
    serde_json::to_value(UserView::from(user)).unwrap_or(Value::Null)
}

pub(super) fn validate_name(name: &str) -> Result<(), AdminError> {
    if name.trim().is_empty() {
        return Err(AdminError::invalid_field("name", "name must not be blank (clear it instead)"));
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(AdminError::invalid_field(
            "name",
            format!("name must be at most {MAX_NAME_CHARS} characters"),
        ));
    }
    if name.chars().any(char::is_control) {
        return Err(AdminError::invalid_field("name", "name must not contain control characters"));
    }
    Ok(())
}

pub(super) fn check_email(email: &str) -> Result<(), AdminError> {
    if email.chars().count() > MAX_EMAIL_CHARS {
        return Err(AdminError::invalid_field(
            "email",
            format!("email must be at most {MAX_EMAIL_CHARS} characters"),
        ));
    }
    validate_email(email).map_err(AdminError::field("email"))
}

impl UserUpdate {
    fn validate(&self) -> Result<(), AdminError> {
        if let Some(Some(name)) = &self.name {
            validate_name(name)?;
        }
        if let Some(Some(email)) = &self.email {
            check_email(email)?;
        }
        Ok(())
    }

    /// The profile `user` has after this update, its claims checked.
    fn apply(&self, user: &UserRecord) -> Result<UserProfile, AdminError> {
        let name = self.name.clone().unwrap_or_else(|| user.name.clone());
        let email = self.email.clone().unwrap_or_else(|| user.email.clone());
        let email_changed = email != user.email;
        let email_verified = match self.email_verified {
            Some(verified) => verified,
            None if email_changed => false,
            None => user.email_verified,
        };
        let claims = self.profile.apply(&user.profile)?;
        Ok(UserProfile { name, email, email_verified, claims })
    }
}

fn profile_of(user: &UserRecord) -> UserProfile {
    UserProfile {
        name: user.name.clone(),
        email: user.email.clone(),
        email_verified: user.email_verified,
        claims: user.profile.clone(),
    }
}

pub(super) fn not_found(user_id: &str) -> AdminError {
    AdminError::NotFound(format!("user {user_id:?} does not exist"))
}

impl Admin {
    /// Creates a user with an Argon2id password hash (computed off the
    /// async threads).
    pub async fn create_user(&self, by: &Actor, new: NewUser, now: i64) -> Result<UserRecord, AdminError> {
        let username = normalize_username(&new.username).map_err(AdminError::field("username"))?;
        self.validate_password(&new.password)?;
        if let Some(email) = &new.email {
            check_email(email)?;
        }
        if let Some(name) = &new.name {
            validate_name(name)?;
        }
        let profile = checked(new.profile)?;
        let taken = || AdminError::Conflict(format!("user {username:?} already exists"));
        if self.stores.users.find_by_username(&username).await?.is_some() {
            return Err(taken());
        }
        let password_hash = self.hash_password(new.password).await?;
        let user = UserRecord {
            id: uuid::Uuid::new_v4().to_string(),
            username: username.clone(),
            email: new.email,
            email_verified: false,
            name: new.name,
            profile,
            password_hash,
            disabled: false,
            created_at: now,
            updated_at: now,
            version: 1,
        };
        let audited =
            by.audited(AdminOp::UserCreate, &user.id).user(&user.id).detail("after", user_view(&user));
        match self.stores.users.create_audited(user.clone(), audited, now).await {
            Ok(()) => {
                self.verify_new_address(&user, now).await;
                Ok(user)
            }
            Err(StoreError::Duplicate(_)) => Err(taken()),
            Err(other) => Err(other.into()),
        }
    }

    /// The password policy (NIST SP 800-63B §5.1.1.2): the one check for
    /// every new password an operator, the console or a reset sets.
    pub(super) fn validate_password(&self, password: &str) -> Result<(), AdminError> {
        self.passwords
            .check(password)
            .map_err(|problem| AdminError::invalid_field("password", problem.to_string()))
    }

    /// Argon2id off the async threads.
    pub(super) async fn hash_password(&self, password: String) -> Result<String, AdminError> {
        let hasher = PasswordHasher::new(&self.hashing).map_err(|e| AdminError::Internal(e.to_string()))?;
        tokio::task::spawn_blocking(move || hasher.hash(&password))
            .await
            .map_err(|e| AdminError::Internal(e.to_string()))?
            .map_err(|e| AdminError::Internal(e.to_string()))
    }

    /// Users ordered by username, filtered by `page.search` (username,
    /// email or name, ignoring case).
    pub async fn list_users(&self, page: &PageRequest) -> Result<Page<UserRecord>, AdminError> {
        let size = page.size()?;
        let rows = self.stores.users.list(page.search(), page.after.clone(), size + 1).await?;
        Ok(Page::from_rows(rows, size, |u| u.username.clone()))
    }

    /// A user by id (anything shaped like a UUID) or by username.
    pub async fn find_user(&self, id_or_username: &str) -> Result<UserRecord, AdminError> {
        let key = id_or_username.trim();
        if uuid::Uuid::parse_str(key).is_ok()
            && let Some(user) = self.stores.users.find(key).await?
        {
            return Ok(user);
        }
        let found = match normalize_username(key) {
            Ok(username) => self.stores.users.find_by_username(&username).await?,
            Err(_) => None,
        };
        found.ok_or_else(|| not_found(key))
    }

    /// The user by id, disabled or not; `NotFound` otherwise.
    pub(super) async fn existing_user(&self, user_id: &str) -> Result<UserRecord, AdminError> {
        self.stores.users.find(user_id).await?.ok_or_else(|| not_found(user_id))
    }

    /// Changes a user's profile. With `expected_version`, only if the user
    /// is still at that version (`Stale` otherwise, nothing written).
    pub async fn update_user(
        &self,
        by: &Actor,
        user_id: &str,
        update: UserUpdate,
        expected_version: Option<i64>,
        now: i64,
    ) -> Result<UserRecord, AdminError> {
        update.validate()?;
        let stale = |v: i64| AdminError::Stale(format!("user {user_id:?} is no longer at version {v}"));
        for _ in 0..UPDATE_ATTEMPTS {
            let before = self.existing_user(user_id).await?;
            if let Some(v) = expected_version
                && v != before.version
            {
                return Err(stale(v));
            }
            let profile = update.apply(&before)?;
            if profile == profile_of(&before) {
                return Ok(before);
            }
            let after = UserRecord {
                name: profile.name.clone(),
                email: profile.email.clone(),
                email_verified: profile.email_verified,
                profile: profile.claims.clone(),
                updated_at: now,
                version: before.version + 1,
                ..before.clone()
            };
            let audited = changed(
                by.audited(AdminOp::UserUpdate, user_id).user(user_id),
                user_view(&before),
                user_view(&after),
            );
            match self.stores.users.update_profile(user_id, before.version, profile, audited, now).await? {
                Cas::Written => {
                    if after.email != before.email {
                        self.verify_new_address(&after, now).await;
                    }
                    return Ok(after);
                }
                Cas::Missing => return Err(not_found(user_id)),
                Cas::Stale => match expected_version {
                    Some(v) => return Err(stale(v)),
                    // Unconditional: apply the change to the newer state.
                    None => continue,
                },
            }
        }
        Err(AdminError::Conflict(format!("user {user_id:?} kept changing under the update; try again")))
    }
}
