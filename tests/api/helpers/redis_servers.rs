//! `redis-server` processes of a test's own, on its own loopback ports, with
//! nothing kept on disk: one server that a test can stop, restart or hang
//! ([`OwnRedis`]), a three-master Redis Cluster ([`OwnCluster`]) and a
//! master with a replica watched by a Sentinel ([`OwnSentinel`]). Every
//! process is killed when its value is dropped.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A free loopback port (the kernel's choice, released again).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// Retries `check` every 50 ms for up to `within`; panics with `what`.
fn wait_until(within: Duration, what: &str, mut check: impl FnMut() -> bool) {
    let deadline = Instant::now() + within;
    while !check() {
        assert!(Instant::now() < deadline, "{what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// One command to the server at `port`, or its error.
pub fn redis_command<T: redis::FromRedisValue>(port: u16, cmd: &redis::Cmd) -> redis::RedisResult<T> {
    let client = redis::Client::open(format!("redis://127.0.0.1:{port}"))?;
    let mut conn = client.get_connection_with_timeout(Duration::from_millis(500))?;
    cmd.query(&mut conn)
}

/// A `redis-server` of this test alone: no persistence, loopback only.
pub struct OwnRedis {
    pub port: u16,
    /// A config file, given first (a Sentinel must have a writable one).
    config: Option<std::path::PathBuf>,
    args: Vec<String>,
    dir: tempfile::TempDir,
    child: Option<Child>,
    /// Stopped with SIGSTOP: it holds connections and answers nothing.
    hung: bool,
}

impl OwnRedis {
    pub fn start() -> OwnRedis {
        OwnRedis::start_with(&[])
    }

    /// A server with extra `redis-server` arguments (`--replicaof …`).
    pub fn start_with(args: &[&str]) -> OwnRedis {
        let mut redis = OwnRedis::unstarted(args);
        redis.up();
        redis
    }

    fn unstarted(args: &[&str]) -> OwnRedis {
        let args = args.iter().map(|a| a.to_string()).collect();
        let dir = tempfile::tempdir().unwrap();
        OwnRedis { port: free_port(), config: None, args, dir, child: None, hung: false }
    }

    /// A Sentinel with these `sentinel …` lines in its config file.
    fn sentinel(lines: &[String]) -> OwnRedis {
        let mut sentinel = OwnRedis::unstarted(&["--sentinel"]);
        let config = sentinel.dir.path().join("sentinel.conf");
        std::fs::write(&config, lines.join("\n") + "\n").unwrap();
        sentinel.config = Some(config);
        sentinel.up();
        sentinel
    }

    /// SIGSTOP: connections stay open, nothing is answered.
    pub fn hang(&mut self) {
        assert!(self.signal("-STOP"), "kill -STOP redis-server");
        self.hung = true;
    }

    /// SIGCONT after [`Self::hang`] (also from `Drop`, so it must not panic).
    pub fn resume(&mut self) {
        if std::mem::take(&mut self.hung) {
            self.signal("-CONT");
        }
    }

    fn signal(&self, signal: &str) -> bool {
        let Some(child) = &self.child else { return false };
        let status = Command::new("kill").args([signal, &child.id().to_string()]).status();
        status.is_ok_and(|s| s.success())
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    pub fn up(&mut self) {
        let port = self.port.to_string();
        let child = Command::new("redis-server")
            .args(&self.config)
            .args(["--port", &port, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
            .arg("--dir")
            .arg(self.dir.path())
            .args(&self.args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server (Debian: apt-get install redis-server)");
        self.child = Some(child);
        wait_until(Duration::from_secs(10), &format!("redis-server on port {port} did not start"), || {
            self.answers()
        });
    }

    pub fn answers(&self) -> bool {
        redis_command::<String>(self.port, &redis::cmd("PING")).is_ok()
    }

    /// SIGKILL: gone at once, as a crashed host.
    pub fn down(&mut self) {
        self.resume();
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Stops and starts again on the same port: every key is gone.
    pub fn restart(&mut self) {
        self.down();
        self.up();
    }
}

impl Drop for OwnRedis {
    fn drop(&mut self) {
        self.down();
    }
}

/// A Redis Cluster of three masters (no replicas), every slot assigned.
pub struct OwnCluster {
    pub masters: Vec<OwnRedis>,
}

impl OwnCluster {
    pub fn start() -> OwnCluster {
        let masters: Vec<OwnRedis> = (0..3)
            .map(|_| {
                let bus = free_port().to_string();
                OwnRedis::start_with(&["--cluster-enabled", "yes", "--cluster-port", &bus])
            })
            .collect();
        let nodes: Vec<String> = masters.iter().map(|m| format!("127.0.0.1:{}", m.port)).collect();
        let created = Command::new("redis-cli")
            .args(["--cluster", "create"])
            .args(&nodes)
            .args(["--cluster-replicas", "0", "--cluster-yes"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .expect("redis-cli (Debian: apt-get install redis-tools)");
        assert!(created.success(), "redis-cli --cluster create {nodes:?}");
        let cluster = OwnCluster { masters };
        wait_until(Duration::from_secs(20), "the cluster did not reach cluster_state:ok", || {
            cluster.masters.iter().all(|m| {
                redis_command::<String>(m.port, redis::cmd("CLUSTER").arg("INFO"))
                    .is_ok_and(|info| info.contains("cluster_state:ok"))
            })
        });
        cluster
    }

    /// `redis+cluster://` naming every master as a seed.
    pub fn url(&self) -> String {
        let seeds: Vec<String> = self.masters.iter().map(|m| format!("127.0.0.1:{}", m.port)).collect();
        format!("redis+cluster://{}", seeds.join(","))
    }

    /// How many keys each master holds under `prefix`.
    pub fn keys_per_master(&self, prefix: &str) -> Vec<usize> {
        let pattern = format!("{prefix}*");
        self.masters
            .iter()
            .map(|m| redis_command::<Vec<String>>(m.port, redis::cmd("KEYS").arg(&pattern)).unwrap().len())
            .collect()
    }
}

/// A master, its replica, and one Sentinel (quorum 1) that promotes the
/// replica a second after the master stops answering.
pub struct OwnSentinel {
    pub master: OwnRedis,
    pub replica: OwnRedis,
    pub sentinel: OwnRedis,
    pub name: &'static str,
}

impl OwnSentinel {
    pub fn start() -> OwnSentinel {
        let master = OwnRedis::start();
        let replicaof = format!("127.0.0.1 {}", master.port);
        let replica = OwnRedis::start_with(&["--replicaof", &replicaof]);
        let name = "oxidp-test-master";
        let sentinel = OwnRedis::sentinel(&[
            format!("sentinel monitor {name} 127.0.0.1 {} 1", master.port),
            format!("sentinel down-after-milliseconds {name} 1000"),
            format!("sentinel failover-timeout {name} 5000"),
        ]);
        let sentinel = OwnSentinel { master, replica, sentinel, name };
        wait_until(Duration::from_secs(20), "the replica did not sync with its master", || {
            redis_command::<String>(sentinel.replica.port, redis::cmd("INFO").arg("replication"))
                .is_ok_and(|info| info.contains("master_link_status:up"))
        });
        wait_until(Duration::from_secs(20), "the Sentinel did not discover the replica", || {
            redis_command::<Vec<redis::Value>>(
                sentinel.sentinel.port,
                redis::cmd("SENTINEL").arg("REPLICAS").arg(name),
            )
            .is_ok_and(|replicas| !replicas.is_empty())
        });
        sentinel
    }

    /// `redis+sentinel://` through the Sentinel to the master's name.
    pub fn url(&self) -> String {
        format!("redis+sentinel://127.0.0.1:{}/{}", self.sentinel.port, self.name)
    }

    /// The port of the server the Sentinel currently names as master.
    pub fn current_master_port(&self) -> Option<u16> {
        let cmd = redis::cmd("SENTINEL").arg("GET-MASTER-ADDR-BY-NAME").arg(self.name).clone();
        let addr: Vec<String> = redis_command(self.sentinel.port, &cmd).ok()?;
        addr.get(1)?.parse().ok()
    }
}
