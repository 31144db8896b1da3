//! The JWS algorithms oxidp signs with and accepts from clients: one list
//! for both (RFC 7518 §3.1; EdDSA with Ed25519, RFC 8037). `none` and the
//! HMAC algorithms are not words of it, so no header can select them
//! (RFC 8725 §2.1, §3.1).

use josekit::jwk::Jwk;
use josekit::jws::{ES256, EdDSA, JwsVerifier, PS256, RS256};

use crate::vocabulary::vocabulary;

vocabulary! {
    /// A JWS signature algorithm. RS256 comes first: every OpenID Provider
    /// must support it (OpenID Connect Core §15.1), so it is the default.
    pub enum SigningAlg("signing algorithm") {
        Rs256 => "RS256",
        Ps256 => "PS256",
        Es256 => "ES256",
        EdDsa => "EdDSA",
    }
}

impl SigningAlg {
    /// RSA ↔ RS256/PS256, EC P-256 ↔ ES256, OKP Ed25519 ↔ EdDSA; a JWK that
    /// declares `alg` (RFC 7517 §4.4) is used with that algorithm only, and
    /// one whose `use`/`key_ops` exclude verification not at all (§4.2, §4.3).
    pub fn fits(self, jwk: &Jwk) -> bool {
        let kind = match self {
            SigningAlg::Rs256 | SigningAlg::Ps256 => jwk.key_type() == "RSA",
            SigningAlg::Es256 => jwk.key_type() == "EC" && jwk.curve() == Some("P-256"),
            SigningAlg::EdDsa => jwk.key_type() == "OKP" && jwk.curve() == Some("Ed25519"),
        };
        kind && jwk.algorithm().is_none_or(|a| a == self.as_str())
            && jwk.key_use().is_none_or(|u| u == "sig")
            && jwk.is_for_key_operation("verify")
    }

    /// A verifier for a client's public JWK; `None` when the key does not
    /// make one (josekit also rejects RSA keys under 2048 bits here).
    pub fn verifier_from_jwk(self, jwk: &Jwk) -> Option<Box<dyn JwsVerifier>> {
        let v: Result<Box<dyn JwsVerifier>, _> = match self {
            SigningAlg::Rs256 => RS256.verifier_from_jwk(jwk).map(|v| Box::new(v) as _),
            SigningAlg::Ps256 => PS256.verifier_from_jwk(jwk).map(|v| Box::new(v) as _),
            SigningAlg::Es256 => ES256.verifier_from_jwk(jwk).map(|v| Box::new(v) as _),
            SigningAlg::EdDsa => EdDSA.verifier_from_jwk(jwk).map(|v| Box::new(v) as _),
        };
        v.ok()
    }

    /// Whether the algorithm's keys are RSA keys (generated with `rsa_bits`).
    pub fn is_rsa(self) -> bool {
        match self {
            SigningAlg::Rs256 | SigningAlg::Ps256 => true,
            SigningAlg::Es256 | SigningAlg::EdDsa => false,
        }
    }
}
