//! The command line: `serve` (the default) and the admin subcommands. Bad
//! input prints one line on stderr and exits with status 2, writing nothing.

use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use serde_json::json;

use crate::admin::{self, AdminError, NewClient, NewUser};
use crate::clock::unix_now;
use crate::config::{Settings, redact_url};
use crate::startup::{Application, open_db};
use crate::store::ClientRecord;

#[derive(Parser)]
#[command(name = "oxidp", version, about = "OAuth 2.0 / OpenID Connect identity provider")]
pub struct Cli {
    /// TOML configuration file (default: ./oxidp.toml when present).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand)]
pub enum Command {
    /// Run the server (the default).
    Serve,
    /// Manage users.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage OAuth clients.
    #[command(subcommand)]
    Client(ClientCommand),
    /// Manage signing keys.
    #[command(subcommand)]
    Keys(KeysCommand),
}

#[derive(Subcommand)]
pub enum KeysCommand {
    /// Show every key: kid, algorithm, state and times (never key material).
    List {
        #[arg(long)]
        json: bool,
    },
    /// Rotate now: next becomes active, the active key retires, a new next is published.
    Rotate {
        /// Only this algorithm (default: every enabled one).
        #[arg(long, value_parser = crate::jose::SIGNING_ALGS)]
        alg: Option<String>,
        /// Rotate even if the next key was published less than keys.jwks_max_age ago
        /// (relying parties with a cached JWKS may reject new tokens until they refetch).
        #[arg(long)]
        force: bool,
    },
    /// Bring in your own PEM private key; it becomes the next key of its algorithm.
    Import {
        #[arg(long, value_name = "FILE")]
        file: PathBuf,
        /// The algorithm (default: RS256 for RSA keys, ES256 for P-256, EdDSA for Ed25519).
        #[arg(long, value_parser = crate::jose::SIGNING_ALGS)]
        alg: Option<String>,
    },
}

#[derive(Subcommand)]
pub enum UserCommand {
    /// Create a user; the password is read from stdin (first line) or --password-file.
    Create(UserCreate),
}

#[derive(Args)]
pub struct UserCreate {
    #[arg(long)]
    pub username: String,
    #[arg(long)]
    pub email: Option<String>,
    #[arg(long)]
    pub name: Option<String>,
    /// Read the password from the first line of this file instead of stdin.
    #[arg(long, value_name = "FILE")]
    pub password_file: Option<PathBuf>,
}

#[derive(Subcommand)]
pub enum ClientCommand {
    /// Register a client. A confidential client's secret is generated and printed once,
    /// or read from stdin with --secret-stdin.
    Create(Box<ClientCreate>),
    /// List registered clients.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Delete a client.
    Delete {
        #[arg(long)]
        client_id: String,
    },
    /// Issue a new secret for a confidential client (printed once); the old one stops working.
    RotateSecret {
        #[arg(long)]
        client_id: String,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Args)]
pub struct ClientCreate {
    #[arg(long)]
    pub client_id: String,
    #[arg(long = "redirect-uri", value_name = "URI", required = true)]
    pub redirect_uris: Vec<String>,
    #[arg(long = "post-logout-redirect-uri", value_name = "URI")]
    pub post_logout_redirect_uris: Vec<String>,
    #[arg(long = "grant-type", value_name = "GRANT", value_parser = ["authorization_code", "refresh_token", "client_credentials"])]
    pub grant_types: Vec<String>,
    #[arg(long = "scope", value_name = "SCOPE")]
    pub scopes: Vec<String>,
    /// A public client (no secret; PKCE required).
    #[arg(long)]
    pub public: bool,
    /// Read the client secret (at least 32 characters) from stdin.
    #[arg(long, conflicts_with = "public")]
    pub secret_stdin: bool,
    /// How the client authenticates at the token endpoint.
    #[arg(long, value_parser = ["client_secret_basic", "client_secret_post", "private_key_jwt", "none"])]
    pub token_endpoint_auth_method: Option<String>,
    /// The client's public keys (a JWK Set file) for private_key_jwt.
    #[arg(long, value_name = "FILE", conflicts_with = "jwks_uri")]
    pub jwks_file: Option<PathBuf>,
    /// Where to fetch the client's public keys for private_key_jwt.
    #[arg(long, value_name = "URL")]
    pub jwks_uri: Option<String>,
    /// A resource indicator (RFC 8707) the client may request tokens for.
    #[arg(long = "resource", value_name = "URI")]
    pub resources: Vec<String>,
    /// Access-token lifetime for this client, in seconds.
    #[arg(long, value_name = "SECONDS")]
    pub access_token_ttl: Option<i64>,
    /// Refresh-token idle lifetime for this client, in seconds.
    #[arg(long, value_name = "SECONDS")]
    pub refresh_token_idle_ttl: Option<i64>,
    /// Refresh-token absolute lifetime for this client, in seconds.
    #[arg(long, value_name = "SECONDS")]
    pub refresh_token_absolute_ttl: Option<i64>,
    /// Algorithm of this client's ID tokens (default: the server's, RS256).
    #[arg(long, value_parser = crate::jose::SIGNING_ALGS)]
    pub id_token_signed_response_alg: Option<String>,
    #[arg(long)]
    pub json: bool,
}

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
        .and_then(|settings| run(cli.command.unwrap_or(Command::Serve), settings));
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

fn run(command: Command, mut settings: Settings) -> Result<(), Failure> {
    if !matches!(command, Command::Serve) {
        // One connection, used in turn: the pool then never opens another
        // in the background, which could still be inside libpq/OpenSSL
        // when the process exits (a crash at exit on PostgreSQL).
        settings.database.max_connections = 1;
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::System(e.to_string()))?;
    match command {
        Command::Serve => runtime.block_on(serve(settings)),
        Command::User(UserCommand::Create(args)) => {
            let password = read_secret(args.password_file.as_deref(), "Password")?;
            let db = runtime.block_on(open_db(&settings))?;
            let new = NewUser { username: args.username, password, email: args.email, name: args.name };
            let user = admin::create_user_with(&db, new, unix_now(), &settings.login)?;
            println!("Created user {:?} (sub {}).", user.username, user.id);
            Ok(())
        }
        Command::Client(ClientCommand::Create(args)) => {
            let secret = if args.secret_stdin { Some(read_secret(None, "Client secret")?) } else { None };
            let jwks = match &args.jwks_file {
                Some(path) => Some(
                    std::fs::read_to_string(path)
                        .map_err(|e| Failure::Usage(format!("cannot read {}: {e}", path.display())))?,
                ),
                None => None,
            };
            let db = runtime.block_on(open_db(&settings))?;
            let json_output = args.json;
            let new = NewClient {
                client_id: args.client_id,
                redirect_uris: args.redirect_uris,
                post_logout_redirect_uris: args.post_logout_redirect_uris,
                grant_types: args.grant_types,
                scopes: args.scopes,
                public: args.public,
                secret,
                token_endpoint_auth_method: args.token_endpoint_auth_method,
                jwks,
                jwks_uri: args.jwks_uri,
                resources: args.resources,
                access_token_ttl: args.access_token_ttl,
                refresh_token_idle_ttl: args.refresh_token_idle_ttl,
                refresh_token_absolute_ttl: args.refresh_token_absolute_ttl,
                id_token_signed_response_alg: args.id_token_signed_response_alg,
            };
            let created = admin::create_client(&db, new, unix_now())?;
            print_created_client(&created.client, created.secret.as_deref(), json_output);
            Ok(())
        }
        Command::Client(ClientCommand::List { json }) => {
            let db = runtime.block_on(open_db(&settings))?;
            let clients = admin::list_clients(&db)?;
            if json {
                let list: Vec<_> = clients.iter().map(|c| client_json(c, None)).collect();
                println!("{}", serde_json::Value::Array(list));
            } else {
                for c in &clients {
                    let kind = if c.public { "public" } else { "confidential" };
                    println!("{}\t{kind}\t{}", c.client_id, c.redirect_uris.join(" "));
                }
            }
            Ok(())
        }
        Command::Client(ClientCommand::RotateSecret { client_id, json }) => {
            let db = runtime.block_on(open_db(&settings))?;
            let secret = admin::rotate_client_secret(&db, &client_id, unix_now())?;
            if json {
                println!("{}", json!({ "client_id": client_id, "client_secret": secret }));
            } else {
                println!("New secret for client {client_id:?} (the old one no longer works):");
                println!("client_secret: {secret}");
            }
            Ok(())
        }
        Command::Keys(command) => {
            let db = runtime.block_on(open_db(&settings))?;
            keys_command(&db, &settings, command)
        }
        Command::Client(ClientCommand::Delete { client_id }) => {
            let db = runtime.block_on(open_db(&settings))?;
            admin::delete_client(&db, &client_id)?;
            println!("Deleted client {client_id:?}.");
            Ok(())
        }
    }
}

async fn serve(settings: Settings) -> Result<(), Failure> {
    crate::telemetry::init(&settings.log);
    let started = std::time::Instant::now();
    let app = Application::build(settings.clone()).await?;
    tracing::info!(
        issuer = %settings.issuer,
        bind = %settings.server.bind,
        database = %redact_url(&settings.database.url),
        sessions = app.state().ephemeral.backend_name(),
        kid = %app.state().keyring.current().active_kid(),
        startup_ms = started.elapsed().as_millis() as u64,
        "oxidp is ready at {}/.well-known/openid-configuration",
        settings.issuer
    );
    app.run_until_stopped().await.map_err(|e| Failure::System(e.to_string()))
}

fn keys_command(db: &crate::store::Db, settings: &Settings, command: KeysCommand) -> Result<(), Failure> {
    use crate::jose::keystore::{self, Rotation};
    let system = |e: crate::jose::KeyError| Failure::System(e.to_string());
    let mut conn = db.conn().map_err(|e| Failure::System(e.to_string()))?;
    let now = unix_now();
    let kek = keystore::open(&mut conn, &settings.keys, now).map_err(system)?;
    match command {
        KeysCommand::List { json } => {
            let keys = keystore::list(&mut conn).map_err(system)?;
            if json {
                let list: Vec<_> = keys
                    .iter()
                    .map(|k| {
                        json!({
                            "kid": k.kid, "alg": k.alg, "state": k.state, "created_at": k.created_at,
                            "signs_from": k.signs_from, "activated_at": k.activated_at,
                            "retired_at": k.retired_at, "delete_after": k.delete_after,
                        })
                    })
                    .collect();
                println!("{}", serde_json::Value::Array(list));
            } else {
                println!(
                    "{:<44} {:<6} {:<8} {:<11} {:<11} {:<11}",
                    "KID", "ALG", "STATE", "CREATED", "ACTIVATED", "RETIRED"
                );
                let t = |v: Option<i64>| v.map(|v| v.to_string()).unwrap_or_else(|| "-".into());
                for k in &keys {
                    println!(
                        "{:<44} {:<6} {:<8} {:<11} {:<11} {:<11}",
                        k.kid,
                        k.alg,
                        k.state,
                        k.created_at,
                        t(k.activated_at),
                        t(k.retired_at)
                    );
                }
            }
            Ok(())
        }
        KeysCommand::Rotate { alg, force } => {
            let algs = match alg {
                Some(alg) => vec![alg],
                None => settings.keys.algorithms.clone(),
            };
            let mut waiting = Vec::new();
            for alg in algs {
                match keystore::rotate(&mut conn, &kek, &settings.keys, &alg, now, force).map_err(system)? {
                    Rotation::Rotated { active, next, retired } => {
                        println!("{alg}: active {active}, next {next}, retired {retired}.");
                    }
                    Rotation::NotYet { signs_from } => waiting.push(format!("{alg} (from {signs_from})")),
                }
            }
            if !waiting.is_empty() {
                return Err(Failure::Usage(format!(
                    "not rotated: the next key has been published for less than keys.jwks_max_age: {} (Unix time; use --force to rotate anyway)",
                    waiting.join(", ")
                )));
            }
            println!("Running servers switch within keys.poll_interval ({} s).", settings.keys.poll_interval);
            Ok(())
        }
        KeysCommand::Import { file, alg } => {
            let pem = std::fs::read(&file)
                .map_err(|e| Failure::Usage(format!("cannot read {}: {e}", file.display())))?;
            let alg = alg
                .or_else(|| {
                    ["RS256", "ES256", "EdDSA"]
                        .into_iter()
                        .find(|a| crate::jose::kid_of(a, &pem).is_ok())
                        .map(String::from)
                })
                .ok_or_else(|| {
                    Failure::Usage(format!("{}: not an RSA, P-256 or Ed25519 private key", file.display()))
                })?;
            let kid =
                keystore::import(&mut conn, &kek, &settings.keys, &alg, &pem, now).map_err(|e| match e {
                    crate::jose::KeyError::InvalidKey(msg) => {
                        Failure::Usage(format!("{}: {msg}", file.display()))
                    }
                    crate::jose::KeyError::KeySet(msg) if msg.contains("already") => Failure::Usage(msg),
                    other => Failure::System(other.to_string()),
                })?;
            println!("Imported {alg} key {kid} as the next key; it signs after the next rotation.");
            Ok(())
        }
    }
}

/// clap's message up to its usage section, folded into one line.
fn one_line(message: &str) -> String {
    let body: Vec<&str> = message.lines().take_while(|l| !l.trim().is_empty()).map(str::trim).collect();
    body.join(" ")
}

/// First line of `file`, or of stdin (with a prompt on a terminal).
fn read_secret(file: Option<&Path>, what: &str) -> Result<String, Failure> {
    let line = match file {
        Some(path) => std::fs::read_to_string(path)
            .map_err(|e| Failure::Usage(format!("cannot read {}: {e}", path.display())))?
            .lines()
            .next()
            .unwrap_or_default()
            .to_string(),
        None => {
            if std::io::stdin().is_terminal() {
                eprint!("{what}: ");
                let _ = std::io::stderr().flush();
            }
            let mut line = String::new();
            std::io::stdin()
                .lock()
                .read_line(&mut line)
                .map_err(|e| Failure::Usage(format!("cannot read {what} from stdin: {e}")))?;
            line.trim_end_matches(['\r', '\n']).to_string()
        }
    };
    if line.is_empty() {
        return Err(Failure::Usage(format!("{what} must not be empty")));
    }
    Ok(line)
}

fn client_json(c: &ClientRecord, secret: Option<&str>) -> serde_json::Value {
    let mut value = json!({
        "client_id": c.client_id,
        "public": c.public,
        "token_endpoint_auth_method": c.token_endpoint_auth_method,
        "jwks_uri": c.jwks_uri,
        "resources": c.resources,
        "access_token_ttl": c.access_token_ttl,
        "refresh_token_idle_ttl": c.refresh_token_idle_ttl,
        "refresh_token_absolute_ttl": c.refresh_token_absolute_ttl,
        "id_token_signed_response_alg": c.id_token_signed_response_alg,
        "redirect_uris": c.redirect_uris,
        "post_logout_redirect_uris": c.post_logout_redirect_uris,
        "grant_types": c.grant_types,
        "scopes": c.scopes,
        "created_at": c.created_at,
    });
    if let Some(secret) = secret {
        value["client_secret"] = json!(secret);
    }
    value
}

fn print_created_client(c: &ClientRecord, secret: Option<&str>, as_json: bool) {
    if as_json {
        println!("{}", client_json(c, secret));
        return;
    }
    let kind = if c.public { "public" } else { "confidential" };
    println!("Created {kind} client {:?} ({}).", c.client_id, c.token_endpoint_auth_method);
    println!("client_id:     {}", c.client_id);
    if let Some(secret) = secret {
        println!("client_secret: {secret}");
        println!("Store the secret now: it is shown only once (only its hash is kept).");
    }
}
