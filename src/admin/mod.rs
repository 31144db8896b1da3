//! Administrative operations shared by the CLI (and later the admin API):
//! validate everything first, then write once, so bad input changes nothing.

use crate::accounts::PasswordHasher;
use crate::accounts::users::normalize_username;
use crate::config::LoginSettings;
use crate::crypto::{random_token, secret_digest};
use crate::oauth::clients::{
    DEFAULT_SCOPES, validate_grant_type, validate_redirect_uri, validate_scope_value,
};
use crate::store::{ClientRecord, Db, StoreError, UserRecord, sql};

pub use crate::error::AdminError;

/// Operator-supplied client secrets must be at least this long.
pub const MIN_SECRET_LEN: usize = 32;

pub struct NewUser {
    pub username: String,
    pub password: String,
    pub email: Option<String>,
    pub name: Option<String>,
}

pub struct NewClient {
    pub client_id: String,
    pub redirect_uris: Vec<String>,
    pub post_logout_redirect_uris: Vec<String>,
    /// Empty means `authorization_code`.
    pub grant_types: Vec<String>,
    /// Empty means `openid profile email`.
    pub scopes: Vec<String>,
    pub public: bool,
    /// None for a confidential client means "generate one".
    pub secret: Option<String>,
}

pub struct CreatedClient {
    pub client: ClientRecord,
    /// The plaintext secret, shown once; only its hash is stored.
    pub secret: Option<String>,
}

fn conflict(err: StoreError, what: String) -> AdminError {
    match err {
        StoreError::Duplicate(_) => AdminError::Conflict(what),
        other => AdminError::Store(other),
    }
}

/// Creates a user with an Argon2id password hash. Blocking (hashes here).
pub fn create_user(db: &Db, new: NewUser, now: i64) -> Result<UserRecord, AdminError> {
    create_user_with(db, new, now, &LoginSettings::default())
}

pub fn create_user_with(
    db: &Db,
    new: NewUser,
    now: i64,
    login: &LoginSettings,
) -> Result<UserRecord, AdminError> {
    let username = normalize_username(&new.username).map_err(AdminError::Invalid)?;
    if new.password.is_empty() {
        return Err(AdminError::Invalid("password must not be empty".into()));
    }
    if let Some(email) = &new.email
        && (!email.contains('@') || email.chars().any(char::is_whitespace))
    {
        return Err(AdminError::Invalid(format!("email {email:?} is not an email address")));
    }
    let mut conn = db.conn()?;
    if sql::users::find_by_username(&mut conn, &username)?.is_some() {
        return Err(AdminError::Conflict(format!("user {username:?} already exists")));
    }
    let hasher = PasswordHasher::new(login).map_err(|e| AdminError::Internal(e.to_string()))?;
    let password_hash = hasher.hash(&new.password).map_err(|e| AdminError::Internal(e.to_string()))?;
    let user = UserRecord {
        id: uuid::Uuid::new_v4().to_string(),
        username: username.clone(),
        email: new.email,
        email_verified: false,
        name: new.name,
        password_hash,
        disabled: false,
        created_at: now,
        updated_at: now,
    };
    sql::users::insert(&mut conn, &user)
        .map_err(|e| conflict(e, format!("user {username:?} already exists")))?;
    Ok(user)
}

pub fn validate_client_id(id: &str) -> Result<(), AdminError> {
    let ok = !id.is_empty()
        && id.len() <= 128
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b':' | b'@'));
    if ok {
        Ok(())
    } else {
        Err(AdminError::Invalid(format!(
            "client id {id:?} must be 1-128 characters of letters, digits and - _ . ~ : @"
        )))
    }
}

pub fn create_client(db: &Db, new: NewClient, now: i64) -> Result<CreatedClient, AdminError> {
    validate_client_id(&new.client_id)?;
    if new.redirect_uris.is_empty() {
        return Err(AdminError::Invalid("at least one --redirect-uri is required".into()));
    }
    for uri in new.redirect_uris.iter().chain(&new.post_logout_redirect_uris) {
        validate_redirect_uri(uri).map_err(AdminError::Invalid)?;
    }
    let grant_types =
        if new.grant_types.is_empty() { vec!["authorization_code".to_string()] } else { new.grant_types };
    for grant in &grant_types {
        validate_grant_type(grant).map_err(AdminError::Invalid)?;
    }
    if new.public && grant_types.iter().any(|g| g == "client_credentials") {
        return Err(AdminError::Invalid("a public client cannot use client_credentials".into()));
    }
    let scopes = if new.scopes.is_empty() { DEFAULT_SCOPES.map(String::from).to_vec() } else { new.scopes };
    for scope in &scopes {
        validate_scope_value(scope).map_err(AdminError::Invalid)?;
    }
    let secret = match (new.public, new.secret) {
        (true, Some(_)) => return Err(AdminError::Invalid("a public client has no secret".into())),
        (true, None) => None,
        (false, Some(s)) if s.chars().count() < MIN_SECRET_LEN => {
            return Err(AdminError::Invalid(format!(
                "a client secret must be at least {MIN_SECRET_LEN} characters"
            )));
        }
        (false, Some(s)) => Some(s),
        (false, None) => Some(random_token(32)),
    };
    let client = ClientRecord {
        client_id: new.client_id.clone(),
        secret_hash: secret.as_deref().map(secret_digest),
        public: new.public,
        redirect_uris: dedup(new.redirect_uris),
        post_logout_redirect_uris: dedup(new.post_logout_redirect_uris),
        grant_types: dedup(grant_types),
        scopes: dedup(scopes),
        created_at: now,
        updated_at: now,
    };
    let mut conn = db.conn()?;
    sql::clients::insert(&mut conn, &client)
        .map_err(|e| conflict(e, format!("client {:?} already exists", new.client_id)))?;
    Ok(CreatedClient { client, secret })
}

fn dedup(mut values: Vec<String>) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    values.retain(|v| seen.insert(v.clone()));
    values
}

pub fn list_clients(db: &Db) -> Result<Vec<ClientRecord>, AdminError> {
    let mut conn = db.conn()?;
    Ok(sql::clients::list(&mut conn)?)
}

pub fn delete_client(db: &Db, client_id: &str) -> Result<(), AdminError> {
    let mut conn = db.conn()?;
    if sql::clients::delete(&mut conn, client_id)? {
        Ok(())
    } else {
        Err(AdminError::NotFound(format!("client {client_id:?} does not exist")))
    }
}
