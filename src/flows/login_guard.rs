//! Brute-force protection for every password sign-in (OWASP ASVS V2.2.1,
//! NIST SP 800-63B §5.2.2): failures are counted per account key (the
//! username as typed, whether or not the account exists) and per network
//! address (IPv6: its /64), in the ephemeral store so every instance sees
//! the same counts. The rules (back-off, lockout) are
//! `protocol::login_throttle`; this is their storage, by compare-and-swap.
//!
//! [`LoginGuard::admit`] runs before any Argon2 work: a throttled or locked
//! key is refused at once, so a flood spends no hashing slots, and an
//! admitted attempt is already counted as a failure, so racing requests
//! cannot pass the limit. [`LoginGuard::settle`] then clears the account
//! on success (and gives the address its attempt back), or reports the
//! lockouts the failure started, each exactly once, for the audit trail.

use crate::protocol::device::guess_bucket;
use crate::protocol::login_throttle::{
    AccountFailures, AddressFailures, Block, FailureCount, FailureEntry, LockScope, LoginPolicy,
    PageFailures, ThrottlePolicy, account_key,
};
use crate::store::{Ephemeral, StoreError};

/// Compare-and-swap attempts before an attempt is refused (to stay exact).
const CAS_ATTEMPTS: usize = 8;

#[derive(Clone)]
pub struct LoginGuard {
    ephemeral: Ephemeral,
    policy: LoginPolicy,
}

/// One counted key of an admitted attempt.
#[derive(Debug)]
struct Reserved {
    key: String,
    /// The count the reservation stored.
    stored: FailureCount,
    /// The reservation locked the key (audited if the password was wrong).
    locks: bool,
}

/// An admitted sign-in attempt, counted as a failure until settled.
#[derive(Debug)]
#[must_use = "an admitted attempt must be settled"]
pub struct Ticket {
    account: Reserved,
    address: Reserved,
}

/// Why an attempt was refused without checking the password.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refusal {
    pub scope: LockScope,
    pub block: Block,
}

#[derive(Debug)]
pub enum Admission {
    Admitted(Ticket),
    Refused(Refusal),
}

/// How an admitted attempt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Settlement {
    /// The right password: the account's failures are forgotten.
    Succeeded,
    /// A wrong password (or unknown or disabled account).
    Failed,
    /// No answer (the hashing slots were full, the store failed): the
    /// attempt is given back.
    Abandoned,
}

impl LoginGuard {
    pub fn new(ephemeral: Ephemeral, policy: LoginPolicy) -> LoginGuard {
        LoginGuard { ephemeral, policy }
    }

    pub fn policy(&self) -> &LoginPolicy {
        &self.policy
    }

    /// Counts an attempt for `username` from `ip`, or refuses it while
    /// either key is backing off or locked.
    pub async fn admit(&self, username: &str, ip: Option<&str>, now: i64) -> Result<Admission, StoreError> {
        let account = account_key(username);
        // A locked account costs its address nothing.
        if let Some(block) =
            self.ephemeral.get::<AccountFailures>(&account).await?.and_then(|c| c.0.block(now))
        {
            return Ok(Admission::Refused(Refusal { scope: LockScope::Account, block }));
        }
        let address =
            match self.reserve::<AddressFailures>(&guess_bucket(ip), &self.policy.address, now).await? {
                Ok(reserved) => reserved,
                Err(block) => return Ok(Admission::Refused(Refusal { scope: LockScope::Address, block })),
            };
        match self.reserve::<AccountFailures>(&account, &self.policy.account, now).await {
            Ok(Ok(account)) => Ok(Admission::Admitted(Ticket { account, address })),
            Ok(Err(block)) => {
                self.refund::<AddressFailures>(&address, now).await?;
                Ok(Admission::Refused(Refusal { scope: LockScope::Account, block }))
            }
            Err(e) => {
                let _ = self.refund::<AddressFailures>(&address, now).await;
                Err(e)
            }
        }
    }

    /// Settles an admitted attempt; returns the lockouts a failure started
    /// (each reported to exactly one attempt).
    pub async fn settle(
        &self,
        ticket: Ticket,
        settlement: Settlement,
        now: i64,
    ) -> Result<Vec<LockScope>, StoreError> {
        match settlement {
            Settlement::Failed => {
                let locks = [(LockScope::Address, &ticket.address), (LockScope::Account, &ticket.account)];
                Ok(locks.into_iter().filter(|(_, r)| r.locks).map(|(scope, _)| scope).collect())
            }
            Settlement::Succeeded => {
                self.ephemeral.delete::<AccountFailures>(&ticket.account.key).await?;
                self.refund::<AddressFailures>(&ticket.address, now).await?;
                Ok(Vec::new())
            }
            Settlement::Abandoned => {
                self.refund::<AccountFailures>(&ticket.account, now).await?;
                self.refund::<AddressFailures>(&ticket.address, now).await?;
                Ok(Vec::new())
            }
        }
    }

    /// Forgets the failures of `username` and lifts its lockout (an admin
    /// unlock, a completed password reset). Addresses stay counted.
    pub async fn clear_account(&self, username: &str) -> Result<(), StoreError> {
        clear_account(&self.ephemeral, username).await
    }

    /// Counts a wrong password on the login page `interaction_id` (alive
    /// until `expires_at`); whether the page has used up its attempts.
    pub async fn page_failed(
        &self,
        interaction_id: &str,
        expires_at: i64,
        now: i64,
    ) -> Result<bool, StoreError> {
        for _ in 0..CAS_ATTEMPTS {
            let current: Option<PageFailures> = self.ephemeral.get(interaction_id).await?;
            let failures = current.as_ref().map_or(0, |c| c.failures) + 1;
            let next = PageFailures { failures, expires_at };
            let stored = match &current {
                Some(current) => self.ephemeral.swap(interaction_id, current, &next, now).await?,
                None => self.ephemeral.put_new(interaction_id, &next, now).await?,
            };
            if stored {
                return Ok(failures >= self.policy.max_attempts_per_page);
            }
        }
        Ok(true)
    }

    /// Counts one attempt under `key`: `Err` with the block in force, or
    /// what was stored (a lost race after every retry is refused).
    async fn reserve<E: FailureEntry>(
        &self,
        key: &str,
        policy: &ThrottlePolicy,
        now: i64,
    ) -> Result<Result<Reserved, Block>, StoreError> {
        for _ in 0..CAS_ATTEMPTS {
            let current: Option<E> = self.ephemeral.get(key).await?;
            let before = current.as_ref().map(E::count);
            if let Some(block) = before.and_then(|c| c.block(now)) {
                return Ok(Err(block));
            }
            let next = FailureCount::after_failure(before, policy, now);
            let locks = next.newly_locked(before, now);
            let wrapped = E::wrap(next.clone());
            let stored = match &current {
                Some(current) => self.ephemeral.swap(key, current, &wrapped, now).await?,
                None => self.ephemeral.put_new(key, &wrapped, now).await?,
            };
            if stored {
                return Ok(Ok(Reserved { key: key.to_string(), stored: next, locks }));
            }
        }
        tracing::warn!(kind = %E::KIND, "sign-in count kept changing; attempt refused");
        Ok(Err(Block { retry_after: 1, locked: false }))
    }

    /// Gives back an attempt `reserved` counted, lifting the block it set.
    async fn refund<E: FailureEntry>(&self, reserved: &Reserved, now: i64) -> Result<(), StoreError> {
        for _ in 0..CAS_ATTEMPTS {
            let Some(current) = self.ephemeral.get::<E>(&reserved.key).await? else { return Ok(()) };
            let next = E::wrap(current.count().refunded(&reserved.stored));
            if self.ephemeral.swap(&reserved.key, &current, &next, now).await? {
                return Ok(());
            }
        }
        Ok(())
    }
}

/// [`LoginGuard::clear_account`] for callers that hold only the store
/// (the admin operations).
pub async fn clear_account(ephemeral: &Ephemeral, username: &str) -> Result<(), StoreError> {
    ephemeral.delete::<AccountFailures>(&account_key(username)).await
}

#[cfg(test)]
mod tests;
