//! Where the Redis store's data lives, from `redis.url`:
//! - `redis://[user:pass@]host:port[/db]` (or `unix://`): one server;
//! - `redis+cluster://[user:pass@]host:port,host:port,...`: a Redis
//!   Cluster, reached through any of the listed nodes (the rest are
//!   discovered); the credentials are the data nodes';
//! - `redis+sentinel://[user:pass@]host:port,host:port,.../master[/db]`:
//!   the master that the Sentinels name `master`, found again through them
//!   after a failover; the credentials are the master's (the Sentinels
//!   themselves take none).
//!
//! [`Topology::open`] gives a [`Conn`] that every command goes through,
//! whichever it is; on a cluster, the store keeps each command and script
//! within one hash slot (`ephemeral::redis`).

use std::time::Duration;

use ::redis::aio::{ConnectionLike, ConnectionManager, ConnectionManagerConfig};
use ::redis::cluster::{ClusterClient, ClusterClientBuilder};
use ::redis::cluster_async::ClusterConnection;
use ::redis::sentinel::{Sentinel, SentinelNodeConnectionInfo};
use ::redis::{Client, Cmd, IntoConnectionInfo, Pipeline, RedisFuture, RedisResult, Value};

use super::StoreError;

/// The three ways of reaching Redis, parsed from `redis.url`.
#[derive(Debug, PartialEq, Eq)]
pub enum Layout {
    /// One server at this URL (the redis crate's own syntax).
    Single(String),
    /// Seed nodes of a cluster, each as a `redis://` URL with the credentials.
    Cluster(Vec<String>),
    /// The Sentinels (plain `redis://host:port` URLs), the master's name, and
    /// a `redis://` URL holding the master's credentials and database.
    Sentinel { sentinels: Vec<String>, master: String, settings: String },
}

impl Layout {
    /// Parses `redis.url`; the error names what is wrong (never the password).
    pub fn parse(url: &str) -> Result<Layout, String> {
        let (scheme, rest) =
            url.split_once("://").ok_or("redis.url must be a URL such as redis://host:6379")?;
        let kind = match scheme {
            "redis+cluster" => "cluster",
            "redis+sentinel" => "sentinel",
            "rediss+cluster" | "rediss+sentinel" => {
                return Err("redis.url: TLS (rediss) is not supported for a cluster or Sentinel".into());
            }
            _ => return Ok(Layout::Single(url.to_owned())),
        };
        let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
        let (userinfo, hosts) = match authority.rsplit_once('@') {
            Some((userinfo, hosts)) => (Some(userinfo), hosts),
            None => (None, authority),
        };
        let hosts: Vec<&str> = hosts.split(',').map(str::trim).collect();
        if hosts.iter().any(|h| !valid_host_port(h)) {
            return Err(format!("redis.url: a {kind} URL lists host:port pairs separated by commas"));
        }
        let credentials = userinfo.map(|u| format!("{u}@")).unwrap_or_default();
        if kind == "cluster" {
            if !path.is_empty() {
                return Err("redis.url: a cluster has only database 0; remove the path".into());
            }
            return Ok(Layout::Cluster(hosts.iter().map(|h| format!("redis://{credentials}{h}")).collect()));
        }
        let (master, db) = path.split_once('/').unwrap_or((path, "0"));
        if master.is_empty() || !master.chars().all(|c| c.is_ascii_graphic() && c != '?' && c != '#') {
            return Err("redis.url: a Sentinel URL ends with /<master name>[/<db>]".into());
        }
        if db.parse::<u16>().is_err() {
            return Err("redis.url: the database after the master name must be a number".into());
        }
        Ok(Layout::Sentinel {
            sentinels: hosts.iter().map(|h| format!("redis://{h}")).collect(),
            master: master.to_owned(),
            settings: format!("redis://{credentials}sentinel-master/{db}"),
        })
    }

    /// "redis", "redis-cluster" or "redis-sentinel", for logs and health.
    pub fn name(&self) -> &'static str {
        match self {
            Layout::Single(_) => "redis",
            Layout::Cluster(_) => "redis-cluster",
            Layout::Sentinel { .. } => "redis-sentinel",
        }
    }
}

fn valid_host_port(h: &str) -> bool {
    let Some((host, port)) = h.rsplit_once(':') else { return false };
    !host.is_empty() && !host.contains(['/', '@', '?', '#']) && port.parse::<u16>().is_ok_and(|p| p > 0)
}

/// What opens connections: a client per layout.
pub enum Topology {
    Single(Client),
    Cluster(ClusterClient),
    /// Asked for the master's address on every (re)connection, so a
    /// failover is followed. Locked: lookups reuse its Sentinel connections.
    Sentinel {
        sentinel: tokio::sync::Mutex<Sentinel>,
        master: String,
        node: SentinelNodeConnectionInfo,
    },
}

impl Topology {
    pub fn new(url: &str, connect: Duration, command: Duration) -> Result<Topology, StoreError> {
        let config = |e: String| StoreError::Config(format!("invalid Redis URL: {e}"));
        let invalid = |e: ::redis::RedisError| config(e.to_string());
        Ok(match Layout::parse(url).map_err(config)? {
            Layout::Single(url) => Topology::Single(Client::open(url.as_str()).map_err(invalid)?),
            Layout::Cluster(nodes) => Topology::Cluster(
                ClusterClientBuilder::new(nodes)
                    .connection_timeout(connect)
                    .response_timeout(command)
                    // One retry (a MOVED after a resharding); during an
                    // outage the breaker, not backoffs, does the waiting.
                    .retries(1)
                    .build()
                    .map_err(invalid)?,
            ),
            Layout::Sentinel { sentinels, master, settings } => {
                let settings = settings.as_str().into_connection_info().map_err(invalid)?;
                let node = SentinelNodeConnectionInfo::default()
                    .set_redis_connection_info(settings.redis_settings().clone());
                let sentinel = Sentinel::build(sentinels).map_err(invalid)?;
                Topology::Sentinel { sentinel: tokio::sync::Mutex::new(sentinel), master, node }
            }
        })
    }

    /// Whether a command may touch keys of several hash slots at once.
    pub fn is_cluster(&self) -> bool {
        matches!(self, Topology::Cluster(_))
    }

    /// Whether the server behind a connection can change under it (a
    /// Sentinel failover): then a `READONLY` reply means "reconnect".
    pub fn follows_failover(&self) -> bool {
        matches!(self, Topology::Sentinel { .. })
    }

    /// A new connection (for Sentinel: to the master it names now).
    pub async fn open(&self, manager: &ConnectionManagerConfig) -> RedisResult<Conn> {
        Ok(match self {
            Topology::Single(client) => {
                Conn::Single(ConnectionManager::new_with_config(client.clone(), manager.clone()).await?)
            }
            Topology::Cluster(client) => Conn::Cluster(client.get_async_connection().await?),
            Topology::Sentinel { sentinel, master, node } => {
                let client = sentinel.lock().await.async_master_for(master, Some(node)).await?;
                Conn::Single(ConnectionManager::new_with_config(client, manager.clone()).await?)
            }
        })
    }
}

/// One connection of either kind; cheap to clone (both multiplex).
#[derive(Clone)]
pub enum Conn {
    Single(ConnectionManager),
    Cluster(ClusterConnection),
}

impl ConnectionLike for Conn {
    fn req_packed_command<'a>(&'a mut self, cmd: &'a Cmd) -> RedisFuture<'a, Value> {
        match self {
            Conn::Single(c) => c.req_packed_command(cmd),
            Conn::Cluster(c) => c.req_packed_command(cmd),
        }
    }

    fn req_packed_commands<'a>(
        &'a mut self,
        pipeline: &'a Pipeline,
        offset: usize,
        count: usize,
    ) -> RedisFuture<'a, Vec<Value>> {
        match self {
            Conn::Single(c) => c.req_packed_commands(pipeline, offset, count),
            Conn::Cluster(c) => c.req_packed_commands(pipeline, offset, count),
        }
    }

    fn get_db(&self) -> i64 {
        match self {
            Conn::Single(c) => c.get_db(),
            Conn::Cluster(c) => c.get_db(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Layout;

    #[test]
    fn single_urls_pass_through() {
        for url in ["redis://127.0.0.1:6379", "redis://:pw@cache:6379/2", "unix:///run/redis.sock"] {
            assert_eq!(Layout::parse(url), Ok(Layout::Single(url.into())));
        }
    }

    #[test]
    fn cluster_urls_list_their_seeds_with_credentials() {
        assert_eq!(
            Layout::parse("redis+cluster://u:pw@a:7000, b:7001").unwrap(),
            Layout::Cluster(vec!["redis://u:pw@a:7000".into(), "redis://u:pw@b:7001".into()])
        );
        assert_eq!(Layout::parse("redis+cluster://a:7000").unwrap().name(), "redis-cluster");
    }

    #[test]
    fn sentinel_urls_name_the_master() {
        assert_eq!(
            Layout::parse("redis+sentinel://:pw@s1:26379,s2:26379/mymaster/3").unwrap(),
            Layout::Sentinel {
                sentinels: vec!["redis://s1:26379".into(), "redis://s2:26379".into()],
                master: "mymaster".into(),
                settings: "redis://:pw@sentinel-master/3".into(),
            }
        );
        let Layout::Sentinel { settings, .. } = Layout::parse("redis+sentinel://s1:26379/m").unwrap() else {
            panic!("a Sentinel layout")
        };
        assert_eq!(settings, "redis://sentinel-master/0");
    }

    #[test]
    fn bad_urls_say_what_is_wrong_without_the_password() {
        for (url, says) in [
            ("redis+cluster://", "host:port"),
            ("redis+cluster://a:7000,b", "host:port"),
            ("redis+cluster://a:0", "host:port"),
            ("redis+cluster://a:7000/1", "database 0"),
            ("redis+sentinel://:secret@s:26379", "master name"),
            ("redis+sentinel://:secret@s:26379/m/x", "must be a number"),
            ("rediss+cluster://a:7000", "TLS"),
            ("cache:6379", "must be a URL"),
        ] {
            let err = Layout::parse(url).expect_err(url);
            assert!(err.contains(says), "{url}: {err}");
            assert!(!err.contains("secret"), "{url}: {err}");
        }
    }
}
