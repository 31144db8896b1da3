//! Two `oxidp serve` processes on PostgreSQL + Redis behind a real nginx
//! that terminates TLS (a certificate made here), driven as a browser and
//! an app would: a user signs in through the proxy, requests reach both
//! instances (their logs name the request ids), one instance gets SIGTERM
//! while four clients keep going, and nothing fails: nginx retries what the
//! stopping instance no longer accepts, the instance answers what it had,
//! exits 0, and the same SSO session carries on at the other one.

use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use reqwest::cookie::Jar;

use crate::authorize::CB;
use crate::helpers::*;

const PASSWORD: &str = "correct horse battery";

/// nginx in the foreground on `port`, balancing `upstreams` round-robin.
struct Nginx {
    child: Child,
    _dir: tempfile::TempDir,
}

impl Nginx {
    fn start(port: u16, upstreams: &[u16]) -> Nginx {
        let dir = tempfile::Builder::new().prefix("oxidp-nginx-").tempdir().unwrap();
        let (cert, key) = crate::tls::self_signed_cached();
        let d = dir.path().display();
        std::fs::write(dir.path().join("cert.pem"), cert).unwrap();
        std::fs::write(dir.path().join("key.pem"), key).unwrap();
        let servers: String = upstreams
            .iter()
            .map(|p| format!("server 127.0.0.1:{p} max_fails=1 fail_timeout=30s;\n"))
            .collect();
        // As root, workers would otherwise run as nobody, who cannot use the temp dir.
        let user = if is_root() { "user root;" } else { "" };
        let conf = format!(
            "{user}
worker_processes 1;
pid {d}/nginx.pid;
error_log {d}/error.log info;
events {{ worker_connections 512; }}
http {{
  access_log {d}/access.log;
  client_body_temp_path {d}/body; proxy_temp_path {d}/proxy; fastcgi_temp_path {d}/fastcgi;
  uwsgi_temp_path {d}/uwsgi; scgi_temp_path {d}/scgi;
  upstream oxidp {{ {servers} }}
  server {{
    listen 127.0.0.1:{port} ssl;
    ssl_certificate {d}/cert.pem;
    ssl_certificate_key {d}/key.pem;
    location / {{
      proxy_pass http://oxidp;
      proxy_set_header Host $http_host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto https;
      proxy_next_upstream error timeout http_502;
    }}
  }}
}}
"
        );
        std::fs::write(dir.path().join("nginx.conf"), conf).unwrap();
        let child = Command::new("nginx")
            .args(["-p", &d.to_string(), "-c", &format!("{d}/nginx.conf"), "-g", "daemon off;"])
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start nginx (Debian: apt-get install nginx-light)");
        Nginx { child, _dir: dir }
    }
}

impl Drop for Nginx {
    // SIGTERM, so the master stops its workers too (SIGKILL would orphan them).
    fn drop(&mut self) {
        let _ = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status();
        let until = Instant::now() + Duration::from_secs(10);
        while matches!(self.child.try_wait(), Ok(None)) && Instant::now() < until {
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn is_root() -> bool {
    Command::new("id").arg("-u").output().is_ok_and(|o| o.stdout.starts_with(b"0"))
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A browser (and app) that trusts the test's certificate.
fn tls_browser(base: &str) -> Browser {
    let (cert, _) = crate::tls::self_signed_cached();
    let jar = Arc::new(Jar::default());
    let client = reqwest::Client::builder()
        .cookie_provider(jar.clone())
        .redirect(reqwest::redirect::Policy::none())
        .add_root_certificate(reqwest::Certificate::from_pem(&cert).unwrap())
        .build()
        .unwrap();
    Browser { client, jar, base: base.to_string() }
}

/// The code exchange at the proxy, as the public client.
async fn exchange(browser: &Browser, request: &AuthRequest, code: &str) -> serde_json::Value {
    let verifier = request.pkce.as_ref().unwrap().verifier.clone();
    let form = [
        ("grant_type", "authorization_code"),
        ("client_id", request.client_id.as_str()),
        ("redirect_uri", request.redirect_uri.as_str()),
        ("code", code),
        ("code_verifier", verifier.as_str()),
    ];
    let resp = browser.client.post(browser.url("/token")).form(&form).send().await.unwrap();
    assert_eq!(resp.status(), 200, "token exchange through the proxy");
    resp.json().await.unwrap()
}

/// One round through the proxy: an SSO authorization (a code at once) and
/// userinfo with `access_token`, each tagged with a request id; whether
/// both succeeded.
async fn round(browser: &Browser, client: &TestClient, access_token: &str, tag: &str) -> bool {
    let request = AuthRequest::new(client);
    let sso = browser
        .client
        .get(browser.url("/authorize"))
        .query(&request.params())
        .header("x-request-id", format!("{tag}-a"));
    let code = matches!(sso.send().await, Ok(r) if r.status() == 302
        && header(&r, reqwest::header::LOCATION).is_some_and(|l| l.contains("code=")));
    let info = browser
        .client
        .get(browser.url("/userinfo"))
        .bearer_auth(access_token)
        .header("x-request-id", format!("{tag}-u"));
    let userinfo = matches!(info.send().await, Ok(r) if r.status() == 200);
    code && userinfo
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[cfg_attr(
    not(oxidp_pg_redis),
    ignore = "needs PostgreSQL + Redis: set OXIDP_TEST_DATABASE_URL and OXIDP_TEST_REDIS_URL"
)]
async fn a_rolling_restart_behind_nginx_loses_no_request_and_no_session() {
    // Provisioning (database, Redis prefix, keys) through an in-process instance.
    let setup = spawn_app(Backend::PgRedis).await;
    let user = setup.with_user("alice", PASSWORD).await;
    let client = setup.with_public_client("spa", &[CB]).await;
    let proxy_port = free_port();
    let issuer = format!("https://127.0.0.1:{proxy_port}");
    let s = &setup.settings;
    let keys_dir = s.keys.dir.display().to_string();
    let env = [
        ("OXIDP__ISSUER", issuer.as_str()),
        ("OXIDP__DATABASE__URL", s.database.url.as_str()),
        ("OXIDP__REDIS__URL", s.redis.url.as_deref().unwrap()),
        ("OXIDP__REDIS__PREFIX", s.redis.prefix.as_str()),
        ("OXIDP__KEYS__DIR", keys_dir.as_str()),
        ("OXIDP__KEYS__ALGORITHMS", "RS256"),
        ("OXIDP__SERVER__TRUSTED_PROXIES", "127.0.0.1"),
        ("OXIDP__SERVER__SHUTDOWN_TIMEOUT", "20"),
        ("OXIDP__REDIS__COMMAND_TIMEOUT_MS", "2000"),
        ("RUST_LOG", "warn,oxidp=debug"),
    ];
    let (a, b) = (ServerProcess::start(&env).await, ServerProcess::start(&env).await);
    let _nginx = Nginx::start(proxy_port, &[a.port, b.port]);
    let browser = tls_browser(&issuer);
    let until = Instant::now() + Duration::from_secs(30);
    while browser.client.get(browser.url("/healthz")).send().await.is_err() {
        assert!(Instant::now() < until, "nginx did not come up");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // Sign in through the proxy; the app gets its tokens there too.
    let request = AuthRequest::new(&client);
    let callback = browser.authorize_and_login(&request, &user).await;
    assert_eq!(callback.iss.as_deref(), Some(issuer.as_str()));
    let tokens = exchange(&browser, &request, &callback.code).await;
    let access_token = tokens["access_token"].as_str().unwrap().to_string();
    for i in 0..6 {
        assert!(round(&browser, &client, &access_token, &format!("warm-{i}")).await);
    }

    // Four clients keep going while A is stopped.
    let failures = Arc::new(AtomicUsize::new(0));
    let done = Arc::new(AtomicUsize::new(0));
    let browser = Arc::new(browser);
    let mut load = tokio::task::JoinSet::new();
    for worker in 0..4 {
        let (browser, client, token) = (browser.clone(), client.clone(), access_token.clone());
        let (failures, done) = (failures.clone(), done.clone());
        load.spawn(async move {
            let stop = Instant::now() + Duration::from_secs(4);
            let mut i = 0;
            while Instant::now() < stop {
                if !round(&browser, &client, &token, &format!("roll-{worker}-{i}")).await {
                    failures.fetch_add(1, Ordering::Relaxed);
                }
                done.fetch_add(1, Ordering::Relaxed);
                i += 1;
            }
        });
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    a.signal("-TERM");
    load.join_all().await;
    let a_out = a.exit(Duration::from_secs(30)).await;
    let a_log = String::from_utf8_lossy(&a_out.stdout).to_string();
    assert_eq!(a_out.status.code(), Some(0), "A exits 0: {a_log}");
    let rounds = done.load(Ordering::Relaxed);
    assert!(rounds >= 8, "traffic ran during the restart: {rounds} rounds");
    assert_eq!(failures.load(Ordering::Relaxed), 0, "no failed request in {rounds} rounds");

    // The same session at B alone: a new code, new tokens.
    let again = AuthRequest::new(&client);
    let callback = browser.authorize_with_session(&again).await;
    let renewed = exchange(&browser, &again, &callback.code).await;
    assert!(renewed["id_token"].is_string());

    b.signal("-TERM");
    let b_out = b.exit(Duration::from_secs(30)).await;
    let b_log = String::from_utf8_lossy(&b_out.stdout).to_string();
    assert_eq!(b_out.status.code(), Some(0));
    for (name, log) in [("A", &a_log), ("B", &b_log)] {
        assert!(log.contains("request_id=warm-"), "{name} served some of the first requests: {log}");
        assert!(log.contains("client_ip=127.0.0.1"), "{name} sees the client's address");
    }
    assert!(b_log.contains("request_id=roll-"), "B took over: {b_log}");
}
