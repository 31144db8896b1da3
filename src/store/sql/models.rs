//! Row structs only: how records map onto `schema.rs` columns. List fields
//! of clients are JSON-array TEXT, encoded and decoded here.

use diesel::prelude::*;

use super::schema::{clients, users};
use crate::jose::jwe::{ContentEncryption, Encryption, KeyManagementAlg};
use crate::protocol::claims_request::RequestedClaims;
use crate::protocol::profile::Profile;
use crate::protocol::vocabulary::SubjectType;
use crate::protocol::{ClientRecord, LogoutUri, RefreshTokenRecord, UserRecord};
use crate::store::StoreError;

#[derive(Queryable, Selectable)]
#[diesel(table_name = users)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct UserRow {
    pub id: String,
    pub username: String,
    pub email: Option<String>,
    pub email_verified: bool,
    pub name: Option<String>,
    pub password_hash: String,
    pub disabled: bool,
    pub created_at: i64,
    pub updated_at: i64,
    pub version: i64,
    /// `Profile` as JSON (`Profile::to_json`).
    pub profile: String,
}

impl From<UserRow> for UserRecord {
    fn from(r: UserRow) -> Self {
        UserRecord {
            id: r.id,
            username: r.username,
            email: r.email,
            email_verified: r.email_verified,
            name: r.name,
            profile: Profile::from_json(&r.profile),
            password_hash: r.password_hash,
            disabled: r.disabled,
            created_at: r.created_at,
            updated_at: r.updated_at,
            version: r.version,
        }
    }
}

#[derive(Insertable)]
#[diesel(table_name = users)]
pub struct NewUser<'a> {
    pub id: &'a str,
    pub username: &'a str,
    pub email: Option<&'a str>,
    pub email_verified: bool,
    pub name: Option<&'a str>,
    pub password_hash: &'a str,
    pub disabled: bool,
    pub created_at: i64,
    pub updated_at: i64,
    pub version: i64,
    pub profile: String,
}

impl<'a> From<&'a UserRecord> for NewUser<'a> {
    fn from(u: &'a UserRecord) -> Self {
        NewUser {
            id: &u.id,
            username: &u.username,
            email: u.email.as_deref(),
            email_verified: u.email_verified,
            name: u.name.as_deref(),
            password_hash: &u.password_hash,
            disabled: u.disabled,
            created_at: u.created_at,
            updated_at: u.updated_at,
            version: u.version,
            profile: u.profile.to_json(),
        }
    }
}

#[derive(Queryable, Selectable, Insertable, AsChangeset, serde::Serialize, serde::Deserialize)]
#[diesel(table_name = clients)]
#[diesel(primary_key(client_id), treat_none_as_null = true)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
#[serde(deny_unknown_fields)]
pub struct ClientRow {
    pub client_id: String,
    pub secret_hash: Option<String>,
    pub public: bool,
    pub redirect_uris: String,
    pub post_logout_redirect_uris: String,
    pub grant_types: String,
    pub scopes: String,
    pub token_endpoint_auth_method: String,
    pub jwks: Option<String>,
    pub jwks_uri: Option<String>,
    pub resources: String,
    pub access_token_ttl: Option<i64>,
    pub refresh_token_idle_ttl: Option<i64>,
    pub refresh_token_absolute_ttl: Option<i64>,
    pub id_token_signed_response_alg: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub name: Option<String>,
    pub backchannel_logout_uri: Option<String>,
    pub backchannel_logout_session_required: bool,
    pub frontchannel_logout_uri: Option<String>,
    pub frontchannel_logout_session_required: bool,
    pub consent: String,
    pub web_origins: String,
    pub pkce: String,
    pub refresh_reuse_leeway: i64,
    pub role_claim: Option<String>,
    pub version: i64,
    pub require_mfa: bool,
    pub logo_uri: Option<String>,
    /// Absent in exports made before it existed.
    #[serde(default)]
    pub require_par: bool,
    /// Absent in exports made before it existed.
    #[serde(default)]
    pub require_jar: bool,
    /// Absent in exports made before it existed.
    #[serde(default)]
    pub require_dpop: bool,
    /// `public` or `pairwise` (OIDC Core §8); `public` in exports made
    /// before it existed.
    #[serde(default = "public_subjects")]
    pub subject_type: String,
    /// Absent in exports made before it existed.
    #[serde(default)]
    pub sector_identifier_uri: Option<String>,
    /// JSON array of the resources whose access tokens the client may
    /// exchange (RFC 8693); an empty list in exports made before it existed.
    #[serde(default = "empty_list")]
    pub token_exchange_from: String,
    /// Response encryption and UserInfo signing (OIDC Registration §2),
    /// each absent in exports made before it existed.
    #[serde(default)]
    pub id_token_encrypted_response_alg: Option<String>,
    #[serde(default)]
    pub id_token_encrypted_response_enc: Option<String>,
    #[serde(default)]
    pub userinfo_signed_response_alg: Option<String>,
    #[serde(default)]
    pub userinfo_encrypted_response_alg: Option<String>,
    #[serde(default)]
    pub userinfo_encrypted_response_enc: Option<String>,
}

fn public_subjects() -> String {
    SubjectType::Public.as_str().to_string()
}

fn empty_list() -> String {
    "[]".to_string()
}

fn encode_list(list: &[String]) -> Result<String, StoreError> {
    serde_json::to_string(list).map_err(|e| StoreError::Corrupt(format!("list: {e}")))
}

fn decode_list<T: serde::de::DeserializeOwned>(
    client_id: &str,
    column: &str,
    json: &str,
) -> Result<Vec<T>, StoreError> {
    serde_json::from_str(json).map_err(|e| StoreError::Corrupt(format!("client {client_id:?} {column}: {e}")))
}

fn decode_word<T: std::str::FromStr<Err = crate::vocabulary::UnknownWord>>(
    client_id: &str,
    word: &str,
) -> Result<T, StoreError> {
    word.parse().map_err(|e| StoreError::Corrupt(format!("client {client_id:?}: {e}")))
}

/// A stored `alg`/`enc` pair (OIDC Registration §2), both words checked:
/// an `enc` without its `alg`, or a word outside the vocabulary, is `Corrupt`.
fn decode_encryption(
    client_id: &str,
    alg: Option<&str>,
    enc: Option<&str>,
) -> Result<Option<Encryption>, StoreError> {
    let alg = alg.map(|alg| decode_word::<KeyManagementAlg>(client_id, alg)).transpose()?;
    let enc = enc.map(|enc| decode_word::<ContentEncryption>(client_id, enc)).transpose()?;
    match (alg, enc) {
        (Some(alg), enc) => Ok(Some(Encryption { alg, enc: enc.unwrap_or(ContentEncryption::A128CbcHs256) })),
        (None, None) => Ok(None),
        (None, Some(enc)) => Err(StoreError::Corrupt(format!("client {client_id:?}: {enc} without an alg"))),
    }
}

impl TryFrom<&ClientRecord> for ClientRow {
    type Error = StoreError;

    fn try_from(c: &ClientRecord) -> Result<Self, StoreError> {
        Ok(ClientRow {
            client_id: c.client_id.clone(),
            secret_hash: c.secret_hash.clone(),
            public: c.public,
            redirect_uris: encode_list(&c.redirect_uris)?,
            post_logout_redirect_uris: encode_list(&c.post_logout_redirect_uris)?,
            grant_types: serde_json::to_string(&c.grant_types)
                .map_err(|e| StoreError::Corrupt(format!("grant types: {e}")))?,
            scopes: encode_list(&c.scopes)?,
            token_endpoint_auth_method: c.token_endpoint_auth_method.to_string(),
            jwks: c.jwks.clone(),
            jwks_uri: c.jwks_uri.clone(),
            resources: encode_list(&c.resources)?,
            access_token_ttl: c.access_token_ttl,
            refresh_token_idle_ttl: c.refresh_token_idle_ttl,
            refresh_token_absolute_ttl: c.refresh_token_absolute_ttl,
            id_token_signed_response_alg: c.id_token_signed_response_alg.map(|alg| alg.to_string()),
            created_at: c.created_at,
            updated_at: c.updated_at,
            name: c.name.clone(),
            backchannel_logout_uri: c.backchannel_logout.as_ref().map(|l| l.uri.clone()),
            backchannel_logout_session_required: c
                .backchannel_logout
                .as_ref()
                .is_some_and(|l| l.session_required),
            consent: c.consent.to_string(),
            web_origins: encode_list(&c.web_origins)?,
            pkce: c.pkce.to_string(),
            refresh_reuse_leeway: c.refresh_reuse_leeway,
            role_claim: c.role_claim.clone(),
            version: c.version,
            require_mfa: c.require_mfa,
            logo_uri: c.logo_uri.clone(),
            require_par: c.require_pushed_requests,
            require_jar: c.require_signed_request_object,
            require_dpop: c.require_dpop,
            subject_type: c.subject_type.as_str().to_string(),
            sector_identifier_uri: c.sector_identifier_uri.clone(),
            token_exchange_from: encode_list(&c.token_exchange_from)?,
            id_token_encrypted_response_alg: c.id_token_encryption.map(|e| e.alg.to_string()),
            id_token_encrypted_response_enc: c.id_token_encryption.map(|e| e.enc.to_string()),
            userinfo_signed_response_alg: c.userinfo_signed_response_alg.map(|alg| alg.to_string()),
            userinfo_encrypted_response_alg: c.userinfo_encryption.map(|e| e.alg.to_string()),
            userinfo_encrypted_response_enc: c.userinfo_encryption.map(|e| e.enc.to_string()),
            frontchannel_logout_uri: c.frontchannel_logout.as_ref().map(|l| l.uri.clone()),
            frontchannel_logout_session_required: c
                .frontchannel_logout
                .as_ref()
                .is_some_and(|l| l.session_required),
        })
    }
}

impl TryFrom<ClientRow> for ClientRecord {
    type Error = StoreError;

    fn try_from(r: ClientRow) -> Result<Self, StoreError> {
        let id = r.client_id.as_str();
        Ok(ClientRecord {
            redirect_uris: decode_list(id, "redirect_uris", &r.redirect_uris)?,
            post_logout_redirect_uris: decode_list(
                id,
                "post_logout_redirect_uris",
                &r.post_logout_redirect_uris,
            )?,
            grant_types: decode_list(id, "grant_types", &r.grant_types)?,
            scopes: decode_list(id, "scopes", &r.scopes)?,
            resources: decode_list(id, "resources", &r.resources)?,
            token_exchange_from: decode_list(id, "token_exchange_from", &r.token_exchange_from)?,
            id_token_encryption: decode_encryption(
                id,
                r.id_token_encrypted_response_alg.as_deref(),
                r.id_token_encrypted_response_enc.as_deref(),
            )?,
            userinfo_signed_response_alg: r
                .userinfo_signed_response_alg
                .as_deref()
                .map(|alg| decode_word(id, alg))
                .transpose()?,
            userinfo_encryption: decode_encryption(
                id,
                r.userinfo_encrypted_response_alg.as_deref(),
                r.userinfo_encrypted_response_enc.as_deref(),
            )?,
            token_endpoint_auth_method: decode_word(id, &r.token_endpoint_auth_method)?,
            jwks: r.jwks,
            jwks_uri: r.jwks_uri,
            access_token_ttl: r.access_token_ttl,
            refresh_token_idle_ttl: r.refresh_token_idle_ttl,
            refresh_token_absolute_ttl: r.refresh_token_absolute_ttl,
            id_token_signed_response_alg: r
                .id_token_signed_response_alg
                .as_deref()
                .map(|alg| decode_word(id, alg))
                .transpose()?,
            name: r.name,
            logo_uri: r.logo_uri,
            consent: decode_word(id, &r.consent)?,
            web_origins: decode_list(id, "web_origins", &r.web_origins)?,
            pkce: decode_word(id, &r.pkce)?,
            refresh_reuse_leeway: r.refresh_reuse_leeway,
            role_claim: r.role_claim,
            version: r.version,
            require_mfa: r.require_mfa,
            require_pushed_requests: r.require_par,
            require_signed_request_object: r.require_jar,
            require_dpop: r.require_dpop,
            subject_type: decode_word(id, &r.subject_type)?,
            sector_identifier_uri: r.sector_identifier_uri,
            backchannel_logout: r
                .backchannel_logout_uri
                .map(|uri| LogoutUri { uri, session_required: r.backchannel_logout_session_required }),
            frontchannel_logout: r
                .frontchannel_logout_uri
                .map(|uri| LogoutUri { uri, session_required: r.frontchannel_logout_session_required }),
            client_id: r.client_id,
            secret_hash: r.secret_hash,
            public: r.public,
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
    }
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = super::schema::refresh_tokens)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct RefreshTokenRow {
    pub id: String,
    pub token_hash: String,
    pub family_id: String,
    pub client_id: String,
    pub user_id: String,
    pub scope: String,
    pub sid: Option<String>,
    pub auth_time: i64,
    pub access_token_jti: Option<String>,
    pub access_token_exp: Option<i64>,
    pub created_at: i64,
    pub expires_at: i64,
    pub family_expires_at: i64,
    pub rotated_at: Option<i64>,
    pub revoked_at: Option<i64>,
    pub offline: bool,
    /// JSON array of resource identifiers (RFC 8707).
    pub resources: String,
    /// The DPoP key thumbprint (RFC 9449 §5) the token is bound to.
    pub dpop_jkt: Option<String>,
    /// JSON of the claims asked for by name (OIDC Core §5.5); NULL for none.
    pub requested_claims: Option<String>,
}

impl TryFrom<RefreshTokenRow> for RefreshTokenRecord {
    type Error = StoreError;

    fn try_from(r: RefreshTokenRow) -> Result<Self, StoreError> {
        let resources = serde_json::from_str(&r.resources)
            .map_err(|e| StoreError::Corrupt(format!("refresh token {:?} resources: {e}", r.id)))?;
        let claims = match &r.requested_claims {
            Some(json) => serde_json::from_str(json)
                .map_err(|e| StoreError::Corrupt(format!("refresh token {:?} claims: {e}", r.id)))?,
            None => RequestedClaims::default(),
        };
        Ok(RefreshTokenRecord {
            id: r.id,
            token_hash: r.token_hash,
            family_id: r.family_id,
            client_id: r.client_id,
            user_id: r.user_id,
            scope: r.scope,
            sid: r.sid,
            auth_time: r.auth_time,
            access_token_jti: r.access_token_jti,
            access_token_exp: r.access_token_exp,
            created_at: r.created_at,
            expires_at: r.expires_at,
            family_expires_at: r.family_expires_at,
            rotated_at: r.rotated_at,
            revoked_at: r.revoked_at,
            offline: r.offline,
            resources,
            dpop_jkt: r.dpop_jkt,
            claims,
        })
    }
}

impl TryFrom<&RefreshTokenRecord> for RefreshTokenRow {
    type Error = StoreError;

    fn try_from(r: &RefreshTokenRecord) -> Result<Self, StoreError> {
        Ok(RefreshTokenRow {
            id: r.id.clone(),
            token_hash: r.token_hash.clone(),
            family_id: r.family_id.clone(),
            client_id: r.client_id.clone(),
            user_id: r.user_id.clone(),
            scope: r.scope.clone(),
            sid: r.sid.clone(),
            auth_time: r.auth_time,
            access_token_jti: r.access_token_jti.clone(),
            access_token_exp: r.access_token_exp,
            created_at: r.created_at,
            expires_at: r.expires_at,
            family_expires_at: r.family_expires_at,
            rotated_at: r.rotated_at,
            revoked_at: r.revoked_at,
            offline: r.offline,
            resources: encode_list(&r.resources)?,
            dpop_jkt: r.dpop_jkt.clone(),
            requested_claims: match r.claims.is_empty() {
                true => None,
                false => Some(
                    serde_json::to_string(&r.claims)
                        .map_err(|e| StoreError::Corrupt(format!("claims: {e}")))?,
                ),
            },
        })
    }
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = super::schema::audit_events)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct AuditRow {
    pub id: String,
    pub at: i64,
    pub kind: String,
    pub client_id: Option<String>,
    pub user_id: Option<String>,
    pub detail: String,
    pub actor: Option<String>,
}

#[derive(Queryable, Selectable, Insertable, serde::Serialize, serde::Deserialize)]
#[diesel(table_name = super::schema::user_groups)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
#[serde(deny_unknown_fields)]
pub struct GroupRow {
    pub name: String,
    pub description: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

impl From<GroupRow> for crate::protocol::GroupRecord {
    fn from(r: GroupRow) -> Self {
        crate::protocol::GroupRecord {
            name: r.name,
            description: r.description,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

impl From<&crate::protocol::GroupRecord> for GroupRow {
    fn from(g: &crate::protocol::GroupRecord) -> Self {
        GroupRow {
            name: g.name.clone(),
            description: g.description.clone(),
            created_at: g.created_at,
            updated_at: g.updated_at,
        }
    }
}

#[cfg(test)]
#[path = "models_tests.rs"]
mod tests;
