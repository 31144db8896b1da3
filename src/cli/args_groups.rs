//! `oxidp group …`: groups of users, whose names are the `groups` claim
//! (and, under a client's `--role-claim` prefix, its `roles`).

use clap::Subcommand;

#[derive(Subcommand)]
pub enum GroupCommand {
    /// Create a group (1-100 characters of letters, digits and . _ : -).
    Create {
        #[arg(long)]
        name: String,
        #[arg(long)]
        description: Option<String>,
    },
    /// List groups with their member counts.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Delete a group (its members stay; their membership goes).
    Delete {
        #[arg(long)]
        name: String,
    },
    /// Make a user a member; their next token (refresh included) shows it.
    AddMember {
        #[arg(long)]
        group: String,
        #[arg(long)]
        username: String,
    },
    /// End a user's membership; their next token (refresh included) no longer shows it.
    RemoveMember {
        #[arg(long)]
        group: String,
        #[arg(long)]
        username: String,
    },
    /// List a group's members.
    Members {
        #[arg(long)]
        group: String,
        #[arg(long)]
        json: bool,
    },
}
