//! The Redis store's connection handling: startup failures, which errors
//! open the circuit, and recovery from a connection that went silent.

use std::io;

use super::*;

fn config(url: &str) -> RedisConfig {
    RedisConfig::new(url, "t:")
}

#[tokio::test]
async fn refused_connection_is_unavailable() {
    // Port 1 on localhost: nothing listens there.
    let err =
        RedisStore::connect(&config("redis://127.0.0.1:1")).await.expect_err("nothing listens on port 1");
    assert!(matches!(err, StoreError::Unavailable(_)), "{err:?}");
}

#[tokio::test]
async fn bad_url_is_config() {
    let err = RedisStore::connect(&config("http://example.com")).await.expect_err("not a redis URL");
    assert!(matches!(err, StoreError::Config(_)), "{err:?}");
}

#[tokio::test]
async fn a_server_that_never_answers_fails_startup() {
    // Accepts connections (the kernel does) and never replies.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("redis://{}", silent.local_addr().unwrap());
    let short = RedisConfig {
        command_timeout: Duration::from_millis(100),
        connect_timeout: Duration::from_millis(100),
        ..config(&url)
    };
    // The 10 s bound only catches a startup that hangs.
    let err = tokio::time::timeout(Duration::from_secs(10), RedisStore::connect(&short))
        .await
        .expect("startup gives up")
        .expect_err("no PONG");
    assert!(matches!(err, StoreError::Unavailable(_)), "{err:?}");
}

#[test]
fn connection_trouble_trips_and_replies_do_not() {
    for kind in [io::ErrorKind::ConnectionRefused, io::ErrorKind::ConnectionReset, io::ErrorKind::TimedOut] {
        let e = RedisError::from(io::Error::from(kind));
        assert!(trips(&e), "{kind:?} opens the circuit");
        assert!(matches!(map_err(e), StoreError::Unavailable(_)), "{kind:?}");
    }
    for (kind, expected) in [
        (ErrorKind::Parse, "corrupt"),
        (ErrorKind::UnexpectedReturnType, "corrupt"),
        (ErrorKind::Extension, "database"),
        (ErrorKind::Client, "database"),
    ] {
        let e = RedisError::from((kind, "reply"));
        assert!(!trips(&e), "{kind:?} must not open the circuit");
        let mapped = map_err(e);
        let ok = match expected {
            "corrupt" => matches!(mapped, StoreError::Corrupt(_)),
            _ => matches!(mapped, StoreError::Database(_)),
        };
        assert!(ok, "{kind:?}: {mapped:?}");
    }
}

/// Errors the server replies with leave the circuit closed.
#[tokio::test]
#[cfg_attr(not(oxidp_pg_redis), ignore = "needs Redis: set OXIDP_TEST_DATABASE_URL and OXIDP_TEST_REDIS_URL")]
async fn server_errors_do_not_open_the_circuit() {
    let url = std::env::var("OXIDP_TEST_REDIS_URL").expect("OXIDP_TEST_REDIS_URL");
    let prefix = format!("oxidp-test:{}:", uuid::Uuid::new_v4().simple());
    let store = RedisStore::connect(&RedisConfig::new(&url, &prefix)).await.expect("connect");
    // A string where an index set belongs: SMEMBERS and the index
    // script both get WRONGTYPE.
    store.put("idx:clash", "text", Duration::from_secs(60), &[]).await.expect("put");
    let err = store.index_members("clash").await.expect_err("WRONGTYPE");
    assert!(matches!(err, StoreError::Database(_)), "{err:?}");
    let err = store.add_to_index("clash", "m", Duration::from_secs(60)).await.expect_err("script error");
    assert!(matches!(err, StoreError::Database(_)), "{err:?}");
    assert!(!store.circuit_open(), "the server answered: it is up");
    assert_eq!(store.get("idx:clash").await.expect("get"), Some("text".into()));
    store.delete_prefixed().await.expect("clean up");
}

/// A TCP relay to Redis that can go silent: the connections it relays when
/// `silence` is called stop relaying (their bytes are swallowed, nothing is
/// closed), as when a host vanishes without a word; later ones relay.
struct Relay {
    addr: std::net::SocketAddr,
    opened: Arc<std::sync::atomic::AtomicU64>,
    silent_up_to: Arc<std::sync::atomic::AtomicU64>,
}

impl Relay {
    async fn start(upstream: String) -> Relay {
        use std::sync::atomic::{AtomicU64, Ordering};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let relay = Relay {
            addr: listener.local_addr().unwrap(),
            opened: Arc::new(AtomicU64::new(0)),
            silent_up_to: Arc::new(AtomicU64::new(0)),
        };
        let (opened, silent_up_to) = (relay.opened.clone(), relay.silent_up_to.clone());
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let Ok(server) = tokio::net::TcpStream::connect(&upstream).await else { continue };
                let id = opened.fetch_add(1, Ordering::SeqCst) + 1;
                let ((client_read, client_write), (server_read, server_write)) =
                    (client.into_split(), server.into_split());
                tokio::spawn(pipe(client_read, server_write, id, silent_up_to.clone()));
                tokio::spawn(pipe(server_read, client_write, id, silent_up_to.clone()));
            }
        });
        relay
    }

    fn silence(&self) {
        use std::sync::atomic::Ordering;
        self.silent_up_to.store(self.opened.load(Ordering::SeqCst), Ordering::SeqCst);
    }
}

async fn pipe(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    id: u64,
    silent_up_to: Arc<std::sync::atomic::AtomicU64>,
) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut buf = vec![0; 16 * 1024];
    loop {
        let n = match from.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        if id <= silent_up_to.load(std::sync::atomic::Ordering::SeqCst) {
            continue;
        }
        if to.write_all(&buf[..n]).await.is_err() {
            return;
        }
    }
}

/// The connection in use goes silent for good while Redis itself is fine
/// (its host vanished, its address moved): the probe replaces it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(not(oxidp_pg_redis), ignore = "needs Redis: set OXIDP_TEST_DATABASE_URL and OXIDP_TEST_REDIS_URL")]
async fn a_connection_gone_silent_is_replaced() {
    let upstream = url::Url::parse(&std::env::var("OXIDP_TEST_REDIS_URL").expect("OXIDP_TEST_REDIS_URL"))
        .expect("a URL");
    let upstream = format!("{}:{}", upstream.host_str().unwrap(), upstream.port().unwrap_or(6379));
    let relay = Relay::start(upstream).await;
    let prefix = format!("oxidp-test:{}:", uuid::Uuid::new_v4().simple());
    let config = RedisConfig {
        command_timeout: Duration::from_millis(200),
        connect_timeout: Duration::from_millis(200),
        probe_interval: Duration::from_millis(20),
        ..RedisConfig::new(&format!("redis://{}", relay.addr), &prefix)
    };
    let store = RedisStore::connect(&config).await.expect("connect through the relay");
    store.put("k", "v", Duration::from_secs(60), &[]).await.expect("put");

    relay.silence();
    let err = store.get("k").await.expect_err("no answer");
    assert!(matches!(&err, StoreError::Unavailable(d) if d != CIRCUIT_OPEN), "{err:?}");
    assert!(store.circuit_open(), "a timeout opens the circuit");
    let err = store.get("k").await.expect_err("open");
    assert!(matches!(&err, StoreError::Unavailable(d) if d == CIRCUIT_OPEN), "{err:?}");

    // The old connection never answers again; only a new one can. (10 s
    // only catches a probe that never recovers.)
    let deadline = Instant::now() + Duration::from_secs(10);
    while store.circuit_open() {
        assert!(Instant::now() < deadline, "the circuit is still open after 10 s");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(store.get("k").await.expect("get after recovery"), Some("v".into()));
    store.delete_prefixed().await.expect("clean up");
}
