//! What every admin command starts with: the admin operations over the
//! configured stores, and secrets read from a file or stdin (never flags).

use std::io::{BufRead, IsTerminal, Write};
use std::path::Path;

use super::Failure;
use crate::clock::Clock;
use crate::config::{Settings, redact_url};
use crate::flows::admin::Admin;
use crate::flows::links::{LinkSender, Quota};
use crate::flows::outbox::{Outbox, RetryPolicy};
use crate::flows::sessions::Sessions;
use crate::mail::Transport;
use crate::store::{OpenMode, Stores};

/// The admin operations over the configured database (created only in
/// `CreateIfMissing` mode); with `sessions`, over the configured Redis too, so that
/// user commands reach the server's SSO sessions there (with the in-memory
/// store they live only inside the server, out of the CLI's reach). The
/// CLI sends no back-channel logout: its process would not outlive the
/// deliveries.
pub(super) async fn open_admin(
    settings: &Settings,
    mode: OpenMode,
    sessions: bool,
) -> Result<Admin, Failure> {
    let mut config = settings.store_config();
    // One connection, used in turn: the pool then never opens another in
    // the background, which could still be inside libpq/OpenSSL when the
    // process exits (a crash at exit on PostgreSQL). No Redis unless asked:
    // the other admin operations only touch the database.
    config.max_connections = 1;
    if !sessions {
        config.redis = None;
    }
    let stores = Stores::open(&config, mode).await.map_err(|e| match e {
        crate::store::StoreError::Missing(message) => Failure::Usage(message),
        other => Failure::System(format!("database {}: {other}", redact_url(&settings.database.url))),
    })?;
    stores.log_audit_events(settings.audit.log);
    let sessions = Sessions::detached(&stores, settings.session_policy());
    // Mail goes out before the command returns (no queue outlives it).
    let transport = Transport::new(&settings.mail_config()).map_err(|e| Failure::Usage(e.to_string()))?;
    let outbox = Outbox::direct(transport, stores.audit.clone(), Clock::System, RetryPolicy::default());
    let links = LinkSender::new(
        stores.links.clone(),
        outbox,
        Quota::new(stores.ephemeral.clone()),
        settings.issuer.clone(),
        settings.link_policy(),
    );
    Ok(Admin::new(
        stores,
        sessions,
        settings.hash_policy(),
        settings.password_policy(),
        settings.key_policy(),
        settings.subjects.pairwise,
    )
    .with_links(links)
    .with_response_encryption(settings.encryption.enabled))
}

/// First line of `file`, or of stdin (with a prompt on a terminal).
pub(super) fn read_secret(file: Option<&Path>, what: &str) -> Result<String, Failure> {
    let line = match file {
        Some(path) => std::fs::read_to_string(path)
            .map_err(|e| Failure::Usage(format!("cannot read {}: {e}", path.display())))?
            .lines()
            .next()
            .unwrap_or_default()
            .to_string(),
        None => {
            if std::io::stdin().is_terminal() {
                eprint!("{what}: ");
                let _ = std::io::stderr().flush();
            }
            let mut line = String::new();
            std::io::stdin()
                .lock()
                .read_line(&mut line)
                .map_err(|e| Failure::Usage(format!("cannot read {what} from stdin: {e}")))?;
            line.trim_end_matches(['\r', '\n']).to_string()
        }
    };
    if line.is_empty() {
        return Err(Failure::Usage(format!("{what} must not be empty")));
    }
    Ok(line)
}
