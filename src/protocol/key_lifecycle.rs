//! The rules of the signing-key lifecycle, shared by every instance through
//! the database: **next** (published, not signing) → **active** (signing,
//! exactly one per algorithm) → **retired** (published until its tokens have
//! expired) → deleted. A key becomes next at least one JWKS cache lifetime
//! before it may sign, so relying parties that cache the JWKS already know
//! it when the first token carrying its `kid` arrives (RFC 7517 §4.5).
//!
//! Pure decisions over the stored records; `store::SigningKeys` applies
//! them under the key-set lock, `flows::keys` generates and seals keys.

use crate::jose::SigningAlg;
use crate::protocol::SigningKeyRecord;
use crate::protocol::vocabulary::KeyState;

/// What a rotation did, or why it did not happen.
#[derive(Debug, Clone, PartialEq, Eq)]
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

/// The keys a rotation of one algorithm moves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RotationPlan {
    /// The next key that becomes active.
    pub activate: String,
    /// The active key that retires.
    pub retire: String,
}

/// Why a rotation cannot even be planned.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the {0} keys need an active and a next key")]
pub struct Incomplete(pub SigningAlg);

/// Plans next → active, active → retired for `alg`. Without `force`,
/// refuses while the next key is younger than the JWKS cache lifetime
/// (its `signs_from`): cached JWKS might not contain it yet.
pub fn plan_rotation(
    keys: &[SigningKeyRecord],
    alg: SigningAlg,
    now: i64,
    force: bool,
) -> Result<Result<RotationPlan, i64>, Incomplete> {
    let of_alg = || keys.iter().filter(|k| k.alg == alg);
    let active = of_alg().find(|k| k.state == KeyState::Active);
    let next = of_alg().rfind(|k| k.state == KeyState::Next);
    let (Some(active), Some(next)) = (active, next) else {
        return Err(Incomplete(alg));
    };
    if !force && next.signs_from > now {
        return Ok(Err(next.signs_from));
    }
    Ok(Ok(RotationPlan { activate: next.kid.clone(), retire: active.kid.clone() }))
}

/// Algorithms whose active key is older than `rotation_period` seconds.
pub fn due_for_rotation(keys: &[SigningKeyRecord], rotation_period: u64, now: i64) -> Vec<SigningAlg> {
    keys.iter()
        .filter(|k| {
            k.state == KeyState::Active
                && k.activated_at.unwrap_or(k.created_at) + rotation_period as i64 <= now
        })
        .map(|k| k.alg)
        .collect()
}

/// The algorithms of `wanted` without an active key.
pub fn missing_algorithms(keys: &[SigningKeyRecord], wanted: &[SigningAlg]) -> Vec<SigningAlg> {
    wanted.iter().copied().filter(|alg| !has_active(keys, *alg)).collect()
}

pub fn has_active(keys: &[SigningKeyRecord], alg: SigningAlg) -> bool {
    keys.iter().any(|k| k.state == KeyState::Active && k.alg == alg)
}

/// `kid:state` of every key: what instances compare to notice a change.
pub fn fingerprint(keys: &[SigningKeyRecord]) -> String {
    keys.iter().map(|k| format!("{}:{}", k.kid, k.state)).collect::<Vec<_>>().join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(
        kid: &str,
        alg: SigningAlg,
        state: KeyState,
        created_at: i64,
        signs_from: i64,
    ) -> SigningKeyRecord {
        SigningKeyRecord {
            kid: kid.into(),
            alg,
            state,
            private_key_sealed: String::new(),
            created_at,
            signs_from,
            activated_at: (state == KeyState::Active).then_some(created_at),
            retired_at: None,
            delete_after: None,
        }
    }

    #[test]
    fn rotation_waits_for_the_next_key_to_be_published_long_enough() {
        let keys = [
            key("a1", SigningAlg::Rs256, KeyState::Active, 100, 100),
            key("n1", SigningAlg::Rs256, KeyState::Next, 200, 500),
            key("e1", SigningAlg::Es256, KeyState::Active, 100, 100),
        ];
        assert_eq!(plan_rotation(&keys, SigningAlg::Rs256, 400, false), Ok(Err(500)));
        let plan = RotationPlan { activate: "n1".into(), retire: "a1".into() };
        assert_eq!(plan_rotation(&keys, SigningAlg::Rs256, 400, true), Ok(Ok(plan.clone())));
        assert_eq!(plan_rotation(&keys, SigningAlg::Rs256, 500, false), Ok(Ok(plan)));
        assert_eq!(plan_rotation(&keys, SigningAlg::Es256, 500, true), Err(Incomplete(SigningAlg::Es256)));
    }

    #[test]
    fn due_and_missing_algorithms() {
        let keys = [
            key("a1", SigningAlg::Rs256, KeyState::Active, 100, 100),
            key("e1", SigningAlg::Es256, KeyState::Active, 900, 900),
        ];
        assert_eq!(due_for_rotation(&keys, 1000, 1100), [SigningAlg::Rs256]);
        assert!(due_for_rotation(&keys, 1000, 1099).is_empty());
        assert_eq!(
            missing_algorithms(&keys, &[SigningAlg::Rs256, SigningAlg::Ps256, SigningAlg::EdDsa]),
            [SigningAlg::Ps256, SigningAlg::EdDsa]
        );
        assert_eq!(fingerprint(&keys), "a1:active,e1:active");
    }
}
