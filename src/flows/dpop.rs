//! DPoP proofs where they are received (RFC 9449; `protocol::dpop`): the
//! proof's own checks, this server's nonce (§8, §9) and the replay cache
//! (§11.1) in the ephemeral store every instance shares. The token
//! endpoint binds what it issues to the proof's key; UserInfo checks that
//! a bound token comes with a proof of that key.

use crate::protocol::OAuthError;
use crate::protocol::dpop::nonce::NonceKey;
use crate::protocol::dpop::{self, DpopPolicy, Expected, Proof};
use crate::store::Ephemeral;

/// How an access token was presented (RFC 6750 §2.1, RFC 9449 §7.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    Bearer,
    Dpop,
}

/// An access token as a protected resource received it.
#[derive(Debug, Clone, Copy)]
pub struct Presented<'a> {
    pub token: &'a str,
    pub scheme: Scheme,
    /// The `DPoP` header.
    pub proof: Option<&'a str>,
    /// The request's method (`htm`).
    pub method: &'a str,
}

pub struct DpopChecker {
    policy: DpopPolicy,
    nonces: NonceKey,
    ephemeral: Ephemeral,
    token_uri: String,
    par_uri: String,
    userinfo_uri: String,
}

impl DpopChecker {
    pub fn new(policy: DpopPolicy, nonces: NonceKey, ephemeral: Ephemeral, issuer: &str) -> DpopChecker {
        DpopChecker {
            policy,
            nonces,
            ephemeral,
            token_uri: format!("{issuer}/token"),
            par_uri: format!("{issuer}/par"),
            userinfo_uri: format!("{issuer}/userinfo"),
        }
    }

    /// Whether the token endpoint binds tokens (`dpop.enabled`).
    pub fn enabled(&self) -> bool {
        self.policy.enabled
    }

    /// The `DPoP-Nonce` to send now, where proofs must carry one.
    pub fn nonce(&self, now: i64) -> Option<String> {
        self.nonce_required().then(|| self.nonces.current(now))
    }

    fn nonce_required(&self) -> bool {
        self.policy.enabled && self.policy.require_nonce
    }

    /// A proof received at the token endpoint (always `POST`); `None`
    /// without one or with DPoP switched off (the header is then ignored
    /// and the token is a bearer token, RFC 9449 §5).
    pub async fn at_token(&self, proof: Option<&str>, now: i64) -> Result<Option<Proof>, OAuthError> {
        self.at_post(proof, &self.token_uri, now).await
    }

    /// A proof received at `/par` (RFC 9449 §10.1): its key is the one the
    /// code will be bound to, as if `dpop_jkt` had been pushed.
    pub async fn at_par(&self, proof: Option<&str>, now: i64) -> Result<Option<Proof>, OAuthError> {
        self.at_post(proof, &self.par_uri, now).await
    }

    async fn at_post(&self, proof: Option<&str>, uri: &str, now: i64) -> Result<Option<Proof>, OAuthError> {
        let Some(proof) = proof.filter(|_| self.policy.enabled) else {
            return Ok(None);
        };
        let expected = Expected { method: "POST", uri, access_token: None, now };
        self.check(proof, &expected).await.map(Some)
    }

    /// RFC 9449 §7: a token bound to a key (`bound_key`) is accepted only
    /// with the DPoP scheme and a proof of that key over this request and
    /// this token; an unbound one only as a bearer token.
    pub async fn at_userinfo(
        &self,
        bound_key: Option<&str>,
        presented: &Presented<'_>,
        now: i64,
    ) -> Result<(), OAuthError> {
        match (bound_key, presented.scheme) {
            (None, Scheme::Bearer) => Ok(()),
            (Some(_), Scheme::Bearer) => Err(OAuthError::invalid_token(
                "the access token is DPoP-bound: send it with the DPoP scheme and a proof",
            )),
            (None, Scheme::Dpop) => Err(OAuthError::invalid_token(
                "the access token is not DPoP-bound: send it as a Bearer token",
            )),
            (Some(jkt), Scheme::Dpop) => {
                let proof = presented.proof.ok_or_else(|| {
                    OAuthError::invalid_dpop_proof("a DPoP proof is required with this token")
                })?;
                let expected = Expected {
                    method: presented.method,
                    uri: &self.userinfo_uri,
                    access_token: Some(presented.token),
                    now,
                };
                let proof = self.check(proof, &expected).await?;
                dpop::require_key(Some(jkt), Some(&proof.jkt), "the access token")
            }
        }
    }

    /// The proof's checks, then the nonce, then its one use.
    async fn check(&self, proof: &str, expected: &Expected<'_>) -> Result<Proof, OAuthError> {
        let proof = dpop::check_proof(proof, expected)?;
        if self.nonce_required()
            && !proof.nonce.as_deref().is_some_and(|nonce| self.nonces.accepts(nonce, expected.now))
        {
            return Err(OAuthError::use_dpop_nonce(
                "send the proof again with the nonce given in DPoP-Nonce",
            ));
        }
        let (key, spent) = proof.spent();
        if !self.ephemeral.put_new(&key, &spent, expected.now).await? {
            tracing::info!(jkt = %proof.jkt, "replayed DPoP proof refused");
            return Err(OAuthError::invalid_dpop_proof("the DPoP proof was already used (its jti)"));
        }
        Ok(proof)
    }
}
