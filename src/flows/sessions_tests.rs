use super::*;
use crate::protocol::{AuthLevel, AuthMethod, UserRecord};
use crate::store::test_db::temp_stores;

const NOW: i64 = 1_800_000_000;
const POLICY: SessionPolicy = SessionPolicy { ttl: 3600, idle_ttl: 600 };

fn password_at(auth_time: i64) -> Authentication {
    Authentication { auth_time, amr: vec![AuthMethod::Password], acr: AuthLevel::SingleFactor }
}

fn device(ua: &str) -> Device {
    Device { user_agent: Some(ua.into()), ip: Some("127.0.0.1".into()) }
}

async fn setup() -> (Sessions, crate::store::Stores, tempfile::TempDir) {
    let (stores, dir) = temp_stores().await;
    for name in ["alice", "bob"] {
        let user = UserRecord {
            id: name.into(),
            username: name.into(),
            email: None,
            email_verified: false,
            name: None,
            profile: crate::protocol::profile::Profile::default(),
            password_hash: "x".into(),
            disabled: false,
            created_at: 0,
            updated_at: 0,
            version: 1,
        };
        stores.users.create(user).await.expect("user");
    }
    let sessions = Sessions::detached(&stores, POLICY);
    (sessions, stores, dir)
}

async fn listed(sessions: &Sessions, user_id: &str) -> usize {
    sessions.list(user_id, NOW).await.expect("list").len()
}

#[tokio::test]
async fn a_login_renews_or_replaces_the_session_under_a_new_cookie() {
    let (sessions, stores, _dir) = setup().await;
    let pc = device("Firefox");
    let (first, alice, ended) = sessions.start(None, "alice", password_at(NOW), &pc, NOW).await.unwrap();
    assert!(ended.is_none());
    assert!(first.starts_with(&format!("{}.", alice.sid)), "the cookie names the sid");
    assert_ne!(alice.secret_hash, first, "only a hash of the secret is stored");
    assert_eq!(sessions.find(Some(&first), &pc, NOW).await.unwrap().as_ref(), Some(&alice));
    assert_eq!(listed(&sessions, "alice").await, 1);

    // The same user again: same sid, new cookie, new auth_time; the old cookie is dead.
    let (second, renewed, _) =
        sessions.start(Some(&first), "alice", password_at(NOW + 10), &pc, NOW + 10).await.unwrap();
    assert_ne!(first, second);
    assert_eq!((renewed.sid.as_str(), renewed.auth_time()), (alice.sid.as_str(), NOW + 10));
    assert!(sessions.find(Some(&first), &pc, NOW + 10).await.unwrap().is_none());
    assert_eq!(listed(&sessions, "alice").await, 1);

    // Another user in the same browser: a new session; alice's ends.
    let (_, bob, ended) =
        sessions.start(Some(&second), "bob", password_at(NOW + 20), &pc, NOW + 20).await.unwrap();
    assert_ne!(bob.sid, alice.sid);
    assert_eq!(ended.map(|e| e.session.sid), Some(alice.sid.clone()));
    assert!(sessions.find(Some(&second), &pc, NOW + 20).await.unwrap().is_none());
    assert_eq!((listed(&sessions, "alice").await, listed(&sessions, "bob").await), (0, 1));
    let events = stores.audit.recent(10).await.unwrap();
    assert_eq!(events.iter().map(|e| e.kind).collect::<Vec<_>>(), [AuditKind::SessionEnded]);
    assert!(events[0].detail.contains("other_user_login"), "{}", events[0].detail);

    for forged in ["not-a-cookie", &format!("{}.{}", bob.sid, "A".repeat(43)), &first[..40]] {
        assert!(sessions.find(Some(forged), &pc, NOW).await.unwrap().is_none(), "{forged}");
    }
}

#[tokio::test]
async fn idle_and_absolute_lifetimes_are_both_enforced() {
    let (sessions, _stores, _dir) = setup().await;
    let pc = device("Firefox");
    let (cookie, started, _) = sessions.start(None, "alice", password_at(NOW), &pc, NOW).await.unwrap();
    assert_eq!((started.idle_expires_at, started.expires_at), (NOW + 600, NOW + 3600));

    // Within TOUCH_AFTER nothing is written; after it, the idle end moves.
    let soon = sessions.find(Some(&cookie), &pc, NOW + 30).await.unwrap().unwrap();
    assert_eq!(soon.last_seen, NOW);
    let mut at = NOW;
    while at + 500 < NOW + 3600 {
        at += 500;
        let found = sessions.find(Some(&cookie), &pc, at).await.unwrap().expect("kept alive by use");
        assert_eq!(found.last_seen, at);
        assert_eq!(found.idle_expires_at, (at + 600).min(NOW + 3600));
    }
    assert!(sessions.find(Some(&cookie), &pc, NOW + 3600).await.unwrap().is_none(), "absolute end");

    // Unused for idle_ttl: gone.
    let (idle, _, _) = sessions.start(None, "bob", password_at(NOW), &pc, NOW).await.unwrap();
    assert!(sessions.find(Some(&idle), &pc, NOW + 599).await.unwrap().is_some());
    assert!(sessions.find(Some(&idle), &pc, NOW + 599 + 601).await.unwrap().is_none(), "idle end");
}

#[tokio::test]
async fn a_session_ended_while_in_use_stays_ended() {
    let (sessions, _stores, _dir) = setup().await;
    let (pc, phone) = (device("Firefox"), device("Phone"));
    let (cookie, session, _) = sessions.start(None, "alice", password_at(NOW), &pc, NOW).await.unwrap();
    // Both noted, though the second works from a copy read before the first.
    assert!(sessions.note_client(&session, "app", NOW).await.unwrap());
    assert!(sessions.note_client(&session, "wiki", NOW).await.unwrap());
    let ended = sessions.end(&session, SessionEndReason::Logout, NOW + 100).await.unwrap();
    assert_eq!(ended.clients, ["app", "wiki"]);
    // A request that read the session before the end cannot bring it back.
    assert!(sessions.touch(session.clone(), &phone, NOW + 200).await.unwrap().is_none());
    assert!(sessions.find(Some(&cookie), &pc, NOW + 200).await.unwrap().is_none());
    assert!(!sessions.keep_alive(&session.sid, NOW + 200).await.unwrap());
    assert!(
        !sessions.note_client(&session, "late", NOW + 200).await.unwrap(),
        "no client joins an ended session"
    );
    assert_eq!(listed(&sessions, "alice").await, 0);
}

#[tokio::test]
async fn sessions_of_a_disabled_user_end_when_next_used() {
    let (sessions, stores, _dir) = setup().await;
    let pc = device("Firefox");
    let (cookie, _, _) = sessions.start(None, "bob", password_at(NOW), &pc, NOW).await.unwrap();
    let (other, _, _) = sessions.start(None, "bob", password_at(NOW), &device("Phone"), NOW).await.unwrap();
    assert_eq!(listed(&sessions, "bob").await, 2);
    assert!(stores.users.delete("bob").await.unwrap());
    stores.flush_caches();
    assert!(sessions.find(Some(&cookie), &pc, NOW + 1).await.unwrap().is_none());
    assert_eq!(listed(&sessions, "bob").await, 1, "the session used was ended");
    assert_eq!(sessions.end_all("bob", SessionEndReason::UserGone, NOW + 2).await.unwrap().len(), 1);
    assert!(sessions.find(Some(&other), &pc, NOW + 3).await.unwrap().is_none());
}
