//! Graceful shutdown of the real binary: on SIGTERM it stops accepting
//! connections, lets the request in flight finish, and exits 0.

use std::net::TcpListener;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::helpers::*;

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

async fn wait_until_healthy(port: u16) {
    let client = reqwest::Client::new();
    let until = Instant::now() + Duration::from_secs(60);
    while Instant::now() < until {
        let url = format!("http://127.0.0.1:{port}/healthz");
        if client.get(url).send().await.is_ok_and(|r| r.status() == 200) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the server did not answer /healthz within 60 s");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_lets_the_request_in_flight_finish_then_exits_0() {
    let dir = CliProcess::new("oxidp-shutdown");
    let port = free_port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_oxidp"))
        .arg("serve")
        .current_dir(dir.dir())
        .env("OXIDP__DATABASE__URL", format!("sqlite://{}", dir.database().display()))
        .env("OXIDP__KEYS__DIR", dir.dir().join("keys"))
        .env("OXIDP__SERVER__BIND", format!("127.0.0.1:{port}"))
        .env("OXIDP__ISSUER", format!("http://127.0.0.1:{port}"))
        .env("OXIDP__SERVER__SHUTDOWN_TIMEOUT", "20")
        .env("RUST_LOG", "info")
        .env_remove("OXIDP__REDIS__URL")
        .env_remove("OXIDP__KEYS__ALGORITHMS")
        .env_remove("OXIDP_ENV")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn oxidp serve");
    wait_until_healthy(port).await;

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
    let status = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(status.success());
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

    let output = tokio::task::spawn_blocking(move || {
        let until = Instant::now() + Duration::from_secs(30);
        while child.try_wait().unwrap().is_none() {
            assert!(Instant::now() < until, "oxidp did not exit within 30 s of SIGTERM");
            std::thread::sleep(Duration::from_millis(50));
        }
        child.wait_with_output().unwrap()
    })
    .await
    .unwrap();
    let log =
        format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert_eq!(output.status.code(), Some(0), "{log}");
    assert!(sent.elapsed() < Duration::from_secs(20), "well within server.shutdown_timeout");
    assert!(log.contains("shutting down") && log.contains("SIGTERM"), "{log}");
    assert!(log.contains("oxidp stopped"), "{log}");
}
