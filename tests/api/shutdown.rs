//! Graceful shutdown of the real binary: on SIGTERM it stops accepting
//! connections, lets the request in flight finish, and exits 0.

use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::helpers::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_lets_the_request_in_flight_finish_then_exits_0() {
    let server =
        ServerProcess::start(&[("OXIDP__SERVER__SHUTDOWN_TIMEOUT", "20"), ("RUST_LOG", "info")]).await;
    let port = server.port;

    // A request in flight: its head and half its body sent.
    let body = "grant_type=client_credentials&client_id=nobody&client_secret=wrong";
    let mut in_flight = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    let head = format!(
        "POST /token HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    in_flight.write_all(head.as_bytes()).await.unwrap();
    in_flight.write_all(&body.as_bytes()[..20]).await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;

    let sent = Instant::now();
    server.signal("-TERM");
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(TcpStream::connect(("127.0.0.1", port)).await.is_err(), "no new connections once stopping");
    // Longer than actix-web's forced shutdown would wait with no timeout (it
    // checks every second), so only the graceful one answers.
    tokio::time::sleep(Duration::from_millis(1500)).await;

    in_flight.write_all(&body.as_bytes()[20..]).await.unwrap();
    let mut response = String::new();
    tokio::time::timeout(Duration::from_secs(10), in_flight.read_to_string(&mut response))
        .await
        .expect("the response within 10 s")
        .expect("read the response");
    assert!(response.starts_with("HTTP/1.1 401"), "the request in flight was answered: {response}");
    assert!(response.contains("invalid_client"), "{response}");

    let output = server.exit(Duration::from_secs(30)).await;
    let log =
        format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert_eq!(output.status.code(), Some(0), "{log}");
    assert!(sent.elapsed() < Duration::from_secs(20), "well within server.shutdown_timeout");
    assert!(log.contains("shutting down") && log.contains("SIGTERM"), "{log}");
    assert!(log.contains("oxidp stopped"), "{log}");
}
