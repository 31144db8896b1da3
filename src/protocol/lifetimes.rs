//! Token lifetimes: the server's policy, with a client's own overrides
//! (RFC 7591 leaves these to the server; RFC 9700 §4.14.2 asks for bounded
//! refresh-token lifetimes).

use crate::protocol::ClientRecord;

/// The server-wide lifetimes, in seconds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenPolicy {
    pub access_token_ttl: u64,
    pub id_token_ttl: u64,
    pub code_ttl: u64,
    pub refresh_token_idle_ttl: u64,
    pub refresh_token_absolute_ttl: u64,
    /// No token may outlive the publication of its signing key (retired keys
    /// stay in the JWKS for `retired_retention` after `jwks_max_age`).
    pub longest_access_token: u64,
    /// Whether access tokens may be encrypted to their resource
    /// (`encryption.enabled`); off, such resources get no tokens at all.
    pub encrypted_tokens: bool,
}

/// Lifetimes in seconds for one client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lifetimes {
    pub access_token: u64,
    pub refresh_idle: u64,
    pub refresh_absolute: u64,
}

impl TokenPolicy {
    /// The client's overrides where it has them, the server's otherwise.
    pub fn for_client(&self, client: &ClientRecord) -> Lifetimes {
        let pick = |own: Option<i64>, global: u64| own.and_then(|v| u64::try_from(v).ok()).unwrap_or(global);
        let refresh_absolute = pick(client.refresh_token_absolute_ttl, self.refresh_token_absolute_ttl);
        Lifetimes {
            access_token: pick(client.access_token_ttl, self.access_token_ttl)
                .min(self.longest_access_token.max(1)),
            refresh_idle: pick(client.refresh_token_idle_ttl, self.refresh_token_idle_ttl)
                .min(refresh_absolute),
            refresh_absolute,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> TokenPolicy {
        TokenPolicy {
            access_token_ttl: 300,
            id_token_ttl: 300,
            code_ttl: 60,
            refresh_token_idle_ttl: 3600,
            refresh_token_absolute_ttl: 7200,
            longest_access_token: 86_100,
            encrypted_tokens: true,
        }
    }

    #[test]
    fn client_overrides_apply_but_never_outlive_the_signing_key() {
        let client = ClientRecord {
            access_token_ttl: Some(60),
            refresh_token_idle_ttl: Some(10),
            ..ClientRecord::default()
        };
        let l = policy().for_client(&client);
        assert_eq!((l.access_token, l.refresh_idle, l.refresh_absolute), (60, 10, 7200));
        let greedy = ClientRecord {
            access_token_ttl: Some(10 * 86_400),
            refresh_token_idle_ttl: Some(10 * 86_400),
            ..ClientRecord::default()
        };
        let l = policy().for_client(&greedy);
        assert_eq!(l.access_token, 86_100);
        assert_eq!(l.refresh_idle, 7200, "idle never beyond absolute");
    }
}
