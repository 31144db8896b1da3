//! What users granted clients (OIDC Core §3.1.2.4): one row per user and
//! client, its scopes a sorted JSON array.

use diesel::prelude::*;

use super::AnyConnection;
use super::schema::consents;
use crate::protocol::{ConsentRecord, Scope};
use crate::store::StoreError;

type Row = (String, String, String, i64, i64);

fn record((user_id, client_id, scopes, granted_at, updated_at): Row) -> Result<ConsentRecord, StoreError> {
    let tokens: Vec<String> = serde_json::from_str(&scopes)
        .map_err(|e| StoreError::Corrupt(format!("consent of {user_id:?} for {client_id:?}: {e}")))?;
    let scope = Scope::parse(&tokens.join(" "))
        .ok_or_else(|| StoreError::Corrupt(format!("consent of {user_id:?} for {client_id:?}: bad scope")))?;
    Ok(ConsentRecord { user_id, client_id, scope, granted_at, updated_at })
}

fn encode(scope: &Scope) -> Result<String, StoreError> {
    let tokens: Vec<&str> = scope.iter().collect();
    serde_json::to_string(&tokens).map_err(|e| StoreError::Corrupt(format!("scope: {e}")))
}

pub fn find(
    conn: &mut AnyConnection,
    user_id: &str,
    client_id: &str,
) -> Result<Option<ConsentRecord>, StoreError> {
    consents::table
        .find((user_id, client_id))
        .select((
            consents::user_id,
            consents::client_id,
            consents::scopes,
            consents::granted_at,
            consents::updated_at,
        ))
        .first::<Row>(conn)
        .optional()?
        .map(record)
        .transpose()
}

/// Adds `scope` to what the user granted the client (run in a transaction).
pub fn grant(
    conn: &mut AnyConnection,
    user_id: &str,
    client_id: &str,
    scope: &Scope,
    now: i64,
) -> Result<ConsentRecord, StoreError> {
    match find(conn, user_id, client_id)? {
        Some(existing) => {
            let scope = existing.scope.union(scope);
            diesel::update(consents::table.find((user_id, client_id)))
                .set((consents::scopes.eq(encode(&scope)?), consents::updated_at.eq(now)))
                .execute(conn)?;
            Ok(ConsentRecord { scope, updated_at: now, ..existing })
        }
        None => {
            let scope = scope.union(&Scope::default());
            diesel::insert_into(consents::table)
                .values((
                    consents::user_id.eq(user_id),
                    consents::client_id.eq(client_id),
                    consents::scopes.eq(encode(&scope)?),
                    consents::granted_at.eq(now),
                    consents::updated_at.eq(now),
                ))
                .execute(conn)?;
            Ok(ConsentRecord {
                user_id: user_id.into(),
                client_id: client_id.into(),
                scope,
                granted_at: now,
                updated_at: now,
            })
        }
    }
}

/// A user's consents, by client id.
pub fn list_for_user(conn: &mut AnyConnection, user_id: &str) -> Result<Vec<ConsentRecord>, StoreError> {
    consents::table
        .filter(consents::user_id.eq(user_id))
        .order(consents::client_id.asc())
        .select((
            consents::user_id,
            consents::client_id,
            consents::scopes,
            consents::granted_at,
            consents::updated_at,
        ))
        .load::<Row>(conn)?
        .into_iter()
        .map(record)
        .collect()
}

/// Forgets a consent; whether there was one.
pub fn delete(conn: &mut AnyConnection, user_id: &str, client_id: &str) -> Result<bool, StoreError> {
    Ok(diesel::delete(consents::table.find((user_id, client_id))).execute(conn)? > 0)
}
