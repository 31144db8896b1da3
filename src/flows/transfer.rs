//! `oxidp export` / `oxidp import`: a deployment's records as one JSON
//! document (`store::transfer`), so it can move from the embedded SQLite to
//! PostgreSQL, or be backed up. The import checks the document before
//! writing anything: its format and version, and that every sealed value
//! (signing keys, TOTP secrets) opens with this deployment's key-encryption
//! key, which must be the source's.

use crate::flows::second_factor::totp_aad;
use crate::jose::Kek;
use crate::store::transfer::{Dump, FORMAT, ImportError, Imported, VERSION};
use crate::store::{StoreError, Stores};

#[derive(Debug, thiserror::Error)]
pub enum TransferError {
    /// Not an export of this version; nothing was written.
    #[error("not an oxidp export: {0}")]
    Document(String),
    /// Sealed with another key-encryption key; nothing was written.
    #[error(
        "{0} does not open with this deployment's key-encryption key: use the source's (copy its keys/kek, or point keys.kek_file at it)"
    )]
    WrongKek(String),
    #[error(transparent)]
    Import(#[from] ImportError),
}

impl TransferError {
    /// The operator's mistake (exit 2), not the system's.
    pub fn is_user_error(&self) -> bool {
        !matches!(self, TransferError::Import(ImportError::Store(_)))
    }
}

pub async fn export(stores: &Stores, now: i64) -> Result<Dump, StoreError> {
    stores.export(now).await
}

/// Parses `json` as an export of this version.
pub fn parse(json: &str) -> Result<Dump, TransferError> {
    let dump: Dump = serde_json::from_str(json).map_err(|e| TransferError::Document(e.to_string()))?;
    if dump.format != FORMAT || dump.version != VERSION {
        return Err(TransferError::Document(format!(
            "format {:?} version {} (expected {FORMAT:?} version {VERSION})",
            dump.format, dump.version
        )));
    }
    Ok(dump)
}

/// Checks every sealed value against `kek`, then writes `dump`.
pub async fn import(stores: &Stores, kek: &Kek, dump: Dump, merge: bool) -> Result<Imported, TransferError> {
    for key in &dump.signing_keys {
        kek.open(&key.kid, &key.private_key)
            .map_err(|_| TransferError::WrongKek(format!("signing key {}", key.kid)))?;
    }
    for factor in &dump.totp_factors {
        kek.open(&totp_aad(&factor.user_id), &factor.secret_sealed)
            .map_err(|_| TransferError::WrongKek(format!("the TOTP secret of user {}", factor.user_id)))?;
    }
    Ok(stores.import(dump, merge).await?)
}
