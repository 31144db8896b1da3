//! Checking one of our JWT access tokens (RFC 9068 §4) where it is
//! presented: UserInfo and introspection. Signature and `typ` against our
//! own keys (remembered per keyring), then issuer, expiry and the denylist
//! on every use; the audience is the caller's.

use std::sync::Arc;

use crate::jose::KeyringHandle;
use crate::protocol::OAuthError;
use crate::protocol::tokens::{AccessTokenClaims, check_claims};
use crate::protocol::verified::VerifiedTokens;
use crate::store::Denylist;

pub struct AccessTokenVerifier {
    keyring: Arc<KeyringHandle>,
    verified: VerifiedTokens,
    denylist: Denylist,
    issuer: String,
}

impl AccessTokenVerifier {
    pub fn new(keyring: Arc<KeyringHandle>, denylist: Denylist, issuer: String) -> AccessTokenVerifier {
        AccessTokenVerifier { keyring, verified: VerifiedTokens::new(), denylist, issuer }
    }

    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// Signature, type and issuer of one of our access tokens, with expiry
    /// and the denylist checked; the audience is left to the caller.
    pub async fn live_claims(&self, token: &str, now: i64) -> Result<AccessTokenClaims, OAuthError> {
        let claims = self.verified.claims(&self.keyring.current(), token)?;
        check_claims(&claims, &self.issuer, None, now)?;
        if self.denylist.is_denied(&claims.jti, now).await? {
            return Err(OAuthError::invalid_token("the access token has been revoked"));
        }
        Ok(claims)
    }

    /// [`live_claims`](Self::live_claims) for a token presented to one of
    /// our resources, which must be among its `aud`. Every failure is
    /// `invalid_token` (RFC 6750 §3.1).
    pub async fn verify_for(
        &self,
        audience: &str,
        token: &str,
        now: i64,
    ) -> Result<AccessTokenClaims, OAuthError> {
        let claims = self.live_claims(token, now).await?;
        check_claims(&claims, &self.issuer, Some(audience), now)?;
        Ok(claims)
    }
}
