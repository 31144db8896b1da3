//! The command line: `serve` (the default) and the admin subcommands. Bad
//! input prints one line on stderr and exits with status 2, writing
//! nothing; a failure of the system exits with 1. The shape is `args`, what
//! each command does `commands` (through `flows::admin`), what it prints
//! `output`.

mod args;
mod args_admin;
mod args_groups;
mod args_registration;
mod args_users;
mod bootstrap;
mod check_config;
mod commands;
mod groups;
mod open;
mod output;
mod registration_tokens;
mod transfer;
mod users;

use std::process::ExitCode;

use clap::Parser;

use crate::config::Settings;
use crate::flows::admin::AdminError;
use args::{Cli, Command};

/// A CLI failure: bad input (exit 2) or a system failure (exit 1).
enum Failure {
    Usage(String),
    System(String),
}

impl From<AdminError> for Failure {
    fn from(e: AdminError) -> Self {
        if e.is_user_error() { Failure::Usage(e.to_string()) } else { Failure::System(e.to_string()) }
    }
}

impl From<anyhow::Error> for Failure {
    fn from(e: anyhow::Error) -> Self {
        Failure::System(format!("{e:#}"))
    }
}

pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if !e.use_stderr() => {
            // --help and --version
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("{}", one_line(&e.to_string()));
            return ExitCode::from(2);
        }
    };
    let result = Settings::load(cli.config.as_deref())
        .map_err(|e| Failure::Usage(format!("configuration: {e:#}")))
        .and_then(|settings| commands::run(cli.command.unwrap_or(Command::Serve), settings));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Usage(msg)) => {
            eprintln!("error: {}", msg.replace('\n', " "));
            ExitCode::from(2)
        }
        Err(Failure::System(msg)) => {
            eprintln!("error: {}", msg.replace('\n', " "));
            ExitCode::from(1)
        }
    }
}

/// clap's message up to its usage section, folded into one line.
fn one_line(message: &str) -> String {
    let body: Vec<&str> = message.lines().take_while(|l| !l.trim().is_empty()).map(str::trim).collect();
    body.join(" ")
}
