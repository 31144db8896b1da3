//! Who performs an administrative operation, and the audit event that
//! records it. Every change made through the CLI, the admin API or the
//! console names its actor.

use serde_json::Value;

use crate::protocol::{AdminOp, AuditKind};
use crate::store::Audited;

/// The operator behind a change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    /// The command line, run on the server's machine.
    Cli,
    /// The server itself (what it provisions at startup, such as the
    /// admin console's client).
    System,
    /// A person (the console, or a token issued to them).
    User { id: String, username: String },
    /// An automation client (client_credentials with `oxidp:admin`).
    Client(String),
    /// Someone registering themselves (`accounts.registration`).
    SelfService,
    /// A dynamically registered client managing its own registration
    /// (RFC 7591, RFC 7592), with the initial access token it registered
    /// with, if any.
    Registrant { client_id: String, initial_token: Option<String> },
}

impl Actor {
    /// How audit events name the actor: `cli`, `system`, `user:<id>`,
    /// `client:<id>`, `registrant:<client id>`.
    pub fn label(&self) -> String {
        match self {
            Actor::Cli => "cli".into(),
            Actor::System => "system".into(),
            Actor::User { id, .. } => format!("user:{id}"),
            Actor::Client(client_id) => format!("client:{client_id}"),
            Actor::SelfService => "self_service".into(),
            Actor::Registrant { client_id, .. } => format!("registrant:{client_id}"),
        }
    }

    /// The `admin_action` event for `op` on `target` (a client id, user
    /// id, group name, kid, ...). Add `before`/`after` with [`changed`].
    pub fn audited(&self, op: AdminOp, target: &str) -> Audited {
        let audited = Audited::new(AuditKind::AdminAction)
            .actor(self.label())
            .detail("action", op.as_str())
            .detail("target", target.to_string());
        match self {
            Actor::User { username, .. } => audited.detail("actor_username", username.clone()),
            Actor::Registrant { initial_token: Some(id), .. } => {
                audited.detail("initial_access_token", id.clone())
            }
            _ => audited,
        }
    }
}

/// Adds the state before and after an update (never secrets: callers pass
/// their public views).
pub fn changed(audited: Audited, before: Value, after: Value) -> Audited {
    audited.detail("before", before).detail("after", after)
}
