//! Every background loop of the server, in one place, each with its
//! interval from the configuration and a log line per run:
//! - key poller (`keys.poll_interval`): rotates when due, reloads the
//!   keyring when the shared key set changed;
//! - cache revalidation (`database.cache_interval`, every second when the
//!   row caches are off): one read of the revision counters; changed client
//!   and user caches are dropped and the denylist reloaded;
//! - client keys (`jobs.client_keys_interval`): drops the fetched JWK Sets
//!   of clients that stopped authenticating;
//! - janitor (`jobs.janitor_interval`): deletes dead refresh tokens,
//!   expired denials, retired keys past their time, old audit events and
//!   expired mailed links;
//! - outbox: sends queued mail as it comes (retries with back-off);
//! - metrics (with `server.metrics_bind`, every 5 s): the database pool's
//!   connections and the in-process store's entries by kind as gauges, and
//!   the exporter's upkeep.
//!
//! Plus two one-off warm-ups right after start, off the way to the first
//! request: the dummy password hash and the outbound HTTP client.
//!
//! At shutdown ([`Running::finish`]) the two queues (back-channel logout,
//! mail) stop taking work and deliver what they hold, within a deadline;
//! the periodic jobs just stop with the process.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use metrics_exporter_prometheus::PrometheusHandle;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::accounts::PasswordHasher;
use crate::clock::Clock;
use crate::flows::client_auth::client_keys::{ClientKeyCache, OutboundHttp};
use crate::flows::janitor::Janitor;
use crate::flows::keys::KeyPoller;
use crate::flows::logout::backchannel::BackchannelWorker;
use crate::flows::outbox::OutboxWorker;
use crate::measure;
use crate::store::Stores;

/// Seconds between runs of each job.
pub struct Intervals {
    pub key_poll: u64,
    /// 0 turns the row caches off; the denylist is then checked every second.
    pub cache_revalidation: u64,
    pub janitor: u64,
    pub client_keys: u64,
}

pub struct Jobs {
    pub stores: Stores,
    pub key_poller: Arc<KeyPoller>,
    pub janitor: Arc<Janitor>,
    pub client_keys: Arc<ClientKeyCache>,
    pub hasher: Arc<PasswordHasher>,
    pub http: Arc<OutboundHttp>,
    pub backchannel: BackchannelWorker,
    pub outbox: OutboxWorker,
    pub clock: Clock,
    pub intervals: Intervals,
}

/// The queue workers, to be finished at shutdown.
pub struct Running {
    stop: watch::Sender<bool>,
    workers: Vec<(&'static str, JoinHandle<()>)>,
}

impl Running {
    /// Tells the queue workers to stop taking work and waits until they
    /// have delivered what they hold, or until `deadline`; whatever is
    /// still undelivered then is logged, and dropped with the process.
    pub async fn finish(self, deadline: Instant) {
        let _ = self.stop.send(true);
        for (name, worker) in self.workers {
            let left = deadline.saturating_duration_since(Instant::now());
            match tokio::time::timeout(left, worker).await {
                Ok(_) => tracing::debug!(job = name, "queue drained"),
                Err(_) => {
                    tracing::warn!(job = name, "shutdown deadline reached with deliveries still queued")
                }
            }
        }
    }
}

/// How often the metrics job samples the gauges.
const METRICS_INTERVAL: u64 = 5;

/// Starts every job on the current runtime; `metrics` is the exporter's
/// recorder, when metrics are on.
pub fn spawn(jobs: Jobs, metrics: Option<PrometheusHandle>) -> Running {
    let Jobs {
        stores,
        key_poller,
        janitor,
        client_keys,
        hasher,
        http,
        backchannel,
        outbox,
        clock,
        intervals,
    } = jobs;

    let (stop, stopped) = watch::channel(false);
    let stop_signal = move || {
        let mut stopped = stopped.clone();
        async move {
            let _ = stopped.wait_for(|stop| *stop).await;
        }
    };
    let workers = vec![
        // Logout tokens for the clients of ended sessions, as they come.
        ("back-channel logout", tokio::spawn(backchannel.run(stop_signal()))),
        // Queued mail, as it comes.
        ("outbox", tokio::spawn(outbox.run(stop_signal()))),
    ];

    // The dummy hash (for unknown users) costs one Argon2 run, and loading
    // the system's CA certificates tens of milliseconds.
    tokio::task::spawn_blocking(move || hasher.prepare());
    tokio::task::spawn_blocking(move || http.prepare());

    if let Some(recorder) = metrics {
        let stores = stores.clone();
        every("metrics", METRICS_INTERVAL, move || {
            let (backend, open, idle, max) = stores.db_pool_state();
            measure::db_pool(backend, open, idle, max);
            for (kind, count) in stores.ephemeral.entry_counts().unwrap_or_default() {
                measure::ephemeral_entries(&kind, count);
            }
            recorder.run_upkeep();
            std::future::ready(())
        });
    }

    let now = clock.clone();
    let streak = FailureStreak::default();
    every("key poller", intervals.key_poll, move || {
        let (poller, now, streak) = (key_poller.clone(), now.now(), streak.clone());
        async move {
            match poller.poll(now).await {
                Ok(reloaded) => {
                    if streak.succeeded() {
                        tracing::info!(job = "key poller", "signing key checks succeed again");
                    }
                    tracing::debug!(job = "key poller", reloaded, "job ran")
                }
                Err(e) if streak.failed() => {
                    tracing::error!(job = "key poller", error = %e, "signing key check failed (logged once until it succeeds)")
                }
                Err(e) => tracing::debug!(job = "key poller", error = %e, "signing key check failed again"),
            }
        }
    });

    {
        // With the row caches off, the denylist still needs its reloads.
        let interval = intervals.cache_revalidation.max(1);
        let now = clock.clone();
        let streak = FailureStreak::default();
        every("cache revalidation", interval, move || {
            let (stores, now, streak) = (stores.clone(), now.now(), streak.clone());
            async move {
                match stores.revalidate(now).await {
                    Ok(changed) => {
                        if streak.succeeded() {
                            tracing::info!(job = "cache revalidation", "the revisions can be read again");
                        }
                        tracing::debug!(job = "cache revalidation", ?changed, "job ran")
                    }
                    Err(e) => {
                        // Unknown state: start over rather than serve stale rows.
                        stores.flush_caches();
                        if streak.failed() {
                            tracing::warn!(
                                job = "cache revalidation",
                                error = %e,
                                "cannot read the revisions; caches flushed until they can (logged once)"
                            );
                        } else {
                            tracing::debug!(job = "cache revalidation", error = %e, "cannot read the revisions");
                        }
                    }
                }
            }
        });
    }

    let now = clock.clone();
    every("client keys", intervals.client_keys, move || {
        let (cache, now) = (client_keys.clone(), now.now());
        async move {
            let dropped = cache.prune(now);
            tracing::debug!(job = "client keys", dropped, kept = cache.len(), "job ran");
        }
    });

    every("janitor", intervals.janitor, move || {
        let (janitor, now) = (janitor.clone(), clock.now());
        async move {
            match janitor.run(now).await {
                Ok(swept) => tracing::info!(
                    job = "janitor",
                    refresh_tokens = swept.refresh_tokens,
                    denied_tokens = swept.denied_tokens,
                    retired_keys = swept.retired_keys,
                    audit_events = swept.audit_events,
                    links = swept.links,
                    "job ran"
                ),
                Err(e) => tracing::error!(job = "janitor", error = %e, "janitor run failed"),
            }
        }
    });
    Running { stop, workers }
}

/// Whether a periodic job's runs are failing, so an outage (the database
/// down for a minute fails the cache revalidation 60 times) logs one line
/// when it starts and one when it ends, not one per run.
#[derive(Debug, Default, Clone)]
struct FailureStreak(Arc<AtomicBool>);

impl FailureStreak {
    /// Records a failed run; true when it starts a streak.
    fn failed(&self) -> bool {
        !self.0.swap(true, Ordering::Relaxed)
    }

    /// Records a successful run; true when it ends a streak.
    fn succeeded(&self) -> bool {
        self.0.swap(false, Ordering::Relaxed)
    }
}

/// Runs `run` every `secs` seconds, the first time one interval after start.
fn every<F, Fut>(name: &'static str, secs: u64, run: F)
where
    F: Fn() -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    tracing::debug!(job = name, interval_secs = secs, "job scheduled");
    tokio::spawn(async move {
        let period = Duration::from_secs(secs.max(1));
        loop {
            tokio::time::sleep(period).await;
            run().await;
        }
    });
}

#[cfg(test)]
mod tests {
    use super::FailureStreak;

    #[test]
    fn a_streak_reports_its_start_and_its_end_once() {
        let streak = FailureStreak::default();
        assert!(!streak.succeeded(), "no streak to end yet");
        assert!(streak.failed(), "the first failure starts one");
        assert!(!streak.failed(), "later failures are the same streak");
        assert!(streak.clone().succeeded(), "clones share the streak; a success ends it");
        assert!(!streak.succeeded());
        assert!(streak.failed(), "a new outage is a new streak");
    }
}
