//! Registered OAuth clients (RFC 6749 §2). List fields are JSON-array TEXT.

use diesel::prelude::*;

use super::AnyConnection;
use super::models::ClientRow;
use super::schema::clients;
use super::search::{contains_pattern, lower};
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

/// Up to `limit` clients after `after` (by `client_id`), optionally those
/// whose id or name contains `search` (case-insensitive).
pub fn page(
    conn: &mut AnyConnection,
    after: Option<&str>,
    search: Option<&str>,
    limit: i64,
) -> Result<Vec<ClientRecord>, StoreError> {
    let mut query = clients::table.order(clients::client_id.asc()).limit(limit).into_boxed();
    if let Some(after) = after {
        query = query.filter(clients::client_id.gt(after.to_string()));
    }
    if let Some(search) = search {
        let pattern = contains_pattern(search);
        query = query.filter(
            lower(clients::client_id).like(pattern.clone()).escape('\\').or(lower(
                clients::name.assume_not_null(),
            )
            .like(pattern)
            .escape('\\')),
        );
    }
    query.select(ClientRow::as_select()).load(conn)?.into_iter().map(ClientRecord::try_from).collect()
}

/// Writes every column of `client` if its row is still at `base_version`;
/// returns whether it was.
pub fn replace(
    conn: &mut AnyConnection,
    client: &ClientRecord,
    base_version: i64,
) -> Result<bool, StoreError> {
    let row = ClientRow::try_from(client)?;
    let n = diesel::update(
        clients::table
            .filter(clients::client_id.eq(&client.client_id))
            .filter(clients::version.eq(base_version)),
    )
    .set(&row)
    .execute(conn)?;
    Ok(n > 0)
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
        .set((
            clients::secret_hash.eq(secret_hash),
            clients::updated_at.eq(now),
            clients::version.eq(clients::version + 1),
        ))
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
