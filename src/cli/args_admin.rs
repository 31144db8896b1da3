//! `oxidp admin ...`: setting a deployment up for administration.

use std::path::PathBuf;

use clap::Subcommand;

#[derive(Subcommand)]
pub enum AdminCommand {
    /// Create the first administrators of an empty deployment: a user in the
    /// oxidp-admins group (who may sign in to /admin) and/or an automation client with
    /// client_credentials and the oxidp:admin scope (its secret is printed once).
    Bootstrap {
        /// The administrator's username; the password is read from stdin or --password-file.
        #[arg(long)]
        username: Option<String>,
        #[arg(long, value_name = "FILE", requires = "username")]
        password_file: Option<PathBuf>,
        /// The automation client's id.
        #[arg(long)]
        client_id: Option<String>,
        #[arg(long)]
        json: bool,
    },
}
