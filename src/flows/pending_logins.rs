//! The gate in front of every new login transaction: a start is counted for
//! its network address and in total (`protocol::pending_logins`), in the
//! ephemeral store so every instance sees the same counts, and refused when
//! either is over its limit. Refused starts count too, so an address that
//! keeps flooding stays refused until it stops.

use crate::flows::window_counter;
use crate::protocol::entries::EntryKind;
use crate::protocol::pending_logins::{PendingPolicy, PendingScope, TOTAL_SCOPE, address_scope};
use crate::store::{Ephemeral, StoreError};

#[derive(Clone)]
pub struct PendingLogins {
    ephemeral: Ephemeral,
    policy: PendingPolicy,
}

/// Whether a new login transaction may start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    Admitted,
    /// Over a limit: try again in `retry_after` seconds.
    Refused {
        scope: PendingScope,
        retry_after: u64,
    },
}

impl PendingLogins {
    pub fn new(ephemeral: Ephemeral, policy: PendingPolicy) -> PendingLogins {
        PendingLogins { ephemeral, policy }
    }

    /// Counts a start from `ip` (the client's address, `web::client_address`;
    /// `None` when unknown) and decides it: the address's limit first, so
    /// one address's flood does not also use up the total.
    pub async fn admit(&self, ip: Option<&str>, now: i64) -> Result<Admission, StoreError> {
        let policy = &self.policy;
        let mut refusal = None;
        if policy.max_per_address > 0 {
            let scope = address_scope(ip);
            let wait = self.count(&scope, policy.max_per_address, now).await?;
            refusal = wait.map(|retry_after| (PendingScope::Address, retry_after));
        }
        if refusal.is_none() && policy.max_total > 0 {
            let wait = self.count(TOTAL_SCOPE, policy.max_total, now).await?;
            refusal = wait.map(|retry_after| (PendingScope::Total, retry_after));
        }
        Ok(match refusal {
            Some((scope, retry_after)) => {
                crate::measure::pending_login_refused(scope);
                Admission::Refused { scope, retry_after }
            }
            None => Admission::Admitted,
        })
    }

    /// Counts one start under `scope`; the wait when that is over `limit`.
    async fn count(&self, scope: &str, limit: u64, now: i64) -> Result<Option<u64>, StoreError> {
        let window = self.policy.window();
        let counted =
            window_counter::count(&self.ephemeral, EntryKind::PendingLogins, window, scope, limit, now)
                .await?;
        if counted.just_crossed {
            tracing::warn!(
                scope,
                limit,
                "too many login transactions started: new ones are refused until fewer are pending"
            );
        }
        Ok(counted.retry_after)
    }
}
