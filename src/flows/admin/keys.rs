//! The `keys` operations: list the key set, rotate it, import a key. Only
//! rotation and import need the key-encryption key, which is read from its
//! file and never created here: a missing KEK means a wrong configuration.

use super::{Actor, Admin, AdminError};
use crate::flows::keys;
use crate::jose::SigningAlg;
use crate::protocol::key_lifecycle::Rotation;
use crate::protocol::{AdminOp, AuditKind, KeyState};
use crate::store::Audited;

/// Public facts about a signing key: never key material.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyInfo {
    pub kid: String,
    pub alg: SigningAlg,
    pub state: KeyState,
    pub created_at: i64,
    pub signs_from: i64,
    pub activated_at: Option<i64>,
    pub retired_at: Option<i64>,
    pub delete_after: Option<i64>,
}

impl Admin {
    pub async fn list_keys(&self) -> Result<Vec<KeyInfo>, AdminError> {
        let keys = self.stores.signing_keys.list().await?;
        Ok(keys
            .into_iter()
            .map(|k| KeyInfo {
                kid: k.kid,
                alg: k.alg,
                state: k.state,
                created_at: k.created_at,
                signs_from: k.signs_from,
                activated_at: k.activated_at,
                retired_at: k.retired_at,
                delete_after: k.delete_after,
            })
            .collect())
    }

    /// Rotates `alg`, or every configured algorithm; returns each one's
    /// outcome. Each rotation is a `key_rotated` event naming `by`.
    pub async fn rotate_keys(
        &self,
        by: &Actor,
        alg: Option<SigningAlg>,
        force: bool,
        now: i64,
    ) -> Result<Vec<(SigningAlg, Rotation)>, AdminError> {
        let kek = self.existing_kek().await?;
        let algs = match alg {
            Some(alg) => vec![alg],
            None => self.keys.algorithms.clone(),
        };
        let mut outcomes = Vec::new();
        for alg in algs {
            let outcome = keys::rotate(&self.stores.signing_keys, &kek, &self.keys, alg, now, force).await?;
            if let Rotation::Rotated { active, next, retired } = &outcome {
                let audited = Audited::new(AuditKind::KeyRotated)
                    .actor(by.label())
                    .detail("action", AdminOp::KeysRotate.as_str())
                    .detail("alg", alg.as_str())
                    .detail("active", active.clone())
                    .detail("next", next.clone())
                    .detail("retired", retired.clone());
                self.stores.audit.record(audited, now).await?;
            }
            outcomes.push((alg, outcome));
        }
        Ok(outcomes)
    }

    /// Imports a PEM private key as the next key of `alg` (guessed from the
    /// key when not given); returns the algorithm and the new `kid`.
    pub async fn import_key(
        &self,
        by: &Actor,
        alg: Option<SigningAlg>,
        pem: &[u8],
        now: i64,
    ) -> Result<(SigningAlg, String), AdminError> {
        let alg = match alg {
            Some(alg) => alg,
            None => [SigningAlg::Rs256, SigningAlg::Es256, SigningAlg::EdDsa]
                .into_iter()
                .find(|a| crate::jose::kid_of(*a, pem).is_ok())
                .ok_or_else(|| AdminError::invalid("not an RSA, P-256 or Ed25519 private key"))?,
        };
        let kek = self.existing_kek().await?;
        let kid = keys::import(&self.stores.signing_keys, &kek, &self.keys, alg, pem, now).await?;
        let audited = by.audited(AdminOp::KeysImport, &kid).detail("alg", alg.as_str());
        self.stores.audit.record(audited, now).await?;
        Ok((alg, kid))
    }

    async fn existing_kek(&self) -> Result<crate::jose::Kek, AdminError> {
        if self.stores.signing_keys.list().await?.is_empty() {
            return Err(AdminError::invalid("there is no key set yet: start the server once to create it"));
        }
        Ok(keys::load_kek(&self.keys.kek_file, false).await?.0)
    }
}
