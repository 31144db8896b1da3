//! One conformance suite for every `Ephemeral` backend: memory always, Redis
//! on the PostgreSQL + Redis run (own random prefix, removed at the end;
//! every key also carries a TTL of at most a minute in case a test fails).

use std::time::Duration;

use super::{Ephemeral, RedisConfig, StoreError};
use crate::protocol::AuthLevel;
use crate::protocol::Scope;
use crate::protocol::entries::{
    Authentication, DeniedToken, DeviceAnswer, DeviceAuthorization, EntryKind, IndexKey, IndexKind,
    SpentCode, SsoSession, UsedAssertion, member_of,
};

const NOW: i64 = 1_800_000_000;
const MINUTE: i64 = 60;

fn spent(family: &str) -> SpentCode {
    SpentCode {
        client_id: "app".into(),
        user_id: "u-\"quoted\"-é".into(),
        family_id: family.into(),
        access_token_jti: "j".into(),
        access_token_exp: NOW + MINUTE,
        expires_at: NOW + MINUTE,
    }
}

fn session(user_id: &str, sid: &str) -> SsoSession {
    SsoSession {
        sid: sid.into(),
        user_id: user_id.into(),
        secret_hash: "h".into(),
        authentication: Authentication { auth_time: NOW, amr: vec![], acr: AuthLevel::SingleFactor },
        created_at: NOW,
        last_seen: NOW,
        expires_at: NOW + MINUTE,
        idle_expires_at: NOW + MINUTE,
        device: Default::default(),
        clients: vec![],
    }
}

async fn entries(store: &Ephemeral) {
    // put / get: get does not consume; put replaces; kinds are namespaces.
    store.put("a", &spent("f1"), NOW).await.expect("put");
    assert_eq!(store.get::<SpentCode>("a").await.expect("get"), Some(spent("f1")));
    assert_eq!(store.get::<SpentCode>("a").await.expect("get"), Some(spent("f1")));
    store.put("a", &spent("f2"), NOW).await.expect("put");
    assert_eq!(store.get::<SpentCode>("a").await.expect("get").map(|s| s.family_id), Some("f2".into()));
    assert_eq!(store.get::<SpentCode>("missing").await.expect("get"), None);
    assert_eq!(store.get::<DeniedToken>("a").await.expect("get"), None, "another kind");

    // The entry's own expiry decides its TTL: one second at least.
    store.put("short", &DeniedToken { exp: NOW + 1 }, NOW).await.expect("put");
    store.put("past", &DeniedToken { exp: NOW - 10 }, NOW).await.expect("put");
    assert!(store.get::<DeniedToken>("short").await.expect("get").is_some());
    tokio::time::sleep(Duration::from_millis(1300)).await;
    assert_eq!(store.get::<DeniedToken>("short").await.expect("get"), None);
    assert_eq!(store.take::<DeniedToken>("past").await.expect("take"), None);

    // take is single-use.
    store.put("c1", &spent("f"), NOW).await.expect("put");
    assert!(store.take::<SpentCode>("c1").await.expect("take").is_some());
    assert_eq!(store.take::<SpentCode>("c1").await.expect("take"), None);
    assert_eq!(store.get::<SpentCode>("c1").await.expect("get"), None);

    // swap writes only over the value as read.
    let (f1, f2, f3) = (spent("f1"), spent("f2"), spent("f3"));
    assert!(!store.swap("r1", &f1, &f2, NOW).await.expect("swap"), "nothing to swap");
    assert_eq!(store.get::<SpentCode>("r1").await.expect("get"), None);
    store.put("r1", &f1, NOW).await.expect("put");
    assert!(store.swap("r1", &f1, &f2, NOW).await.expect("swap"));
    assert_eq!(store.get::<SpentCode>("r1").await.expect("get"), Some(f2.clone()));
    assert!(!store.swap("r1", &f1, &f3, NOW).await.expect("swap"), "changed since it was read");
    assert_eq!(store.get::<SpentCode>("r1").await.expect("get"), Some(f2.clone()));
    store.delete::<SpentCode>("r1").await.expect("delete");
    assert!(!store.swap("r1", &f2, &f3, NOW).await.expect("swap"), "a deleted entry stays deleted");
    assert_eq!(store.get::<SpentCode>("r1").await.expect("get"), None);

    // Of 16 concurrent takers exactly one wins.
    for round in 0..3 {
        let id = format!("race{round}");
        store.put(&id, &spent("f"), NOW).await.expect("put");
        let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(16));
        let tasks: Vec<_> = (0..16)
            .map(|_| {
                let (store, barrier, id) = (store.clone(), barrier.clone(), id.clone());
                tokio::spawn(async move {
                    barrier.wait().await;
                    store.take::<SpentCode>(&id).await
                })
            })
            .collect();
        let mut winners = 0;
        for task in tasks {
            if task.await.expect("join").expect("take").is_some() {
                winners += 1;
            }
        }
        assert_eq!(winners, 1, "round {round}");
    }

    // delete, including of an absent entry.
    store.put("d", &spent("f"), NOW).await.expect("put");
    store.delete::<SpentCode>("d").await.expect("delete");
    assert_eq!(store.get::<SpentCode>("d").await.expect("get"), None);
    store.delete::<SpentCode>("d").await.expect("delete absent");

    // put_new: only the first writer of a live id wins; expiry frees it.
    let used = UsedAssertion { expires_at: NOW + MINUTE };
    assert!(store.put_new("svc:j1", &used, NOW).await.expect("nx"));
    assert!(!store.put_new("svc:j1", &used, NOW).await.expect("nx"));
    assert!(store.put_new("svc:short", &UsedAssertion { expires_at: NOW + 1 }, NOW).await.expect("nx"));
    tokio::time::sleep(Duration::from_millis(1300)).await;
    assert!(store.put_new("svc:short", &used, NOW).await.expect("nx after expiry"));
}

async fn corrupt_data(store: &Ephemeral, raw_put: impl AsyncFnOnce(&str, &str)) {
    raw_put(&member_of(EntryKind::SpentCode, "bad"), "{not json").await;
    let err = store.get::<SpentCode>("bad").await.expect_err("corrupt");
    assert!(matches!(err, StoreError::Corrupt(_)), "{err:?}");
    let err = store.take::<SpentCode>("bad").await.expect_err("corrupt");
    assert!(matches!(err, StoreError::Corrupt(_)), "{err:?}");
    assert_eq!(store.get::<SpentCode>("bad").await.expect("get"), None, "consumed all the same");
}

async fn indexes(store: &Ephemeral) {
    // An entry joins the indexes it names when stored.
    store.put("k1", &session("alice", "s1"), NOW).await.expect("put");
    store.put("k2", &session("alice", "s2"), NOW).await.expect("put");
    store.put("k3", &session("bob", "s3"), NOW).await.expect("put");
    let alice = IndexKey::new(IndexKind::UserSessions, "alice");
    let mut members = store.index_members(&alice).await.expect("members");
    members.sort();
    assert_eq!(members, [member_of(EntryKind::Session, "k1"), member_of(EntryKind::Session, "k2")]);
    store.remove_from_index(&alice, &member_of(EntryKind::Session, "k1")).await.expect("remove");
    assert_eq!(store.index_members(&alice).await.expect("members"), [member_of(EntryKind::Session, "k2")]);
    assert!(
        store.index_members(&IndexKey::new(IndexKind::UserSessions, "carol")).await.expect("none").is_empty()
    );

    // Plain members, and an index outliving its first member.
    let grants = IndexKey::new(IndexKind::SessionGrants, "s1");
    store.add_to_index(&grants, "g1", NOW + 1, NOW).await.expect("add");
    store.add_to_index(&grants, "g2", NOW + MINUTE, NOW).await.expect("add");
    tokio::time::sleep(Duration::from_millis(1300)).await;
    let mut members = store.index_members(&grants).await.expect("members");
    members.sort();
    assert_eq!(members, ["g1", "g2"], "the index lives as long as its longest member");

    // revoke_by_grant deletes what the grant listed, and only that.
    let grant = IndexKey::new(IndexKind::GrantEntries, "family-1");
    for id in ["x1", "x2"] {
        store.put(id, &spent("family-1"), NOW).await.expect("put");
        store
            .add_to_index(&grant, &member_of(EntryKind::SpentCode, id), NOW + MINUTE, NOW)
            .await
            .expect("add");
    }
    store.put("x3", &spent("family-2"), NOW).await.expect("put");
    store.add_to_index(&grant, "not-an-entry", NOW + MINUTE, NOW).await.expect("add");
    assert_eq!(store.revoke_by_grant("family-1").await.expect("revoke"), 2);
    assert_eq!(store.get::<SpentCode>("x1").await.expect("get"), None);
    assert_eq!(store.get::<SpentCode>("x2").await.expect("get"), None);
    assert!(store.get::<SpentCode>("x3").await.expect("get").is_some(), "another grant's entry stays");
    assert!(store.index_members(&grant).await.expect("members").is_empty());
    assert_eq!(store.revoke_by_grant("family-1").await.expect("again"), 0);

    user_codes(store).await;
}

/// A device authorization is found by its user code (RFC 8628 §3.3), also
/// after its answer was swapped in, and leaves the index when taken.
async fn user_codes(store: &Ephemeral) {
    let pending = DeviceAuthorization {
        client_id: "tv".into(),
        scope: Scope::parse("openid").unwrap(),
        user_code: "BCDFGHJK".into(),
        interval: 5,
        last_poll: None,
        answer: DeviceAnswer::Pending,
        expires_at: NOW + MINUTE,
        forget_at: NOW + MINUTE,
    };
    let index = IndexKey::new(IndexKind::UserCode, "BCDFGHJK");
    let member = member_of(EntryKind::DeviceAuthorization, "dk1");
    store.put("dk1", &pending, NOW).await.expect("put");
    assert_eq!(store.index_members(&index).await.expect("members"), [member.as_str()]);
    let authentication = Authentication { auth_time: NOW, amr: vec![], acr: AuthLevel::SingleFactor };
    let answer = DeviceAnswer::Approved { user_id: "u".into(), sid: "s".into(), authentication };
    let approved = DeviceAuthorization { answer, ..pending.clone() };
    assert!(store.swap("dk1", &pending, &approved, NOW).await.expect("swap"));
    assert!(!store.swap("dk1", &pending, &approved, NOW).await.expect("swap"), "answered once");
    assert_eq!(store.index_members(&index).await.expect("members"), [member.as_str()]);
    assert_eq!(store.take::<DeviceAuthorization>("dk1").await.expect("take"), Some(approved));
    store.remove_from_index(&index, &member).await.expect("remove");
    assert!(store.index_members(&index).await.expect("members").is_empty());
    let other = IndexKey::new(IndexKind::UserCode, "CDFGHJKL");
    assert!(store.index_members(&other).await.expect("members").is_empty());
}

async fn counters(store: &Ephemeral) {
    let (kind, ttl) = (EntryKind::PendingLogins, Duration::from_secs(60));
    assert_eq!(store.increment(kind, "{a}:2", "{a}:1", ttl).await.expect("increment"), (1, 0));
    assert_eq!(store.increment(kind, "{a}:2", "{a}:1", ttl).await.expect("increment"), (2, 0));
    assert_eq!(store.increment(kind, "{a}:3", "{a}:2", ttl).await.expect("increment"), (1, 2));
    assert_eq!(store.increment(kind, "{b}:3", "{b}:2", ttl).await.expect("increment"), (1, 0), "own scope");
    // Concurrent increments are all counted.
    let mut all = tokio::task::JoinSet::new();
    for _ in 0..20 {
        let store = store.clone();
        all.spawn(async move { store.increment(kind, "{c}:1", "{c}:0", ttl).await.expect("increment").0 });
    }
    let mut seen = all.join_all().await;
    seen.sort();
    assert_eq!(seen, (1..=20).collect::<Vec<u64>>());
    // A counter dies with its TTL and starts over.
    let short = Duration::from_millis(1100);
    assert_eq!(store.increment(kind, "{d}:1", "{d}:0", short).await.expect("increment"), (1, 0));
    tokio::time::sleep(Duration::from_millis(1300)).await;
    assert_eq!(store.increment(kind, "{d}:1", "{d}:0", short).await.expect("increment"), (1, 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn memory_conformance() {
    let store = Ephemeral::memory();
    assert_eq!(store.backend_name(), "memory");
    entries(&store).await;
    let Ephemeral::Memory(raw) = &store else { unreachable!("memory() returns the memory variant") };
    corrupt_data(&store, async |key, value| raw.put(key, value, Duration::from_secs(60), &[])).await;
    indexes(&store).await;
    counters(&store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[cfg_attr(not(oxidp_pg_redis), ignore = "needs Redis: set OXIDP_TEST_DATABASE_URL and OXIDP_TEST_REDIS_URL")]
async fn redis_conformance() {
    let url = std::env::var("OXIDP_TEST_REDIS_URL").expect("OXIDP_TEST_REDIS_URL");
    let prefix = format!("oxidp-test:{}:", uuid::Uuid::new_v4().simple());
    let store = Ephemeral::connect_redis(&RedisConfig::new(&url, &prefix))
        .await
        .expect("connect to OXIDP_TEST_REDIS_URL");
    assert_eq!(store.backend_name(), "redis");
    entries(&store).await;
    let Ephemeral::Redis(raw) = &store else { unreachable!("connect_redis returns the Redis variant") };
    corrupt_data(&store, async |key, value| {
        raw.put(key, value, Duration::from_secs(60), &[]).await.expect("raw put");
    })
    .await;
    indexes(&store).await;
    counters(&store).await;

    assert_eq!(raw.prefix(), prefix);
    raw.delete_prefixed().await.expect("clean up");
    assert_eq!(raw.delete_prefixed().await.expect("clean up"), 0);
}
