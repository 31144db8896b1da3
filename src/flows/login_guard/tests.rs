use super::*;
use crate::protocol::login_throttle::ThrottlePolicy;

const IP: Option<&str> = Some("203.0.113.7");

fn guard(max_failures: u32, per_ip: u32) -> LoginGuard {
    let account = ThrottlePolicy { max_failures, failure_window: 600, lockout: 300 };
    let policy = LoginPolicy {
        account,
        address: ThrottlePolicy { max_failures: per_ip, ..account },
        max_attempts_per_page: 3,
    };
    LoginGuard::new(Ephemeral::memory(), policy)
}

async fn attempt(
    guard: &LoginGuard,
    user: &str,
    ip: Option<&str>,
    how: Settlement,
    now: i64,
) -> Result<Vec<LockScope>, Refusal> {
    match guard.admit(user, ip, now).await.unwrap() {
        Admission::Admitted(ticket) => Ok(guard.settle(ticket, how, now).await.unwrap()),
        Admission::Refused(refusal) => Err(refusal),
    }
}

#[tokio::test]
async fn failures_back_off_then_lock_once_and_refuse_even_the_right_password() {
    let guard = guard(2, 100);
    let mut now = 1_000;
    assert_eq!(attempt(&guard, "alice", IP, Settlement::Failed, now).await, Ok(vec![]));
    assert_eq!(
        attempt(&guard, "Alice", IP, Settlement::Failed, now).await,
        Ok(vec![]),
        "case does not matter"
    );
    let refused = attempt(&guard, "alice", IP, Settlement::Succeeded, now).await.unwrap_err();
    assert_eq!(
        refused,
        Refusal { scope: LockScope::Account, block: Block { retry_after: 1, locked: false } }
    );
    now += 1;
    assert_eq!(attempt(&guard, "alice", IP, Settlement::Failed, now).await, Ok(vec![]));
    now += 2;
    assert_eq!(attempt(&guard, "alice", IP, Settlement::Failed, now).await, Ok(vec![LockScope::Account]));
    let locked = attempt(&guard, "alice", IP, Settlement::Succeeded, now + 10).await.unwrap_err();
    assert_eq!(locked.block, Block { retry_after: 290, locked: true });
    assert_eq!(attempt(&guard, "bob", IP, Settlement::Failed, now).await, Ok(vec![]), "another account");
    now += 300;
    assert_eq!(
        attempt(&guard, "alice", IP, Settlement::Succeeded, now).await,
        Ok(vec![]),
        "the lockout ended"
    );
}

#[tokio::test]
async fn success_clears_the_account_and_abandoned_attempts_are_given_back() {
    let guard = guard(3, 100);
    for _ in 0..2 {
        attempt(&guard, "alice", IP, Settlement::Failed, 1_000).await.unwrap();
    }
    attempt(&guard, "alice", IP, Settlement::Succeeded, 1_000).await.unwrap();
    for _ in 0..2 {
        attempt(&guard, "alice", IP, Settlement::Failed, 1_000).await.unwrap();
    }
    for _ in 0..5 {
        attempt(&guard, "alice", IP, Settlement::Abandoned, 1_000).await.unwrap();
    }
    assert!(attempt(&guard, "alice", IP, Settlement::Failed, 1_000).await.is_ok(), "still below the limit");
    assert!(attempt(&guard, "alice", IP, Settlement::Failed, 1_000).await.is_err(), "now backing off");
    guard.clear_account("ALICE").await.unwrap();
    assert!(attempt(&guard, "alice", IP, Settlement::Failed, 1_000).await.is_ok(), "unlocked");
}

#[tokio::test]
async fn an_address_is_limited_across_usernames_and_ipv6_per_64() {
    let guard = guard(100, 3);
    for user in ["a", "b", "c"] {
        attempt(&guard, user, Some("2001:db8:1:2::1"), Settlement::Failed, 1_000).await.unwrap();
    }
    let refused =
        attempt(&guard, "d", Some("2001:db8:1:2::ffff"), Settlement::Failed, 1_000).await.unwrap_err();
    assert_eq!(refused.scope, LockScope::Address);
    assert!(attempt(&guard, "d", Some("2001:db8:1:3::1"), Settlement::Failed, 1_000).await.is_ok());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_attempts_cannot_pass_the_limit() {
    let guard = guard(3, 1_000);
    let tasks: Vec<_> = (0..40)
        .map(|_| {
            let guard = guard.clone();
            tokio::spawn(async move {
                match guard.admit("alice", IP, 1_000).await.unwrap() {
                    Admission::Admitted(ticket) => {
                        guard.settle(ticket, Settlement::Failed, 1_000).await.unwrap();
                        1
                    }
                    Admission::Refused(_) => 0,
                }
            })
        })
        .collect();
    let mut admitted = 0;
    for task in tasks {
        admitted += task.await.unwrap();
    }
    assert!(admitted <= 3, "{admitted} attempts passed a limit of 3");
}

#[tokio::test]
async fn a_page_runs_out_of_attempts() {
    let guard = guard(100, 100);
    assert!(!guard.page_failed("page", 2_000, 1_000).await.unwrap());
    assert!(!guard.page_failed("page", 2_000, 1_000).await.unwrap());
    assert!(guard.page_failed("page", 2_000, 1_000).await.unwrap());
    assert!(!guard.page_failed("other", 2_000, 1_000).await.unwrap());
}
