//! The command line's shape (clap): `serve` and the admin subcommands.
//! Values that are protocol words are parsed with their vocabulary, so the
//! help lists exactly the words the server knows.

use std::path::PathBuf;

use clap::builder::{PossibleValuesParser, TypedValueParser};
use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::jose::SigningAlg;
use crate::jose::jwe::{ContentEncryption, KeyManagementAlg};
use crate::protocol::{ClientAuthMethod, ConsentMode, GrantType, PkcePolicy, SubjectType};
use crate::vocabulary::Vocabulary;

pub use super::args_users::*;

/// A value parser accepting the words of vocabulary `T`.
fn word<T: Vocabulary + Clone>() -> impl TypedValueParser<Value = T> {
    PossibleValuesParser::new(T::words()).try_map(|s| s.parse::<T>())
}

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
    /// Manage protected resources (APIs) that accept oxidp's access tokens.
    #[command(subcommand)]
    Resource(ResourceCommand),
    /// Manage groups of users (the `groups` and `roles` claims).
    #[command(subcommand)]
    Group(super::args_groups::GroupCommand),
    /// Set up administration (the admin API and console).
    #[command(subcommand)]
    Admin(super::args_admin::AdminCommand),
    /// Dynamic client registration (RFC 7591): initial access tokens.
    #[command(subcommand)]
    Registration(super::args_registration::RegistrationCommand),
    /// Check the configuration and print what would run, secrets redacted
    /// (an invalid one exits 2 naming the key).
    CheckConfig {
        /// Also reach the database and Redis (changing nothing); exit 1 if one cannot be reached.
        #[arg(long)]
        connect: bool,
    },
    /// Write every user (with password hash), client, resource, group,
    /// consent, signing key and second factor (sealed) as one JSON document
    /// on stdout: a backup, or the way from SQLite to PostgreSQL.
    Export,
    /// Read a document written by `export` from stdin and store it, all or
    /// nothing, in the configured database, which must be empty. Its
    /// key-encryption key must be the source's.
    Import {
        /// Into a database that already holds records: add only those whose
        /// key is new (its own win), keep its signing keys.
        #[arg(long)]
        merge: bool,
    },
}

#[derive(Subcommand)]
pub enum ResourceCommand {
    /// Register an API. Its introspection secret is generated and printed once,
    /// read from stdin with --secret-stdin, or replaced by --jwks-file (private_key_jwt).
    Create(ResourceCreate),
    /// List registered resources.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Delete a resource.
    Delete {
        #[arg(long)]
        identifier: String,
    },
}

#[derive(Args)]
pub struct ResourceCreate {
    /// The resource indicator (RFC 8707): the `aud` of its tokens, e.g. https://api.example.com.
    #[arg(long, value_name = "URI")]
    pub identifier: String,
    /// A scope this API defines (grantable only together with it).
    #[arg(long = "scope", value_name = "SCOPE")]
    pub scopes: Vec<String>,
    /// Lifetime of access tokens for this API, in seconds.
    #[arg(long, value_name = "SECONDS")]
    pub access_token_ttl: Option<i64>,
    /// Algorithm of access tokens for this API (default: RS256); one of keys.algorithms.
    #[arg(long, value_parser = word::<SigningAlg>())]
    pub signing_alg: Option<SigningAlg>,
    /// Read the introspection secret (at least 32 characters) from stdin.
    #[arg(long, conflicts_with = "jwks_file")]
    pub secret_stdin: bool,
    /// Authenticate at /introspect with private_key_jwt, using these public keys
    /// (and encrypt the API's tokens to its "use":"enc" key).
    #[arg(long, value_name = "FILE")]
    pub jwks_file: Option<PathBuf>,
    /// Encrypt this API's access tokens to its key (JWE) so clients cannot read them.
    #[arg(long, value_name = "ALG", value_parser = word::<KeyManagementAlg>(), requires = "jwks_file")]
    pub access_token_encrypted_response_alg: Option<KeyManagementAlg>,
    /// Content encryption of those tokens (default A128CBC-HS256).
    #[arg(long, value_name = "ENC", value_parser = word::<ContentEncryption>())]
    pub access_token_encrypted_response_enc: Option<ContentEncryption>,
    #[arg(long)]
    pub json: bool,
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
        #[arg(long, value_parser = word::<SigningAlg>())]
        alg: Option<SigningAlg>,
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
        #[arg(long, value_parser = word::<SigningAlg>())]
        alg: Option<SigningAlg>,
    },
}

#[derive(Subcommand)]
pub enum ClientCommand {
    /// Register a client. A confidential client's secret is generated and printed once,
    /// or read from stdin with --secret-stdin.
    Create(Box<ClientCreate>),
    /// Change how a client is shown to people: its display name and logo.
    Update(ClientShown),
    /// List registered clients.
    List {
        /// Only clients whose id or name contains this text (case-insensitive).
        #[arg(long)]
        search: Option<String>,
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
    /// Where codes are sent (required with authorization_code).
    #[arg(long = "redirect-uri", value_name = "URI")]
    pub redirect_uris: Vec<String>,
    #[arg(long = "post-logout-redirect-uri", value_name = "URI")]
    pub post_logout_redirect_uris: Vec<String>,
    #[arg(long = "grant-type", value_name = "GRANT", value_parser = word::<GrantType>())]
    pub grant_types: Vec<GrantType>,
    #[arg(long = "scope", value_name = "SCOPE")]
    pub scopes: Vec<String>,
    /// A public client: a browser or native app without a secret (PKCE required).
    #[arg(long)]
    pub public: bool,
    /// Read the client secret (at least 32 characters) from stdin.
    #[arg(long, conflicts_with = "public")]
    pub secret_stdin: bool,
    /// How the client authenticates at the token endpoint.
    #[arg(long, value_parser = word::<ClientAuthMethod>())]
    pub token_endpoint_auth_method: Option<ClientAuthMethod>,
    /// The client's public keys (a JWK Set file): required for private_key_jwt; any
    /// client may register them (they verify its signed request objects).
    #[arg(long, value_name = "FILE", conflicts_with = "jwks_uri")]
    pub jwks_file: Option<PathBuf>,
    /// Where to fetch the client's public keys (instead of --jwks-file).
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
    /// Algorithm of this client's ID tokens (default: RS256); one of keys.algorithms.
    #[arg(long, value_parser = word::<SigningAlg>())]
    pub id_token_signed_response_alg: Option<SigningAlg>,
    /// Ask users before the client receives their data: `required` for
    /// third-party apps; `implicit` (default) for the operator's own.
    #[arg(long, value_name = "MODE", value_parser = word::<ConsentMode>())]
    pub consent: Option<ConsentMode>,
    /// Display name shown on the login, consent and logout pages (default: the client id).
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
    /// Logo shown next to the name on the login and consent pages (OIDC Dynamic Client
    /// Registration logo_uri): an https URL (http only on loopback).
    #[arg(long, value_name = "URL")]
    pub logo_uri: Option<String>,
    /// Back-Channel Logout 1.0: where oxidp POSTs logout tokens when a session ends.
    #[arg(long, value_name = "URI")]
    pub backchannel_logout_uri: Option<String>,
    /// The client needs `sid` in logout tokens (oxidp always sends it).
    #[arg(long)]
    pub backchannel_logout_session_required: bool,
    /// Front-Channel Logout 1.0: the page the logged-out page loads in a frame.
    #[arg(long, value_name = "URI")]
    pub frontchannel_logout_uri: Option<String>,
    /// The client needs `iss` and `sid` on its front-channel URI (oxidp always adds them).
    #[arg(long)]
    pub frontchannel_logout_session_required: bool,
    /// A browser origin (scheme://host[:port]) allowed to call /token, /userinfo and /revoke
    /// with CORS (default: the origins of the http(s) redirect URIs).
    #[arg(long = "web-origin", value_name = "ORIGIN")]
    pub web_origins: Vec<String>,
    /// `required` (default) or `optional`: a confidential client may opt out of PKCE.
    #[arg(long, value_name = "POLICY", value_parser = word::<PkcePolicy>())]
    pub pkce: Option<PkcePolicy>,
    /// Seconds during which a rotated refresh token may be used again without revoking
    /// its family (0 to 60; default 0), for apps whose tabs race to refresh.
    #[arg(long, value_name = "SECONDS")]
    pub refresh_reuse_leeway: Option<i64>,
    /// Put the user's groups that start with PREFIX in a `roles` claim, without the
    /// prefix (--role-claim app1: turns membership of app1:admin into roles ["admin"]).
    #[arg(long, value_name = "PREFIX")]
    pub role_claim: Option<String>,
    /// Users must give a second factor (TOTP or a recovery code) to sign in to this app;
    /// those without one set it up on the way.
    #[arg(long)]
    pub require_mfa: bool,
    /// The app must push its authorization requests to /par first (RFC 9126); one
    /// sent through the browser goes back to it with invalid_request.
    #[arg(long)]
    pub require_par: bool,
    /// The app must send its authorization requests as signed request objects (JAR,
    /// RFC 9101 §10.5), verified with its registered public keys.
    #[arg(long)]
    pub require_signed_request_object: bool,
    /// The app gets tokens only with a DPoP proof of its key at the token endpoint
    /// (RFC 9449 §5.2, dpop_bound_access_tokens).
    #[arg(long)]
    pub require_dpop: bool,
    /// `public` (default): `sub` is the user's id; `pairwise`: a different `sub` per
    /// sector (OpenID Connect Core §8.1).
    #[arg(long, value_name = "TYPE", value_parser = word::<SubjectType>())]
    pub subject_type: Option<SubjectType>,
    /// Pairwise clients whose redirect URIs span several hosts: a JSON array listing
    /// every redirect URI; its host is the sector.
    #[arg(long, value_name = "URL")]
    pub sector_identifier_uri: Option<String>,
    /// `allow` adds the token-exchange grant (RFC 8693) to the grant types (to
    /// authorization_code unless --grant-type is given); `deny` leaves it out.
    #[arg(long, value_name = "CHOICE")]
    pub token_exchange: Option<TokenExchange>,
    /// A resource (the API this client implements) whose access tokens the client
    /// may exchange (RFC 8693); needs --token-exchange allow. Repeatable.
    #[arg(long = "token-exchange-from", value_name = "URI")]
    pub token_exchange_from: Vec<String>,
    /// Encrypt ID tokens after signing (nested JWT, OIDC Core §10.2) to the client's
    /// key with use `enc` from --jwks-file or --jwks-uri.
    #[arg(long, value_name = "ALG", value_parser = word::<KeyManagementAlg>())]
    pub id_token_encrypted_response_alg: Option<KeyManagementAlg>,
    /// Content encryption of ID tokens (default A128CBC-HS256); needs the alg.
    #[arg(long, value_name = "ENC", value_parser = word::<ContentEncryption>())]
    pub id_token_encrypted_response_enc: Option<ContentEncryption>,
    /// Answer UserInfo as a JWT signed with ALG (OIDC Core §5.3.2); one of keys.algorithms.
    #[arg(long, value_name = "ALG", value_parser = word::<SigningAlg>())]
    pub userinfo_signed_response_alg: Option<SigningAlg>,
    /// Encrypt UserInfo responses to the client's key with use `enc`.
    #[arg(long, value_name = "ALG", value_parser = word::<KeyManagementAlg>())]
    pub userinfo_encrypted_response_alg: Option<KeyManagementAlg>,
    /// Content encryption of UserInfo responses (default A128CBC-HS256); needs the alg.
    #[arg(long, value_name = "ENC", value_parser = word::<ContentEncryption>())]
    pub userinfo_encrypted_response_enc: Option<ContentEncryption>,
    #[arg(long)]
    pub json: bool,
}

/// Whether a client may use the token-exchange grant (RFC 8693).
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TokenExchange {
    Allow,
    Deny,
}

#[derive(Args)]
pub struct ClientShown {
    #[arg(long)]
    pub client_id: String,
    /// The new display name.
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
    /// The new logo: an https URL (http only on loopback).
    #[arg(long, value_name = "URL", conflicts_with = "no_logo")]
    pub logo_uri: Option<String>,
    /// Remove the logo.
    #[arg(long)]
    pub no_logo: bool,
    /// Whether the app must push its authorization requests to /par (RFC 9126).
    #[arg(long, value_name = "BOOL")]
    pub require_par: Option<bool>,
    /// Whether the app must send signed request objects (JAR, RFC 9101 §10.5).
    #[arg(long, value_name = "BOOL")]
    pub require_signed_request_object: Option<bool>,
    /// Whether the app must send a DPoP proof of its key at the token endpoint
    /// (RFC 9449 §5.2).
    #[arg(long, value_name = "BOOL")]
    pub require_dpop: Option<bool>,
    /// `public` or `pairwise` `sub` values (OpenID Connect Core §8).
    #[arg(long, value_name = "TYPE", value_parser = word::<SubjectType>())]
    pub subject_type: Option<SubjectType>,
    /// The new sector identifier URI (pairwise clients).
    #[arg(long, value_name = "URL", conflicts_with = "no_sector_identifier_uri")]
    pub sector_identifier_uri: Option<String>,
    /// Remove the sector identifier URI.
    #[arg(long)]
    pub no_sector_identifier_uri: bool,
    /// `allow` adds the token-exchange grant (RFC 8693) to the client's grant types,
    /// `deny` removes it.
    #[arg(long, value_name = "CHOICE")]
    pub token_exchange: Option<TokenExchange>,
    /// Replace the resources whose access tokens the client may exchange (RFC 8693).
    /// Repeatable.
    #[arg(long = "token-exchange-from", value_name = "URI", conflicts_with = "no_token_exchange_from")]
    pub token_exchange_from: Vec<String>,
    /// Clear the resources whose access tokens the client may exchange.
    #[arg(long)]
    pub no_token_exchange_from: bool,
    /// Encrypt ID tokens after signing (OIDC Core §10.2) with ALG to the client's key.
    #[arg(long, value_name = "ALG", value_parser = word::<KeyManagementAlg>(), conflicts_with = "no_id_token_encryption")]
    pub id_token_encrypted_response_alg: Option<KeyManagementAlg>,
    /// Content encryption of ID tokens; needs an alg (given or registered).
    #[arg(long, value_name = "ENC", value_parser = word::<ContentEncryption>(), conflicts_with = "no_id_token_encryption")]
    pub id_token_encrypted_response_enc: Option<ContentEncryption>,
    /// Stop encrypting ID tokens (clears both the alg and the enc).
    #[arg(long)]
    pub no_id_token_encryption: bool,
    /// Answer UserInfo as a JWT signed with ALG (OIDC Core §5.3.2).
    #[arg(long, value_name = "ALG", value_parser = word::<SigningAlg>(), conflicts_with = "no_userinfo_signed_response_alg")]
    pub userinfo_signed_response_alg: Option<SigningAlg>,
    /// Stop signing UserInfo responses.
    #[arg(long)]
    pub no_userinfo_signed_response_alg: bool,
    /// Encrypt UserInfo responses with ALG to the client's key.
    #[arg(long, value_name = "ALG", value_parser = word::<KeyManagementAlg>(), conflicts_with = "no_userinfo_encryption")]
    pub userinfo_encrypted_response_alg: Option<KeyManagementAlg>,
    /// Content encryption of UserInfo responses; needs an alg (given or registered).
    #[arg(long, value_name = "ENC", value_parser = word::<ContentEncryption>(), conflicts_with = "no_userinfo_encryption")]
    pub userinfo_encrypted_response_enc: Option<ContentEncryption>,
    /// Stop encrypting UserInfo responses (clears both the alg and the enc).
    #[arg(long)]
    pub no_userinfo_encryption: bool,
    #[arg(long)]
    pub json: bool,
}
