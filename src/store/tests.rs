//! One conformance suite for every `Ephemeral` backend: memory always, Redis
//! when `OXIDP_TEST_REDIS_URL` is set (own random prefix, removed at the end;
//! every key also carries a TTL of at most a minute in case a test fails).

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::{Ephemeral, StoreError};

const MINUTE: Duration = Duration::from_secs(60);

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Payload {
    client_id: String,
    scopes: Vec<String>,
    nonce: Option<String>,
}

async fn conformance(store: &Ephemeral) {
    // put / get: get does not consume; put replaces; kinds are namespaces.
    store.put("t", "a", "v1", MINUTE).await.expect("put");
    assert_eq!(store.get("t", "a").await.expect("get").as_deref(), Some("v1"));
    assert_eq!(store.get("t", "a").await.expect("get").as_deref(), Some("v1"));
    store.put("t", "a", "v2", MINUTE).await.expect("put");
    assert_eq!(store.get("t", "a").await.expect("get").as_deref(), Some("v2"));
    assert_eq!(store.get("t", "missing").await.expect("get"), None);
    assert_eq!(store.get("other", "a").await.expect("get"), None);

    // TTL: invisible to get and take once expired; zero TTL is already gone
    // (or nearly: Redis keeps it for its 1 ms minimum).
    store.put("ttl", "x", "v", Duration::from_millis(150)).await.expect("put");
    store.put("ttl", "zero", "v", Duration::ZERO).await.expect("put");
    assert_eq!(store.get("ttl", "x").await.expect("get").as_deref(), Some("v"));
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(store.get("ttl", "x").await.expect("get"), None);
    assert_eq!(store.take("ttl", "x").await.expect("take"), None);
    assert_eq!(store.get("ttl", "zero").await.expect("get"), None);

    // take is single-use.
    store.put("code", "c1", "grant", MINUTE).await.expect("put");
    assert_eq!(store.take("code", "c1").await.expect("take").as_deref(), Some("grant"));
    assert_eq!(store.take("code", "c1").await.expect("take"), None);
    assert_eq!(store.get("code", "c1").await.expect("get"), None);

    // Of 16 concurrent takers exactly one wins.
    for round in 0..3 {
        let id = format!("race{round}");
        store.put("code", &id, "grant", MINUTE).await.expect("put");
        let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(16));
        let tasks: Vec<_> = (0..16)
            .map(|_| {
                let (store, barrier, id) = (store.clone(), barrier.clone(), id.clone());
                tokio::spawn(async move {
                    barrier.wait().await;
                    store.take("code", &id).await
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

    // delete, including of an absent key.
    store.put("sso", "s1", "v", MINUTE).await.expect("put");
    store.delete("sso", "s1").await.expect("delete");
    assert_eq!(store.get("sso", "s1").await.expect("get"), None);
    store.delete("sso", "s1").await.expect("delete absent");

    // JSON helpers.
    let payload = Payload {
        client_id: "app".into(),
        scopes: vec!["openid".into(), "profile".into()],
        nonce: Some("n-\"quoted\"-é".into()),
    };
    store.put_json("json", "p", &payload, MINUTE).await.expect("put_json");
    let got: Option<Payload> = store.get_json("json", "p").await.expect("get_json");
    assert_eq!(got.as_ref(), Some(&payload));
    let took: Option<Payload> = store.take_json("json", "p").await.expect("take_json");
    assert_eq!(took, Some(payload));
    let again: Option<Payload> = store.take_json("json", "p").await.expect("take_json");
    assert_eq!(again, None);
    let absent: Option<Payload> = store.get_json("json", "nope").await.expect("get_json");
    assert_eq!(absent, None);

    // Undecodable JSON is Corrupt, not a panic and not None.
    store.put("json", "bad", "{not json", MINUTE).await.expect("put");
    let err = store.get_json::<Payload>("json", "bad").await.expect_err("corrupt");
    assert!(matches!(err, StoreError::Corrupt(_)), "{err:?}");
    let err = store.take_json::<Payload>("json", "bad").await.expect_err("corrupt");
    assert!(matches!(err, StoreError::Corrupt(_)), "{err:?}");
    assert_eq!(store.get("json", "bad").await.expect("get"), None);

    // put_if_absent: only the first writer of a live key wins; expiry frees it.
    assert!(store.put_if_absent("nx", "k", "1", MINUTE).await.expect("nx"));
    assert!(!store.put_if_absent("nx", "k", "2", MINUTE).await.expect("nx"));
    assert_eq!(store.get("nx", "k").await.expect("get").as_deref(), Some("1"));
    assert!(store.put_if_absent("nx", "short", "1", Duration::from_millis(20)).await.expect("nx"));
    tokio::time::sleep(Duration::from_millis(60)).await;
    assert!(store.put_if_absent("nx", "short", "2", MINUTE).await.expect("nx after expiry"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn memory_conformance() {
    let store = Ephemeral::memory();
    assert_eq!(store.backend_name(), "memory");
    conformance(&store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn redis_conformance() {
    let Ok(url) = std::env::var("OXIDP_TEST_REDIS_URL") else {
        eprintln!("OXIDP_TEST_REDIS_URL not set: skipping Redis conformance");
        return;
    };
    let prefix = format!("oxidp-test:{}:", uuid::Uuid::new_v4().simple());
    let store = Ephemeral::connect_redis(&url, &prefix).await.expect("connect to OXIDP_TEST_REDIS_URL");
    assert_eq!(store.backend_name(), "redis");
    conformance(&store).await;

    let Ephemeral::Redis(redis) = &store else { unreachable!("connect_redis returns the Redis variant") };
    assert_eq!(redis.prefix(), prefix);
    redis.delete_prefixed().await.expect("clean up");
    assert_eq!(redis.delete_prefixed().await.expect("clean up"), 0);
}
