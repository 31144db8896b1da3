//! Refresh-token families (RFC 6749 §6, RFC 9700 §4.14.2) and everything a
//! revocation writes. A family is one grant: the code exchange starts it,
//! every refresh adds a token and retires the previous one.
//!
//! Revocations are one transaction each: the family's tokens marked
//! revoked, the access tokens they issued added to the durable denylist,
//! the `denylist` revision bumped and the audit event inserted. Only after
//! the commit are the in-memory and Redis copies of the denylist updated,
//! so a Redis outage can neither undo nor half-do a revocation.
//! Issuing and rotating tokens, the hot path, goes through the group-commit
//! writer instead.

use serde_json::Value;

use super::StoreError;
use super::audit::{AuditLog, Audited};
use super::denylist::Denylist;
use super::sql::revisions::{self, Counter};
use super::sql::{self, AnyConnection, Db};
use crate::protocol::RefreshTokenRecord;

/// An access token to deny until it expires: `(jti, exp)`.
pub type IssuedAccessToken = (String, i64);

/// Families deleted per janitor statement.
const DELETE_BATCH: i64 = 500;

#[derive(Clone)]
pub struct Grants {
    db: Db,
    denylist: Denylist,
    log: AuditLog,
}

impl Grants {
    pub(super) fn new(db: Db, denylist: Denylist, log: AuditLog) -> Grants {
        Grants { db, denylist, log }
    }

    /// Stores a newly issued refresh token (group commit).
    pub async fn insert(&self, token: RefreshTokenRecord) -> Result<(), StoreError> {
        self.db.write(move |c| sql::refresh_tokens::insert(c, &token)).await
    }

    /// The token whose SHA-256 is `token_hash`, whatever its state.
    pub async fn find_by_hash(&self, token_hash: &str) -> Result<Option<RefreshTokenRecord>, StoreError> {
        let hash = token_hash.to_string();
        self.db.run(move |c| sql::refresh_tokens::find_by_hash(c, &hash)).await
    }

    /// Retires `current` and stores its successor, all or nothing (its own
    /// savepoint in the writer's batch). `false` when another request
    /// rotated or revoked `current` first: the caller saw a replay.
    pub async fn rotate(
        &self,
        current_id: &str,
        next: Option<RefreshTokenRecord>,
        now: i64,
    ) -> Result<bool, StoreError> {
        let id = current_id.to_string();
        self.db
            .write(move |c| {
                if !sql::refresh_tokens::mark_rotated(c, &id, now)? {
                    return Ok(false);
                }
                if let Some(next) = &next {
                    sql::refresh_tokens::insert(c, next)?;
                }
                Ok(true)
            })
            .await
    }

    /// Stores `next` beside `current`, a token rotated at `rotated_since`
    /// or later, when a client's reuse leeway lets it be presented again:
    /// the family gets a second live branch. `false` (nothing written)
    /// when `current` was rotated earlier or its family was revoked.
    pub async fn branch(
        &self,
        current_id: &str,
        rotated_since: i64,
        next: Option<RefreshTokenRecord>,
    ) -> Result<bool, StoreError> {
        let id = current_id.to_string();
        self.db
            .write(move |c| {
                if !sql::refresh_tokens::rotated_since(c, &id, rotated_since)? {
                    return Ok(false);
                }
                if let Some(next) = &next {
                    sql::refresh_tokens::insert(c, next)?;
                }
                Ok(true)
            })
            .await
    }

    /// Revokes a family and denies its live access tokens (and `also_deny`,
    /// e.g. the token issued with a replayed code), recording `audited`
    /// with `revoked_access_tokens` added. Returns how many were denied.
    pub async fn revoke_family(
        &self,
        family_id: &str,
        also_deny: Option<IssuedAccessToken>,
        audited: Audited,
        now: i64,
    ) -> Result<usize, StoreError> {
        let family = family_id.to_string();
        self.revoke(audited, now, move |c| {
            let mut denied = sql::refresh_tokens::revoke_family(c, &family, now)?;
            denied.extend(also_deny);
            Ok((denied, ()))
        })
        .await
        .map(|(denied, ())| denied)
    }

    /// Revokes the families bound to an SSO session (not offline ones).
    pub async fn revoke_session(&self, sid: &str, audited: Audited, now: i64) -> Result<usize, StoreError> {
        let sid = sid.to_string();
        self.revoke(audited, now, move |c| Ok((sql::refresh_tokens::revoke_by_sid(c, &sid, now)?, ())))
            .await
            .map(|(denied, ())| denied)
    }

    /// Revokes every refresh-token family of a user, offline ones too, and
    /// denies their live access tokens (an admin disabled or deletes them).
    pub async fn revoke_user(&self, user_id: &str, audited: Audited, now: i64) -> Result<usize, StoreError> {
        let user = user_id.to_string();
        self.revoke(audited, now, move |c| Ok((sql::refresh_tokens::revoke_user(c, &user, now)?, ())))
            .await
            .map(|(denied, ())| denied)
    }

    /// Withdraws a consent: the user's consent for the client is forgotten
    /// and every refresh-token family of the user at that client revoked,
    /// in one transaction. Whether there was a consent.
    pub async fn withdraw_consent(
        &self,
        user_id: &str,
        client_id: &str,
        audited: Audited,
        now: i64,
    ) -> Result<bool, StoreError> {
        let (user, client) = (user_id.to_string(), client_id.to_string());
        let (_, forgot) = self
            .revoke(audited, now, move |c| {
                let forgot = sql::consents::delete(c, &user, &client)?;
                Ok((sql::refresh_tokens::revoke_user_client(c, &user, &client, now)?, forgot))
            })
            .await?;
        Ok(forgot)
    }

    /// Denies one access token until it expires.
    pub async fn revoke_access_token(
        &self,
        jti: &str,
        exp: i64,
        audited: Audited,
        now: i64,
    ) -> Result<usize, StoreError> {
        let token = (jti.to_string(), exp);
        self.revoke(audited, now, move |_| Ok((vec![token], ()))).await.map(|(denied, ())| denied)
    }

    /// One transaction: `revoked` decides what to deny (and may write more,
    /// returning a value of its own), then the denials, the revision bump
    /// and the audit event.
    async fn revoke<T: Send + 'static>(
        &self,
        mut audited: Audited,
        now: i64,
        revoked: impl FnOnce(&mut AnyConnection) -> Result<(Vec<IssuedAccessToken>, T), StoreError>
        + Send
        + 'static,
    ) -> Result<(usize, T), StoreError> {
        let (denied, event, extra) = self
            .db
            .run(move |c| {
                revisions::changing(c, Counter::Denylist, |c| {
                    let (revoked, extra) = revoked(c)?;
                    let denied: Vec<IssuedAccessToken> =
                        revoked.into_iter().filter(|(_, exp)| *exp > now).collect();
                    sql::denied_tokens::insert(c, &denied)?;
                    audited.detail.insert("revoked_access_tokens".into(), Value::from(denied.len()));
                    let event = audited.insert(c, now)?;
                    let changed = !denied.is_empty();
                    Ok(((denied, event, extra), changed))
                })
            })
            .await?;
        self.log.emit(&event);
        self.denylist.publish(&denied, now).await;
        Ok((denied.len(), extra))
    }

    /// Deletes the families that stopped being usable before `cutoff`
    /// (revoked, idle-expired or past their absolute lifetime); returns how
    /// many tokens went.
    pub async fn delete_dead(&self, cutoff: i64) -> Result<usize, StoreError> {
        let mut deleted = 0;
        loop {
            let batch = self
                .db
                .run(move |c| {
                    let families = sql::refresh_tokens::dead_families(c, cutoff, DELETE_BATCH)?;
                    let tokens = sql::refresh_tokens::delete_families(c, &families)?;
                    Ok((families.len(), tokens))
                })
                .await?;
            deleted += batch.1;
            if batch.0 < DELETE_BATCH as usize {
                return Ok(deleted);
            }
        }
    }

    /// Deletes denials of access tokens that have expired; returns how many.
    pub async fn delete_expired_denials(&self, now: i64) -> Result<usize, StoreError> {
        self.db.run(move |c| sql::denied_tokens::delete_expired(c, now)).await
    }
}
