//! What each command does: `serve` builds and runs the application; every
//! other command opens the database (creating it only for commands that
//! create state) and calls one admin operation.

use std::path::Path;

use super::Failure;
use super::args::{ClientCommand, Command, KeysCommand, ResourceCommand, TokenExchange};
use super::args_groups::GroupCommand;
use super::open::{open_admin, read_secret};
use super::output;
use crate::app::{Application, telemetry};
use crate::clock::unix_now;
use crate::config::{Settings, redact_url};
use crate::flows::admin::{Actor, Admin, ClientUpdate, MAX_PAGE_SIZE, NewClient, NewResource, PageRequest};
use crate::protocol::GrantType;
use crate::protocol::key_lifecycle::Rotation;
use crate::store::OpenMode;

pub(super) fn run(command: Command, settings: Settings) -> Result<(), Failure> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::System(e.to_string()))?;
    let now = unix_now();
    match command {
        Command::Serve => runtime.block_on(serve(settings)),
        Command::CheckConfig { connect } => runtime.block_on(super::check_config::run(&settings, connect)),
        Command::Export => runtime.block_on(super::transfer::export(&settings, now)),
        Command::Import { merge } => runtime.block_on(super::transfer::import(&settings, merge)),
        Command::User(command) => runtime.block_on(super::users::run(command, &settings, now)),
        Command::Admin(command) => runtime.block_on(super::bootstrap::run(command, &settings, now)),
        Command::Registration(command) => {
            runtime.block_on(super::registration_tokens::run(command, &settings, now))
        }
        Command::Client(command) => runtime.block_on(client(command, &settings, now)),
        Command::Keys(command) => runtime.block_on(keys(command, &settings, now)),
        Command::Resource(command) => runtime.block_on(resource(command, &settings, now)),
        Command::Group(command) => runtime.block_on(async {
            let mode = match command {
                GroupCommand::Create { .. } => OpenMode::CreateIfMissing,
                _ => OpenMode::MustExist,
            };
            super::groups::run(command, admin(&settings, mode).await?, now).await
        }),
    }
}

async fn serve(settings: Settings) -> Result<(), Failure> {
    telemetry::init(&settings.log);
    let started = std::time::Instant::now();
    let app = Application::build(settings.clone()).await?;
    let services = app.services();
    tracing::info!(
        issuer = %settings.issuer,
        bind = %settings.server.bind,
        database = %redact_url(&settings.database.url),
        sessions = services.stores.ephemeral.backend_name(),
        kid = %services.keyring.current().active_kid(),
        startup_ms = started.elapsed().as_millis() as u64,
        "oxidp is ready at {}/.well-known/openid-configuration",
        settings.issuer
    );
    app.run_until_stopped().await.map_err(|e| Failure::System(e.to_string()))
}

/// The admin operations over the configured database. Only commands that
/// create state (`CreateIfMissing`) may create it: a mistyped path must not
/// turn into a fresh, empty database.
async fn admin(settings: &Settings, mode: OpenMode) -> Result<Admin, Failure> {
    open_admin(settings, mode, false).await
}

async fn client(command: ClientCommand, settings: &Settings, now: i64) -> Result<(), Failure> {
    match command {
        ClientCommand::Create(args) => {
            let secret = if args.secret_stdin { Some(read_secret(None, "Client secret")?) } else { None };
            let jwks = read_jwks(args.jwks_file.as_deref())?;
            let json = args.json;
            let new = NewClient {
                client_id: args.client_id,
                redirect_uris: args.redirect_uris,
                post_logout_redirect_uris: args.post_logout_redirect_uris,
                grant_types: with_token_exchange(args.grant_types, args.token_exchange),
                scopes: args.scopes,
                public: args.public,
                secret,
                token_endpoint_auth_method: args.token_endpoint_auth_method.map(|m| m.to_string()),
                jwks,
                jwks_uri: args.jwks_uri,
                resources: args.resources,
                access_token_ttl: args.access_token_ttl,
                refresh_token_idle_ttl: args.refresh_token_idle_ttl,
                refresh_token_absolute_ttl: args.refresh_token_absolute_ttl,
                id_token_signed_response_alg: args.id_token_signed_response_alg.map(|a| a.to_string()),
                name: args.name,
                logo_uri: args.logo_uri,
                consent: args.consent.map(|c| c.to_string()),
                backchannel_logout_uri: args.backchannel_logout_uri,
                backchannel_logout_session_required: args.backchannel_logout_session_required,
                frontchannel_logout_uri: args.frontchannel_logout_uri,
                frontchannel_logout_session_required: args.frontchannel_logout_session_required,
                web_origins: args.web_origins,
                pkce: args.pkce.map(|p| p.to_string()),
                refresh_reuse_leeway: args.refresh_reuse_leeway,
                role_claim: args.role_claim,
                require_mfa: args.require_mfa,
                require_pushed_requests: args.require_par,
                require_signed_request_object: args.require_signed_request_object,
                require_dpop: args.require_dpop,
                subject_type: args.subject_type.map(|t| t.to_string()),
                sector_identifier_uri: args.sector_identifier_uri,
                token_exchange_from: args.token_exchange_from,
                id_token_encrypted_response_alg: args.id_token_encrypted_response_alg.map(|a| a.to_string()),
                id_token_encrypted_response_enc: args.id_token_encrypted_response_enc.map(|e| e.to_string()),
                userinfo_signed_response_alg: args.userinfo_signed_response_alg.map(|a| a.to_string()),
                userinfo_encrypted_response_alg: args.userinfo_encrypted_response_alg.map(|a| a.to_string()),
                userinfo_encrypted_response_enc: args.userinfo_encrypted_response_enc.map(|e| e.to_string()),
            };
            let admin = admin(settings, OpenMode::CreateIfMissing).await?;
            let created = admin.create_client(&Actor::Cli, new, now).await?;
            output::created_client(&created.client, created.secret.as_deref(), json);
        }
        ClientCommand::Update(args) => {
            let admin = admin(settings, OpenMode::MustExist).await?;
            // --token-exchange is relative to the client's grant types: the
            // list is built from the version read, and only that version
            // is changed (a concurrent change makes this fail, not undo it).
            let (grant_types, expected_version) = match args.token_exchange {
                Some(choice) => {
                    let current = admin.find_client(&args.client_id).await?;
                    let grants = with_token_exchange(current.grant_types, Some(choice));
                    (Some(grants), Some(current.version))
                }
                None => (None, None),
            };
            let update = ClientUpdate {
                name: args.name.map(Some),
                logo_uri: if args.no_logo { Some(None) } else { args.logo_uri.map(Some) },
                require_pushed_requests: args.require_par,
                require_signed_request_object: args.require_signed_request_object,
                require_dpop: args.require_dpop,
                subject_type: args.subject_type.map(|t| t.to_string()),
                sector_identifier_uri: if args.no_sector_identifier_uri {
                    Some(None)
                } else {
                    args.sector_identifier_uri.map(Some)
                },
                grant_types,
                token_exchange_from: if args.no_token_exchange_from {
                    Some(Vec::new())
                } else {
                    Some(args.token_exchange_from).filter(|list| !list.is_empty())
                },
                id_token_encrypted_response_alg: cleared_or(
                    args.no_id_token_encryption,
                    args.id_token_encrypted_response_alg,
                ),
                id_token_encrypted_response_enc: cleared_or(
                    args.no_id_token_encryption,
                    args.id_token_encrypted_response_enc,
                ),
                userinfo_signed_response_alg: cleared_or(
                    args.no_userinfo_signed_response_alg,
                    args.userinfo_signed_response_alg,
                ),
                userinfo_encrypted_response_alg: cleared_or(
                    args.no_userinfo_encryption,
                    args.userinfo_encrypted_response_alg,
                ),
                userinfo_encrypted_response_enc: cleared_or(
                    args.no_userinfo_encryption,
                    args.userinfo_encrypted_response_enc,
                ),
                ..ClientUpdate::default()
            };
            let updated =
                admin.update_client(&Actor::Cli, &args.client_id, update, expected_version, now).await?;
            output::updated_client(&updated.client, args.json);
        }
        ClientCommand::List { search, json } => {
            let admin = admin(settings, OpenMode::MustExist).await?;
            let mut page = PageRequest { limit: Some(MAX_PAGE_SIZE), after: None, search };
            let mut clients = Vec::new();
            loop {
                let listed = admin.list_clients(&page).await?;
                clients.extend(listed.items);
                match listed.next {
                    Some(next) => page.after = Some(next),
                    None => break,
                }
            }
            output::clients(&clients, json);
        }
        ClientCommand::Delete { client_id } => {
            admin(settings, OpenMode::MustExist).await?.delete_client(&Actor::Cli, &client_id, now).await?;
            println!("Deleted client {client_id:?}.");
        }
        ClientCommand::RotateSecret { client_id, json } => {
            let admin = admin(settings, OpenMode::MustExist).await?;
            let secret = admin.rotate_client_secret(&Actor::Cli, &client_id, now).await?;
            output::rotated_secret(&client_id, &secret, json);
        }
    }
    Ok(())
}

/// The grant types with the token-exchange grant (RFC 8693) added or
/// removed. No grant types (a creation without --grant-type) mean the
/// default, `authorization_code`, which `allow` keeps.
fn with_token_exchange(mut grants: Vec<GrantType>, choice: Option<TokenExchange>) -> Vec<String> {
    match choice {
        Some(TokenExchange::Allow) if !grants.contains(&GrantType::TokenExchange) => {
            if grants.is_empty() {
                grants.push(GrantType::AuthorizationCode);
            }
            grants.push(GrantType::TokenExchange);
        }
        Some(TokenExchange::Deny) => grants.retain(|g| *g != GrantType::TokenExchange),
        _ => {}
    }
    grants.iter().map(ToString::to_string).collect()
}

/// A nullable update from a flag pair: `--no-…` clears, a value sets,
/// neither leaves the member as it is.
fn cleared_or<T: ToString>(clear: bool, value: Option<T>) -> Option<Option<String>> {
    if clear { Some(None) } else { value.map(|v| Some(v.to_string())) }
}

async fn resource(command: ResourceCommand, settings: &Settings, now: i64) -> Result<(), Failure> {
    match command {
        ResourceCommand::Create(args) => {
            let secret = if args.secret_stdin { Some(read_secret(None, "Secret")?) } else { None };
            let new = NewResource {
                identifier: args.identifier,
                scopes: args.scopes,
                access_token_ttl: args.access_token_ttl,
                signing_alg: args.signing_alg.map(|a| a.to_string()),
                secret,
                jwks: read_jwks(args.jwks_file.as_deref())?,
                access_token_encrypted_response_alg: args
                    .access_token_encrypted_response_alg
                    .map(|a| a.to_string()),
                access_token_encrypted_response_enc: args
                    .access_token_encrypted_response_enc
                    .map(|e| e.to_string()),
            };
            let admin = admin(settings, OpenMode::CreateIfMissing).await?;
            let created = admin.create_resource(&Actor::Cli, new, now).await?;
            output::created_resource(&created.resource, created.secret.as_deref(), args.json);
        }
        ResourceCommand::List { json } => {
            let resources = admin(settings, OpenMode::MustExist).await?.list_resources().await?;
            output::resources(&resources, json);
        }
        ResourceCommand::Delete { identifier } => {
            admin(settings, OpenMode::MustExist)
                .await?
                .delete_resource(&Actor::Cli, &identifier, now)
                .await?;
            println!("Deleted resource {identifier:?}.");
        }
    }
    Ok(())
}

/// The JWK Set file's text, when one is given.
fn read_jwks(file: Option<&Path>) -> Result<Option<String>, Failure> {
    file.map(|path| {
        std::fs::read_to_string(path)
            .map_err(|e| Failure::Usage(format!("cannot read {}: {e}", path.display())))
    })
    .transpose()
}

async fn keys(command: KeysCommand, settings: &Settings, now: i64) -> Result<(), Failure> {
    match command {
        KeysCommand::List { json } => {
            let keys = admin(settings, OpenMode::MustExist).await?.list_keys().await?;
            output::keys(&keys, json);
        }
        KeysCommand::Rotate { alg, force } => {
            let outcomes =
                admin(settings, OpenMode::MustExist).await?.rotate_keys(&Actor::Cli, alg, force, now).await?;
            let mut waiting = Vec::new();
            for (alg, outcome) in outcomes {
                match outcome {
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
        }
        KeysCommand::Import { file, alg } => {
            let pem = std::fs::read(&file)
                .map_err(|e| Failure::Usage(format!("cannot read {}: {e}", file.display())))?;
            let admin = admin(settings, OpenMode::MustExist).await?;
            let (alg, kid) =
                admin.import_key(&Actor::Cli, alg, &pem, now).await.map_err(|e| match Failure::from(e) {
                    Failure::Usage(message) => Failure::Usage(format!("{}: {message}", file.display())),
                    system => system,
                })?;
            println!("Imported {alg} key {kid} as the next key; it signs after the next rotation.");
        }
    }
    Ok(())
}
