use super::*;

const POLICY: ThrottlePolicy = ThrottlePolicy { max_failures: 3, failure_window: 600, lockout: 300 };

/// `n` failures at `now`, each waiting out the previous back-off.
fn fail(mut count: Option<FailureCount>, n: u32, mut now: i64) -> (FailureCount, i64) {
    for _ in 0..n {
        if let Some(block) = count.as_ref().and_then(|c| c.block(now)) {
            now += block.retry_after as i64;
        }
        count = Some(FailureCount::after_failure(count.as_ref(), &POLICY, now));
    }
    (count.expect("at least one failure"), now)
}

#[test]
fn back_off_doubles_from_the_threshold_then_locks() {
    let (two, now) = fail(None, 2, 1_000);
    assert_eq!(two.block(now), None, "below the threshold nothing waits");
    let third = FailureCount::after_failure(Some(&two), &POLICY, now);
    assert_eq!(third.block(now), Some(Block { retry_after: 1, locked: false }));
    let fourth = FailureCount::after_failure(Some(&third), &POLICY, now + 1);
    assert_eq!(fourth.block(now + 1), Some(Block { retry_after: 2, locked: false }));
    let fifth = FailureCount::after_failure(Some(&fourth), &POLICY, now + 3);
    assert_eq!(fifth.block(now + 3), Some(Block { retry_after: 4, locked: false }));
    let sixth = FailureCount::after_failure(Some(&fifth), &POLICY, now + 7);
    assert_eq!(sixth.block(now + 7), Some(Block { retry_after: 300, locked: true }), "2 × max_failures");
    assert!(sixth.newly_locked(Some(&fifth), now + 7));
    assert!(!sixth.newly_locked(Some(&sixth), now + 8), "the same lock is not new");
}

#[test]
fn a_back_off_that_would_reach_the_lockout_locks() {
    let policy = ThrottlePolicy { max_failures: 10, failure_window: 600, lockout: 4 };
    let mut count = None;
    let mut now = 0;
    for _ in 0..12 {
        if let Some(block) = count.as_ref().and_then(|c: &FailureCount| c.block(now)) {
            now += block.retry_after as i64;
        }
        count = Some(FailureCount::after_failure(count.as_ref(), &policy, now));
    }
    // 10th: 1 s, 11th: 2 s, 12th: 4 s ≥ lockout.
    assert_eq!(count.unwrap().block(now), Some(Block { retry_after: 4, locked: true }));
}

#[test]
fn the_count_starts_over_after_the_window_and_after_a_lockout() {
    let (two, now) = fail(None, 2, 1_000);
    let later = FailureCount::after_failure(Some(&two), &POLICY, now + 600);
    assert_eq!(later.failures, 1, "the window ended");
    let (locked, now) = fail(None, 6, 1_000);
    assert!(locked.locked);
    let after = FailureCount::after_failure(Some(&locked), &POLICY, now + 300);
    assert_eq!((after.failures, after.block(now + 300)), (1, None), "a new count after the lockout");
}

#[test]
fn a_refund_lifts_only_the_block_its_own_reservation_set() {
    let (two, now) = fail(None, 2, 1_000);
    let reserved = FailureCount::after_failure(Some(&two), &POLICY, now);
    assert!(reserved.block(now).is_some());
    let refunded = reserved.refunded(&reserved);
    assert_eq!((refunded.failures, refunded.block(now)), (2, None));
    // A later failure set its own block: the refund leaves it.
    let later = FailureCount::after_failure(Some(&reserved), &POLICY, now + 1);
    let refunded = later.refunded(&reserved);
    assert_eq!((refunded.failures, refunded.blocked_until), (3, later.blocked_until));
}

#[test]
fn account_keys_ignore_case_and_hide_the_username() {
    assert_eq!(account_key("Alice"), account_key("alice"));
    assert_ne!(account_key("alice"), account_key("bob"));
    assert!(!account_key("alice").contains("alice"));
    assert_eq!(account_key("alice").len(), 43);
}
