//! Back-Channel Logout 1.0: when a session ends, every client that received
//! tokens in it and registered a `backchannel_logout_uri` gets a logout
//! token by direct POST (§2.5). Sessions hand the work to a queue; the one
//! worker ([`BackchannelWorker::run`], started with the other background
//! jobs) delivers to all clients of a session concurrently, each with a
//! timeout and bounded retries, and audits every outcome. The logout page
//! waits for a delivery at most `logout.backchannel_wait`.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{Semaphore, mpsc, oneshot};

use crate::clock::Clock;
use crate::crypto::random_token;
use crate::flows::client_auth::client_keys::OutboundHttp;
use crate::jose::KeyringHandle;
use crate::protocol::entries::SsoSession;
use crate::protocol::logout::{LogoutTokenRequest, mint_logout_token};
use crate::protocol::subjects::Subjects;
use crate::protocol::{AuditKind, ClientRecord};
use crate::store::{Audit, Audited, Clients};

/// Sessions waiting for delivery; beyond this, logouts are not delayed
/// but the overflow is logged and audited as undelivered.
const QUEUE: usize = 1024;
/// Sessions delivered at once.
const CONCURRENT_SESSIONS: usize = 32;

/// How deliveries are attempted.
#[derive(Debug, Clone, Copy)]
pub struct DeliveryPolicy {
    /// Per attempt.
    pub timeout: Duration,
    pub attempts: u32,
    /// Before the second attempt; doubled after each failure.
    pub backoff: Duration,
}

impl Default for DeliveryPolicy {
    fn default() -> Self {
        DeliveryPolicy { timeout: Duration::from_secs(5), attempts: 3, backoff: Duration::from_millis(500) }
    }
}

struct Job {
    sid: String,
    user_id: String,
    clients: Vec<String>,
    done: oneshot::Sender<()>,
}

/// The sending side, held by `Sessions`.
#[derive(Clone)]
pub struct Backchannel {
    queue: Option<mpsc::Sender<Job>>,
}

/// A session's deliveries under way.
#[derive(Debug)]
pub struct Delivery(Option<oneshot::Receiver<()>>);

impl Delivery {
    /// Waits until every delivery finished or `max` passed; whether they
    /// all finished.
    pub async fn wait(self, max: Duration) -> bool {
        match self.0 {
            None => true,
            Some(done) => matches!(tokio::time::timeout(max, done).await, Ok(Ok(()))),
        }
    }
}

impl Backchannel {
    /// The queue and its worker.
    pub fn new(worker: WorkerParts) -> (Backchannel, BackchannelWorker) {
        let (tx, rx) = mpsc::channel(QUEUE);
        (Backchannel { queue: Some(tx) }, BackchannelWorker { rx, parts: Arc::new(worker) })
    }

    /// Tells nobody: for tests of sessions alone, and the CLI, a process
    /// too short-lived to run the delivery worker.
    pub fn disabled() -> Backchannel {
        Backchannel { queue: None }
    }

    /// Queues the logout of `session` for its `clients`.
    pub fn notify(&self, session: &SsoSession, clients: &[String]) -> Delivery {
        let Some(queue) = &self.queue else { return Delivery(None) };
        if clients.is_empty() {
            return Delivery(None);
        }
        let (done, waiting) = oneshot::channel();
        let job = Job {
            sid: session.sid.clone(),
            user_id: session.user_id.clone(),
            clients: clients.to_vec(),
            done,
        };
        match queue.try_send(job) {
            Ok(()) => Delivery(Some(waiting)),
            Err(e) => {
                tracing::error!(sid = %session.sid, error = %e, "back-channel logout queue full or closed: not delivered");
                Delivery(None)
            }
        }
    }
}

/// What the worker needs.
pub struct WorkerParts {
    pub clients: Clients,
    pub keyring: Arc<KeyringHandle>,
    pub issuer: String,
    pub http: Arc<OutboundHttp>,
    pub audit: Audit,
    pub clock: Clock,
    pub policy: DeliveryPolicy,
    /// The `sub` each client knows (OIDC Core §8; Back-Channel Logout §2.4).
    pub subjects: Arc<Subjects>,
}

pub struct BackchannelWorker {
    rx: mpsc::Receiver<Job>,
    parts: Arc<WorkerParts>,
}

impl BackchannelWorker {
    /// Delivers until every sender is gone, or until `stop` resolves (the
    /// server is shutting down): then no new session is taken, the queued
    /// ones are still delivered, and it returns once every delivery under
    /// way has finished.
    pub async fn run(mut self, stop: impl std::future::Future<Output = ()>) {
        let permits = Arc::new(Semaphore::new(CONCURRENT_SESSIONS));
        tokio::pin!(stop);
        let mut stopping = false;
        loop {
            let job = tokio::select! {
                job = self.rx.recv() => job,
                () = &mut stop, if !stopping => {
                    stopping = true;
                    self.rx.close();
                    continue;
                }
            };
            let Some(job) = job else { break };
            let Ok(permit) = permits.clone().acquire_owned().await else { return };
            let parts = self.parts.clone();
            tokio::spawn(async move {
                parts.deliver_session(&job).await;
                let _ = job.done.send(());
                drop(permit);
            });
        }
        // Every permit back: no delivery is still under way.
        let _ = permits.acquire_many(CONCURRENT_SESSIONS as u32).await;
    }
}

impl WorkerParts {
    async fn deliver_session(&self, job: &Job) {
        let mut tasks = tokio::task::JoinSet::new();
        for client_id in &job.clients {
            let client = match self.clients.find(client_id).await {
                Ok(Some(client)) if client.backchannel_logout.is_some() => client,
                Ok(_) => continue,
                Err(e) => {
                    tracing::error!(%client_id, error = %e, "back-channel logout: cannot read the client");
                    continue;
                }
            };
            let token = match self.logout_token(&client, job) {
                Ok(token) => token,
                Err(e) => {
                    tracing::error!(%client_id, error = %e, "back-channel logout: cannot sign the logout token");
                    continue;
                }
            };
            let (http, policy) = (self.http.clone(), self.policy);
            tasks.spawn(async move {
                let outcome = post(&http, &client, &token, policy).await;
                (client.client_id, outcome)
            });
        }
        while let Some(joined) = tasks.join_next().await {
            let Ok((client_id, outcome)) = joined else { continue };
            crate::measure::backchannel_delivery(if outcome.delivered { "delivered" } else { "failed" });
            let audited = Audited::new(AuditKind::BackchannelLogout)
                .client(&client_id)
                .user(&job.user_id)
                .detail("sid", job.sid.clone())
                .detail("delivered", outcome.delivered)
                .detail("attempts", outcome.attempts)
                .detail("result", outcome.result);
            if let Err(e) = self.audit.record(audited, self.clock.now()).await {
                tracing::error!(%client_id, error = %e, "back-channel logout: cannot audit the outcome");
            }
        }
    }

    fn logout_token(&self, client: &ClientRecord, job: &Job) -> Result<String, String> {
        let sub = self.subjects.subject_at(client, &job.user_id).map_err(|e| e.description)?;
        let keyring = self.keyring.current();
        let request = LogoutTokenRequest {
            alg: client.id_token_signed_response_alg.unwrap_or(keyring.algorithm()),
            issuer: &self.issuer,
            client_id: &client.client_id,
            sub: &sub,
            sid: &job.sid,
            jti: &random_token(16),
            now: self.clock.now(),
        };
        mint_logout_token(&keyring, request).map_err(|e| e.to_string())
    }
}

struct Outcome {
    delivered: bool,
    attempts: u32,
    /// The last HTTP status or error, for the audit log.
    result: String,
}

/// POSTs `logout_token` (§2.5): 200 or 204 is success; a 4xx other than
/// 408/429 is final (the client rejected the token); anything else is
/// retried with backoff.
async fn post(http: &OutboundHttp, client: &ClientRecord, token: &str, policy: DeliveryPolicy) -> Outcome {
    let Some(endpoint) = &client.backchannel_logout else {
        return Outcome { delivered: false, attempts: 0, result: "no endpoint".into() };
    };
    let mut backoff = policy.backoff;
    let mut result = String::new();
    for attempt in 1..=policy.attempts.max(1) {
        let sent = match http.client() {
            Ok(http) => {
                http.post(&endpoint.uri).timeout(policy.timeout).form(&[("logout_token", token)]).send().await
            }
            Err(e) => return Outcome { delivered: false, attempts: attempt, result: e.to_string() },
        };
        match sent {
            Ok(resp) if resp.status().is_success() => {
                return Outcome {
                    delivered: true,
                    attempts: attempt,
                    result: resp.status().as_u16().to_string(),
                };
            }
            Ok(resp) => {
                let status = resp.status();
                result = status.as_u16().to_string();
                if status.is_client_error() && status.as_u16() != 408 && status.as_u16() != 429 {
                    return Outcome { delivered: false, attempts: attempt, result };
                }
            }
            Err(e) => result = if e.is_timeout() { "timeout".into() } else { "connection failed".into() },
        }
        if attempt < policy.attempts {
            tokio::time::sleep(backoff).await;
            backoff *= 2;
        }
    }
    tracing::warn!(client_id = %client.client_id, %result, "back-channel logout not delivered");
    Outcome { delivered: false, attempts: policy.attempts.max(1), result }
}
