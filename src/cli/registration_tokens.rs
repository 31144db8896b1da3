//! What `oxidp registration token …` does: one admin operation each, as
//! `Actor::Cli`.

use serde_json::{Value, json};

use super::Failure;
use super::args_registration::{RegistrationCommand, RegistrationTokenCommand};
use super::open::open_admin;
use crate::config::Settings;
use crate::protocol::client_registration::InitialAccessToken;
use crate::store::OpenMode;

pub(super) async fn run(command: RegistrationCommand, settings: &Settings, now: i64) -> Result<(), Failure> {
    let RegistrationCommand::Token(command) = command;
    let by = crate::flows::admin::Actor::Cli;
    match command {
        RegistrationTokenCommand::Create { expires_in, uses, json } => {
            let admin = open_admin(settings, OpenMode::CreateIfMissing, false).await?;
            let issued = admin.create_registration_token(&by, expires_in, uses, now).await?;
            if json {
                let mut value = token_json(&issued.record, now);
                value["token"] = json!(issued.token);
                println!("{value}");
            } else {
                println!("Created initial access token {}.", issued.record.id);
                println!("token: {}", issued.token);
                println!("Store it now: it is shown only once (only its hash is kept).");
                if !settings.client_registration.enabled {
                    println!("Note: client_registration.enabled is off; /connect/register is not served.");
                }
            }
        }
        RegistrationTokenCommand::List { json } => {
            let admin = open_admin(settings, OpenMode::MustExist, false).await?;
            let tokens = admin.list_registration_tokens().await?;
            if json {
                println!("{}", Value::Array(tokens.iter().map(|t| token_json(t, now)).collect()));
            } else if tokens.is_empty() {
                println!("No initial access tokens.");
            } else {
                println!(
                    "{:<36}  {:<11}  {:<11}  {:<9}  {:<7}  CREATED BY",
                    "ID", "CREATED", "EXPIRES", "USES LEFT", "USABLE"
                );
                let or_dash = |v: Option<i64>| v.map_or_else(|| "-".into(), |v| v.to_string());
                for t in &tokens {
                    println!(
                        "{:<36}  {:<11}  {:<11}  {:<9}  {:<7}  {}",
                        t.id,
                        t.created_at,
                        or_dash(t.expires_at),
                        or_dash(t.uses_left),
                        if usable(t, now) { "yes" } else { "no" },
                        t.created_by.as_deref().unwrap_or("-"),
                    );
                }
            }
        }
        RegistrationTokenCommand::Revoke { id } => {
            let admin = open_admin(settings, OpenMode::MustExist, false).await?;
            admin.revoke_registration_token(&by, &id, now).await?;
            println!("Revoked initial access token {id}.");
        }
    }
    Ok(())
}

/// Unexpired with a use left.
fn usable(t: &InitialAccessToken, now: i64) -> bool {
    t.expires_at.is_none_or(|at| at > now) && t.uses_left.is_none_or(|n| n > 0)
}

fn token_json(t: &InitialAccessToken, now: i64) -> Value {
    json!({
        "id": t.id,
        "created_at": t.created_at,
        "expires_at": t.expires_at,
        "uses_left": t.uses_left,
        "usable": usable(t, now),
        "created_by": t.created_by,
    })
}
