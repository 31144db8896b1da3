//! The signing-key lifecycle as use cases: open the shared key set at start
//! (creating the key-encryption key and the first keys only for a brand-new
//! set), rotate when due, rotate or import on an operator's request, and
//! notice changes made by other instances. The rules are
//! `protocol::key_lifecycle`'s; the set lives in `store::SigningKeys`,
//! private keys sealed under the KEK.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::jose::decryption_key::DecryptionKey;
use crate::jose::{Kek, KeyError, Keyring, KeyringHandle, SigningAlg, generate_pem, kid_of};
use crate::measure;
use crate::protocol::AuditKind;
use crate::protocol::key_lifecycle::{self, Rotation};
use crate::protocol::{KeyState, SigningKeyRecord};
use crate::store::{Audit, Audited, KeySetError, SigningKeys, StoreError};

/// How keys are made and how long each state lasts.
#[derive(Debug, Clone)]
pub struct KeyPolicy {
    /// Each with its own lifecycle; the first signs access tokens.
    pub algorithms: Vec<SigningAlg>,
    pub rsa_bits: u32,
    /// Seconds between automatic rotations.
    pub rotation_period: u64,
    /// A new key is published at least this long before it signs.
    pub jwks_max_age: u64,
    /// Seconds a retired key stays published.
    pub retired_retention: u64,
    /// The key-encryption key file.
    pub kek_file: PathBuf,
    /// Publish the key clients encrypt request objects to (RFC 9101 §6.1;
    /// `jar.enabled` and `encryption.enabled`).
    pub encrypted_requests: bool,
}

/// The KEK derivation label of the request-object decryption key.
const REQUEST_KEY_LABEL: &str = "oxidp request object encryption";

/// The request-object key where clients may encrypt to us.
pub fn request_key(kek: &Kek, policy: &KeyPolicy) -> Result<Option<Arc<DecryptionKey>>, KeyError> {
    policy.encrypted_requests.then(|| request_decryption_key(kek).map(Arc::new)).transpose()
}

/// The key clients encrypt their request objects to, the same on every
/// instance (derived from the KEK).
pub fn request_decryption_key(kek: &Kek) -> Result<DecryptionKey, KeyError> {
    DecryptionKey::from_seed(&kek.derive(REQUEST_KEY_LABEL)?)
}

impl From<StoreError> for KeyError {
    fn from(e: StoreError) -> Self {
        KeyError::KeySet(e.to_string())
    }
}

impl From<KeySetError> for KeyError {
    fn from(e: KeySetError) -> Self {
        KeyError::KeySet(e.to_string())
    }
}

/// Opens the key set at start: loads the KEK (created only for a brand-new,
/// empty set), creates the keys of algorithms that have none, and returns
/// the KEK and the keyring. A missing or wrong KEK is an error.
pub async fn open(keys: &SigningKeys, policy: &KeyPolicy, now: i64) -> Result<(Kek, Keyring), KeyError> {
    let empty = keys.list().await?.is_empty();
    let (kek, created) = load_kek(&policy.kek_file, empty).await?;
    if created {
        tracing::info!(path = %policy.kek_file.display(), "generated a new key-encryption key (keep it safe: the signing keys cannot be decrypted without it)");
    }
    initialize(keys, &kek, policy, now).await?;
    let keyring = load(keys, &kek, policy).await?;
    report_ages(&keys.list().await?, now);
    Ok((kek, keyring))
}

/// The active keys' ages, as metrics (an overdue rotation shows there).
fn report_ages(stored: &[SigningKeyRecord], now: i64) {
    for key in stored.iter().filter(|k| k.state == KeyState::Active) {
        measure::signing_key_age(key.alg.as_str(), now - key.activated_at.unwrap_or(key.signs_from));
    }
}

/// Reads the KEK file; creates it only when `may_create`.
pub async fn load_kek(path: &Path, may_create: bool) -> Result<(Kek, bool), KeyError> {
    let path = path.to_path_buf();
    tokio::task::spawn_blocking(move || Kek::load(&path, may_create))
        .await
        .map_err(|e| KeyError::Crypto(format!("key-encryption key task failed: {e}")))?
}

/// For every algorithm of the policy without an active key: a first active
/// key and its successor. The successor may sign at once: no JWKS without
/// it has ever been served. Keys are generated in parallel (RSA generation
/// dominates a first start).
async fn initialize(keys: &SigningKeys, kek: &Kek, policy: &KeyPolicy, now: i64) -> Result<(), KeyError> {
    let missing = key_lifecycle::missing_algorithms(&keys.list().await?, &policy.algorithms);
    if missing.is_empty() {
        return Ok(());
    }
    let bits = policy.rsa_bits;
    let jobs: Vec<_> = missing
        .iter()
        .map(|&alg| {
            let one = move || tokio::task::spawn_blocking(move || generate_pem(alg, bits));
            (alg, one(), one())
        })
        .collect();
    for (alg, active, next) in jobs {
        let joined = |r: Result<Result<Vec<u8>, KeyError>, tokio::task::JoinError>| {
            r.map_err(|e| KeyError::Crypto(format!("key generation failed: {e}")))?
        };
        let active = sealed(kek, alg, &joined(active.await)?, KeyState::Active, now, now)?;
        let next = sealed(kek, alg, &joined(next.await)?, KeyState::Next, now, now)?;
        let (active_kid, next_kid) = (active.kid.clone(), next.kid.clone());
        if keys.create_first(active, next, now).await? {
            tracing::info!(%alg, active = %active_kid, next = %next_kid, "created signing keys");
        }
    }
    Ok(())
}

fn sealed(
    kek: &Kek,
    alg: SigningAlg,
    pem: &[u8],
    state: KeyState,
    now: i64,
    signs_from: i64,
) -> Result<SigningKeyRecord, KeyError> {
    let kid = kid_of(alg, pem)?;
    Ok(SigningKeyRecord {
        private_key_sealed: kek.seal(&kid, pem)?,
        kid,
        alg,
        state,
        created_at: now,
        signs_from,
        activated_at: (state == KeyState::Active).then_some(now),
        retired_at: None,
        delete_after: None,
    })
}

/// The keyring of the stored set: each algorithm's active key signs; next
/// and retired keys are published and verify. Fails clearly on a wrong KEK.
pub async fn load(keys: &SigningKeys, kek: &Kek, policy: &KeyPolicy) -> Result<Keyring, KeyError> {
    keyring_of(&keys.list().await?, kek, policy)
}

fn keyring_of(stored: &[SigningKeyRecord], kek: &Kek, policy: &KeyPolicy) -> Result<Keyring, KeyError> {
    let mut opened = Vec::new();
    for key in stored {
        let pem = kek.open(&key.kid, &key.private_key_sealed)?;
        opened.push((key.alg, key.state == KeyState::Active, pem));
    }
    let keyring = Keyring::from_sealed_keys(&opened)?;
    if !policy.encrypted_requests {
        return Ok(keyring);
    }
    keyring.publishing(request_decryption_key(kek)?.public_jwk())
}

/// For `alg`: next → active, active → retired, a new next key; drops
/// expired retired keys. Without `force`, refused while the next key is
/// younger than the JWKS cache lifetime (cached JWKS might not contain it).
pub async fn rotate(
    keys: &SigningKeys,
    kek: &Kek,
    policy: &KeyPolicy,
    alg: SigningAlg,
    now: i64,
    force: bool,
) -> Result<Rotation, KeyError> {
    let bits = policy.rsa_bits;
    let pem = tokio::task::spawn_blocking(move || generate_pem(alg, bits))
        .await
        .map_err(|e| KeyError::Crypto(format!("key generation failed: {e}")))??;
    let new_next = sealed(kek, alg, &pem, KeyState::Next, now, now + policy.jwks_max_age as i64)?;
    let outcome = keys.rotate(new_next, now, force, policy.retired_retention as i64).await?;
    if let Rotation::Rotated { active, next, retired } = &outcome {
        tracing::info!(%alg, %active, %next, %retired, "rotated the signing keys");
    }
    Ok(outcome)
}

/// Rotates every algorithm whose active key is older than the rotation
/// period (once its next key may sign). Cheap when nothing is due: one read.
pub async fn rotate_if_due(
    keys: &SigningKeys,
    kek: &Kek,
    policy: &KeyPolicy,
    now: i64,
) -> Result<bool, KeyError> {
    Ok(!rotate_due(keys, &keys.list().await?, kek, policy, now).await?.is_empty())
}

/// [`rotate_if_due`] with the key set already read; returns what rotated.
async fn rotate_due(
    keys: &SigningKeys,
    stored: &[SigningKeyRecord],
    kek: &Kek,
    policy: &KeyPolicy,
    now: i64,
) -> Result<Vec<(SigningAlg, Rotation)>, KeyError> {
    let due = key_lifecycle::due_for_rotation(stored, policy.rotation_period, now);
    let mut rotated = Vec::new();
    for alg in due {
        let outcome = rotate(keys, kek, policy, alg, now, false).await?;
        if matches!(outcome, Rotation::Rotated { .. }) {
            rotated.push((alg, outcome));
        }
    }
    Ok(rotated)
}

/// The `key_rotated` event of a scheduled rotation (no actor: the server).
fn scheduled_rotation(alg: SigningAlg, rotation: &Rotation) -> Option<Audited> {
    let Rotation::Rotated { active, next, retired } = rotation else { return None };
    Some(
        Audited::new(AuditKind::KeyRotated)
            .detail("reason", "scheduled")
            .detail("alg", alg.as_str())
            .detail("active", active.clone())
            .detail("next", next.clone())
            .detail("retired", retired.clone()),
    )
}

/// Brings an operator's PEM private key in as the next key of `alg`
/// (replacing a generated next key that never signed). It signs after the
/// next rotation, once it has been published for the JWKS cache lifetime.
pub async fn import(
    keys: &SigningKeys,
    kek: &Kek,
    policy: &KeyPolicy,
    alg: SigningAlg,
    pem: &[u8],
    now: i64,
) -> Result<String, KeyError> {
    let record = sealed(kek, alg, pem, KeyState::Next, now, now + policy.jwks_max_age as i64)?;
    let kid = record.kid.clone();
    match keys.import_next(record, now).await {
        Ok(()) => Ok(kid),
        Err(KeySetError::AlreadyPresent(kid)) => {
            Err(KeyError::InvalidKey(format!("key {kid} is already in the key set")))
        }
        Err(other) => Err(other.into()),
    }
}

/// Watches the shared key set for one instance: rotates when due (one
/// instance wins the lock) and swaps in a new keyring when the set changed,
/// so every instance signs with a newly activated key within one interval.
pub struct KeyPoller {
    keys: SigningKeys,
    kek: Arc<Kek>,
    policy: KeyPolicy,
    keyring: Arc<KeyringHandle>,
    audit: Audit,
    seen: tokio::sync::Mutex<String>,
}

impl KeyPoller {
    pub fn new(
        keys: SigningKeys,
        kek: Arc<Kek>,
        policy: KeyPolicy,
        keyring: Arc<KeyringHandle>,
        audit: Audit,
    ) -> KeyPoller {
        KeyPoller { keys, kek, policy, keyring, audit, seen: tokio::sync::Mutex::new(String::new()) }
    }

    /// One check; returns whether the keyring was replaced.
    pub async fn poll(&self, now: i64) -> Result<bool, KeyError> {
        // One read of the key set when nothing is due (every poll, every instance).
        let mut stored = self.keys.list().await?;
        let rotated = rotate_due(&self.keys, &stored, &self.kek, &self.policy, now).await?;
        for (alg, rotation) in &rotated {
            if let Some(audited) = scheduled_rotation(*alg, rotation) {
                // The rotation happened; a failed insert must not undo
                // the reload below.
                self.audit.record_or_log(audited, now).await;
            }
        }
        if !rotated.is_empty() {
            stored = self.keys.list().await?;
        }
        report_ages(&stored, now);
        let fingerprint = key_lifecycle::fingerprint(&stored);
        let mut seen = self.seen.lock().await;
        if *seen == fingerprint {
            return Ok(false);
        }
        let keyring = keyring_of(&stored, &self.kek, &self.policy)?;
        let first = seen.is_empty();
        if !first {
            tracing::info!(active = keyring.active_kid(), "signing key set changed; reloaded");
        }
        self.keyring.replace(keyring);
        *seen = fingerprint;
        Ok(!first)
    }
}

#[cfg(test)]
#[path = "keys_tests.rs"]
mod tests;
