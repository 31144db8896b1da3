//! `oxidp registration token …`: initial access tokens for dynamic client
//! registration (RFC 7591 §3).

use clap::Subcommand;

#[derive(Subcommand)]
pub enum RegistrationCommand {
    /// Initial access tokens, which registering a client at /connect/register needs
    /// (unless client_registration.open).
    #[command(subcommand)]
    Token(RegistrationTokenCommand),
}

#[derive(Subcommand)]
pub enum RegistrationTokenCommand {
    /// Make an initial access token; it is printed once (only its hash is kept).
    Create {
        /// Seconds it stays valid (default: until revoked).
        #[arg(long, value_name = "SECONDS")]
        expires_in: Option<i64>,
        /// Registrations it allows (default: any number).
        #[arg(long, value_name = "N")]
        uses: Option<i64>,
        #[arg(long)]
        json: bool,
    },
    /// List initial access tokens (ids, expiry, uses left; never the tokens).
    List {
        #[arg(long)]
        json: bool,
    },
    /// Revoke an initial access token: it registers no more clients (those it
    /// registered stay).
    Revoke {
        /// The token's id, as `create` and `list` show it.
        id: String,
    },
}
