//! Access tokens whose signature already checked out, keyed by the token's
//! SHA-256: a relying party calls UserInfo (or introspects) with the same
//! token many times, and hashing it costs a fraction of an RSA verification.
//! Only the signature check and claim parsing are remembered; expiry, issuer,
//! audience and revocation are checked on every use. The cache belongs to
//! one keyring and starts over when the keyring is replaced, so a removed
//! key never keeps its tokens alive.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use serde_json::Value;

use crate::jose::Keyring;
use crate::protocol::OAuthError;
use crate::protocol::tokens::{ACCESS_TOKEN_TYP, AccessTokenClaims};

/// Bound on remembered tokens; a full cache starts over rather than grow.
const MAX_ENTRIES: usize = 4096;

#[derive(Default)]
pub struct VerifiedTokens {
    inner: RwLock<Inner>,
}

#[derive(Default)]
struct Inner {
    /// The keyring the entries were verified with (held, so its address
    /// cannot be reused by a later keyring).
    keyring: Option<Arc<Keyring>>,
    entries: HashMap<[u8; 32], AccessTokenClaims>,
}

impl VerifiedTokens {
    pub fn new() -> VerifiedTokens {
        VerifiedTokens::default()
    }

    /// The claims of `token` if its signature (by a key of `keyring`, with
    /// that key's algorithm) and `typ` are valid; nothing else is checked.
    pub fn claims(&self, keyring: &Arc<Keyring>, token: &str) -> Result<AccessTokenClaims, OAuthError> {
        let digest = openssl::sha::sha256(token.as_bytes());
        {
            let inner = self.inner.read().unwrap_or_else(|e| e.into_inner());
            if inner.keyring.as_ref().is_some_and(|k| Arc::ptr_eq(k, keyring))
                && let Some(claims) = inner.entries.get(&digest)
            {
                return Ok(claims.clone());
            }
        }
        let claims = verify(keyring, token)?;
        let mut inner = self.inner.write().unwrap_or_else(|e| e.into_inner());
        if !inner.keyring.as_ref().is_some_and(|k| Arc::ptr_eq(k, keyring)) {
            inner.entries.clear();
            inner.keyring = Some(Arc::clone(keyring));
        }
        if inner.entries.len() >= MAX_ENTRIES {
            inner.entries.clear();
        }
        inner.entries.insert(digest, claims.clone());
        Ok(claims)
    }
}

fn verify(keyring: &Keyring, token: &str) -> Result<AccessTokenClaims, OAuthError> {
    let map = keyring
        .verify(token, ACCESS_TOKEN_TYP)
        .map_err(|e| OAuthError::invalid_token(format!("the access token is invalid: {e}")))?;
    serde_json::from_value(Value::Object(map))
        .map_err(|_| OAuthError::invalid_token("the access token is missing required claims"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jose::generate_rsa_pem;
    use crate::protocol::tokens::{AccessTokenRequest, mint_access_token};

    fn keyring() -> Arc<Keyring> {
        Arc::new(Keyring::from_pem(&generate_rsa_pem(2048).unwrap()).unwrap())
    }

    fn token(keyring: &Keyring) -> String {
        let req = AccessTokenRequest {
            issuer: "https://idp",
            subject: "u1",
            client_id: "c",
            audience: vec!["https://idp".into()],
            scope: "openid".into(),
            auth_time: None,
            sid: None,
            group_claims: Default::default(),
            userinfo_claims: Vec::new(),
            act: None,
            dpop_jkt: None,
            now: 1000,
            ttl_secs: 300,
        };
        mint_access_token(keyring, req).unwrap().token
    }

    #[test]
    fn remembers_only_what_verified_and_only_for_its_keyring() {
        let (first, second) = (keyring(), keyring());
        let cache = VerifiedTokens::new();
        let good = token(&first);
        assert_eq!(cache.claims(&first, &good).unwrap().sub, "u1");
        assert_eq!(cache.claims(&first, &good).unwrap().sub, "u1", "from the cache");
        // A tampered token hashes differently and fails verification.
        let mut tampered = good.clone();
        tampered.pop();
        assert!(cache.claims(&first, &tampered).is_err());
        // Another keyring without the signing key: the cached result is not reused.
        assert!(cache.claims(&second, &good).is_err());
        assert!(cache.claims(&first, &good).is_ok());
    }
}
