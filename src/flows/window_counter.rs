//! One event counted on a sliding-window counter (`protocol::sliding_window`)
//! in the ephemeral store, and the verdict against a limit: what the
//! pending-login caps and the rate limits share.

use crate::protocol::entries::EntryKind;
use crate::protocol::sliding_window::{Counts, SlidingWindow};
use crate::store::{Ephemeral, StoreError};

/// The verdict on one counted event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counted {
    /// `Some(seconds)` when over the limit: the `Retry-After`.
    pub retry_after: Option<u64>,
    /// This event is the one that went over (log once per crossing, so a
    /// flood does not flood the log as well).
    pub just_crossed: bool,
}

/// Counts one event of `scope` under counters of `kind` and judges it
/// against `limit` (0: no limit).
pub async fn count(
    ephemeral: &Ephemeral,
    kind: EntryKind,
    window: SlidingWindow,
    scope: &str,
    limit: u64,
    now: i64,
) -> Result<Counted, StoreError> {
    let position = window.position(now);
    let (current, previous) = SlidingWindow::counter_ids(scope, position);
    let (current, previous) = ephemeral.increment(kind, &current, &previous, window.counter_ttl()).await?;
    let counts = Counts { current, previous };
    Ok(Counted {
        retry_after: counts.refusal(limit, window.seconds, position),
        just_crossed: counts.just_crossed(limit, window.seconds, position),
    })
}
