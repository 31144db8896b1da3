//! Second factors, as rules without I/O: TOTP codes (RFC 6238: HMAC-SHA-1,
//! 6 digits, 30-second steps, one step of clock skew either way), recovery
//! codes (ten single-use look-up secrets, NIST SP 800-63B §5.1.2), and when
//! a request needs a second factor (`acr_values`, OIDC Core §3.1.2.1, or
//! the client's `require_mfa`).

use totp_rs::{Algorithm, Builder, Secret, Totp};

use crate::protocol::vocabulary::{AuthLevel, AuthMethod};

/// TOTP secrets are 160 bits, the HMAC-SHA-1 block RFC 4226 §4 recommends.
pub const TOTP_SECRET_BYTES: usize = 20;
/// How many recovery codes a user gets at once.
pub const RECOVERY_CODES: usize = 10;
/// Characters of a recovery code, without its separator: 10 base32
/// characters, 50 bits each.
const RECOVERY_CODE_CHARS: usize = 10;
const BASE32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// A TOTP generator for `secret`, labelled for authenticator apps.
fn totp(secret: &[u8], issuer: &str, account: &str) -> Option<Totp> {
    Builder::new()
        .with_algorithm(Algorithm::SHA1)
        .with_digits(6)
        .with_skew(1)
        .with_step_duration(30)
        .with_secret(Secret::from(secret.to_vec()))
        .with_issuer(Some(issuer.replace(':', " ")))
        .with_account_name(account.replace(':', " "))
        .build()
        .ok()
}

/// The time step of `code` if it is right for `secret` at `now` (within one
/// step either way); the caller accepts each step once (RFC 6238 §5.2).
pub fn check_totp(secret: &[u8], code: &str, now: i64) -> Option<u64> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) || now < 0 {
        return None;
    }
    totp(secret, "oxidp", "user")?.check(&code, now as u64)
}

/// The code an authenticator shows for `secret` at `now` (for tests).
pub fn totp_code(secret: &[u8], now: i64) -> String {
    totp(secret, "oxidp", "user").map(|t| t.generate(now.max(0) as u64).to_string()).unwrap_or_default()
}

/// The code an authenticator shows at `now` for a base32 secret as a
/// set-up page displays it (spaces allowed): what a test's "phone" does.
pub fn totp_code_for_base32(secret: &str, now: i64) -> Option<String> {
    let compact: String = secret.chars().filter(|c| !c.is_whitespace()).collect();
    let bytes = Secret::try_from_base32(compact).ok()?;
    Some(totp_code(bytes.as_bytes(), now))
}

/// The `otpauth://totp/…` URI an authenticator app scans (Key Uri Format).
pub fn otpauth_uri(secret: &[u8], issuer: &str, account: &str) -> Option<String> {
    totp(secret, issuer, account)?.to_url().ok()
}

/// `secret` as the base32 text a user types into an app by hand.
pub fn base32(secret: &[u8]) -> String {
    Secret::from(secret.to_vec()).to_base32()
}

/// A recovery code from 10 random bytes: `XXXXX-XXXXX`.
pub fn recovery_code(random: &[u8]) -> String {
    let chars: String =
        random.iter().take(RECOVERY_CODE_CHARS).map(|b| BASE32[(*b as usize) % 32] as char).collect();
    format!("{}-{}", &chars[..5], &chars[5..])
}

/// A typed recovery code as stored: upper-case, without spaces or dashes;
/// `None` when it cannot be one.
pub fn normalize_recovery_code(typed: &str) -> Option<String> {
    let code: String =
        typed.chars().filter(|c| !c.is_whitespace() && *c != '-').map(|c| c.to_ascii_uppercase()).collect();
    (code.len() == RECOVERY_CODE_CHARS && code.bytes().all(|b| BASE32.contains(&b))).then_some(code)
}

/// Whether a request must be answered with a second factor: the client
/// requires it, or `acr_values` asks for [`AuthLevel::MultiFactor`] and
/// offers nothing this server satisfies with one factor.
pub fn required(client_requires: bool, acr_values: &[String]) -> bool {
    client_requires
        || (acr_values.iter().any(|v| v == AuthLevel::MultiFactor.as_str())
            && !acr_values.iter().any(|v| v == AuthLevel::SingleFactor.as_str()))
}

/// The `amr` of a one-time code (TOTP or recovery code) as a second factor.
pub const ONE_TIME_CODE: &[AuthMethod] = &[AuthMethod::Otp];

/// The `amr` of a passkey (RFC 8176 §2): proof of possession of its key,
/// `hwk` when the key cannot leave the authenticator, `swk` when it is
/// backup-eligible (a synced passkey); and `user`, the presence test.
pub fn passkey_methods(backup_eligible: bool) -> Vec<AuthMethod> {
    let key = if backup_eligible { AuthMethod::SoftwareKey } else { AuthMethod::HardwareKey };
    vec![key, AuthMethod::UserPresence]
}

/// `amr` after a second factor (`added`) on top of `first`: the methods,
/// each once, then `mfa`.
pub fn with_second_factor(first: &[AuthMethod], added: &[AuthMethod]) -> Vec<AuthMethod> {
    let mut amr: Vec<AuthMethod> =
        first.iter().copied().filter(|m| *m != AuthMethod::Mfa && !added.contains(m)).collect();
    amr.extend_from_slice(added);
    amr.push(AuthMethod::Mfa);
    amr
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 Appendix B's SHA-1 secret and vectors (8 digits there; the
    /// last six digits are the 6-digit code).
    const RFC_SECRET: &[u8] = b"12345678901234567890";

    #[test]
    fn rfc_6238_vectors() {
        assert_eq!(totp_code(RFC_SECRET, 59), "287082");
        assert_eq!(totp_code(RFC_SECRET, 1111111109), "081804");
        assert_eq!(totp_code(RFC_SECRET, 1234567890), "005924");
        assert_eq!(check_totp(RFC_SECRET, "287082", 59), Some(1));
        assert_eq!(check_totp(RFC_SECRET, "287 082", 59), Some(1), "spaces are ignored");
    }

    #[test]
    fn one_step_of_skew_either_way_and_nothing_else() {
        let now = 1_700_000_000;
        let code = totp_code(RFC_SECRET, now);
        assert!(check_totp(RFC_SECRET, &code, now + 30).is_some());
        assert!(check_totp(RFC_SECRET, &code, now - 30).is_some());
        assert!(check_totp(RFC_SECRET, &code, now + 90).is_none());
        assert!(check_totp(RFC_SECRET, "12345", now).is_none());
        assert!(check_totp(RFC_SECRET, "abcdef", now).is_none());
    }

    #[test]
    fn recovery_codes_are_typed_forgivingly() {
        let code = recovery_code(&[0, 1, 2, 3, 4, 5, 6, 7, 8, 31]);
        assert_eq!(code, "ABCDE-FGHI7");
        assert_eq!(normalize_recovery_code(" abcde-fghi7 ").as_deref(), Some("ABCDEFGHI7"));
        assert_eq!(normalize_recovery_code("ABCDEFGHI7").as_deref(), Some("ABCDEFGHI7"));
        assert!(normalize_recovery_code("ABCDE").is_none());
        assert!(normalize_recovery_code("ABCDE-FGHI1").is_none(), "1 is not base32");
    }

    #[test]
    fn acr_values_ask_for_a_second_factor_only_without_a_single_factor_fallback() {
        let v = |s: &[&str]| s.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert!(required(true, &[]));
        assert!(!required(false, &[]));
        assert!(required(false, &v(&["2"])));
        assert!(!required(false, &v(&["2", "1"])), "1 is acceptable too");
        assert!(!required(false, &v(&["urn:other"])));
    }

    #[test]
    fn amr_names_each_factor_once() {
        let amr = with_second_factor(&[AuthMethod::Password], ONE_TIME_CODE);
        assert_eq!(amr, vec![AuthMethod::Password, AuthMethod::Otp, AuthMethod::Mfa]);
        assert_eq!(with_second_factor(&amr, ONE_TIME_CODE), amr);
        let both = with_second_factor(&amr, &passkey_methods(false));
        assert_eq!(
            both,
            [
                AuthMethod::Password,
                AuthMethod::Otp,
                AuthMethod::HardwareKey,
                AuthMethod::UserPresence,
                AuthMethod::Mfa
            ]
        );
        assert_eq!(passkey_methods(true)[0], AuthMethod::SoftwareKey);
    }

    #[test]
    fn a_secret_as_a_page_shows_it_gives_the_same_codes() {
        let shown = base32(RFC_SECRET);
        let spaced: String =
            shown.as_bytes().chunks(4).map(|c| std::str::from_utf8(c).unwrap()).collect::<Vec<_>>().join(" ");
        assert_eq!(totp_code_for_base32(&spaced, 59).as_deref(), Some("287082"));
    }

    #[test]
    fn otpauth_uri_names_issuer_and_account() {
        let uri = otpauth_uri(RFC_SECRET, "Example IdP", "alice").unwrap();
        assert!(uri.starts_with("otpauth://totp/Example%20IdP:alice?"), "{uri}");
        assert!(uri.contains(&format!("secret={}", base32(RFC_SECRET))), "{uri}");
    }
}
