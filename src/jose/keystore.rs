//! The signing-key lifecycle, shared by every instance through the database:
//! **next** (published, not signing) → **active** (signing, exactly one) →
//! **retired** (published until its tokens have expired) → deleted.
//!
//! A key becomes `next` at least one JWKS cache lifetime (`jwks_max_age`)
//! before it may sign, so relying parties that cache the JWKS already know
//! it when the first token carrying its `kid` arrives. Changes run under the
//! key-set lock: when instances race, exactly one rotation happens.

use std::sync::{Arc, RwLock};

use crate::config::KeySettings;
use crate::jose::{Kek, KeyError, Keyring, generate_pem, kid_of};
use crate::store::{AnyConnection, SigningKeyRecord, StoreError, sql::signing_keys};

/// The active and next key of one algorithm, as PEM, or why generation failed.
type KeyPairPems = Result<(Vec<u8>, Vec<u8>), KeyError>;

pub const NEXT: &str = "next";
pub const ACTIVE: &str = "active";
pub const RETIRED: &str = "retired";

impl From<StoreError> for KeyError {
    fn from(e: StoreError) -> Self {
        KeyError::KeySet(e.to_string())
    }
}

/// The keyring every request signs and verifies with, swapped atomically
/// when the shared key set changes.
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

/// Loads the KEK (creating it only for a brand-new, empty key set) and makes
/// sure the set has an active and a next key.
pub fn open(conn: &mut AnyConnection, settings: &KeySettings, now: i64) -> Result<Kek, KeyError> {
    let empty = signing_keys::list(conn)?.is_empty();
    let (kek, created) = Kek::load(&settings.kek_path(), empty)?;
    if created {
        tracing::info!(path = %settings.kek_path().display(), "generated a new key-encryption key (keep it safe: the signing keys cannot be decrypted without it)");
    }
    initialize(conn, &kek, settings, now)?;
    Ok(kek)
}

fn sealed(
    kek: &Kek,
    alg: &str,
    pem: &[u8],
    state: &str,
    now: i64,
    signs_from: i64,
) -> Result<SigningKeyRecord, KeyError> {
    let kid = kid_of(alg, pem)?;
    Ok(SigningKeyRecord {
        private_key_sealed: kek.seal(&kid, pem)?,
        kid,
        alg: alg.into(),
        state: state.into(),
        created_at: now,
        signs_from,
        activated_at: (state == ACTIVE).then_some(now),
        retired_at: None,
        delete_after: None,
    })
}

/// For every enabled algorithm without one: a first active key and its
/// successor. The successor may sign at once: no JWKS without it has ever
/// been served. Keys are generated in parallel (RSA generation dominates a
/// first start).
fn initialize(conn: &mut AnyConnection, kek: &Kek, settings: &KeySettings, now: i64) -> Result<(), KeyError> {
    let existing = signing_keys::list(conn)?;
    let missing: Vec<&String> = settings
        .algorithms
        .iter()
        .filter(|alg| !existing.iter().any(|k| k.state == ACTIVE && &k.alg == *alg))
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    // Two keys per missing algorithm, all generated at once.
    let generated: Vec<KeyPairPems> = std::thread::scope(|scope| {
        let jobs: Vec<_> = missing
            .iter()
            .map(|alg| {
                let gen_one = || generate_pem(alg, settings.rsa_bits);
                (scope.spawn(gen_one), scope.spawn(gen_one))
            })
            .collect();
        let joined = |h: std::thread::ScopedJoinHandle<'_, Result<Vec<u8>, KeyError>>| {
            h.join().map_err(|_| KeyError::Crypto("key generation panicked".into()))?
        };
        jobs.into_iter().map(|(a, b)| Ok((joined(a)?, joined(b)?))).collect()
    });
    for (alg, pems) in missing.into_iter().zip(generated) {
        let (active_pem, next_pem) = pems?;
        let active = sealed(kek, alg, &active_pem, ACTIVE, now, now)?;
        let next = sealed(kek, alg, &next_pem, NEXT, now, now)?;
        let has_active = |keys: &[SigningKeyRecord]| keys.iter().any(|k| k.state == ACTIVE && &k.alg == alg);
        let created = signing_keys::locked(conn, now, |c| {
            if has_active(&signing_keys::list(c)?) {
                return Ok(false); // another instance won the race
            }
            signing_keys::insert(c, &active)?;
            signing_keys::insert(c, &next)?;
            Ok(true)
        })?;
        if created {
            tracing::info!(%alg, active = %active.kid, next = %next.kid, "created signing keys");
        }
    }
    Ok(())
}

/// The keyring of the stored set: each algorithm's active key signs; next
/// and retired keys are published and verify. Fails clearly on a wrong KEK.
pub fn load(conn: &mut AnyConnection, kek: &Kek) -> Result<Keyring, KeyError> {
    let mut keys = Vec::new();
    for key in signing_keys::list(conn)? {
        let pem = kek.open(&key.kid, &key.private_key_sealed)?;
        keys.push((key.alg, key.state == ACTIVE, pem));
    }
    Keyring::from_sealed_keys(&keys)
}

/// `kid:state` of every key: what the poller compares to notice changes.
pub fn fingerprint(conn: &mut AnyConnection) -> Result<String, KeyError> {
    Ok(signing_keys::list(conn)?
        .iter()
        .map(|k| format!("{}:{}", k.kid, k.state))
        .collect::<Vec<_>>()
        .join(","))
}

#[derive(Debug, PartialEq, Eq)]
pub enum Rotation {
    Rotated {
        active: String,
        next: String,
        retired: String,
    },
    /// The next key is not yet published long enough to sign.
    NotYet {
        signs_from: i64,
    },
}

/// For `alg`: next → active, active → retired, a new next; drops expired
/// retired keys. Without `force`, refuses while the next key is younger
/// than the JWKS cache lifetime (cached JWKS might not contain it yet).
pub fn rotate(
    conn: &mut AnyConnection,
    kek: &Kek,
    settings: &KeySettings,
    alg: &str,
    now: i64,
    force: bool,
) -> Result<Rotation, KeyError> {
    let pem = generate_pem(alg, settings.rsa_bits)?;
    let new_next = sealed(kek, alg, &pem, NEXT, now, now + settings.jwks_max_age as i64)?;
    let new_next_kid = new_next.kid.clone();
    let retention = settings.retired_retention as i64;
    let outcome = signing_keys::locked(conn, now, |c| {
        let keys: Vec<SigningKeyRecord> =
            signing_keys::list(c)?.into_iter().filter(|k| k.alg == alg).collect();
        let (Some(active), Some(next)) =
            (keys.iter().find(|k| k.state == ACTIVE), keys.iter().rev().find(|k| k.state == NEXT))
        else {
            return Err(StoreError::Corrupt(format!("the {alg} keys need an active and a next key")));
        };
        if !force && next.signs_from > now {
            return Ok(Rotation::NotYet { signs_from: next.signs_from });
        }
        signing_keys::activate(c, &next.kid, now)?;
        signing_keys::retire(c, &active.kid, now, now + retention)?;
        signing_keys::insert(c, &new_next)?;
        signing_keys::delete_expired(c, now)?;
        Ok(Rotation::Rotated {
            active: next.kid.clone(),
            next: new_next_kid.clone(),
            retired: active.kid.clone(),
        })
    })?;
    if let Rotation::Rotated { active, next, retired } = &outcome {
        tracing::info!(%alg, %active, %next, %retired, "rotated the signing keys");
    }
    Ok(outcome)
}

/// Rotates every algorithm whose active key is older than the rotation
/// period (once its next key may sign). Cheap when nothing is due: one read.
pub fn rotate_if_due(
    conn: &mut AnyConnection,
    kek: &Kek,
    settings: &KeySettings,
    now: i64,
) -> Result<bool, KeyError> {
    let due: Vec<String> = signing_keys::list(conn)?
        .into_iter()
        .filter(|k| {
            k.state == ACTIVE
                && k.activated_at.unwrap_or(k.created_at) + settings.rotation_period as i64 <= now
        })
        .map(|k| k.alg)
        .collect();
    let mut rotated = false;
    for alg in due {
        rotated |= matches!(rotate(conn, kek, settings, &alg, now, false)?, Rotation::Rotated { .. });
    }
    Ok(rotated)
}

/// Brings an operator's PEM private key in as the next key of `alg`
/// (replacing a generated next key that never signed). It signs after the
/// next rotation once it has been published for the JWKS cache lifetime.
pub fn import(
    conn: &mut AnyConnection,
    kek: &Kek,
    settings: &KeySettings,
    alg: &str,
    pem: &[u8],
    now: i64,
) -> Result<String, KeyError> {
    let record = sealed(kek, alg, pem, NEXT, now, now + settings.jwks_max_age as i64)?;
    let kid = record.kid.clone();
    signing_keys::locked(conn, now, |c| {
        let keys = signing_keys::list(c)?;
        if keys.iter().any(|k| k.kid == record.kid) {
            return Err(StoreError::Duplicate(format!("key {} is already in the key set", record.kid)));
        }
        for old_next in keys.iter().filter(|k| k.state == NEXT && k.alg == record.alg) {
            signing_keys::delete(c, &old_next.kid)?;
        }
        signing_keys::insert(c, &record)
    })?;
    Ok(kid)
}

/// Public facts about every key, for `oxidp keys list`: never key material.
pub fn list(conn: &mut AnyConnection) -> Result<Vec<SigningKeyRecord>, KeyError> {
    Ok(signing_keys::list(conn)?
        .into_iter()
        .map(|k| SigningKeyRecord { private_key_sealed: String::new(), ..k })
        .collect())
}

#[cfg(test)]
mod tests;
