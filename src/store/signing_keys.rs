//! The shared signing-key set. Every change runs in one transaction that
//! first takes the key-set lock, so instances racing to create or rotate the
//! set take turns and exactly one of them acts; the decisions themselves are
//! `protocol::key_lifecycle`'s.

use super::StoreError;
use super::sql::{self, Db};
use crate::protocol::key_lifecycle::{self, Incomplete, Rotation};
use crate::protocol::{KeyState, SigningKeyRecord};

/// A key-set change that the rules refuse.
#[derive(Debug, thiserror::Error)]
pub enum KeySetError {
    #[error(transparent)]
    Incomplete(#[from] Incomplete),
    #[error("key {0} is already in the key set")]
    AlreadyPresent(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

#[derive(Clone)]
pub struct SigningKeys {
    db: Db,
}

impl SigningKeys {
    pub(super) fn new(db: Db) -> SigningKeys {
        SigningKeys { db }
    }

    /// Every key with its sealed private key, oldest first.
    pub async fn list(&self) -> Result<Vec<SigningKeyRecord>, StoreError> {
        self.db.run(sql::signing_keys::list).await
    }

    /// Stores the first active and next key of `active.alg`, unless another
    /// instance already did; returns whether these were stored.
    pub async fn create_first(
        &self,
        active: SigningKeyRecord,
        next: SigningKeyRecord,
        now: i64,
    ) -> Result<bool, StoreError> {
        self.db
            .run(move |c| {
                sql::signing_keys::locked(c, now, |c| {
                    if key_lifecycle::has_active(&sql::signing_keys::list(c)?, active.alg) {
                        return Ok(false);
                    }
                    sql::signing_keys::insert(c, &active)?;
                    sql::signing_keys::insert(c, &next)?;
                    Ok(true)
                })
            })
            .await
    }

    /// For `new_next.alg`: next → active, active → retired (deleted
    /// `retention` seconds later), `new_next` becomes next, expired retired
    /// keys go. Refused (`NotYet`) while the next key may not sign yet,
    /// unless `force`.
    pub async fn rotate(
        &self,
        new_next: SigningKeyRecord,
        now: i64,
        force: bool,
        retention: i64,
    ) -> Result<Rotation, KeySetError> {
        self.db
            .run(move |c| {
                sql::signing_keys::locked(c, now, |c| {
                    let keys = sql::signing_keys::list(c)?;
                    let plan = match key_lifecycle::plan_rotation(&keys, new_next.alg, now, force) {
                        Err(incomplete) => return Ok(Err(KeySetError::Incomplete(incomplete))),
                        Ok(Err(signs_from)) => return Ok(Ok(Rotation::NotYet { signs_from })),
                        Ok(Ok(plan)) => plan,
                    };
                    sql::signing_keys::activate(c, &plan.activate, now)?;
                    sql::signing_keys::retire(c, &plan.retire, now, now + retention)?;
                    sql::signing_keys::insert(c, &new_next)?;
                    sql::signing_keys::delete_expired(c, now)?;
                    Ok(Ok(Rotation::Rotated {
                        active: plan.activate,
                        next: new_next.kid.clone(),
                        retired: plan.retire,
                    }))
                })
            })
            .await?
    }

    /// Makes `record` the next key of its algorithm, replacing a next key
    /// that never signed.
    pub async fn import_next(&self, record: SigningKeyRecord, now: i64) -> Result<(), KeySetError> {
        self.db
            .run(move |c| {
                sql::signing_keys::locked(c, now, |c| {
                    let keys = sql::signing_keys::list(c)?;
                    if keys.iter().any(|k| k.kid == record.kid) {
                        return Ok(Err(KeySetError::AlreadyPresent(record.kid.clone())));
                    }
                    for old in keys.iter().filter(|k| k.state == KeyState::Next && k.alg == record.alg) {
                        sql::signing_keys::delete(c, &old.kid)?;
                    }
                    sql::signing_keys::insert(c, &record)?;
                    Ok(Ok(()))
                })
            })
            .await?
    }

    /// Deletes retired keys whose tokens have all expired; returns how many.
    pub async fn delete_expired(&self, now: i64) -> Result<usize, StoreError> {
        self.db
            .run(move |c| sql::signing_keys::locked(c, now, |c| sql::signing_keys::delete_expired(c, now)))
            .await
    }
}
