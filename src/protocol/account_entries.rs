//! The account page's short-lived values: a sign-in waiting for its second
//! factor, a TOTP secret being set up, and passkey ceremonies (WebAuthn
//! challenges, kept server side and used once). Re-exported by `entries`.

use serde::{Deserialize, Serialize};

use crate::protocol::entries::{Authentication, Entry, EntryKind};

/// The account page's sign-in between the right password and the second
/// factor, under a random id the form carries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingSignIn {
    pub user_id: String,
    pub first_factor: Authentication,
    pub failures: u32,
    pub expires_at: i64,
}

impl Entry for PendingSignIn {
    const KIND: EntryKind = EntryKind::PendingSignIn;
    fn expires_at(&self) -> i64 {
        self.expires_at
    }
}

/// A TOTP secret shown on the account page, kept until the user confirms
/// it with a code; under a random id the form carries, for one session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TotpEnrollment {
    pub sid: String,
    pub user_id: String,
    /// Base32.
    pub secret: String,
    pub expires_at: i64,
}

impl Entry for TotpEnrollment {
    const KIND: EntryKind = EntryKind::TotpEnrollment;
    fn expires_at(&self) -> i64 {
        self.expires_at
    }
}

/// A passkey registration the account page started for one session,
/// stored under the session's `sid` (one at a time), used once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasskeyRegistration {
    pub user_id: String,
    /// webauthn-rs's registration state (JSON): the challenge.
    pub state: String,
    pub expires_at: i64,
}

impl Entry for PasskeyRegistration {
    const KIND: EntryKind = EntryKind::PasskeyRegistration;
    fn expires_at(&self) -> i64 {
        self.expires_at
    }
}

/// A passkey sign-in the account page's sign-in form started, under a
/// random id its form carries, used once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasskeySignIn {
    /// webauthn-rs's authentication state (JSON): the challenge.
    pub state: String,
    pub expires_at: i64,
}

impl Entry for PasskeySignIn {
    const KIND: EntryKind = EntryKind::PasskeySignIn;
    fn expires_at(&self) -> i64 {
        self.expires_at
    }
}
