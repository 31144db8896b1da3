//! The rules of the Device Authorization Grant (RFC 8628), free of I/O:
//! the device authorization request (§3.1) and response (§3.2), user codes
//! (§6.1), the polling answers (§3.5), and the network bucket that bounds
//! wrong user-code guesses (§5.1).
//!
//! User codes are 8 letters from the 20 consonants `BCDFGHJKLMNPQRSTVWXZ`
//! (no vowels, so no words; no look-alike digits), shown as `XXXX-XXXX`,
//! read case-insensitively with dashes and spaces ignored: 20^8 ≈ 2^34.6
//! codes. Device codes are 256 random bits, stored under their SHA-256.

use serde::Serialize;

use crate::crypto::random_bytes;
use crate::protocol::authorize::check_scope;
use crate::protocol::entries::{DeviceAnswer, DeviceAuthorization};
use crate::protocol::{ClientRecord, GrantType, OAuthError, Params, Scope};

/// §6.1: the user-code character set, without vowels.
pub const USER_CODE_ALPHABET: &[u8; 20] = b"BCDFGHJKLMNPQRSTVWXZ";
/// Letters in a user code: 20^8 ≈ 2.56 × 10^10 codes (34.5 bits).
pub const USER_CODE_LEN: usize = 8;
/// §3.5: how much `slow_down` adds to the interval.
pub const SLOW_DOWN_STEP: u64 = 5;

/// The device authorization response (RFC 8628 §3.2).
#[derive(Debug, Clone, Serialize)]
pub struct DeviceAuthorizationResponse {
    pub device_code: String,
    /// Grouped for reading: `XXXX-XXXX`.
    pub user_code: String,
    pub verification_uri: String,
    pub verification_uri_complete: String,
    pub expires_in: u64,
    pub interval: u64,
}

/// §3.1: the client must be allowed the grant; `scope` as at `/authorize`.
pub fn validate_request(client: &ClientRecord, params: &Params) -> Result<Scope, OAuthError> {
    params.reject_repeated()?;
    if !client.allows_grant(GrantType::DeviceCode) {
        return Err(OAuthError::unauthorized_client("client may not use the device authorization grant"));
    }
    check_scope(client, params.get("scope"))
}

/// A fresh user code (normalized: 8 letters, no dash).
pub fn new_user_code() -> String {
    loop {
        if let Some(code) = user_code_from(&random_bytes(2 * USER_CODE_LEN)) {
            return code;
        }
    }
}

/// A user code from random bytes by rejection sampling (bytes ≥ 240 are
/// skipped, so every letter is equally likely); `None` when too few bytes
/// were usable.
fn user_code_from(bytes: &[u8]) -> Option<String> {
    let letters: String = bytes
        .iter()
        .filter(|&&b| b < 240)
        .take(USER_CODE_LEN)
        .map(|&b| USER_CODE_ALPHABET[usize::from(b % 20)] as char)
        .collect();
    (letters.len() == USER_CODE_LEN).then_some(letters)
}

/// What a user typed, as a normalized user code: case-insensitive, dashes
/// and whitespace ignored (§6.1); `None` when it cannot be a user code.
pub fn normalize_user_code(input: &str) -> Option<String> {
    let code: String =
        input.chars().filter(|c| *c != '-' && !c.is_whitespace()).map(|c| c.to_ascii_uppercase()).collect();
    let valid = code.len() == USER_CODE_LEN && code.bytes().all(|b| USER_CODE_ALPHABET.contains(&b));
    valid.then_some(code)
}

/// A normalized user code as shown: `XXXX-XXXX`.
pub fn display_user_code(code: &str) -> String {
    match (code.get(..4), code.get(4..)) {
        (Some(head), Some(tail)) if !tail.is_empty() => format!("{head}-{tail}"),
        _ => code.to_string(),
    }
}

/// What a poll (§3.4) comes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Poll {
    /// Approved: issue the tokens (once).
    Issue,
    /// Still waiting: store `next` (its `last_poll` moved) and answer with
    /// `error` (`authorization_pending` or `slow_down`).
    Wait { next: Box<DeviceAuthorization>, error: OAuthError },
}

/// §3.5: the answer to a poll by `client_id` at `now`.
pub fn poll(entry: &DeviceAuthorization, client_id: &str, now: i64) -> Result<Poll, OAuthError> {
    if entry.client_id != client_id {
        return Err(OAuthError::invalid_grant("the device code was issued to another client"));
    }
    if now >= entry.expires_at {
        return Err(OAuthError::expired_token("the device code has expired; start again"));
    }
    match entry.answer {
        DeviceAnswer::Approved { .. } => Ok(Poll::Issue),
        DeviceAnswer::Denied => Err(OAuthError::access_denied("the user denied the request")),
        DeviceAnswer::Pending => {
            let mut next = Box::new(entry.clone());
            next.last_poll = Some(now);
            let too_soon = entry.last_poll.is_some_and(|last| now - last < entry.interval as i64);
            let error = if too_soon {
                // "the interval MUST be increased by 5 seconds for this and
                // all subsequent requests" (§3.5).
                next.interval = entry.interval + SLOW_DOWN_STEP;
                OAuthError::slow_down(format!("poll at most every {} seconds", next.interval))
            } else {
                OAuthError::authorization_pending("the user has not answered yet")
            };
            Ok(Poll::Wait { next, error })
        }
    }
}

/// How many wrong user codes one network may try per window (§5.1).
#[derive(Debug, Clone, Copy)]
pub struct GuessPolicy {
    pub max_failures: u32,
    /// Seconds from the first counted attempt until the count starts over.
    pub window: u64,
}

/// The address guesses are counted under: an IPv4 address, or the /64 of
/// an IPv6 one (a single host usually holds a whole /64, so counting per
/// address would let it rotate through 2^64 of them).
pub fn guess_bucket(ip: Option<&str>) -> String {
    match ip.and_then(|ip| ip.parse::<std::net::IpAddr>().ok()) {
        Some(std::net::IpAddr::V6(v6)) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
        Some(v4) => v4.to_string(),
        None => "unknown".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::AuthLevel;
    use crate::protocol::entries::Authentication;

    fn pending(last_poll: Option<i64>) -> DeviceAuthorization {
        DeviceAuthorization {
            client_id: "tv".into(),
            scope: Scope::parse("openid").unwrap(),
            user_code: "BCDFGHJK".into(),
            interval: 5,
            last_poll,
            answer: DeviceAnswer::Pending,
            expires_at: 1600,
            forget_at: 2200,
        }
    }

    fn error_of(r: Result<Poll, OAuthError>) -> String {
        match r {
            Ok(Poll::Issue) => "issue".into(),
            Ok(Poll::Wait { error, .. }) | Err(error) => error.code.as_str().into(),
        }
    }

    #[test]
    fn user_codes_use_the_alphabet_and_read_leniently() {
        for _ in 0..200 {
            let code = new_user_code();
            assert_eq!(normalize_user_code(&code).as_deref(), Some(code.as_str()));
        }
        assert_eq!(user_code_from(&[0, 19, 20, 239, 240, 255, 1, 2, 3, 4]).as_deref(), Some("BZBZCDFG"));
        assert_eq!(user_code_from(&[255; 16]), None, "unusable bytes are skipped");
        assert_eq!(normalize_user_code("wdjb-mjht").as_deref(), Some("WDJBMJHT"));
        assert_eq!(normalize_user_code(" WDJB MJHT ").as_deref(), Some("WDJBMJHT"));
        assert_eq!(normalize_user_code("WDJA-MJHT"), None, "A is a vowel");
        assert_eq!(normalize_user_code("WDJB-MJH"), None);
        assert_eq!(normalize_user_code("WDJB-MJHTT"), None);
        assert_eq!(normalize_user_code("ẞDJB-MJHT"), None);
        assert_eq!(display_user_code("WDJBMJHT"), "WDJB-MJHT");
    }

    #[test]
    fn polls_answer_per_section_3_5() {
        assert_eq!(error_of(poll(&pending(None), "tv", 1000)), "authorization_pending");
        assert_eq!(error_of(poll(&pending(None), "other", 1000)), "invalid_grant");
        assert_eq!(error_of(poll(&pending(None), "tv", 1600)), "expired_token");
        assert_eq!(error_of(poll(&pending(Some(996)), "tv", 1000)), "slow_down");
        assert_eq!(error_of(poll(&pending(Some(995)), "tv", 1000)), "authorization_pending");
        let Ok(Poll::Wait { next, .. }) = poll(&pending(Some(996)), "tv", 1000) else { panic!() };
        assert_eq!((next.interval, next.last_poll), (10, Some(1000)), "slow_down adds 5 seconds");
        assert_eq!(error_of(poll(&next, "tv", 1009)), "slow_down", "the new interval holds");
        assert_eq!(error_of(poll(&next, "tv", 1010)), "authorization_pending");
        let denied = DeviceAuthorization { answer: DeviceAnswer::Denied, ..pending(None) };
        assert_eq!(error_of(poll(&denied, "tv", 1000)), "access_denied");
        let authentication = Authentication { auth_time: 900, amr: vec![], acr: AuthLevel::SingleFactor };
        let answer = DeviceAnswer::Approved { user_id: "u".into(), sid: "s".into(), authentication };
        let approved = DeviceAuthorization { answer, ..pending(Some(999)) };
        assert_eq!(error_of(poll(&approved, "tv", 1000)), "issue");
        assert_eq!(error_of(poll(&approved, "tv", 1600)), "expired_token");
    }

    #[test]
    fn guesses_are_counted_per_ipv4_address_and_per_ipv6_64() {
        assert_eq!(guess_bucket(Some("203.0.113.7")), "203.0.113.7");
        assert_eq!(guess_bucket(Some("2001:db8:1:2:aaaa::1")), "2001:db8:1:2::/64");
        assert_eq!(guess_bucket(Some("2001:db8:1:2:bbbb::9")), "2001:db8:1:2::/64");
        assert_eq!(guess_bucket(Some("::ffff:203.0.113.7")), "203.0.113.7");
        assert_eq!(guess_bucket(None), "unknown");
    }
}
