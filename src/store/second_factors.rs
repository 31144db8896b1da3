//! A user's second factors: the TOTP secret (sealed by the caller under the
//! key-encryption key; this repository never sees it in clear) and the
//! recovery codes (SHA-256 only). Every change records its audit event in
//! the same transaction.

use super::StoreError;
use super::audit::{AuditLog, Audited};
use super::sql::{self, Db};

/// A user's TOTP factor as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TotpFactor {
    pub secret_sealed: String,
    /// The last time step accepted; only later ones are.
    pub last_step: i64,
}

#[derive(Clone)]
pub struct SecondFactors {
    db: Db,
    log: AuditLog,
}

impl SecondFactors {
    pub(super) fn new(db: Db, log: AuditLog) -> SecondFactors {
        SecondFactors { db, log }
    }

    pub async fn totp(&self, user_id: &str) -> Result<Option<TotpFactor>, StoreError> {
        let user_id = user_id.to_string();
        let found = self.db.run(move |c| sql::second_factors::totp(c, &user_id)).await?;
        Ok(found.map(|(secret_sealed, last_step)| TotpFactor { secret_sealed, last_step }))
    }

    /// Sets the user's TOTP factor, with `step` (the code that confirmed it)
    /// already used, and replaces their recovery codes.
    pub async fn enroll(
        &self,
        user_id: &str,
        secret_sealed: String,
        step: i64,
        code_hashes: Vec<String>,
        audited: Audited,
        now: i64,
    ) -> Result<(), StoreError> {
        let user_id = user_id.to_string();
        let event = self
            .db
            .run(move |c| {
                sql::write_transaction(c, |c| {
                    sql::second_factors::enroll(c, &user_id, &secret_sealed, step, &code_hashes, now)?;
                    audited.insert(c, now)
                })
            })
            .await?;
        self.log.emit(&event);
        Ok(())
    }

    /// New recovery codes in place of the old ones.
    pub async fn replace_recovery_codes(
        &self,
        user_id: &str,
        code_hashes: Vec<String>,
        audited: Audited,
        now: i64,
    ) -> Result<(), StoreError> {
        let user_id = user_id.to_string();
        let event = self
            .db
            .run(move |c| {
                sql::write_transaction(c, |c| {
                    sql::second_factors::replace_codes(c, &user_id, &code_hashes, now)?;
                    audited.insert(c, now)
                })
            })
            .await?;
        self.log.emit(&event);
        Ok(())
    }

    /// Accepts a TOTP time step once: `false` for a step already used.
    pub async fn use_step(&self, user_id: &str, step: i64) -> Result<bool, StoreError> {
        let user_id = user_id.to_string();
        self.db.run(move |c| sql::second_factors::use_step(c, &user_id, step)).await
    }

    /// Uses up a recovery code (by its hash); `false` when it is not one of
    /// the user's unused codes.
    pub async fn use_recovery_code(&self, user_id: &str, hash: &str, now: i64) -> Result<bool, StoreError> {
        let (user_id, hash) = (user_id.to_string(), hash.to_string());
        self.db.run(move |c| sql::second_factors::use_code(c, &user_id, &hash, now)).await
    }

    pub async fn unused_recovery_codes(&self, user_id: &str) -> Result<i64, StoreError> {
        let user_id = user_id.to_string();
        self.db.run(move |c| sql::second_factors::unused_codes(c, &user_id)).await
    }

    /// Removes the user's TOTP factor and recovery codes; `false` (and no
    /// audit event) when there were none.
    pub async fn remove(&self, user_id: &str, audited: Audited, now: i64) -> Result<bool, StoreError> {
        self.remove_with(user_id, audited, now, sql::second_factors::remove).await
    }

    /// Removes every second factor of the user, passkeys included (an
    /// operator's reset); `false` (and no audit event) when there were none.
    pub async fn remove_all(&self, user_id: &str, audited: Audited, now: i64) -> Result<bool, StoreError> {
        self.remove_with(user_id, audited, now, sql::second_factors::remove_all).await
    }

    async fn remove_with(
        &self,
        user_id: &str,
        audited: Audited,
        now: i64,
        remove: fn(&mut sql::AnyConnection, &str) -> Result<bool, StoreError>,
    ) -> Result<bool, StoreError> {
        let user_id = user_id.to_string();
        let event = self
            .db
            .run(move |c| {
                sql::write_transaction(c, |c| match remove(c, &user_id)? {
                    true => audited.insert(c, now).map(Some),
                    false => Ok(None),
                })
            })
            .await?;
        Ok(event.inspect(|e| self.log.emit(e)).is_some())
    }
}
