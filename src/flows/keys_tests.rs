//! The key lifecycle against real databases: SQLite always, PostgreSQL on
//! the PostgreSQL + Redis run.

use super::*;
use crate::store::{OpenMode, StoreConfig, Stores};

const NOW: i64 = 1_800_000_000;

fn policy(dir: &std::path::Path) -> KeyPolicy {
    KeyPolicy {
        encrypted_requests: false,
        algorithms: vec![SigningAlg::Rs256],
        rsa_bits: 2048,
        rotation_period: 30 * 24 * 3600,
        jwks_max_age: 300,
        retired_retention: 24 * 3600,
        kek_file: dir.join("kek"),
    }
}

fn claims() -> serde_json::Map<String, serde_json::Value> {
    serde_json::json!({"iss": "https://idp", "sub": "u"}).as_object().unwrap().clone()
}

async fn states(keys: &SigningKeys) -> Vec<(String, KeyState)> {
    keys.list().await.unwrap().into_iter().map(|k| (k.kid, k.state)).collect()
}

async fn stores(url: &str) -> Stores {
    let config = StoreConfig { database_url: url.into(), max_connections: 8, cache_rows: true, redis: None };
    Stores::open(&config, OpenMode::CreateIfMissing).await.expect("stores")
}

async fn lifecycle(keys: &SigningKeys, dir: &std::path::Path) {
    let policy = policy(dir);

    // First start: KEK file and an active + next key.
    let (kek, first) = open(keys, &policy, NOW).await.unwrap();
    assert!(policy.kek_file.exists());
    let initial = states(keys).await;
    assert_eq!(initial.iter().filter(|(_, s)| *s == KeyState::Active).count(), 1);
    assert_eq!(initial.iter().filter(|(_, s)| *s == KeyState::Next).count(), 1);
    let next_kid = initial.iter().find(|(_, s)| *s == KeyState::Next).unwrap().0.clone();
    assert!(first.kids().contains(&next_kid.as_str()), "next is published before it signs");

    // Restart: same set, nothing new.
    let (_, again) = open(keys, &policy, NOW + 1).await.unwrap();
    assert_eq!(again.active_kid(), first.active_kid());
    assert_eq!(states(keys).await, initial);

    // A token signed now still verifies after a rotation; the old next signs.
    let token = first.sign("JWT", &claims()).unwrap();
    let rotated = rotate(keys, &kek, &policy, SigningAlg::Rs256, NOW + 10, false).await.unwrap();
    assert!(matches!(&rotated, Rotation::Rotated { active, .. } if *active == next_kid), "{rotated:?}");
    let second = load(keys, &kek, &policy).await.unwrap();
    assert_eq!(second.active_kid(), next_kid);
    assert!(second.verify(&token, "JWT").is_ok(), "the retired key still verifies");
    assert_eq!(second.kids().len(), 3, "active + new next + retired");

    // The new next was published just now: no rotation before jwks_max_age, unless forced.
    let early = rotate(keys, &kek, &policy, SigningAlg::Rs256, NOW + 20, false).await.unwrap();
    assert_eq!(early, Rotation::NotYet { signs_from: NOW + 10 + policy.jwks_max_age as i64 });
    assert!(!rotate_if_due(keys, &kek, &policy, NOW + 20).await.unwrap(), "not due");
    let due = NOW + 10 + policy.rotation_period as i64;
    assert!(rotate_if_due(keys, &kek, &policy, due).await.unwrap(), "due after the rotation period");

    // Retired keys go once their retention has passed.
    let later = due + policy.retired_retention as i64 + 1;
    rotate(keys, &kek, &policy, SigningAlg::Rs256, later, true).await.unwrap();
    assert!(states(keys).await.len() <= 4);
    assert!(!states(keys).await.iter().any(|(kid, _)| first.kids()[0] == kid), "the first key is gone");

    // BYOK: the imported key becomes next (replacing the generated one).
    let pem = crate::jose::generate_rsa_pem(2048).unwrap();
    let kid = import(keys, &kek, &policy, SigningAlg::Rs256, &pem, later + 1).await.unwrap();
    let nexts: Vec<_> = states(keys).await.into_iter().filter(|(_, s)| *s == KeyState::Next).collect();
    assert_eq!(nexts, vec![(kid.clone(), KeyState::Next)]);
    assert!(
        import(keys, &kek, &policy, SigningAlg::Rs256, &pem, later + 2).await.is_err(),
        "no duplicate import"
    );

    // A wrong KEK is a clear error and changes nothing.
    let before = states(keys).await;
    std::fs::write(&policy.kek_file, format!("{}\n", crate::crypto::b64url(&[9u8; 32]))).unwrap();
    let err = open(keys, &policy, later + 3).await.unwrap_err();
    assert!(matches!(err, KeyError::Kek(_)), "{err}");
    assert_eq!(states(keys).await, before);
    // A missing KEK with keys in the database is an error, never a new key set.
    std::fs::remove_file(&policy.kek_file).unwrap();
    assert!(matches!(open(keys, &policy, later + 4).await, Err(KeyError::Kek(_))));
    assert!(!policy.kek_file.exists());
    assert_eq!(states(keys).await, before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lifecycle_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let stores = stores(&format!("sqlite://{}/db.sqlite", dir.path().display())).await;
    lifecycle(&stores.signing_keys, &dir.path().join("keys")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(oxidp_pg_redis),
    ignore = "needs PostgreSQL: set OXIDP_TEST_DATABASE_URL and OXIDP_TEST_REDIS_URL"
)]
async fn lifecycle_on_postgres() {
    use crate::store::test_db;
    let base = std::env::var("OXIDP_TEST_DATABASE_URL").expect("OXIDP_TEST_DATABASE_URL");
    let name = format!("oxidp_keys_{}", uuid::Uuid::new_v4().simple());
    let url = test_db::create_postgres_database(&base, &name).unwrap();
    let _drop = test_db::DropOnExit::new(&base, &name);
    let dir = tempfile::tempdir().unwrap();
    let stores = stores(&url).await;
    lifecycle(&stores.signing_keys, &dir.path().join("keys")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_instances_create_one_key_set_and_one_rotation() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/db.sqlite", dir.path().display());
    let policy = policy(&dir.path().join("keys"));
    let mut instances = Vec::new();
    for _ in 0..4 {
        instances.push(stores(&url).await);
    }
    let mut opening = tokio::task::JoinSet::new();
    for instance in &instances {
        let (keys, policy) = (instance.signing_keys.clone(), policy.clone());
        opening.spawn(async move { open(&keys, &policy, NOW).await.map(drop) });
    }
    for opened in opening.join_all().await {
        opened.expect("every instance opens the set");
    }
    let keys = &instances[0].signing_keys;
    assert_eq!(states(keys).await.len(), 2, "one active + one next, whoever won");
    let kek = Arc::new(Kek::load(&policy.kek_file, false).unwrap().0);
    let mut rotating = tokio::task::JoinSet::new();
    for instance in &instances {
        let (keys, policy, kek) = (instance.signing_keys.clone(), policy.clone(), kek.clone());
        rotating.spawn(async move {
            let rotation = rotate(&keys, &kek, &policy, SigningAlg::Rs256, NOW + 1, false).await.unwrap();
            matches!(rotation, Rotation::Rotated { .. })
        });
    }
    let rotated = rotating.join_all().await;
    assert_eq!(rotated.iter().filter(|r| **r).count(), 1, "exactly one rotation: {rotated:?}");
    assert_eq!(states(keys).await.iter().filter(|(_, s)| *s == KeyState::Active).count(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scheduled_rotation_is_an_audit_event() {
    let dir = tempfile::tempdir().unwrap();
    let stores = stores(&format!("sqlite://{}/db.sqlite", dir.path().display())).await;
    let policy = policy(&dir.path().join("keys"));
    let (kek, keyring) = open(&stores.signing_keys, &policy, NOW).await.unwrap();
    let poller = KeyPoller::new(
        stores.signing_keys.clone(),
        Arc::new(kek),
        policy.clone(),
        Arc::new(KeyringHandle::new(keyring)),
        stores.audit.clone(),
    );
    poller.poll(NOW + 1).await.unwrap();
    assert!(stores.audit.recent(10).await.unwrap().is_empty(), "nothing due, nothing recorded");
    let due = NOW + policy.rotation_period as i64;
    poller.poll(due).await.unwrap();
    let events = stores.audit.recent(10).await.unwrap();
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(
        (events[0].kind, events[0].at, events[0].actor.as_deref()),
        (AuditKind::KeyRotated, due, None)
    );
    let detail: serde_json::Value = serde_json::from_str(&events[0].detail).unwrap();
    assert_eq!((detail["reason"].as_str(), detail["alg"].as_str()), (Some("scheduled"), Some("RS256")));
    let active = stores.signing_keys.list().await.unwrap().into_iter().find(|k| k.state == KeyState::Active);
    assert_eq!(detail["active"].as_str(), active.map(|k| k.kid).as_deref());
}
