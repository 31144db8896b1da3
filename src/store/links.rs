//! The repository of temporary secure links (password reset, email
//! verification) and of the registration hold. Links are durable (a
//! restart must not void a mail already sent) and stored only as the
//! SHA-256 of their token; taking one is atomic, so a link works once even
//! when two instances race. Verifying an address bumps the users revision,
//! so every instance's user cache sees `email_verified` at once.

use super::StoreError;
use super::audit::{AuditLog, Audited};
use super::sql::revisions::{self, Counter};
use super::sql::{self, Db};
use super::users::Users;
use crate::protocol::UserRecord;
use crate::protocol::links::{LinkPurpose, LinkRecord};

/// Most accounts one email address may name in a reset request.
const MAX_USERS_PER_EMAIL: i64 = 10;

#[derive(Clone)]
pub struct AccountLinks {
    db: Db,
    users: Users,
    log: AuditLog,
}

impl AccountLinks {
    pub(super) fn new(db: Db, users: Users, log: AuditLog) -> AccountLinks {
        AccountLinks { db, users, log }
    }

    pub async fn insert(&self, link: LinkRecord) -> Result<(), StoreError> {
        self.db.run(move |c| sql::account_links::insert(c, &link)).await
    }

    /// The link with this token hash, left in place (for showing a form).
    pub async fn find(&self, token_hash: &str) -> Result<Option<LinkRecord>, StoreError> {
        let hash = token_hash.to_string();
        self.db.run(move |c| sql::account_links::find(c, &hash)).await
    }

    /// Removes and returns the link: `Some` for exactly one caller.
    pub async fn take(&self, token_hash: &str) -> Result<Option<LinkRecord>, StoreError> {
        let hash = token_hash.to_string();
        self.db.run(move |c| sql::write_transaction(c, |c| sql::account_links::take(c, &hash))).await
    }

    /// Puts back a link taken for a submission that was refused (a new
    /// password the policy rejected), so the user can try again.
    pub async fn restore(&self, link: LinkRecord) -> Result<(), StoreError> {
        self.insert(link).await
    }

    /// Deletes every link of `purpose` of the user (after it served).
    pub async fn delete_for_user(&self, user_id: &str, purpose: LinkPurpose) -> Result<usize, StoreError> {
        let id = user_id.to_string();
        self.db.run(move |c| sql::account_links::delete_for_user(c, &id, purpose)).await
    }

    /// The janitor's sweep: links past their expiry.
    pub async fn delete_expired(&self, now: i64) -> Result<usize, StoreError> {
        self.db.run(move |c| sql::account_links::delete_expired(c, now)).await
    }

    /// Takes a verification link and marks its address verified (lifting
    /// the registration hold) in one transaction, with `audited`; `false`
    /// when the link was gone or the address is no longer the user's.
    pub async fn verify_email(
        &self,
        link: &LinkRecord,
        audited: Audited,
        now: i64,
    ) -> Result<bool, StoreError> {
        let (hash, user_id, address) = (link.token_hash.clone(), link.user_id.clone(), link.bound_to.clone());
        let event = self
            .db
            .run(move |c| {
                revisions::changing(c, Counter::Users, |c| {
                    if sql::account_links::take(c, &hash)?.is_none() {
                        return Ok((None, false));
                    }
                    if !sql::account_links::mark_verified(c, &user_id, &address, now)? {
                        return Ok((None, false));
                    }
                    sql::account_links::delete_for_user(c, &user_id, LinkPurpose::Verify)?;
                    Ok((Some(audited.insert(c, now)?), true))
                })
            })
            .await?;
        let Some(event) = event else { return Ok(false) };
        self.log.emit(&event);
        self.users.flush();
        Ok(true)
    }

    /// Keeps the user from signing in until their email is verified.
    pub async fn hold(&self, user_id: &str) -> Result<bool, StoreError> {
        let id = user_id.to_string();
        self.db.run(move |c| sql::account_links::hold(c, &id)).await
    }

    /// Whether the user registered themselves and has not verified yet.
    pub async fn is_held(&self, user_id: &str) -> Result<bool, StoreError> {
        let id = user_id.to_string();
        self.db.run(move |c| sql::account_links::is_held(c, &id)).await
    }

    /// The accounts with this email address (ignoring ASCII case), at most ten.
    pub async fn users_by_email(&self, email: &str) -> Result<Vec<UserRecord>, StoreError> {
        let email = email.to_string();
        self.db.run(move |c| sql::account_links::users_by_email(c, &email, MAX_USERS_PER_EMAIL)).await
    }
}
