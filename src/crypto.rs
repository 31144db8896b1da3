//! Small cryptographic primitives shared by every layer: random secrets,
//! hashes of secrets and constant-time comparison. All on OpenSSL.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// A fresh random secret of `bytes` bytes, base64url without padding.
/// Used for codes, session ids, client secrets and CSRF keys (never UUIDs).
pub fn random_token(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    openssl::rand::rand_bytes(&mut buf).expect("OpenSSL CSPRNG failed");
    URL_SAFE_NO_PAD.encode(buf)
}

/// `n` bytes from the CSPRNG.
pub fn random_bytes(n: usize) -> Vec<u8> {
    let mut buf = vec![0u8; n];
    openssl::rand::rand_bytes(&mut buf).expect("OpenSSL CSPRNG failed");
    buf
}

/// SHA-256 of `data`, base64url without padding.
pub fn sha256_b64url(data: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(openssl::sha::sha256(data))
}

/// The storage key for a bearer secret: its SHA-256, so a dump of the store
/// never yields a usable code, session cookie or client secret.
pub fn secret_digest(secret: &str) -> String {
    sha256_b64url(secret.as_bytes())
}

/// HMAC-SHA256 of `msg` under `key`, base64url without padding.
pub fn hmac_sha256_b64url(key: &[u8], msg: &[u8]) -> String {
    use openssl::{hash::MessageDigest, pkey::PKey, sign::Signer};
    let pkey = PKey::hmac(key).expect("HMAC key");
    let mut signer = Signer::new(MessageDigest::sha256(), &pkey).expect("HMAC signer");
    signer.update(msg).expect("HMAC update");
    URL_SAFE_NO_PAD.encode(signer.sign_to_vec().expect("HMAC sign"))
}

/// Constant-time equality; lengths are compared first (their difference is
/// not secret for fixed-length digests).
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && openssl::memcmp::eq(a, b)
}

pub fn b64url(data: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(data)
}

/// A UUIDv7 for rows only we see (refresh tokens, their families, audit
/// events): ordered by `now`, so inserts land at the right edge of the
/// primary-key index instead of dirtying a random page per insert.
pub fn time_ordered_id(now: i64) -> String {
    let ts = uuid::Timestamp::from_unix(uuid::NoContext, u64::try_from(now).unwrap_or(0), 0);
    uuid::Uuid::new_v7(ts).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_tokens_are_long_and_distinct() {
        let a = random_token(32);
        let b = random_token(32);
        assert_eq!(a.len(), 43);
        assert_ne!(a, b);
    }

    #[test]
    fn constant_time_eq_compares_content_and_length() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"abcd"));
    }

    #[test]
    fn sha256_matches_known_vector() {
        // RFC 7636 appendix B: S256 of the example verifier.
        assert_eq!(
            sha256_b64url(b"dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }
}
