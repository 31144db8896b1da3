//! The keyring every request signs and verifies with, swapped atomically
//! when the shared key set changes: readers take a snapshot (`current`), so
//! one response never mixes two key sets.

use std::sync::{Arc, RwLock};

use super::Keyring;

pub struct KeyringHandle {
    current: RwLock<Arc<Keyring>>,
}

impl KeyringHandle {
    pub fn new(keyring: Keyring) -> KeyringHandle {
        KeyringHandle { current: RwLock::new(Arc::new(keyring)) }
    }

    pub fn current(&self) -> Arc<Keyring> {
        Arc::clone(&self.current.read().unwrap_or_else(|e| e.into_inner()))
    }

    pub fn replace(&self, keyring: Keyring) {
        *self.current.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(keyring);
    }
}
