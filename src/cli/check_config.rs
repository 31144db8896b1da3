//! `oxidp check-config`: the configuration as the server would run with it
//! (defaults, then the TOML file, then `OXIDP__…`), printed with every
//! secret redacted; an invalid one fails before this runs (exit 2, naming
//! the key). With `--connect`, it also reaches the database and Redis,
//! changing nothing (no migration is applied, no SQLite file created):
//! exit 1 when one cannot be reached.

use super::Failure;
use crate::config::{Settings, redact_url};
use crate::store::{Ephemeral, StoreError};

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
        match &settings.store_config().redis {
            None => println!("sessions: in this process (no redis.url)"),
            // As the server connects: its timeouts, then a PING.
            Some(redis) => match Ephemeral::connect_redis(redis).await {
                Ok(store) if store.ping().await.is_ok() => {
                    println!("redis {}: reachable", redact_url(&redis.url))
                }
                Ok(_) => {
                    return Err(Failure::System(format!(
                        "redis {}: no answer to PING",
                        redact_url(&redis.url)
                    )));
                }
                Err(e) => return Err(Failure::System(format!("redis {}: {e}", redact_url(&redis.url)))),
            },
        }
    }
    println!("configuration ok");
    Ok(())
}
