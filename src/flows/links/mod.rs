//! Temporary secure links by mail (password reset, email verification) and
//! self-registration. [`LinkSender`] issues a link (stored hashed, see
//! `protocol::links`) and queues its mail; [`AccountLinkFlow`] serves the
//! pages: `/forgot`, `/reset`, `/verify`, `/register`.
//!
//! No account enumeration: `/forgot` answers before it looks anything up
//! (the lookup and the mail run in a spawned task), and `/register` answers
//! "check your email" whether or not the username or address exists (the
//! owner of a taken address gets a note instead). Mails per account (and
//! registrations per network address) are capped in the ephemeral store,
//! so no one can flood a mailbox or the outbox.

mod flow;
mod quota;
mod registration;

pub use flow::{AccountLinkFlow, ResetOutcome};
pub use quota::Quota;
pub use registration::{RegisterOutcome, Registration};

use crate::flows::outbox::{Outbox, Outgoing};
use crate::mail::compose;
use crate::protocol::UserRecord;
use crate::protocol::links::{LinkPurpose, LinkRecord, TOKEN_BYTES};
use crate::store::{AccountLinks, StoreError};

/// Lifetimes and caps, in seconds and counts.
#[derive(Debug, Clone, Copy)]
pub struct LinkPolicy {
    /// `links.reset_ttl`.
    pub reset_ttl: u64,
    /// `links.verify_ttl`.
    pub verify_ttl: u64,
    /// Mails of one purpose per account per hour (reset, re-sent
    /// verification), and notes per address.
    pub mails_per_hour: u32,
    /// Registrations one network address may submit per hour.
    pub registrations_per_hour: u32,
    /// `accounts.registration`.
    pub registration: bool,
}

impl Default for LinkPolicy {
    fn default() -> Self {
        LinkPolicy {
            reset_ttl: 1800,
            verify_ttl: 86_400,
            mails_per_hour: 3,
            registrations_per_hour: 10,
            registration: false,
        }
    }
}

/// The window of the caps.
const HOUR: i64 = 3600;

/// Issues links and queues their mails.
#[derive(Clone)]
pub struct LinkSender {
    links: AccountLinks,
    outbox: Outbox,
    pub(super) quota: Quota,
    issuer: String,
    policy: LinkPolicy,
}

/// Whether a mail went to the outbox, and if not, why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sent {
    Queued,
    /// No address, or the account is disabled.
    NoAddress,
    /// The per-account cap is reached for this hour.
    Capped,
}

impl LinkSender {
    pub fn new(
        links: AccountLinks,
        outbox: Outbox,
        quota: Quota,
        issuer: String,
        policy: LinkPolicy,
    ) -> LinkSender {
        LinkSender { links, outbox, quota, issuer, policy }
    }

    pub fn policy(&self) -> &LinkPolicy {
        &self.policy
    }

    /// An absolute URL on the issuer.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.issuer)
    }

    /// A new link for `purpose` (reset or verify) to `user`'s address, and
    /// its mail. `capped`: counts against the account's hourly cap (every
    /// request a stranger can cause; not an operator's explicit re-send).
    pub async fn send(
        &self,
        purpose: LinkPurpose,
        user: &UserRecord,
        capped: bool,
        now: i64,
    ) -> Result<Sent, StoreError> {
        let Some(address) = user.email.as_deref().filter(|_| !user.disabled) else {
            return Ok(Sent::NoAddress);
        };
        if capped
            && !self
                .quota
                .take(&format!("{purpose}:{}", user.id), self.policy.mails_per_hour, HOUR, now)
                .await?
        {
            tracing::info!(%purpose, user_id = %user.id, "mail cap reached; no link sent");
            return Ok(Sent::Capped);
        }
        let token = crate::crypto::random_token(TOKEN_BYTES);
        let (ttl, mail) = match purpose {
            LinkPurpose::Reset => {
                let ttl = self.policy.reset_ttl;
                (
                    ttl,
                    compose::reset(address, &user.username, &self.url(&format!("/reset?token={token}")), ttl),
                )
            }
            _ => {
                let ttl = self.policy.verify_ttl;
                (
                    ttl,
                    compose::verify(
                        address,
                        &user.username,
                        &self.url(&format!("/verify?token={token}")),
                        ttl,
                    ),
                )
            }
        };
        self.links.insert(LinkRecord::issue(purpose, user, &token, ttl, now)).await?;
        self.outbox.send(Outgoing { mail, purpose, user_id: Some(user.id.clone()) }).await;
        tracing::info!(%purpose, user_id = %user.id, "link sent");
        Ok(Sent::Queued)
    }

    /// The note to the owner of an address someone tried to register with.
    pub async fn send_registration_attempt(&self, owner: &UserRecord, now: i64) -> Result<Sent, StoreError> {
        let Some(address) = owner.email.as_deref() else { return Ok(Sent::NoAddress) };
        let purpose = LinkPurpose::RegistrationAttempt;
        if !self.quota.take(&format!("{purpose}:{}", owner.id), self.policy.mails_per_hour, HOUR, now).await?
        {
            return Ok(Sent::Capped);
        }
        let mail = compose::registration_attempt(address, &self.url("/forgot"));
        self.outbox.send(Outgoing { mail, purpose, user_id: Some(owner.id.clone()) }).await;
        Ok(Sent::Queued)
    }
}
