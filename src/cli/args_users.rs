//! `oxidp user ...`: the shape of the user commands. Users are named by
//! username (or id) everywhere.

use std::path::PathBuf;

use clap::{ArgGroup, Args, Subcommand};

#[derive(Subcommand)]
pub enum UserCommand {
    /// Create a user; the password is read from stdin (first line) or --password-file.
    Create(UserCreate),
    /// List users ordered by username, a page at a time.
    List(UserList),
    /// Show one user (never the password hash).
    Show {
        #[arg(long, value_name = "USERNAME")]
        username: String,
        #[arg(long)]
        json: bool,
    },
    /// Change a user's name, email, email verification or profile claims (an empty value clears one).
    Update(UserUpdateArgs),
    /// Replace a user's password (stdin, first line, or --password-file); their sessions end.
    SetPassword {
        #[arg(long, value_name = "USERNAME")]
        username: String,
        /// Read the password from the first line of this file instead of stdin.
        #[arg(long, value_name = "FILE")]
        password_file: Option<PathBuf>,
    },
    /// Stop a user logging in; their sessions end and every refresh token is revoked.
    Disable {
        #[arg(long, value_name = "USERNAME")]
        username: String,
    },
    /// Remove a user's second factors (TOTP, recovery codes and passkeys), e.g. after a lost phone.
    ResetMfa {
        #[arg(long, value_name = "USERNAME")]
        username: String,
    },
    /// Let a disabled user log in again.
    Enable {
        #[arg(long, value_name = "USERNAME")]
        username: String,
    },
    /// Lift a sign-in back-off or lockout of a username (the server's counts: Redis must be configured).
    Unlock {
        #[arg(long, value_name = "USERNAME")]
        username: String,
    },
    /// Delete a user with their sessions, tokens, consents and group memberships.
    Delete {
        #[arg(long, value_name = "USERNAME")]
        username: String,
    },
    /// List a user's live sessions (those the CLI can see: Redis, when configured).
    Sessions {
        #[arg(long, value_name = "USERNAME")]
        username: String,
        #[arg(long)]
        json: bool,
    },
    /// End every live session of a user (those the CLI can see: Redis, when configured).
    EndSessions {
        #[arg(long, value_name = "USERNAME")]
        username: String,
    },
    /// Mail the user a new email-verification link (mail.transport=log: to this command's log).
    SendVerification {
        #[arg(long, value_name = "USERNAME")]
        username: String,
    },
}

#[derive(Args)]
pub struct UserCreate {
    #[arg(long)]
    pub username: String,
    #[arg(long)]
    pub email: Option<String>,
    #[arg(long)]
    pub name: Option<String>,
    #[command(flatten)]
    pub profile: Box<ProfileArgs>,
    /// The phone number is verified.
    #[arg(long)]
    pub phone_number_verified: bool,
    /// Read the password from the first line of this file instead of stdin.
    #[arg(long, value_name = "FILE")]
    pub password_file: Option<PathBuf>,
}

/// The standard profile claims (OpenID Connect Core §5.1) of `user create`
/// and `user update`; on update an empty value clears the member.
#[derive(Args)]
pub struct ProfileArgs {
    #[arg(long, value_name = "TEXT")]
    pub given_name: Option<String>,
    #[arg(long, value_name = "TEXT")]
    pub family_name: Option<String>,
    /// A BCP 47 language tag, e.g. en-US.
    #[arg(long, value_name = "TAG")]
    pub locale: Option<String>,
    /// A tz database zone, e.g. Europe/Paris.
    #[arg(long, value_name = "ZONE")]
    pub zoneinfo: Option<String>,
    /// An https URL of a picture of the user.
    #[arg(long, value_name = "URL")]
    pub picture: Option<String>,
    /// E.164, e.g. +14255551212.
    #[arg(long, value_name = "E164")]
    pub phone_number: Option<String>,
    #[arg(long, value_name = "TEXT")]
    pub address_street: Option<String>,
    #[arg(long, value_name = "TEXT")]
    pub address_locality: Option<String>,
    #[arg(long, value_name = "TEXT")]
    pub address_region: Option<String>,
    #[arg(long, value_name = "TEXT")]
    pub address_postal_code: Option<String>,
    #[arg(long, value_name = "TEXT")]
    pub address_country: Option<String>,
    /// The whole mailing address, lines separated by \n.
    #[arg(long, value_name = "TEXT")]
    pub address_formatted: Option<String>,
}

#[derive(Args)]
pub struct UserList {
    /// Only users whose username, email or name contains this text (ignoring case).
    #[arg(long, value_name = "TEXT")]
    pub search: Option<String>,
    /// Users per page (1 to 200; default 50).
    #[arg(long, value_name = "N")]
    pub limit: Option<i64>,
    /// Start after this username (the `next` of the previous page).
    #[arg(long, value_name = "USERNAME")]
    pub after: Option<String>,
    #[arg(long)]
    pub json: bool,
}

#[derive(Args)]
#[command(group(ArgGroup::new("change").required(true).multiple(true)
    .args(["name", "clear_name", "email", "clear_email", "email_verified", "given_name", "family_name", "locale",
        "zoneinfo", "picture", "phone_number", "phone_number_verified", "address_street", "address_locality",
        "address_region", "address_postal_code", "address_country", "address_formatted"])))]
pub struct UserUpdateArgs {
    #[arg(long, value_name = "USERNAME")]
    pub username: String,
    #[arg(long, conflicts_with = "clear_name")]
    pub name: Option<String>,
    /// Remove the name.
    #[arg(long)]
    pub clear_name: bool,
    /// The new address is unverified unless --email-verified true is given too.
    #[arg(long, conflicts_with = "clear_email")]
    pub email: Option<String>,
    /// Remove the email address.
    #[arg(long)]
    pub clear_email: bool,
    #[arg(long, value_name = "BOOL")]
    pub email_verified: Option<bool>,
    #[command(flatten)]
    pub profile: Box<ProfileArgs>,
    /// A new phone number is unverified unless this is true.
    #[arg(long, value_name = "BOOL")]
    pub phone_number_verified: Option<bool>,
}
