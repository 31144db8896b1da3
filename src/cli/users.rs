//! `oxidp user ...`: each command reads its input first (a password from
//! stdin or a file), then calls one admin operation as `Actor::Cli`.
//! Nothing printed ever holds a password or its hash.

use serde_json::{Value, json};

use super::Failure;
use super::args::{ProfileArgs, UserCommand, UserList, UserUpdateArgs};
use super::open::{open_admin, read_secret};
use super::output;
use crate::config::Settings;
use crate::flows::admin::{Actor, Admin, NewUser, PageRequest, ProfileUpdate, UserUpdate, user_view};
use crate::protocol::UserRecord;
use crate::protocol::entries::SsoSession;
use crate::protocol::profile::{Address, Profile};
use crate::store::OpenMode;

pub(super) async fn run(command: UserCommand, settings: &Settings, now: i64) -> Result<(), Failure> {
    let by = Actor::Cli;
    let existing = |sessions| open_admin(settings, OpenMode::MustExist, sessions);
    match command {
        UserCommand::Create(args) => {
            if args.email.is_some() {
                crate::app::telemetry::init_stderr(&settings.log);
            }
            // Input that can be wrong is read before anything is opened.
            let password = read_secret(args.password_file.as_deref(), "Password")?;
            let profile =
                Profile { phone_number_verified: args.phone_number_verified, ..profile_of(*args.profile) };
            let new =
                NewUser { username: args.username, password, email: args.email, name: args.name, profile };
            let admin = open_admin(settings, OpenMode::CreateIfMissing, false).await?;
            let user = admin.create_user(&by, new, now).await?;
            output::created_user(&user);
        }
        UserCommand::List(args) => list(&existing(false).await?, args).await?,
        UserCommand::Show { username, json } => {
            let user = existing(false).await?.find_user(&username).await?;
            print_user(&user, json);
        }
        UserCommand::Update(args) => {
            let username = args.username.clone();
            if args.email.is_some() {
                crate::app::telemetry::init_stderr(&settings.log);
            }
            let admin = existing(false).await?;
            let user = admin.find_user(&username).await?;
            let update = update_of(args, &user.profile);
            let user = admin.update_user(&by, &user.id, update, None, now).await?;
            println!("Updated user {:?} (version {}).", user.username, user.version);
        }
        UserCommand::SetPassword { username, password_file } => {
            let password = read_secret(password_file.as_deref(), "New password")?;
            let admin = existing(true).await?;
            let user = admin.find_user(&username).await?;
            admin.set_user_password(&by, &user.id, password, now).await?;
            println!("Set the password of {:?}; their sessions ended.", user.username);
        }
        UserCommand::Disable { username } => {
            let admin = existing(true).await?;
            let user = admin.find_user(&username).await?;
            admin.disable_user(&by, &user.id, now).await?;
            println!(
                "Disabled user {:?}; their sessions ended and their tokens were revoked.",
                user.username
            );
        }
        UserCommand::ResetMfa { username } => {
            let admin = existing(false).await?;
            let user = admin.find_user(&username).await?;
            if admin.reset_user_mfa(&by, &user.id, now).await? {
                println!(
                    "Removed the second factors of {:?}; they sign in with their password.",
                    user.username
                );
            } else {
                println!("User {:?} had no second factor.", user.username);
            }
        }
        UserCommand::Enable { username } => {
            let admin = existing(false).await?;
            let user = admin.find_user(&username).await?;
            admin.enable_user(&by, &user.id, now).await?;
            println!("Enabled user {:?}.", user.username);
        }
        UserCommand::Unlock { username } => {
            // Without Redis the counts live in the server's memory, out of
            // the CLI's reach: saying "unlocked" would be a lie.
            if settings.redis.url.is_none() {
                return Err(Failure::Usage(
                    "sign-in counts live in the server's memory (no redis.url): unlock through the admin API or console"
                        .into(),
                ));
            }
            let admin = existing(true).await?;
            let user = admin.find_user(&username).await?;
            admin.unlock_user(&by, &user.id, now).await?;
            println!("Unlocked sign-in for {:?}.", user.username);
        }
        UserCommand::Delete { username } => {
            let admin = existing(true).await?;
            let user = admin.find_user(&username).await?;
            admin.delete_user(&by, &user.id, now).await?;
            println!("Deleted user {:?}.", user.username);
        }
        UserCommand::Sessions { username, json } => {
            let admin = existing(true).await?;
            let user = admin.find_user(&username).await?;
            let sessions = admin.list_user_sessions(&user.id, now).await?;
            print_sessions(&sessions, json);
        }
        UserCommand::SendVerification { username } => {
            crate::app::telemetry::init_stderr(&settings.log);
            let admin = existing(false).await?;
            let user = admin.find_user(&username).await?;
            admin.send_verification(&by, &user.id, now).await?;
            println!("Sent a verification link to the address of {:?}.", user.username);
        }
        UserCommand::EndSessions { username } => {
            let admin = existing(true).await?;
            let user = admin.find_user(&username).await?;
            let ended = admin.end_user_sessions(&by, &user.id, now).await?;
            println!("Ended {ended} session(s) of {:?}.", user.username);
        }
    }
    Ok(())
}

/// The given address parts over `base`; `None` when no part is given.
fn address_of(args: &ProfileArgs, base: Option<Address>) -> Option<Address> {
    let parts = [
        &args.address_formatted,
        &args.address_street,
        &args.address_locality,
        &args.address_region,
        &args.address_postal_code,
        &args.address_country,
    ];
    if parts.iter().all(|p| p.is_none()) {
        return None;
    }
    let mut address = base.unwrap_or_default();
    let over = |part: &mut Option<String>, given: &Option<String>| {
        if let Some(value) = given {
            *part = Some(value.clone());
        }
    };
    over(&mut address.formatted, &args.address_formatted);
    over(&mut address.street_address, &args.address_street);
    over(&mut address.locality, &args.address_locality);
    over(&mut address.region, &args.address_region);
    over(&mut address.postal_code, &args.address_postal_code);
    over(&mut address.country, &args.address_country);
    Some(address)
}

/// The profile of `user create` (checked by the admin operation).
fn profile_of(args: ProfileArgs) -> Profile {
    Profile {
        address: address_of(&args, None),
        given_name: args.given_name,
        family_name: args.family_name,
        locale: args.locale,
        zoneinfo: args.zoneinfo,
        picture: args.picture,
        phone_number: args.phone_number,
        phone_number_verified: false,
    }
}

/// An empty value clears a profile member; address parts change within
/// the user's `current` address (all of them empty: no address).
fn update_of(args: UserUpdateArgs, current: &Profile) -> UserUpdate {
    let pick = |value: Option<String>, clear: bool| if clear { Some(None) } else { value.map(Some) };
    let p = args.profile;
    UserUpdate {
        name: pick(args.name, args.clear_name),
        email: pick(args.email, args.clear_email),
        email_verified: args.email_verified,
        profile: ProfileUpdate {
            address: address_of(&p, current.address.clone()).map(Some),
            given_name: p.given_name.map(Some),
            family_name: p.family_name.map(Some),
            locale: p.locale.map(Some),
            zoneinfo: p.zoneinfo.map(Some),
            picture: p.picture.map(Some),
            phone_number: p.phone_number.map(Some),
            phone_number_verified: args.phone_number_verified,
        },
    }
}

async fn list(admin: &Admin, args: UserList) -> Result<(), Failure> {
    let request = PageRequest { limit: args.limit, after: args.after, search: args.search };
    let page = admin.list_users(&request).await?;
    if args.json {
        let users: Vec<Value> = page.items.iter().map(user_view).collect();
        println!("{}", json!({ "users": users, "next": page.next }));
        return Ok(());
    }
    for user in &page.items {
        let state = if user.disabled { "disabled" } else { "active" };
        let email = user.email.as_deref().unwrap_or("-");
        let name = user.name.as_deref().unwrap_or("-");
        println!("{}\t{}\t{email}\t{name}\t{state}", user.username, user.id);
    }
    if let Some(next) = page.next {
        println!("(more: --after {next})");
    }
    Ok(())
}

fn print_user(user: &UserRecord, json: bool) {
    if json {
        println!("{}", user_view(user));
        return;
    }
    println!("username:       {}", user.username);
    println!("id (sub):       {}", user.id);
    println!("name:           {}", user.name.as_deref().unwrap_or("-"));
    println!("email:          {}", user.email.as_deref().unwrap_or("-"));
    println!("email verified: {}", user.email_verified);
    let p = &user.profile;
    for (label, value) in [
        ("given name:    ", &p.given_name),
        ("family name:   ", &p.family_name),
        ("locale:        ", &p.locale),
        ("zoneinfo:      ", &p.zoneinfo),
        ("picture:       ", &p.picture),
        ("phone number:  ", &p.phone_number),
    ] {
        if let Some(value) = value {
            println!("{label} {value}");
        }
    }
    if p.phone_number.is_some() {
        println!("phone verified: {}", p.phone_number_verified);
    }
    if let Some(address) = &p.address {
        println!("address:        {}", serde_json::to_string(address).unwrap_or_default());
    }
    println!("disabled:       {}", user.disabled);
    println!("created at:     {}", user.created_at);
    println!("updated at:     {}", user.updated_at);
    println!("version:        {}", user.version);
}

fn print_sessions(sessions: &[SsoSession], json: bool) {
    if json {
        let list: Vec<Value> = sessions
            .iter()
            .map(|s| {
                json!({
                    "sid": s.sid,
                    "created_at": s.created_at,
                    "last_seen": s.last_seen,
                    "expires_at": s.expires_at.min(s.idle_expires_at),
                    "clients": s.clients,
                })
            })
            .collect();
        println!("{}", Value::Array(list));
        return;
    }
    for s in sessions {
        println!(
            "{}\tcreated {}\tlast seen {}\tclients {}",
            s.sid,
            s.created_at,
            s.last_seen,
            s.clients.join(",")
        );
    }
}
