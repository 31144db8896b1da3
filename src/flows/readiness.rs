//! Readiness (`/readyz`): whether this instance can serve sign-ins and
//! tokens now. The database answers, the ephemeral store answers (a Redis
//! PING; the in-process store always does), and signing keys are loaded.
//! Each check gets [`CHECK_DEADLINE`], so a hung dependency makes the probe
//! answer "not ready" instead of hanging the load balancer's request.

use std::sync::Arc;
use std::time::Duration;

use crate::jose::KeyringHandle;
use crate::store::{StoreError, Stores};

/// How long one check may take before it counts as failed.
pub const CHECK_DEADLINE: Duration = Duration::from_secs(1);

/// One dependency's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    pub name: &'static str,
    pub ok: bool,
    /// What was found: "ok", the backend, or why it failed.
    pub detail: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    pub checks: Vec<Check>,
}

impl Report {
    pub fn ready(&self) -> bool {
        self.checks.iter().all(|c| c.ok)
    }
}

pub struct Readiness {
    stores: Stores,
    keyring: Arc<KeyringHandle>,
}

/// `probe`'s outcome within the deadline.
async fn within(
    name: &'static str,
    ok: String,
    probe: impl Future<Output = Result<(), StoreError>>,
) -> Check {
    match tokio::time::timeout(CHECK_DEADLINE, probe).await {
        Ok(Ok(())) => Check { name, ok: true, detail: ok },
        Ok(Err(e)) => Check { name, ok: false, detail: format!("failed: {e}") },
        Err(_) => {
            Check { name, ok: false, detail: format!("no answer within {} ms", CHECK_DEADLINE.as_millis()) }
        }
    }
}

impl Readiness {
    pub fn new(stores: Stores, keyring: Arc<KeyringHandle>) -> Readiness {
        Readiness { stores, keyring }
    }

    pub async fn check(&self) -> Report {
        let database = within("database", "ok".into(), self.stores.ping_database());
        let ephemeral = &self.stores.ephemeral;
        let sessions = within("sessions", format!("ok ({})", ephemeral.backend_name()), ephemeral.ping());
        let (database, sessions) = tokio::join!(database, sessions);
        let keyring = self.keyring.current();
        let published = keyring.kids().len();
        let keys = Check {
            name: "keys",
            ok: published > 0,
            detail: match published {
                0 => "no signing key loaded".into(),
                n => format!("ok ({}, {n} published)", keyring.algorithm()),
            },
        };
        Report { checks: vec![database, sessions, keys] }
    }
}
