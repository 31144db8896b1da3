//! What a new password must be (NIST SP 800-63B §5.1.1.2): long enough,
//! not absurdly long, not only whitespace, and not one of the passwords
//! attackers try first. No composition rules and no forced rotation: any
//! characters are allowed and length is counted in characters, not bytes.
//!
//! The breached list is the 30,000 most common passwords of Mark Burnett's
//! 10-million-password corpus as ranked by zxcvbn (MIT licence; see the
//! header of `breached_passwords.txt`), shipped in the binary and compared
//! ignoring case.

use std::collections::HashSet;
use std::sync::OnceLock;

/// The list, one lower-case password a line; `#` lines are its header.
const BREACHED: &str = include_str!("breached_passwords.txt");

/// Longest password accepted: Argon2 hashes anything, this bounds the work.
pub const MAX_PASSWORD_CHARS: usize = 256;
/// Shortest password accepted unless `password.min_length` says otherwise.
pub const DEFAULT_MIN_PASSWORD_CHARS: usize = 12;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PasswordPolicy {
    pub min_length: usize,
    pub max_length: usize,
}

impl Default for PasswordPolicy {
    fn default() -> Self {
        PasswordPolicy { min_length: DEFAULT_MIN_PASSWORD_CHARS, max_length: MAX_PASSWORD_CHARS }
    }
}

/// Why a new password is refused; `Display` is the message for the user.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasswordProblem {
    #[error("Use at least {0} characters.")]
    TooShort(usize),
    #[error("Use at most {0} characters.")]
    TooLong(usize),
    #[error("Use more than spaces.")]
    Blank,
    #[error("This password appears in lists of breached passwords; choose another.")]
    Breached,
}

impl PasswordPolicy {
    /// Whether `password` may become someone's password.
    pub fn check(&self, password: &str) -> Result<(), PasswordProblem> {
        let length = password.chars().count();
        if length > self.max_length {
            return Err(PasswordProblem::TooLong(self.max_length));
        }
        if !password.is_empty() && password.chars().all(char::is_whitespace) {
            return Err(PasswordProblem::Blank);
        }
        if length < self.min_length {
            return Err(PasswordProblem::TooShort(self.min_length));
        }
        if is_breached(password) {
            return Err(PasswordProblem::Breached);
        }
        Ok(())
    }
}

/// Whether `password` is on the shipped list, ignoring case.
pub fn is_breached(password: &str) -> bool {
    static LIST: OnceLock<HashSet<&'static str>> = OnceLock::new();
    let list = LIST.get_or_init(|| {
        BREACHED.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')).collect()
    });
    list.contains(password.to_lowercase().as_str())
}

/// How many passwords the shipped list holds.
pub fn breached_list_len() -> usize {
    BREACHED.lines().filter(|l| !l.trim().is_empty() && !l.starts_with('#')).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn length_is_counted_in_characters_within_bounds() {
        let policy = PasswordPolicy::default();
        assert_eq!(policy.check("short"), Err(PasswordProblem::TooShort(12)));
        assert_eq!(policy.check(""), Err(PasswordProblem::TooShort(12)));
        // 12 characters, 24 bytes: long enough.
        assert_eq!(policy.check("ñáéíóúüçàèìò"), Ok(()));
        assert_eq!(policy.check("correct horse battery"), Ok(()));
        assert_eq!(policy.check(&"x".repeat(256)), Ok(()));
        assert_eq!(policy.check(&"x".repeat(257)), Err(PasswordProblem::TooLong(256)));
        assert_eq!(PasswordPolicy { min_length: 4, ..policy }.check("a b!"), Ok(()));
    }

    #[test]
    fn whitespace_only_is_refused_but_spaces_are_allowed() {
        let policy = PasswordPolicy::default();
        assert_eq!(policy.check(&" ".repeat(20)), Err(PasswordProblem::Blank));
        assert_eq!(policy.check("\t \u{3000} \n           "), Err(PasswordProblem::Blank));
        assert_eq!(policy.check("  lots of   spaces  "), Ok(()));
    }

    #[test]
    fn breached_passwords_are_refused_ignoring_case() {
        assert!(breached_list_len() >= 10_000, "{}", breached_list_len());
        let policy = PasswordPolicy::default();
        for common in ["1q2w3e4r5t6y", "Qwertyuiop123", "PASSWORD1234"] {
            assert!(is_breached(common), "{common}");
        }
        assert_eq!(policy.check("qwertyuiop123"), Err(PasswordProblem::Breached));
        let short = PasswordPolicy { min_length: 6, ..policy };
        assert_eq!(short.check("Dragon"), Err(PasswordProblem::Breached));
        assert!(!is_breached("correct horse battery"));
        assert_eq!(PasswordProblem::TooShort(12).to_string(), "Use at least 12 characters.");
    }
}
