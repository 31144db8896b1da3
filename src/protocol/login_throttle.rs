//! The rules that stop online password guessing (OWASP ASVS V2.2.1, NIST
//! SP 800-63B §5.2.2), as pure state transitions over a failure count the
//! ephemeral store keeps per account key and per network address.
//!
//! - Every attempt is counted *before* the password is checked (a
//!   reservation): racing requests cannot slip past the limit while the
//!   first ones are still hashing. A right password clears the account's
//!   count and gives the address its attempt back.
//! - From the `max_failures`-th failure in the window on, the key backs off
//!   exponentially: 1 s, 2 s, 4 s, … during which attempts are refused
//!   without looking at the password.
//! - At `2 × max_failures` failures, or as soon as the back-off would reach
//!   `lockout`, the key is locked for `lockout`; when that ends the count
//!   starts over.
//!
//! The account key is the username as typed (normalized), hashed, so it is
//! counted alike whether or not the account exists.

use serde::{Deserialize, Serialize};

use crate::crypto::sha256_b64url;
use crate::protocol::entries::{Entry, EntryKind};
use crate::vocabulary::vocabulary;

vocabulary! {
    /// What a lockout or back-off is counted under (the `reason` of a
    /// `login_locked` audit event).
    pub enum LockScope("lockout scope") {
        /// One username, whoever tries it.
        Account => "account",
        /// One network address (IPv6: its /64), whatever usernames it tries.
        Address => "address",
    }
}

/// Limits for one kind of key (an account, an address).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThrottlePolicy {
    /// Failures in the window before back-off starts.
    pub max_failures: u32,
    /// Seconds from the first failure until the count starts over.
    pub failure_window: u64,
    /// Seconds a locked key stays locked.
    pub lockout: u64,
}

/// Every limit on sign-ins.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoginPolicy {
    pub account: ThrottlePolicy,
    /// Across every username tried from one address (credential stuffing).
    pub address: ThrottlePolicy,
    /// Wrong passwords one login page (interaction) accepts.
    pub max_attempts_per_page: u32,
}

impl Default for LoginPolicy {
    fn default() -> Self {
        let account = ThrottlePolicy { max_failures: 5, failure_window: 900, lockout: 900 };
        LoginPolicy {
            account,
            address: ThrottlePolicy { max_failures: 50, ..account },
            max_attempts_per_page: 3,
        }
    }
}

/// Failed (and in-flight) sign-ins under one key in the current window.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FailureCount {
    pub failures: u32,
    pub window_ends: i64,
    /// Attempts are refused until then (back-off or lockout).
    pub blocked_until: i64,
    /// The block is a lockout; the count starts over when it ends.
    pub locked: bool,
}

/// Why attempts are refused for now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Block {
    /// Seconds until an attempt is accepted again (at least 1).
    pub retry_after: u64,
    pub locked: bool,
}

impl FailureCount {
    /// The block in force at `now`, if any.
    pub fn block(&self, now: i64) -> Option<Block> {
        (self.blocked_until > now).then(|| Block {
            retry_after: u64::try_from(self.blocked_until - now).unwrap_or(1).max(1),
            locked: self.locked,
        })
    }

    /// Whether the count still matters at `now` (an ended lockout does not).
    fn is_live(&self, now: i64) -> bool {
        self.blocked_until > now || (!self.locked && self.window_ends > now)
    }

    /// The count after one more failure at `now` (which must not be
    /// blocked): the back-off or lockout it earns included.
    pub fn after_failure(current: Option<&FailureCount>, policy: &ThrottlePolicy, now: i64) -> FailureCount {
        let (failures, window_ends) = match current.filter(|c| c.is_live(now)) {
            Some(c) => (c.failures.saturating_add(1), c.window_ends),
            None => (1, now.saturating_add(policy.failure_window as i64)),
        };
        let mut next = FailureCount { failures, window_ends, blocked_until: 0, locked: false };
        if failures >= policy.max_failures {
            let excess = failures - policy.max_failures;
            let backoff = 1u64.checked_shl(excess).unwrap_or(u64::MAX);
            let (wait, locked) = if excess >= policy.max_failures || backoff >= policy.lockout {
                (policy.lockout, true)
            } else {
                (backoff, false)
            };
            next.blocked_until = now.saturating_add(wait as i64);
            next.locked = locked;
            // A back-off never outlives the count that earned it.
            next.window_ends = next.window_ends.max(next.blocked_until);
        }
        next
    }

    /// The count with one reserved attempt given back (it was not a wrong
    /// password). `reserved` is what that reservation stored: a block it
    /// set is lifted unless a later failure has replaced it.
    pub fn refunded(&self, reserved: &FailureCount) -> FailureCount {
        let mut next = self.clone();
        next.failures = next.failures.saturating_sub(1);
        if reserved.blocked_until != 0 && self.blocked_until == reserved.blocked_until {
            next.blocked_until = 0;
            next.locked = false;
        }
        next
    }

    /// Whether this count is a lock that `before` was not: the one
    /// transition that is audited.
    pub fn newly_locked(&self, before: Option<&FailureCount>, now: i64) -> bool {
        self.locked && !before.is_some_and(|b| b.locked && b.blocked_until > now)
    }
}

/// The account key for what a user typed: the username lower-cased (as
/// usernames are normalized) and hashed, so every spelling of one account
/// counts together and the store holds no usernames. Unknown and malformed
/// usernames are counted alike.
pub fn account_key(username: &str) -> String {
    sha256_b64url(username.to_lowercase().as_bytes())
}

/// An entry that holds a [`FailureCount`].
pub trait FailureEntry: Entry + Clone {
    const SCOPE: LockScope;
    fn wrap(count: FailureCount) -> Self;
    fn count(&self) -> &FailureCount;
}

/// Failures under an account key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct AccountFailures(pub FailureCount);

impl Entry for AccountFailures {
    const KIND: EntryKind = EntryKind::AccountFailures;
    fn expires_at(&self) -> i64 {
        self.0.window_ends.max(self.0.blocked_until)
    }
}

impl FailureEntry for AccountFailures {
    const SCOPE: LockScope = LockScope::Account;
    fn wrap(count: FailureCount) -> Self {
        AccountFailures(count)
    }
    fn count(&self) -> &FailureCount {
        &self.0
    }
}

/// Failures from a network address (IPv6: its /64), across usernames.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct AddressFailures(pub FailureCount);

impl Entry for AddressFailures {
    const KIND: EntryKind = EntryKind::AddressFailures;
    fn expires_at(&self) -> i64 {
        self.0.window_ends.max(self.0.blocked_until)
    }
}

impl FailureEntry for AddressFailures {
    const SCOPE: LockScope = LockScope::Address;
    fn wrap(count: FailureCount) -> Self {
        AddressFailures(count)
    }
    fn count(&self) -> &FailureCount {
        &self.0
    }
}

/// Wrong passwords entered on one login page, under the interaction id;
/// lives as long as the interaction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageFailures {
    pub failures: u32,
    pub expires_at: i64,
}

impl Entry for PageFailures {
    const KIND: EntryKind = EntryKind::PageFailures;
    fn expires_at(&self) -> i64 {
        self.expires_at
    }
}

#[cfg(test)]
mod tests;
