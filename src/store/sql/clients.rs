//! Registered OAuth clients (RFC 6749 §2). List fields are JSON-array TEXT.

use diesel::prelude::*;

use super::AnyConnection;
use super::models::ClientRow;
use super::schema::clients;
use crate::store::{ClientRecord, StoreError};

/// Inserts a new client; a taken `client_id` is `Duplicate`.
pub fn insert(conn: &mut AnyConnection, client: &ClientRecord) -> Result<(), StoreError> {
    let row = ClientRow::try_from(client)?;
    diesel::insert_into(clients::table).values(&row).execute(conn)?;
    Ok(())
}

/// The client, or `None`; undecodable list columns are `Corrupt`.
pub fn find(conn: &mut AnyConnection, client_id: &str) -> Result<Option<ClientRecord>, StoreError> {
    clients::table
        .find(client_id)
        .select(ClientRow::as_select())
        .first(conn)
        .optional()?
        .map(ClientRecord::try_from)
        .transpose()
}

/// Every client, ordered by `client_id`.
pub fn list(conn: &mut AnyConnection) -> Result<Vec<ClientRecord>, StoreError> {
    clients::table
        .order(clients::client_id.asc())
        .select(ClientRow::as_select())
        .load(conn)?
        .into_iter()
        .map(ClientRecord::try_from)
        .collect()
}

/// Returns whether a client was deleted.
pub fn delete(conn: &mut AnyConnection, client_id: &str) -> Result<bool, StoreError> {
    let n = diesel::delete(clients::table.find(client_id)).execute(conn)?;
    Ok(n > 0)
}

/// Replaces a client's secret hash; returns whether the client exists.
pub fn update_secret(
    conn: &mut AnyConnection,
    client_id: &str,
    secret_hash: &str,
    now: i64,
) -> Result<bool, StoreError> {
    let n = diesel::update(clients::table.find(client_id))
        .set((clients::secret_hash.eq(secret_hash), clients::updated_at.eq(now)))
        .execute(conn)?;
    Ok(n > 0)
}

/// The web origins of every client, each once (CORS preflights, which
/// cannot name their client, ask whether an origin is any client's).
pub fn all_web_origins(conn: &mut AnyConnection) -> Result<std::collections::HashSet<String>, StoreError> {
    let rows: Vec<(String, String)> =
        clients::table.select((clients::client_id, clients::web_origins)).load(conn)?;
    let mut origins = std::collections::HashSet::new();
    for (client_id, json) in rows {
        let list: Vec<String> = serde_json::from_str(&json)
            .map_err(|e| StoreError::Corrupt(format!("client {client_id:?} web_origins: {e}")))?;
        origins.extend(list);
    }
    Ok(origins)
}
