//! Outgoing mail: the transport (SMTP through lettre, or the log for
//! development) and the messages, askama templates in plain text and HTML
//! (`multipart/alternative`, RFC 2046 §5.1.4). Infrastructure beside
//! `store`: the flows decide what to send, `flows::outbox` queues it.

pub mod compose;

use std::fmt;
use std::time::Duration;

use lettre::message::{Mailbox, MultiPart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

use crate::vocabulary::vocabulary;

vocabulary! {
    /// How mail leaves the server (`mail.transport`).
    pub enum TransportKind("mail transport") {
        /// Written to the log at INFO, marked as not sent: for development.
        Log => "log",
        /// Sent to `mail.smtp_url`.
        Smtp => "smtp",
    }
}

/// One message, both renderings.
#[derive(Clone)]
pub struct Mail {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
}

impl fmt::Debug for Mail {
    /// The body holds a secret link: never in a debug print.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Mail").field("subject", &self.subject).finish_non_exhaustive()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    /// The configuration cannot work (bad URL, bad sender address).
    #[error("mail configuration: {0}")]
    Config(String),
    /// This message cannot be built (bad recipient address).
    #[error("message: {0}")]
    Message(String),
    /// The SMTP server refused or could not be reached.
    #[error("smtp: {0}")]
    Smtp(String),
}

impl MailError {
    /// Whether trying again may help (not for a bad message).
    pub fn is_transient(&self) -> bool {
        matches!(self, MailError::Smtp(_))
    }
}

/// What the transport is built from.
#[derive(Clone)]
pub struct MailConfig {
    pub transport: TransportKind,
    /// lettre's URL form: `smtp://host:port` (plain or `?tls=required` for
    /// STARTTLS), `smtps://host:port` (TLS), credentials as userinfo.
    pub smtp_url: Option<String>,
    pub from: String,
    /// The longest an SMTP conversation may take.
    pub timeout: Duration,
}

/// Sends messages; cheap to clone (the SMTP pool is shared).
#[derive(Clone)]
pub struct Transport {
    from: Mailbox,
    kind: Kind,
}

#[derive(Clone)]
enum Kind {
    Log,
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
}

/// `from` as a mailbox (`Name <addr>` or `addr`).
pub fn parse_mailbox(from: &str) -> Result<Mailbox, String> {
    from.parse::<Mailbox>().map_err(|e| format!("{from:?} is not a mail address: {e}"))
}

/// Whether lettre accepts `url` (scheme, host, port, `tls=` parameter);
/// the message never repeats the URL (it may hold a password).
pub fn check_smtp_url(url: &str) -> Result<(), String> {
    AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
        .map(|_| ())
        .map_err(|_| "not a valid smtp:// or smtps:// URL".to_string())
}

impl Transport {
    pub fn new(config: &MailConfig) -> Result<Transport, MailError> {
        let from = parse_mailbox(&config.from).map_err(MailError::Config)?;
        let kind = match config.transport {
            TransportKind::Log => Kind::Log,
            TransportKind::Smtp => {
                let url = config
                    .smtp_url
                    .as_deref()
                    .ok_or_else(|| MailError::Config("mail.smtp_url is required with smtp".into()))?;
                // The error may quote the URL: say only what is wrong.
                let builder = AsyncSmtpTransport::<Tokio1Executor>::from_url(url).map_err(|_| {
                    MailError::Config("mail.smtp_url is not a valid smtp:// or smtps:// URL".into())
                })?;
                Kind::Smtp(builder.timeout(Some(config.timeout)).build())
            }
        };
        Ok(Transport { from, kind })
    }

    pub async fn send(&self, mail: &Mail) -> Result<(), MailError> {
        let to: Mailbox = mail.to.parse().map_err(|e| MailError::Message(format!("recipient: {e}")))?;
        let message = lettre::Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(mail.subject.clone())
            .multipart(MultiPart::alternative_plain_html(mail.text.clone(), mail.html.clone()))
            .map_err(|e| MailError::Message(e.to_string()))?;
        match &self.kind {
            Kind::Log => {
                // The plain-text part as written (the formatted message may
                // wrap or encode it), for a developer to follow the link.
                let _ = message;
                tracing::info!(
                    from = %self.from, to = %mail.to, subject = %mail.subject, body = %mail.text,
                    "mail.transport=log: NOT SENT"
                );
                Ok(())
            }
            Kind::Smtp(smtp) => {
                smtp.send(message).await.map(|_| ()).map_err(|e| MailError::Smtp(e.to_string()))
            }
        }
    }
}
