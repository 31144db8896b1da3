//! `oxidp check-config`: the configuration as the server would run with it
//! (defaults, then the TOML file, then `OXIDP__…`), printed with every
//! secret redacted; an invalid one fails before this runs (exit 2, naming
//! the key). With `--connect`, it also reaches the database and Redis,
//! changing nothing (no migration is applied, no SQLite file created):
//! exit 1 when one cannot be reached.

use std::time::Duration;

use super::Failure;
use crate::config::{Settings, redact_url};
use crate::store::StoreError;

pub(super) async fn run(settings: &Settings, connect: bool) -> Result<(), Failure> {
    println!("{settings:#?}");
    println!(
        "passkeys: {}",
        if settings.passkeys_enabled() { "on" } else { "off (needs a domain-name issuer)" }
    );
    if connect {
        let url = settings.database.url.clone();
        let database = tokio::task::spawn_blocking(move || crate::store::probe_database(&url))
            .await
            .map_err(|e| Failure::System(e.to_string()))?;
        match database {
            Ok(0) => println!("database {}: reachable, up to date", redact_url(&settings.database.url)),
            Ok(n) => println!(
                "database {}: reachable, {n} migration(s) to apply at the next start",
                redact_url(&settings.database.url)
            ),
            Err(StoreError::Missing(message)) => println!("database: {message}"),
            Err(e) => {
                return Err(Failure::System(format!("database {}: {e}", redact_url(&settings.database.url))));
            }
        }
        match &settings.redis.url {
            None => println!("sessions: in this process (no redis.url)"),
            Some(url) => match ping_redis(url).await {
                Ok(()) => println!("redis {}: reachable", redact_url(url)),
                Err(e) => return Err(Failure::System(format!("redis {}: {e}", redact_url(url)))),
            },
        }
    }
    println!("configuration ok");
    Ok(())
}

/// One PING within 3 s.
async fn ping_redis(url: &str) -> Result<(), String> {
    let client = redis::Client::open(url).map_err(|e| e.to_string())?;
    let ping = async {
        let mut conn = client.get_multiplexed_async_connection().await?;
        redis::cmd("PING").query_async::<String>(&mut conn).await
    };
    match tokio::time::timeout(Duration::from_secs(3), ping).await {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err("no answer within 3 s".into()),
    }
}
