//! The outbox: mail leaves through a bounded queue and one background
//! worker (registered in `app::jobs`), so a request never waits for SMTP.
//! Enqueuing never blocks: a full queue drops the message with a log line
//! and a `mail_failed` audit event. The worker tries each message a few
//! times with growing pauses; a message that still fails is logged and
//! audited (purpose and user, never the link) and the user sees nothing of
//! it. The CLI sends directly instead (its process ends right after).

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;

use crate::clock::Clock;
use crate::mail::{Mail, MailError, Transport};
use crate::protocol::AuditKind;
use crate::protocol::links::LinkPurpose;
use crate::store::{Audit, Audited};

/// Messages waiting at most; more are dropped.
pub const QUEUE_CAPACITY: usize = 1_000;

/// How often and how patiently a message is tried.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    pub attempts: u32,
    /// The pause after the first failure; it doubles after each.
    pub first_pause: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy { attempts: 3, first_pause: Duration::from_secs(2) }
    }
}

/// A message and what it is about (for the audit trail).
#[derive(Debug, Clone)]
pub struct Outgoing {
    pub mail: Mail,
    pub purpose: LinkPurpose,
    pub user_id: Option<String>,
}

#[derive(Clone)]
struct Deliverer {
    transport: Arc<Transport>,
    audit: Audit,
    clock: Clock,
    retry: RetryPolicy,
}

#[derive(Clone)]
pub struct Outbox {
    queue: Option<mpsc::Sender<Outgoing>>,
    deliverer: Deliverer,
}

/// The queue's consumer; `run` it once, in the background.
pub struct OutboxWorker {
    receiver: mpsc::Receiver<Outgoing>,
    deliverer: Deliverer,
}

impl Outbox {
    /// A queued outbox and its worker (the server).
    pub fn queued(
        transport: Transport,
        audit: Audit,
        clock: Clock,
        retry: RetryPolicy,
    ) -> (Outbox, OutboxWorker) {
        let (sender, receiver) = mpsc::channel(QUEUE_CAPACITY);
        let deliverer = Deliverer { transport: Arc::new(transport), audit, clock, retry };
        (Outbox { queue: Some(sender), deliverer: deliverer.clone() }, OutboxWorker { receiver, deliverer })
    }

    /// An outbox that sends before `send` returns (the CLI).
    pub fn direct(transport: Transport, audit: Audit, clock: Clock, retry: RetryPolicy) -> Outbox {
        Outbox { queue: None, deliverer: Deliverer { transport: Arc::new(transport), audit, clock, retry } }
    }

    /// Queues `outgoing` without waiting (or, direct, sends it now). A
    /// failure is logged and audited here; callers carry on either way.
    pub async fn send(&self, outgoing: Outgoing) {
        let Some(queue) = &self.queue else {
            self.deliverer.deliver(outgoing).await;
            return;
        };
        if let Err(e) = queue.try_send(outgoing) {
            let (outgoing, reason) = match e {
                mpsc::error::TrySendError::Full(o) => (o, "queue_full"),
                mpsc::error::TrySendError::Closed(o) => (o, "queue_closed"),
            };
            tracing::error!(purpose = %outgoing.purpose, reason, "mail dropped: the outbox is full");
            self.deliverer.failed(&outgoing, reason, 0).await;
        }
    }
}

impl OutboxWorker {
    /// Sends until every sender is gone, or until `stop` resolves (the
    /// server is shutting down): then no new mail is taken (queueing one
    /// is audited as failed) and what is queued is still sent.
    pub async fn run(mut self, stop: impl std::future::Future<Output = ()>) {
        tokio::pin!(stop);
        let mut stopping = false;
        loop {
            let outgoing = tokio::select! {
                outgoing = self.receiver.recv() => outgoing,
                () = &mut stop, if !stopping => {
                    stopping = true;
                    self.receiver.close();
                    continue;
                }
            };
            match outgoing {
                Some(outgoing) => self.deliverer.deliver(outgoing).await,
                None => break,
            }
        }
    }
}

impl Deliverer {
    async fn deliver(&self, outgoing: Outgoing) {
        let mut pause = self.retry.first_pause;
        let attempts = self.retry.attempts.max(1);
        for attempt in 1..=attempts {
            match self.transport.send(&outgoing.mail).await {
                Ok(()) => {
                    tracing::info!(purpose = %outgoing.purpose, user_id = outgoing.user_id.as_deref(), attempt, "mail sent");
                    return;
                }
                Err(e) if e.is_transient() && attempt < attempts => {
                    tracing::warn!(purpose = %outgoing.purpose, attempt, error = %e, "mail not sent; trying again");
                    tokio::time::sleep(pause).await;
                    pause *= 2;
                }
                Err(e) => {
                    tracing::error!(purpose = %outgoing.purpose, user_id = outgoing.user_id.as_deref(), attempt, error = %e, "mail not sent; giving up");
                    self.failed(&outgoing, reason(&e), attempt).await;
                    return;
                }
            }
        }
    }

    async fn failed(&self, outgoing: &Outgoing, reason: &str, attempts: u32) {
        let mut audited = Audited::new(AuditKind::MailFailed)
            .detail("purpose", outgoing.purpose.as_str())
            .detail("reason", reason.to_string())
            .detail("attempts", attempts);
        if let Some(user_id) = &outgoing.user_id {
            audited = audited.user(user_id);
        }
        self.audit.record_or_log(audited, self.clock.now()).await;
    }
}

fn reason(e: &MailError) -> &'static str {
    match e {
        MailError::Config(_) => "configuration",
        MailError::Message(_) => "message",
        MailError::Smtp(_) => "smtp",
    }
}
