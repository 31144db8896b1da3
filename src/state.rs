//! Everything a request needs, built once at startup and shared.

use std::sync::Arc;

use crate::accounts::PasswordHasher;
use crate::clock::Clock;
use crate::config::Settings;
use crate::jose::Kek;
use crate::jose::keystore::KeyringHandle;
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
    pub clock: Clock,
    /// `/.well-known/openid-configuration`, serialised once.
    pub discovery_json: Arc<str>,
    /// Outbound HTTP (clients' `jwks_uri`): short timeouts, no redirects.
    pub http: reqwest::Client,
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
}
