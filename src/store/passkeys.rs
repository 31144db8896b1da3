//! A user's passkeys (WebAuthn credentials): public keys only, so nothing
//! here is secret. Adding and removing one records its audit event in the
//! same transaction.

pub use super::sql::passkeys::PasskeyRow;

use super::StoreError;
use super::audit::{AuditLog, Audited};
use super::sql::{self, Db};

#[derive(Clone)]
pub struct Passkeys {
    db: Db,
    log: AuditLog,
}

impl Passkeys {
    pub(super) fn new(db: Db, log: AuditLog) -> Passkeys {
        Passkeys { db, log }
    }

    /// The user's passkeys, oldest first.
    pub async fn of_user(&self, user_id: &str) -> Result<Vec<PasskeyRow>, StoreError> {
        let user_id = user_id.to_string();
        self.db.run(move |c| sql::passkeys::of_user(c, &user_id)).await
    }

    pub async fn count_of_user(&self, user_id: &str) -> Result<i64, StoreError> {
        let user_id = user_id.to_string();
        self.db.run(move |c| sql::passkeys::count_of_user(c, &user_id)).await
    }

    /// The passkey with credential id `id` (base64url), whoever's it is.
    pub async fn find(&self, id: &str) -> Result<Option<PasskeyRow>, StoreError> {
        let id = id.to_string();
        self.db.run(move |c| sql::passkeys::find(c, &id)).await
    }

    /// Stores a new passkey; [`StoreError::Duplicate`] when its credential
    /// id is registered already (to anyone).
    pub async fn add(&self, row: PasskeyRow, audited: Audited, now: i64) -> Result<(), StoreError> {
        let event = self
            .db
            .run(move |c| {
                sql::write_transaction(c, |c| {
                    sql::passkeys::insert(c, &row)?;
                    audited.insert(c, now)
                })
            })
            .await?;
        self.log.emit(&event);
        Ok(())
    }

    /// Records a sign-in with the passkey: its new state (signature
    /// counter) in place of `previous`; `false` when another sign-in
    /// changed it first.
    pub async fn record_use(
        &self,
        id: &str,
        previous: &str,
        passkey: String,
        now: i64,
    ) -> Result<bool, StoreError> {
        let (id, previous) = (id.to_string(), previous.to_string());
        self.db.run(move |c| sql::passkeys::record_use(c, &id, &previous, &passkey, now)).await
    }

    /// Removes one of the user's passkeys; `false` (and no audit event)
    /// when it is not theirs.
    pub async fn remove(
        &self,
        user_id: &str,
        id: &str,
        audited: Audited,
        now: i64,
    ) -> Result<bool, StoreError> {
        let (user_id, id) = (user_id.to_string(), id.to_string());
        let event = self
            .db
            .run(move |c| {
                sql::write_transaction(c, |c| match sql::passkeys::remove(c, &user_id, &id)? {
                    true => audited.insert(c, now).map(Some),
                    false => Ok(None),
                })
            })
            .await?;
        Ok(event.inspect(|e| self.log.emit(e)).is_some())
    }
}
