//! `oxidp serve` as a real process on a free loopback port, a temp SQLite
//! database and key directory, with its output captured: for what only a
//! process shows (signals, exit status, the log as written).

use std::io::Read;
use std::net::TcpListener;
use std::process::{Child, Command, Output, Stdio};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::cli::CliProcess;

pub struct ServerProcess {
    pub port: u16,
    child: Option<Child>,
    /// Readers of stdout and stderr: a full pipe would block the server.
    output: Option<(Drained, Drained)>,
    _dir: CliProcess,
}

/// Everything a pipe carried, once it closes.
type Drained = JoinHandle<Vec<u8>>;

fn drain(mut pipe: impl Read + Send + 'static) -> Drained {
    std::thread::spawn(move || {
        let mut all = Vec::new();
        let _ = pipe.read_to_end(&mut all);
        all
    })
}

impl ServerProcess {
    /// Starts the server with `env` and waits until `/healthz` answers.
    pub async fn start(env: &[(&str, &str)]) -> ServerProcess {
        let dir = CliProcess::new("oxidp-serve");
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let mut child = Command::new(env!("CARGO_BIN_EXE_oxidp"))
            .arg("serve")
            .current_dir(dir.dir())
            .env("OXIDP__DATABASE__URL", format!("sqlite://{}", dir.database().display()))
            .env("OXIDP__KEYS__DIR", dir.dir().join("keys"))
            .env("OXIDP__SERVER__BIND", format!("127.0.0.1:{port}"))
            .env("OXIDP__ISSUER", format!("http://127.0.0.1:{port}"))
            // Every test client is on loopback: no per-address limits.
            .env("OXIDP__RATE_LIMITS__AUTHORIZE", "0")
            .env("OXIDP__RATE_LIMITS__LOGIN", "0")
            .env("OXIDP__RATE_LIMITS__TOKEN", "0")
            .env_remove("OXIDP__REDIS__URL")
            .env_remove("OXIDP__KEYS__ALGORITHMS")
            .env_remove("OXIDP_ENV")
            .env_remove("RUST_LOG")
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn oxidp serve");
        let output = Some((drain(child.stdout.take().unwrap()), drain(child.stderr.take().unwrap())));
        let server = ServerProcess { port, child: Some(child), output, _dir: dir };
        let client = reqwest::Client::new();
        let until = Instant::now() + Duration::from_secs(60);
        while Instant::now() < until {
            if client.get(server.url("/healthz")).send().await.is_ok_and(|r| r.status() == 200) {
                return server;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the server did not answer /healthz within 60 s");
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    pub fn signal(&self, signal: &str) {
        let pid = self.child.as_ref().expect("running").id().to_string();
        assert!(Command::new("kill").args([signal, &pid]).status().unwrap().success());
    }

    /// Waits (at most `limit`) for the process to exit: its status and
    /// output.
    pub async fn exit(mut self, limit: Duration) -> Output {
        let mut child = self.child.take().expect("running");
        let (stdout, stderr) = self.output.take().expect("output readers");
        tokio::task::spawn_blocking(move || {
            let until = Instant::now() + limit;
            while child.try_wait().unwrap().is_none() {
                if Instant::now() >= until {
                    let _ = child.kill();
                    panic!("oxidp did not exit within {limit:?}");
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            let status = child.wait().unwrap();
            Output { status, stdout: stdout.join().unwrap(), stderr: stderr.join().unwrap() }
        })
        .await
        .unwrap()
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        if let Some(child) = &mut self.child {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
