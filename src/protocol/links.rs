//! Temporary secure links (password reset, email verification): what a link
//! row is bound to and when it still opens. The token itself is 32 random
//! bytes that only the mail holds; the database keeps its SHA-256 (like a
//! session cookie, OWASP Forgot Password Cheat Sheet: "store the token
//! hashed"), so a dump of the table yields no usable link.
//!
//! A reset link is bound to a fingerprint of the password hash current when
//! it was sent, so it dies when the password changes by any path; a
//! verification link is bound to the address it was sent to, so it proves
//! nothing about a later one. Single use is enforced by the store (the row
//! is taken atomically).

use serde::{Deserialize, Serialize};

use crate::crypto::{secret_digest, sha256_b64url};
use crate::protocol::UserRecord;
use crate::protocol::entries::{Entry, EntryKind};
use crate::vocabulary::vocabulary;

/// Bytes of randomness in a link token (256 bits, base64url: 43 characters).
pub const TOKEN_BYTES: usize = 32;
/// Length of a well-formed token.
pub const TOKEN_LEN: usize = 43;

vocabulary! {
    /// What a link (and the mail that carries it) is for.
    pub enum LinkPurpose("link purpose") {
        Reset => "reset",
        Verify => "verify",
        /// A note to the owner of an address someone tried to register
        /// with (no link; only a mail purpose).
        RegistrationAttempt => "registration_attempt",
    }
}

/// A stored link: the SHA-256 of its token, never the token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkRecord {
    pub token_hash: String,
    pub purpose: LinkPurpose,
    pub user_id: String,
    /// Reset: [`password_fingerprint`] of the hash at sending time;
    /// verify: the email address the link was sent to.
    pub bound_to: String,
    pub created_at: i64,
    pub expires_at: i64,
}

/// Why a link does not open. The page says the same for all of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkRefusal {
    /// Unknown token, used already, or malformed.
    Unknown,
    Expired,
    /// A link for something else (a verification token on the reset page).
    WrongPurpose,
    /// The account changed since: another password, another address, or
    /// disabled or deleted.
    Superseded,
}

/// What a reset link is bound to: the SHA-256 of the current password
/// hash (the hash itself stays in the users table).
pub fn password_fingerprint(password_hash: &str) -> String {
    sha256_b64url(password_hash.as_bytes())
}

/// The storage key of a link token.
pub fn token_hash(token: &str) -> String {
    secret_digest(token)
}

/// Whether `token` looks like one of ours (43 base64url characters): other
/// input is refused without a database lookup.
pub fn is_well_formed(token: &str) -> bool {
    token.len() == TOKEN_LEN && token.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

impl LinkRecord {
    /// A link for `purpose` to `user`, alive for `ttl` seconds from `now`.
    pub fn issue(purpose: LinkPurpose, user: &UserRecord, token: &str, ttl: u64, now: i64) -> LinkRecord {
        let bound_to = match purpose {
            LinkPurpose::Reset => password_fingerprint(&user.password_hash),
            _ => user.email.clone().unwrap_or_default(),
        };
        LinkRecord {
            token_hash: token_hash(token),
            purpose,
            user_id: user.id.clone(),
            bound_to,
            created_at: now,
            expires_at: now.saturating_add(i64::try_from(ttl).unwrap_or(i64::MAX)),
        }
    }

    /// Whether this link opens for `purpose` at `now`, for the user as they
    /// are now (`None`: deleted).
    pub fn check(
        &self,
        purpose: LinkPurpose,
        user: Option<&UserRecord>,
        now: i64,
    ) -> Result<(), LinkRefusal> {
        if self.purpose != purpose {
            return Err(LinkRefusal::WrongPurpose);
        }
        if now >= self.expires_at {
            return Err(LinkRefusal::Expired);
        }
        let Some(user) = user.filter(|u| u.id == self.user_id && !u.disabled) else {
            return Err(LinkRefusal::Superseded);
        };
        let still_bound = match purpose {
            LinkPurpose::Reset => password_fingerprint(&user.password_hash) == self.bound_to,
            _ => user.email.as_deref() == Some(self.bound_to.as_str()),
        };
        if still_bound { Ok(()) } else { Err(LinkRefusal::Superseded) }
    }
}

/// Mails of one purpose sent for one account (or one address) in the
/// current window: the cap on reset mails and on registrations per address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailQuota {
    pub count: u32,
    pub window_ends: i64,
}

impl Entry for MailQuota {
    const KIND: EntryKind = EntryKind::MailQuota;
    fn expires_at(&self) -> i64 {
        self.window_ends
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user() -> UserRecord {
        UserRecord {
            id: "u1".into(),
            username: "alice".into(),
            email: Some("alice@example.com".into()),
            email_verified: false,
            name: None,
            profile: crate::protocol::profile::Profile::default(),
            password_hash: "$argon2id$v=19$m=19456,t=2,p=1$salt$hash".into(),
            disabled: false,
            created_at: 0,
            updated_at: 0,
            version: 1,
        }
    }

    const TOKEN: &str = "abcdefghijabcdefghijabcdefghijabcdefghij123";

    #[test]
    fn a_link_opens_until_it_expires() {
        let alice = user();
        let link = LinkRecord::issue(LinkPurpose::Reset, &alice, TOKEN, 1800, 1_000);
        assert_eq!(link.expires_at, 2_800);
        assert_ne!(link.token_hash, TOKEN, "only the hash is stored");
        assert_eq!(link.check(LinkPurpose::Reset, Some(&alice), 2_799), Ok(()));
        assert_eq!(link.check(LinkPurpose::Reset, Some(&alice), 2_800), Err(LinkRefusal::Expired));
    }

    #[test]
    fn a_link_opens_only_for_its_purpose() {
        let alice = user();
        let verify = LinkRecord::issue(LinkPurpose::Verify, &alice, TOKEN, 60, 0);
        assert_eq!(verify.check(LinkPurpose::Reset, Some(&alice), 1), Err(LinkRefusal::WrongPurpose));
        assert_eq!(verify.check(LinkPurpose::Verify, Some(&alice), 1), Ok(()));
    }

    #[test]
    fn a_reset_link_dies_with_the_password_it_was_sent_for() {
        let mut alice = user();
        let link = LinkRecord::issue(LinkPurpose::Reset, &alice, TOKEN, 60, 0);
        assert_ne!(link.bound_to, alice.password_hash, "a fingerprint, not the hash");
        alice.password_hash = "$argon2id$v=19$m=19456,t=2,p=1$other$hash".into();
        assert_eq!(link.check(LinkPurpose::Reset, Some(&alice), 1), Err(LinkRefusal::Superseded));
    }

    #[test]
    fn a_verification_link_proves_only_the_address_it_went_to() {
        let mut alice = user();
        let link = LinkRecord::issue(LinkPurpose::Verify, &alice, TOKEN, 60, 0);
        alice.email = Some("mallory@example.com".into());
        assert_eq!(link.check(LinkPurpose::Verify, Some(&alice), 1), Err(LinkRefusal::Superseded));
    }

    #[test]
    fn disabled_and_deleted_accounts_open_nothing() {
        let mut alice = user();
        let link = LinkRecord::issue(LinkPurpose::Reset, &alice, TOKEN, 60, 0);
        assert_eq!(link.check(LinkPurpose::Reset, None, 1), Err(LinkRefusal::Superseded));
        alice.disabled = true;
        assert_eq!(link.check(LinkPurpose::Reset, Some(&alice), 1), Err(LinkRefusal::Superseded));
    }

    #[test]
    fn only_well_formed_tokens_are_looked_up() {
        assert!(is_well_formed(TOKEN));
        assert!(is_well_formed(&crate::crypto::random_token(TOKEN_BYTES)));
        assert!(!is_well_formed("short"));
        assert!(!is_well_formed(&format!("{}=", &TOKEN[..42])));
    }
}
