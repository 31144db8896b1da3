//! Dynamic registration's tokens (RFC 7591 §3, RFC 7592 §3), only as
//! digests: the operators' initial access tokens, spent one use per
//! registration in one atomic UPDATE, and each registered client's
//! registration access token, deleted with the client (foreign key).

use super::StoreError;
use super::audit::{AuditLog, Audited};
use super::sql::{self, Db};
use crate::protocol::client_registration::{ClientRegistrationRecord, InitialAccessToken};

#[derive(Clone)]
pub struct ClientRegistrations {
    db: Db,
    log: AuditLog,
}

impl ClientRegistrations {
    pub(super) fn new(db: Db, log: AuditLog) -> ClientRegistrations {
        ClientRegistrations { db, log }
    }

    /// Stores a new initial access token with its audit event.
    pub async fn create_initial_token(
        &self,
        token: InitialAccessToken,
        audited: Audited,
        now: i64,
    ) -> Result<(), StoreError> {
        let event = self
            .db
            .run(move |c| {
                sql::write_transaction(c, |c| {
                    sql::client_registrations::insert_initial_token(c, &token)?;
                    audited.insert(c, now)
                })
            })
            .await?;
        self.log.emit(&event);
        Ok(())
    }

    /// Every initial access token, oldest first (used up and expired too).
    pub async fn initial_tokens(&self) -> Result<Vec<InitialAccessToken>, StoreError> {
        self.db.run(sql::client_registrations::list_initial_tokens).await
    }

    /// Deletes an initial access token with its audit event; `false`
    /// (nothing written) when there was none.
    pub async fn revoke_initial_token(
        &self,
        id: &str,
        audited: Audited,
        now: i64,
    ) -> Result<bool, StoreError> {
        let id = id.to_string();
        let event = self
            .db
            .run(move |c| {
                sql::write_transaction(c, |c| {
                    match sql::client_registrations::delete_initial_token(c, &id)? {
                        true => audited.insert(c, now).map(Some),
                        false => Ok(None),
                    }
                })
            })
            .await?;
        Ok(event.inspect(|e| self.log.emit(e)).is_some())
    }

    /// Spends a use of the usable token with this digest; its id, or
    /// `None` (unknown, expired or used up).
    pub async fn consume_initial_token(
        &self,
        token_hash: &str,
        now: i64,
    ) -> Result<Option<String>, StoreError> {
        let hash = token_hash.to_string();
        self.db
            .run(move |c| {
                sql::write_transaction(c, |c| sql::client_registrations::consume_initial_token(c, &hash, now))
            })
            .await
    }

    /// Gives back the use of a registration that failed.
    pub async fn refund_initial_token(&self, id: &str) -> Result<(), StoreError> {
        let id = id.to_string();
        self.db.run(move |c| sql::client_registrations::refund_initial_token(c, &id)).await
    }

    /// Records a registered client's registration access token.
    pub async fn register(&self, registration: ClientRegistrationRecord) -> Result<(), StoreError> {
        self.db.run(move |c| sql::client_registrations::insert_registration(c, &registration)).await
    }

    /// The registration of a dynamically registered client.
    pub async fn find(&self, client_id: &str) -> Result<Option<ClientRegistrationRecord>, StoreError> {
        let client_id = client_id.to_string();
        self.db.run(move |c| sql::client_registrations::find_registration(c, &client_id)).await
    }
}
