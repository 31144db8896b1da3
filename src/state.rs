//! Everything a request needs, built once at startup and shared.

use std::sync::{Arc, OnceLock};

use crate::accounts::PasswordHasher;
use crate::clock::Clock;
use crate::config::Settings;
use crate::jose::Kek;
use crate::jose::keystore::KeyringHandle;
use crate::store::cache::{ClientCache, UserCache};
use crate::store::{Db, Ephemeral};

#[derive(Clone)]
pub struct AppState {
    pub settings: Arc<Settings>,
    pub db: Db,
    pub ephemeral: Ephemeral,
    /// The signing keys, reloaded when the shared key set changes.
    pub keyring: Arc<KeyringHandle>,
    /// Decrypts the private keys stored in the database.
    pub kek: Arc<Kek>,
    pub hasher: Arc<PasswordHasher>,
    /// Registered clients and users, cached in memory (`store::cache`).
    pub clients: Arc<ClientCache>,
    pub users: Arc<UserCache>,
    /// Access tokens whose signature already verified (`oauth::verified`).
    pub verified_tokens: Arc<crate::oauth::verified::VerifiedTokens>,
    pub clock: Clock,
    /// `/.well-known/openid-configuration`, serialised once.
    pub discovery_json: bytes::Bytes,
    /// Outbound HTTP (clients' `jwks_uri`), built once, after start-up.
    pub http: Arc<OnceLock<reqwest::Client>>,
    /// Clients' public keys for `private_key_jwt`, fetched from `jwks_uri`.
    pub client_keys: Arc<crate::oauth::client_keys::ClientKeyCache>,
}

impl AppState {
    pub fn issuer(&self) -> &str {
        &self.settings.issuer
    }

    pub fn now(&self) -> i64 {
        self.clock.now()
    }

    /// The outbound HTTP client, built now if start-up has not yet.
    pub fn http(&self) -> reqwest::Result<&reqwest::Client> {
        if let Some(client) = self.http.get() {
            return Ok(client);
        }
        let client = outbound_http()?;
        Ok(self.http.get_or_init(|| client))
    }
}

/// The client for outbound requests (clients' `jwks_uri`): short timeouts,
/// no redirects.
pub fn outbound_http() -> reqwest::Result<reqwest::Client> {
    reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(5))
        .connect_timeout(std::time::Duration::from_secs(3))
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("oxidp/", env!("CARGO_PKG_VERSION")))
        .build()
}
