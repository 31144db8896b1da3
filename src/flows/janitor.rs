//! The janitor: removes what no request can use any more, so the database
//! does not grow forever. Each run deletes
//! - refresh-token families dead (revoked, idle-expired or past their
//!   absolute lifetime) for longer than `refresh_token_retention`,
//! - denials of access tokens that have expired anyway,
//! - retired signing keys past their `delete_after` (they leave the JWKS
//!   within `keys.poll_interval`),
//! - audit events older than `audit_retention`,
//! - mailed links (reset, verification) past their expiry.

use crate::store::{AccountLinks, Audit, Grants, SigningKeys, StoreError};

/// How long what is no longer usable is kept, in seconds.
#[derive(Debug, Clone, Copy)]
pub struct RetentionPolicy {
    pub refresh_token_retention: u64,
    pub audit_retention: u64,
}

/// What one run removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Swept {
    pub refresh_tokens: usize,
    pub denied_tokens: usize,
    pub retired_keys: usize,
    pub audit_events: usize,
    pub links: usize,
}

pub struct Janitor {
    grants: Grants,
    signing_keys: SigningKeys,
    audit: Audit,
    links: AccountLinks,
    policy: RetentionPolicy,
}

impl Janitor {
    pub fn new(
        grants: Grants,
        signing_keys: SigningKeys,
        audit: Audit,
        links: AccountLinks,
        policy: RetentionPolicy,
    ) -> Janitor {
        Janitor { grants, signing_keys, audit, links, policy }
    }

    pub async fn run(&self, now: i64) -> Result<Swept, StoreError> {
        let before = |secs: u64| now.saturating_sub(i64::try_from(secs).unwrap_or(i64::MAX));
        Ok(Swept {
            refresh_tokens: self.grants.delete_dead(before(self.policy.refresh_token_retention)).await?,
            denied_tokens: self.grants.delete_expired_denials(now).await?,
            retired_keys: self.signing_keys.delete_expired(now).await?,
            audit_events: self.audit.delete_before(before(self.policy.audit_retention)).await?,
            links: self.links.delete_expired(now).await?,
        })
    }
}
