//! `oxidp admin bootstrap`: the first administrators, as `Actor::Cli`.

use serde_json::json;

use super::Failure;
use super::args_admin::AdminCommand;
use super::open::{open_admin, read_secret};
use crate::config::Settings;
use crate::flows::admin::{Actor, Bootstrap};
use crate::protocol::admin::{ADMIN_GROUP, ADMIN_SCOPE};
use crate::store::OpenMode;

pub(super) async fn run(command: AdminCommand, settings: &Settings, now: i64) -> Result<(), Failure> {
    let AdminCommand::Bootstrap { username, password_file, client_id, json } = command;
    if username.is_none() && client_id.is_none() {
        return Err(Failure::Usage("give --username, --client-id or both".into()));
    }
    // Input that can be wrong is read before anything is opened.
    let user = match username {
        Some(username) => Some((username, read_secret(password_file.as_deref(), "Password")?)),
        None => None,
    };
    let admin = open_admin(settings, OpenMode::CreateIfMissing, false).await?;
    let done = admin.bootstrap(&Actor::Cli, Bootstrap { user, client_id }, now).await?;
    let issuer = &settings.issuer;
    if json {
        let out = json!({
            "username": done.user.as_ref().map(|u| &u.username),
            "client_id": done.client.as_ref().map(|c| &c.client.client_id),
            "client_secret": done.client.as_ref().and_then(|c| c.secret.as_deref()),
        });
        println!("{out}");
        return Ok(());
    }
    if let Some(user) = &done.user {
        println!("Created user {:?} in {ADMIN_GROUP}: sign in at {issuer}/admin", user.username);
    }
    if let Some(created) = &done.client {
        println!(
            "Created automation client {:?} (client_credentials, scope {ADMIN_SCOPE}).",
            created.client.client_id
        );
        if let Some(secret) = &created.secret {
            println!("client_secret: {secret}");
            println!("Store the secret now: it is shown only once (only its hash is kept).");
        }
        println!(
            "Get a token: curl -u {}:SECRET -d grant_type=client_credentials -d scope={ADMIN_SCOPE} {issuer}/token",
            created.client.client_id
        );
        println!("Then call {issuer}/admin/api/v1/... with Authorization: Bearer <access_token>.");
    }
    Ok(())
}
