//! Protected resources (APIs, RFC 8707). The scope list is JSON-array TEXT.

use diesel::prelude::*;

use super::AnyConnection;
use super::schema::resources;
use crate::jose::jwe::Encryption;
use crate::protocol::ResourceRecord;
use crate::store::StoreError;

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = resources)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
struct ResourceRow {
    identifier: String,
    secret_hash: Option<String>,
    jwks: Option<String>,
    scopes: String,
    access_token_ttl: Option<i64>,
    signing_alg: Option<String>,
    created_at: i64,
    updated_at: i64,
    access_token_encrypted_response_alg: Option<String>,
    access_token_encrypted_response_enc: Option<String>,
}

impl TryFrom<&ResourceRecord> for ResourceRow {
    type Error = StoreError;

    fn try_from(r: &ResourceRecord) -> Result<Self, StoreError> {
        Ok(ResourceRow {
            identifier: r.identifier.clone(),
            secret_hash: r.secret_hash.clone(),
            jwks: r.jwks.clone(),
            scopes: serde_json::to_string(&r.scopes)
                .map_err(|e| StoreError::Corrupt(format!("scopes: {e}")))?,
            access_token_ttl: r.access_token_ttl,
            signing_alg: r.signing_alg.map(|alg| alg.to_string()),
            created_at: r.created_at,
            updated_at: r.updated_at,
            access_token_encrypted_response_alg: r.access_token_encryption.map(|e| e.alg.to_string()),
            access_token_encrypted_response_enc: r.access_token_encryption.map(|e| e.enc.to_string()),
        })
    }
}

impl TryFrom<ResourceRow> for ResourceRecord {
    type Error = StoreError;

    fn try_from(r: ResourceRow) -> Result<Self, StoreError> {
        let corrupt =
            |what: &str, e: String| StoreError::Corrupt(format!("resource {:?} {what}: {e}", r.identifier));
        let scopes = serde_json::from_str(&r.scopes).map_err(|e| corrupt("scopes", e.to_string()))?;
        let signing_alg = match r.signing_alg.as_deref() {
            Some(word) => Some(
                word.parse()
                    .map_err(|e: crate::vocabulary::UnknownWord| corrupt("signing_alg", e.to_string()))?,
            ),
            None => None,
        };
        let access_token_encryption = Encryption::parse(
            "access_token",
            r.access_token_encrypted_response_alg.as_deref(),
            r.access_token_encrypted_response_enc.as_deref(),
        )
        .map_err(|e| corrupt("access token encryption", e))?;
        Ok(ResourceRecord {
            identifier: r.identifier,
            secret_hash: r.secret_hash,
            jwks: r.jwks,
            scopes,
            access_token_ttl: r.access_token_ttl,
            signing_alg,
            access_token_encryption,
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
    }
}

/// Inserts a new resource; a taken identifier is `Duplicate`.
pub fn insert(conn: &mut AnyConnection, resource: &ResourceRecord) -> Result<(), StoreError> {
    let row = ResourceRow::try_from(resource)?;
    diesel::insert_into(resources::table).values(&row).execute(conn)?;
    Ok(())
}

pub fn find(conn: &mut AnyConnection, identifier: &str) -> Result<Option<ResourceRecord>, StoreError> {
    resources::table
        .find(identifier)
        .select(ResourceRow::as_select())
        .first(conn)
        .optional()?
        .map(ResourceRecord::try_from)
        .transpose()
}

/// Every resource, ordered by identifier.
pub fn list(conn: &mut AnyConnection) -> Result<Vec<ResourceRecord>, StoreError> {
    resources::table
        .order(resources::identifier.asc())
        .select(ResourceRow::as_select())
        .load(conn)?
        .into_iter()
        .map(ResourceRecord::try_from)
        .collect()
}

/// Returns whether a resource was deleted.
pub fn delete(conn: &mut AnyConnection, identifier: &str) -> Result<bool, StoreError> {
    Ok(diesel::delete(resources::table.find(identifier)).execute(conn)? > 0)
}
