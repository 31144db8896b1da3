//! Second factors for every place a user proves who they are (the login
//! prompt, a step-up, the account page): TOTP (RFC 6238) and recovery
//! codes. The TOTP secret is stored sealed under the key-encryption key
//! (AES-256-GCM, the user id as associated data, so a row cannot be moved
//! to another user); recovery codes only as SHA-256 (50 random bits each,
//! single use). A TOTP step is accepted once (RFC 6238 §5.2), and wrong
//! codes are counted per user across pages and instances (at most
//! [`GUESSES`] per window), so six digits cannot be guessed online.

use std::sync::Arc;

use crate::crypto::{random_bytes, secret_digest};
use crate::flows::device::limiter::GuessLimiter;
use crate::flows::passkeys::PasskeyService;
use crate::jose::Kek;
use crate::protocol::device::GuessPolicy;
use crate::protocol::entries::{Authentication, MfaStep};
use crate::protocol::mfa::{self, RECOVERY_CODES, TOTP_SECRET_BYTES};
use crate::protocol::{AuditKind, UserRecord};
use crate::store::{Audit, Audited, Ephemeral, SecondFactors, StoreError};

/// Wrong second-factor codes one user may enter per window.
const GUESSES: GuessPolicy = GuessPolicy { max_failures: 10, window: 900 };

/// What the user typed on a second-factor form.
#[derive(Debug, Clone, Copy)]
pub enum Answer<'a> {
    Totp(&'a str),
    RecoveryCode(&'a str),
}

/// What became of an answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Accepted,
    /// Wrong, replayed, or a recovery code already used.
    Wrong,
    /// Too many wrong codes for this user lately: refused unchecked.
    Throttled,
}

/// A TOTP secret being set up: what the page shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Enrollment {
    /// Base32, for typing into an app by hand.
    pub secret: String,
    /// `otpauth://totp/…`, for the QR code.
    pub uri: String,
}

/// Which second factors a user can give at sign-in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Factors {
    pub totp: bool,
    pub passkey: bool,
}

/// Which second factors a user has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Status {
    pub totp: bool,
    pub recovery_codes_left: i64,
}

#[derive(Clone)]
pub struct SecondFactor {
    factors: SecondFactors,
    kek: Arc<Kek>,
    limiter: GuessLimiter,
    audit: Audit,
    /// The issuer label authenticator apps show.
    label: String,
    passkeys: PasskeyService,
}

/// What a TOTP secret is sealed under (the KEK's associated data).
pub(crate) fn totp_aad(user_id: &str) -> String {
    format!("totp:{user_id}")
}

fn corrupt(e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("TOTP secret: {e}"))
}

impl SecondFactor {
    pub fn new(
        factors: SecondFactors,
        kek: Arc<Kek>,
        ephemeral: Ephemeral,
        audit: Audit,
        label: String,
        passkeys: PasskeyService,
    ) -> SecondFactor {
        SecondFactor { factors, kek, limiter: GuessLimiter::new(ephemeral, GUESSES), audit, label, passkeys }
    }

    /// Passkeys, which are a second factor too.
    pub fn passkeys(&self) -> &PasskeyService {
        &self.passkeys
    }

    pub async fn status(&self, user_id: &str) -> Result<Status, StoreError> {
        let totp = self.factors.totp(user_id).await?.is_some();
        let recovery_codes_left = self.factors.unused_recovery_codes(user_id).await?;
        Ok(Status { totp, recovery_codes_left })
    }

    /// The second factors the user can give.
    pub async fn factors(&self, user_id: &str) -> Result<Factors, StoreError> {
        let totp = self.factors.totp(user_id).await?.is_some();
        Ok(Factors { totp, passkey: self.passkeys.has_any(user_id).await? })
    }

    /// The second-factor step for `user` (after `first_factor`, or a
    /// step-up when `None`): their factors, or setting up TOTP when they
    /// have none.
    pub fn step(user: UserRecord, first_factor: Option<Authentication>, factors: Factors) -> MfaStep {
        MfaStep {
            user_id: user.id,
            account: user.username,
            first_factor,
            enrolling: (!factors.totp && !factors.passkey).then(SecondFactor::new_secret),
            failures: 0,
            done: false,
            totp: factors.totp,
            passkey: factors.passkey,
        }
    }

    /// A fresh TOTP secret (base32) to set up.
    pub fn new_secret() -> String {
        mfa::base32(&random_bytes(TOTP_SECRET_BYTES))
    }

    /// What the set-up page shows for `secret`, labelled with `account`.
    pub fn enrollment(&self, secret: &str, account: &str) -> Option<Enrollment> {
        let bytes = decode(secret)?;
        let uri = mfa::otpauth_uri(&bytes, &self.label, account)?;
        Some(Enrollment { secret: secret.to_string(), uri })
    }

    /// Sets up `secret` once `code` shows the user's app has it: the
    /// factor is stored with fresh recovery codes, returned to show once.
    /// `None` when the code is wrong.
    pub async fn confirm(
        &self,
        user_id: &str,
        secret: &str,
        code: &str,
        now: i64,
    ) -> Result<Option<Vec<String>>, StoreError> {
        let bytes = decode(secret).ok_or_else(|| corrupt("not base32"))?;
        let Some(step) = mfa::check_totp(&bytes, code, now) else { return Ok(None) };
        let sealed = self.kek.seal(&totp_aad(user_id), &bytes).map_err(corrupt)?;
        let (codes, hashes) = recovery_codes();
        let audited = Audited::new(AuditKind::MfaEnrolled).user(user_id).detail("method", "totp");
        self.factors.enroll(user_id, sealed, step as i64, hashes, audited, now).await?;
        tracing::info!(%user_id, "TOTP set up");
        Ok(Some(codes))
    }

    /// Checks a second factor of `user_id`; every answer is audited.
    pub async fn verify(&self, user_id: &str, answer: Answer<'_>, now: i64) -> Result<Verdict, StoreError> {
        let bucket = format!("mfa:{user_id}");
        if self.limiter.reserve(&bucket, now).await?.is_none() {
            self.audit(user_id, answer, Some("throttled"), now).await;
            return Ok(Verdict::Throttled);
        }
        let accepted = match answer {
            Answer::Totp(code) => self.check_totp(user_id, code, now).await?,
            Answer::RecoveryCode(typed) => match mfa::normalize_recovery_code(typed) {
                Some(code) => self.factors.use_recovery_code(user_id, &secret_digest(&code), now).await?,
                None => false,
            },
        };
        if accepted {
            self.limiter.refund(&bucket, now).await?;
            self.audit(user_id, answer, None, now).await;
            Ok(Verdict::Accepted)
        } else {
            self.audit(user_id, answer, Some("wrong"), now).await;
            Ok(Verdict::Wrong)
        }
    }

    async fn check_totp(&self, user_id: &str, code: &str, now: i64) -> Result<bool, StoreError> {
        let Some(factor) = self.factors.totp(user_id).await? else { return Ok(false) };
        let secret = self.kek.open(&totp_aad(user_id), &factor.secret_sealed).map_err(corrupt)?;
        match mfa::check_totp(&secret, code, now) {
            Some(step) if (step as i64) > factor.last_step => {
                self.factors.use_step(user_id, step as i64).await
            }
            _ => Ok(false),
        }
    }

    /// `mfa_succeeded`, or `mfa_failed` with why (`wrong`, `throttled`).
    async fn audit(&self, user_id: &str, answer: Answer<'_>, outcome: Option<&str>, now: i64) {
        let method = match answer {
            Answer::Totp(_) => "totp",
            Answer::RecoveryCode(_) => "recovery_code",
        };
        let audited = match outcome {
            None => Audited::new(AuditKind::MfaSucceeded),
            Some(reason) => Audited::new(AuditKind::MfaFailed).detail("reason", reason),
        };
        self.audit.record_or_log(audited.user(user_id).detail("method", method), now).await;
    }

    /// Ten new recovery codes in place of the old ones, shown once.
    pub async fn new_recovery_codes(&self, user_id: &str, now: i64) -> Result<Vec<String>, StoreError> {
        let (codes, hashes) = recovery_codes();
        let audited = Audited::new(AuditKind::MfaEnrolled).user(user_id).detail("method", "recovery_codes");
        self.factors.replace_recovery_codes(user_id, hashes, audited, now).await?;
        Ok(codes)
    }

    /// Removes the user's second factors; `by` names who (`user`, or the
    /// operator's actor). Whether there were any.
    pub async fn remove(&self, user_id: &str, by: &str, now: i64) -> Result<bool, StoreError> {
        let audited = Audited::new(AuditKind::MfaRemoved).user(user_id).detail("by", by);
        self.factors.remove(user_id, audited, now).await
    }
}

fn decode(secret: &str) -> Option<Vec<u8>> {
    totp_rs::Secret::try_from_base32(secret).ok().map(|s| s.as_bytes().to_vec())
}

/// [`RECOVERY_CODES`] new codes and their hashes.
fn recovery_codes() -> (Vec<String>, Vec<String>) {
    let codes: Vec<String> = (0..RECOVERY_CODES).map(|_| mfa::recovery_code(&random_bytes(10))).collect();
    let hashes =
        codes.iter().map(|c| secret_digest(&mfa::normalize_recovery_code(c).unwrap_or_default())).collect();
    (codes, hashes)
}
