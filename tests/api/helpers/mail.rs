//! A real SMTP server per test: `tests/smtp/capture.py` (aiosmtpd) on a
//! free loopback port, writing each message it receives as JSON to its own
//! directory. [`with_smtp`] starts one and points the server's settings at
//! it; [`TestApp::mailbox`] finds it again from those settings.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::Value;

use super::{SpawnOptions, TestApp};

/// One received message, bodies decoded.
#[derive(Debug, Clone)]
pub struct ReceivedMail {
    pub to: Vec<String>,
    pub subject: String,
    pub content_type: String,
    pub text: String,
    pub html: String,
}

impl ReceivedMail {
    /// The first absolute link to `path` (e.g. `/reset`) in the text body.
    pub fn link(&self, path: &str) -> String {
        let at = self
            .text
            .find(&format!("{path}?token="))
            .unwrap_or_else(|| panic!("no {path} link in {}", self.text));
        let start = self.text[..at].rfind("http").expect("an absolute link");
        let end = self.text[at..].find(char::is_whitespace).map_or(self.text.len(), |e| at + e);
        self.text[start..end].to_string()
    }

    /// The token of the link to `path`.
    pub fn token(&self, path: &str) -> String {
        let link = self.link(path);
        link.split_once("token=").expect("token").1.to_string()
    }
}

pub struct Mailbox {
    dir: PathBuf,
}

fn dir_for(port: u16) -> PathBuf {
    std::env::temp_dir().join(format!("oxidp-smtp-{}-{port}", std::process::id()))
}

/// A free loopback port (bound, then released for the server to take).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port()
}

/// Starts a capturing SMTP server and sets `mail.transport = smtp` with
/// `mail.smtp_url` pointing at it.
pub fn with_smtp(options: SpawnOptions) -> SpawnOptions {
    let (port, _) = start_smtp();
    options.settings(move |s| {
        s.mail.transport = oxidp::mail::TransportKind::Smtp;
        s.mail.smtp_url = Some(format!("smtp://127.0.0.1:{port}"));
        s.mail.from = "oxidp <noreply@example.com>".into();
    })
}

/// Starts a capturing SMTP server: its port and mailbox.
pub fn start_smtp() -> (u16, Mailbox) {
    let port = free_port();
    let dir = dir_for(port);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("mail dir");
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/smtp/capture.py");
    let mut child = Command::new("/usr/bin/python3")
        .args([script, &port.to_string(), dir.to_str().expect("utf-8 dir"), &std::process::id().to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start tests/smtp/capture.py (apt-get install python3-aiosmtpd)");
    // It exits with the test process (it watches its parent); reaped here.
    std::thread::spawn(move || child.wait());
    let ready = dir.join("ready");
    for _ in 0..400 {
        if ready.exists() {
            break;
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    assert!(ready.exists(), "the SMTP server did not start");
    (port, Mailbox { dir })
}

/// Points mail at a port nothing listens on (SMTP down).
pub fn with_smtp_down(options: SpawnOptions) -> SpawnOptions {
    let port = free_port();
    options.settings(move |s| {
        s.mail.transport = oxidp::mail::TransportKind::Smtp;
        s.mail.smtp_url = Some(format!("smtp://127.0.0.1:{port}"));
    })
}

impl TestApp {
    /// The messages the test's SMTP server received.
    pub fn mailbox(&self) -> Mailbox {
        let url = self.settings.mail.smtp_url.as_deref().expect("with_smtp");
        let port: u16 = url.rsplit(':').next().and_then(|p| p.parse().ok()).expect("port");
        Mailbox { dir: dir_for(port) }
    }
}

impl Mailbox {
    /// Every message so far, in order of arrival.
    pub fn all(&self) -> Vec<ReceivedMail> {
        let mut names: Vec<PathBuf> = std::fs::read_dir(&self.dir)
            .expect("mail dir")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        names.sort();
        names
            .iter()
            .map(|p| {
                let v: Value =
                    serde_json::from_str(&std::fs::read_to_string(p).expect("read mail")).expect("json");
                let s = |k: &str| v[k].as_str().unwrap_or_default().to_string();
                ReceivedMail {
                    to: v["to"]
                        .as_array()
                        .map(|a| a.iter().filter_map(|x| x.as_str().map(String::from)).collect())
                        .unwrap_or_default(),
                    subject: s("subject"),
                    content_type: s("content_type"),
                    text: s("text"),
                    html: s("html"),
                }
            })
            .collect()
    }

    /// The messages to `address`.
    pub fn to(&self, address: &str) -> Vec<ReceivedMail> {
        self.all().into_iter().filter(|m| m.to.iter().any(|t| t == address)).collect()
    }

    /// Waits (up to 20 s) until `count` messages to `address` arrived; the
    /// last of them.
    pub async fn wait_for(&self, address: &str, count: usize) -> ReceivedMail {
        for _ in 0..800 {
            let mails = self.to(address);
            if mails.len() >= count {
                return mails[count - 1].clone();
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!(
            "no message #{count} to {address}; got {:?}",
            self.all().iter().map(|m| (&m.to, &m.subject)).collect::<Vec<_>>()
        );
    }
}
