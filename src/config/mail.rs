//! `[mail]`, `[links]` and `[accounts]`: how mail leaves, how long the
//! links in it live, and whether people may register themselves.

use std::fmt;
use std::time::Duration;

use serde::Deserialize;

use super::{Settings, redact_url};
use crate::flows::links::LinkPolicy;
use crate::mail::{MailConfig, TransportKind};

#[derive(Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MailSettings {
    /// `log` (default: the message goes to the log, NOT SENT; for
    /// development) or `smtp`.
    pub transport: TransportKind,
    /// `smtp://host:port` (`?tls=required` for STARTTLS), `smtps://host:port`
    /// (TLS); credentials as `user:password@`. A secret: redacted in prints.
    pub smtp_url: Option<String>,
    /// The sender: `addr@example.com` or `Name <addr@example.com>`.
    pub from: String,
    /// Seconds an SMTP conversation may take.
    pub timeout: u64,
}

impl Default for MailSettings {
    fn default() -> Self {
        MailSettings {
            transport: TransportKind::Log,
            smtp_url: None,
            from: "oxidp <noreply@localhost>".into(),
            timeout: 30,
        }
    }
}

impl fmt::Debug for MailSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MailSettings")
            .field("transport", &self.transport)
            .field("smtp_url", &self.smtp_url.as_deref().map(redact_url))
            .field("from", &self.from)
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// Lifetimes of the links mailed to users, in seconds.
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LinkSettings {
    pub reset_ttl: u64,
    pub verify_ttl: u64,
}

impl Default for LinkSettings {
    fn default() -> Self {
        LinkSettings { reset_ttl: 1800, verify_ttl: 86_400 }
    }
}

#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AccountSettings {
    /// Anyone may create an account at `/register` (verified by email
    /// before the first sign-in).
    pub registration: bool,
    /// Users may register passkeys and sign in with them (WebAuthn). They
    /// work only when the issuer's host is a domain name (`localhost`
    /// included): browsers refuse IP addresses as relying party ids.
    pub passkeys: bool,
}

impl Default for AccountSettings {
    fn default() -> AccountSettings {
        AccountSettings { registration: false, passkeys: true }
    }
}

impl Settings {
    pub fn mail_config(&self) -> MailConfig {
        MailConfig {
            transport: self.mail.transport,
            smtp_url: self.mail.smtp_url.clone(),
            from: self.mail.from.clone(),
            timeout: Duration::from_secs(self.mail.timeout),
        }
    }

    pub fn link_policy(&self) -> LinkPolicy {
        LinkPolicy {
            reset_ttl: self.links.reset_ttl,
            verify_ttl: self.links.verify_ttl,
            registration: self.accounts.registration,
            ..LinkPolicy::default()
        }
    }

    /// `[mail]` and `[links]`, each complaint naming its key.
    pub(super) fn validate_mail(&self) -> anyhow::Result<()> {
        crate::mail::parse_mailbox(&self.mail.from).map_err(|e| anyhow::anyhow!("mail.from: {e}"))?;
        anyhow::ensure!((1..=300).contains(&self.mail.timeout), "mail.timeout must be 1..=300 seconds");
        match (self.mail.transport, self.mail.smtp_url.as_deref()) {
            (TransportKind::Smtp, None) => {
                anyhow::bail!("mail.smtp_url is required when mail.transport = smtp")
            }
            (_, Some(raw)) => {
                let url = url::Url::parse(raw)
                    .map_err(|_| anyhow::anyhow!("mail.smtp_url {:?} is not a URL", redact_url(raw)))?;
                anyhow::ensure!(
                    matches!(url.scheme(), "smtp" | "smtps") && url.host().is_some(),
                    "mail.smtp_url must be smtp://host[:port] or smtps://host[:port]"
                );
                crate::mail::check_smtp_url(raw).map_err(|e| anyhow::anyhow!("mail.smtp_url: {e}"))?;
            }
            (TransportKind::Log, None) => {}
        }
        anyhow::ensure!(
            (60..=7 * 86_400).contains(&self.links.reset_ttl),
            "links.reset_ttl must be 60..=604800 seconds"
        );
        anyhow::ensure!(
            (60..=30 * 86_400).contains(&self.links.verify_ttl),
            "links.verify_ttl must be 60..=2592000 seconds"
        );
        Ok(())
    }
}
