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

#[derive(Default)]
pub struct NewClient {
    pub client_id: String,
    pub redirect_uris: Vec<String>,
    pub post_logout_redirect_uris: Vec<String>,
    /// Empty means `authorization_code`.
    pub grant_types: Vec<String>,
    /// Empty means `openid profile email`.
    pub scopes: Vec<String>,
    pub public: bool,
    /// None for a confidential client using a secret means "generate one".
    pub secret: Option<String>,
    /// Default: `none` for public clients, else `client_secret_basic`.
    pub token_endpoint_auth_method: Option<String>,
    /// Inline JWK Set (JSON text) for `private_key_jwt`.
    pub jwks: Option<String>,
    pub jwks_uri: Option<String>,
    /// Resource indicators (RFC 8707) the client may request.
    pub resources: Vec<String>,
    pub access_token_ttl: Option<i64>,
    pub refresh_token_idle_ttl: Option<i64>,
    pub refresh_token_absolute_ttl: Option<i64>,
    /// RS256, PS256, ES256 or EdDSA; the server default when unset.
    pub id_token_signed_response_alg: Option<String>,
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
    sql::revisions::changing(&mut conn, sql::revisions::USERS, |c| sql::users::insert(c, &user))
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
    let method = auth_method(new.public, new.token_endpoint_auth_method.as_deref())?;
    let (jwks, jwks_uri) = key_source(&method, new.jwks, new.jwks_uri)?;
    let secret = match (method.as_str(), new.secret) {
        ("none" | "private_key_jwt", Some(_)) => {
            return Err(AdminError::Invalid(format!("a client using {method} has no secret")));
        }
        ("none" | "private_key_jwt", None) => None,
        (_, Some(s)) if s.chars().count() < MIN_SECRET_LEN => {
            return Err(AdminError::Invalid(format!(
                "a client secret must be at least {MIN_SECRET_LEN} characters"
            )));
        }
        (_, Some(s)) => Some(s),
        (_, None) => Some(random_token(32)),
    };
    if let Some(alg) = &new.id_token_signed_response_alg
        && !crate::jose::SIGNING_ALGS.contains(&alg.as_str())
    {
        return Err(AdminError::Invalid(format!(
            "id_token_signed_response_alg {alg:?} is not one of {}",
            crate::jose::SIGNING_ALGS.join(", ")
        )));
    }
    for resource in &new.resources {
        validate_resource(resource).map_err(AdminError::Invalid)?;
    }
    for ttl in [new.access_token_ttl, new.refresh_token_idle_ttl, new.refresh_token_absolute_ttl]
        .into_iter()
        .flatten()
    {
        if ttl <= 0 {
            return Err(AdminError::Invalid("token lifetimes must be positive numbers of seconds".into()));
        }
    }
    let client = ClientRecord {
        client_id: new.client_id.clone(),
        secret_hash: secret.as_deref().map(secret_digest),
        public: new.public,
        redirect_uris: dedup(new.redirect_uris),
        post_logout_redirect_uris: dedup(new.post_logout_redirect_uris),
        grant_types: dedup(grant_types),
        scopes: dedup(scopes),
        token_endpoint_auth_method: method,
        jwks,
        jwks_uri,
        resources: dedup(new.resources),
        access_token_ttl: new.access_token_ttl,
        refresh_token_idle_ttl: new.refresh_token_idle_ttl,
        refresh_token_absolute_ttl: new.refresh_token_absolute_ttl,
        id_token_signed_response_alg: new.id_token_signed_response_alg,
        created_at: now,
        updated_at: now,
    };
    let mut conn = db.conn()?;
    sql::revisions::changing(&mut conn, sql::revisions::CLIENTS, |c| sql::clients::insert(c, &client))
        .map_err(|e| conflict(e, format!("client {:?} already exists", new.client_id)))?;
    Ok(CreatedClient { client, secret })
}

/// Public clients authenticate with `none` only; confidential clients with
/// a secret (basic or post) or a signed assertion (`private_key_jwt`).
fn auth_method(public: bool, requested: Option<&str>) -> Result<String, AdminError> {
    match (public, requested) {
        (true, None | Some("none")) => Ok("none".into()),
        (true, Some(other)) => {
            Err(AdminError::Invalid(format!("a public client must use none, not {other}")))
        }
        (false, None) => Ok("client_secret_basic".into()),
        (false, Some(m @ ("client_secret_basic" | "client_secret_post" | "private_key_jwt"))) => Ok(m.into()),
        (false, Some("none")) => {
            Err(AdminError::Invalid("a confidential client cannot use none (use --public)".into()))
        }
        (false, Some(other)) => {
            Err(AdminError::Invalid(format!("unknown token endpoint auth method {other:?}")))
        }
    }
}

/// `private_key_jwt` needs exactly one key source; other methods none.
fn key_source(
    method: &str,
    jwks: Option<String>,
    jwks_uri: Option<String>,
) -> Result<(Option<String>, Option<String>), AdminError> {
    match (method, jwks, jwks_uri) {
        ("private_key_jwt", Some(_), Some(_)) => {
            Err(AdminError::Invalid("give either a JWKS or a jwks_uri, not both".into()))
        }
        ("private_key_jwt", None, None) => {
            Err(AdminError::Invalid("private_key_jwt needs --jwks-file or --jwks-uri".into()))
        }
        ("private_key_jwt", Some(jwks), None) => {
            crate::oauth::client_keys::parse_public_jwks(&jwks).map_err(AdminError::Invalid)?;
            Ok((Some(jwks), None))
        }
        ("private_key_jwt", None, Some(uri)) => {
            crate::oauth::client_keys::check_uri(&uri).map_err(|_| {
                AdminError::Invalid(format!("jwks_uri {uri:?} must be https (or http on loopback)"))
            })?;
            Ok((None, Some(uri)))
        }
        (_, None, None) => Ok((None, None)),
        (m, _, _) => Err(AdminError::Invalid(format!("a JWKS is only used with private_key_jwt, not {m}"))),
    }
}

/// RFC 8707 §2: an absolute URI without a fragment.
fn validate_resource(resource: &str) -> Result<(), String> {
    match url::Url::parse(resource) {
        Ok(u) if u.fragment().is_none() && !resource.contains('#') => Ok(()),
        _ => Err(format!("resource {resource:?} must be an absolute URI without a fragment")),
    }
}

/// Issues a new secret for a confidential client; the old one stops working
/// at once. Returns the new plaintext secret (shown once).
pub fn rotate_client_secret(db: &Db, client_id: &str, now: i64) -> Result<String, AdminError> {
    let mut conn = db.conn()?;
    let client = sql::clients::find(&mut conn, client_id)?
        .ok_or_else(|| AdminError::NotFound(format!("client {client_id:?} does not exist")))?;
    if !matches!(client.token_endpoint_auth_method.as_str(), "client_secret_basic" | "client_secret_post") {
        return Err(AdminError::Invalid(format!(
            "client {client_id:?} uses {} and has no secret",
            client.token_endpoint_auth_method
        )));
    }
    let secret = random_token(32);
    sql::revisions::changing(&mut conn, sql::revisions::CLIENTS, |c| {
        sql::clients::update_secret(c, client_id, &secret_digest(&secret), now)
    })?;
    Ok(secret)
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
    if sql::revisions::changing(&mut conn, sql::revisions::CLIENTS, |c| sql::clients::delete(c, client_id))? {
        Ok(())
    } else {
        Err(AdminError::NotFound(format!("client {client_id:?} does not exist")))
    }
}
