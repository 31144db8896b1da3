//! `private_key_jwt` (OpenID Connect Core §9; RFC 7523 §2.2, §3): the client
//! authenticates with a JWT it signed with a key from its registered JWK Set.
//!
//! Following the JWT BCP (RFC 8725):
//! - the header is read only to find the key; the algorithm must be on our
//!   allow-list (RS256, PS256, ES256, EdDSA: never `none` or HS*, §2.1, §3.1)
//!   and fit the key it is checked with (kty/crv and the JWK's `alg`);
//! - keys come from the client's registration only, never from `jku`, `jwk`,
//!   `x5u` or `x5c` header members (§3.10); `crit` is rejected (RFC 7515 §4.1.11);
//! - RFC 7523 §3 claims: `iss` = `sub` = client_id, `aud` names this server,
//!   `exp` required and short, `iat`/`nbf` not in the future, and a `jti`
//!   that is accepted once (RFC 7523 §3 item 7, OIDC Core §9).

use std::time::Duration;

use josekit::jwk::{Jwk, JwkSet};
use josekit::jws::{ES256, EdDSA, JwsVerifier, PS256, RS256};
use serde_json::{Map, Value};

use crate::jose::compact::{decode_object, split};
use crate::store::{Ephemeral, StoreError};

/// RFC 7523 §2.2.
pub const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
/// Accepted clock skew, seconds.
pub const LEEWAY: i64 = 30;
/// Longest accepted assertion lifetime: `exp` at most this far ahead.
pub const MAX_LIFETIME: i64 = 600;
/// Ephemeral-store kind for used `jti`s.
pub const JTI_KIND: &str = "assertion_jti";
/// Assertions beyond this length are not looked at.
const MAX_ASSERTION_LEN: usize = 16 * 1024;
const MAX_JTI_LEN: usize = 256;
/// Keys tried for a header without `kid`.
const MAX_CANDIDATES: usize = 16;

/// Why an assertion was refused. Logged; the client sees `invalid_client`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Reject {
    #[error("malformed assertion")]
    Malformed,
    #[error("algorithm not allowed")]
    Algorithm,
    #[error("no registered key fits the assertion's kid and algorithm")]
    UnknownKey,
    #[error("signature does not verify")]
    Signature,
    #[error("iss and sub must both be the client_id")]
    Subject,
    #[error("aud does not name this server")]
    Audience,
    #[error("exp missing or expired")]
    Expired,
    #[error("exp too far in the future")]
    TooLong,
    #[error("iat or nbf in the future")]
    NotYetValid,
    #[error("jti missing or invalid")]
    MissingJti,
    #[error("jti already used")]
    Replayed,
}

/// Signature algorithms accepted for client assertions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AssertionAlg {
    Rs256,
    Ps256,
    Es256,
    EdDsa,
}

pub const SUPPORTED_ALGS: [&str; 4] = ["RS256", "PS256", "ES256", "EdDSA"];

impl AssertionAlg {
    pub fn parse(name: &str) -> Option<AssertionAlg> {
        match name {
            "RS256" => Some(AssertionAlg::Rs256),
            "PS256" => Some(AssertionAlg::Ps256),
            "ES256" => Some(AssertionAlg::Es256),
            "EdDSA" => Some(AssertionAlg::EdDsa),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            AssertionAlg::Rs256 => "RS256",
            AssertionAlg::Ps256 => "PS256",
            AssertionAlg::Es256 => "ES256",
            AssertionAlg::EdDsa => "EdDSA",
        }
    }

    /// RSA ↔ RS256/PS256, EC P-256 ↔ ES256, OKP Ed25519 ↔ EdDSA; a JWK that
    /// declares `alg` (RFC 7517 §4.4) is used with that algorithm only, and
    /// one whose `use`/`key_ops` exclude verification not at all (§4.2, §4.3).
    pub fn fits(self, jwk: &Jwk) -> bool {
        let kind = match self {
            AssertionAlg::Rs256 | AssertionAlg::Ps256 => jwk.key_type() == "RSA",
            AssertionAlg::Es256 => jwk.key_type() == "EC" && jwk.curve() == Some("P-256"),
            AssertionAlg::EdDsa => jwk.key_type() == "OKP" && jwk.curve() == Some("Ed25519"),
        };
        kind && jwk.algorithm().is_none_or(|a| a == self.name())
            && jwk.key_use().is_none_or(|u| u == "sig")
            && jwk.is_for_key_operation("verify")
    }

    /// josekit also rejects RSA keys under 2048 bits here.
    fn verifier(self, jwk: &Jwk) -> Option<Box<dyn JwsVerifier>> {
        let v: Result<Box<dyn JwsVerifier>, _> = match self {
            AssertionAlg::Rs256 => RS256.verifier_from_jwk(jwk).map(|v| Box::new(v) as _),
            AssertionAlg::Ps256 => PS256.verifier_from_jwk(jwk).map(|v| Box::new(v) as _),
            AssertionAlg::Es256 => ES256.verifier_from_jwk(jwk).map(|v| Box::new(v) as _),
            AssertionAlg::EdDsa => EdDSA.verifier_from_jwk(jwk).map(|v| Box::new(v) as _),
        };
        v.ok()
    }
}

/// A compact JWS split and decoded, nothing verified yet.
pub struct Assertion<'a> {
    pub alg: AssertionAlg,
    pub kid: Option<String>,
    signing_input: &'a str,
    signature: Vec<u8>,
    payload: Map<String, Value>,
}

impl<'a> Assertion<'a> {
    /// Splits the JWS (RFC 7515 §7.1) and checks the header's `alg` against
    /// the allow-list. Nothing else in the header is trusted.
    pub fn parse(token: &'a str) -> Result<Assertion<'a>, Reject> {
        let jws = split(token, MAX_ASSERTION_LEN).ok_or(Reject::Malformed)?;
        let header = &jws.header;
        let alg = header.get("alg").and_then(Value::as_str).ok_or(Reject::Malformed)?;
        let alg = AssertionAlg::parse(alg).ok_or(Reject::Algorithm)?;
        let kid = match header.get("kid") {
            None => None,
            Some(Value::String(kid)) => Some(kid.clone()),
            Some(_) => return Err(Reject::Malformed),
        };
        Ok(Assertion {
            alg,
            kid,
            signing_input: jws.signing_input,
            signature: jws.signature,
            payload: decode_object(jws.payload_b64).ok_or(Reject::Malformed)?,
        })
    }

    /// The unverified `sub`: which client claims to be speaking.
    pub fn subject(&self) -> Option<&str> {
        self.payload.get("sub").and_then(Value::as_str)
    }

    /// Verifies the signature with the key `kid` names, or with each key
    /// that fits the algorithm when there is no `kid`; returns the claims.
    pub fn verify(self, keys: &JwkSet) -> Result<Map<String, Value>, Reject> {
        let candidates: Vec<&Jwk> = match &self.kid {
            Some(kid) => keys.get(kid),
            None => keys.keys(),
        };
        let mut fitting = candidates.into_iter().filter(|k| self.alg.fits(k)).take(MAX_CANDIDATES).peekable();
        if fitting.peek().is_none() {
            return Err(Reject::UnknownKey);
        }
        let input = self.signing_input.as_bytes();
        let verified = fitting
            .filter_map(|jwk| self.alg.verifier(jwk))
            .any(|v| v.verify(input, &self.signature).is_ok());
        if verified { Ok(self.payload) } else { Err(Reject::Signature) }
    }
}

/// What the caller needs after the claims checked out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    pub jti: String,
    pub exp: i64,
}

/// RFC 7523 §3 claim checks. `audiences` are the values that name this
/// server (its issuer and endpoint URLs); `aud` must contain one of them.
pub fn check_claims(
    claims: &Map<String, Value>,
    client_id: &str,
    audiences: &[String],
    now: i64,
) -> Result<Checked, Reject> {
    let text = |name: &str| claims.get(name).and_then(Value::as_str);
    if text("iss") != Some(client_id) || text("sub") != Some(client_id) {
        return Err(Reject::Subject);
    }
    let named = match claims.get("aud") {
        Some(Value::String(aud)) => audiences.contains(aud),
        Some(Value::Array(list)) => {
            list.iter().any(|a| a.as_str().is_some_and(|a| audiences.iter().any(|x| x == a)))
        }
        _ => false,
    };
    if !named {
        return Err(Reject::Audience);
    }
    let exp = numeric_date(claims, "exp")?.ok_or(Reject::Expired)?;
    if exp <= now - LEEWAY {
        return Err(Reject::Expired);
    }
    if exp > now + MAX_LIFETIME + LEEWAY {
        return Err(Reject::TooLong);
    }
    for name in ["iat", "nbf"] {
        if numeric_date(claims, name)?.is_some_and(|t| t > now + LEEWAY) {
            return Err(Reject::NotYetValid);
        }
    }
    match text("jti") {
        Some(jti) if !jti.is_empty() && jti.len() <= MAX_JTI_LEN => Ok(Checked { jti: jti.to_string(), exp }),
        _ => Err(Reject::MissingJti),
    }
}

/// Records the `jti` until the assertion could no longer be accepted
/// anyway. `false` when it was already there: a replay (atomic SET NX on
/// Redis, so two concurrent uses cannot both win).
pub async fn consume_jti(
    ephemeral: &Ephemeral,
    client_id: &str,
    checked: &Checked,
    now: i64,
) -> Result<bool, StoreError> {
    let ttl = checked.exp.saturating_add(LEEWAY).saturating_sub(now).max(1);
    let ttl = Duration::from_secs(u64::try_from(ttl).unwrap_or(1));
    ephemeral.put_if_absent(JTI_KIND, &format!("{client_id}:{}", checked.jti), "1", ttl).await
}

/// RFC 7519 §2 NumericDate; fractional seconds are truncated.
fn numeric_date(claims: &Map<String, Value>, name: &str) -> Result<Option<i64>, Reject> {
    match claims.get(name) {
        None => Ok(None),
        Some(v) => match (v.as_i64(), v.as_f64()) {
            (Some(t), _) => Ok(Some(t)),
            (None, Some(t)) if t.is_finite() => Ok(Some(t as i64)),
            _ => Err(Reject::Malformed),
        },
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::audiences;
    use super::super::test_support::*;
    use super::*;

    const CLIENT: &str = "svc";

    /// parse → verify → check_claims, as `authenticate` runs them.
    fn validate(token: &str, keys: &JwkSet) -> Result<Checked, Reject> {
        let claims = Assertion::parse(token)?.verify(keys)?;
        check_claims(&claims, CLIENT, &audiences(ISSUER), NOW)
    }

    #[test]
    fn every_allowed_algorithm_verifies() {
        for key in [TestKey::rs256("r"), TestKey::ps256("p"), TestKey::es256("e"), TestKey::eddsa("d")] {
            let token = key.sign(&claims(CLIENT, NOW));
            let checked =
                validate(&token, &jwks(&[&key.public])).unwrap_or_else(|e| panic!("{}: {e}", key.alg));
            assert_eq!(checked.exp, NOW + 60);
        }
    }

    #[test]
    fn without_kid_every_fitting_key_is_tried() {
        let (ec, rsa, other) = (TestKey::es256("e"), TestKey::rs256("r"), TestKey::rs256_other("o"));
        let keys = jwks(&[&ec.public, &other.public, &rsa.public]);
        let token = rsa.sign_with_header(json!({ "alg": "RS256" }), &claims(CLIENT, NOW));
        assert!(validate(&token, &keys).is_ok());
        let only_ec = jwks(&[&ec.public]);
        assert_eq!(validate(&token, &only_ec).unwrap_err(), Reject::UnknownKey);
    }

    #[test]
    fn a_different_key_is_rejected() {
        let (registered, attacker) = (TestKey::rs256("k1"), TestKey::rs256_other("k1"));
        let token = attacker.sign(&claims(CLIENT, NOW));
        assert_eq!(validate(&token, &jwks(&[&registered.public])).unwrap_err(), Reject::Signature);
        let (registered, attacker) = (TestKey::es256("k1"), TestKey::es256("k1"));
        let token = attacker.sign(&claims(CLIENT, NOW));
        assert_eq!(validate(&token, &jwks(&[&registered.public])).unwrap_err(), Reject::Signature);
    }

    #[test]
    fn an_unknown_kid_is_rejected() {
        let key = TestKey::es256("k1");
        let token = key.sign_with_header(json!({ "alg": "ES256", "kid": "k2" }), &claims(CLIENT, NOW));
        assert_eq!(validate(&token, &jwks(&[&key.public])).unwrap_err(), Reject::UnknownKey);
    }

    #[test]
    fn alg_none_is_rejected() {
        let unsigned =
            format!("{}.{}.", segment(&json!({ "alg": "none", "kid": "k1" })), segment(&claims(CLIENT, NOW)));
        assert_eq!(Assertion::parse(&unsigned).err(), Some(Reject::Algorithm));
        let no_alg = format!("{}.{}.", segment(&json!({ "kid": "k1" })), segment(&claims(CLIENT, NOW)));
        assert_eq!(Assertion::parse(&no_alg).err(), Some(Reject::Malformed));
    }

    #[test]
    fn hs256_keyed_with_the_public_key_is_rejected() {
        let key = TestKey::rs256("k1");
        let input =
            format!("{}.{}", segment(&json!({ "alg": "HS256", "kid": "k1" })), segment(&claims(CLIENT, NOW)));
        for secret in [key.public.to_string(), jwks(&[&key.public]).to_string()] {
            let forged = format!("{input}.{}", hs256(secret.as_bytes(), &input));
            assert_eq!(Assertion::parse(&forged).err(), Some(Reject::Algorithm));
        }
    }

    #[test]
    fn the_algorithm_must_fit_the_key() {
        let (rsa, ec) = (TestKey::rs256("r"), TestKey::es256("e"));
        // An ES256 header pointing at an RSA key: no fitting key.
        let token = ec.sign_with_header(json!({ "alg": "ES256", "kid": "r" }), &claims(CLIENT, NOW));
        assert_eq!(validate(&token, &jwks(&[&rsa.public, &ec.public])).unwrap_err(), Reject::UnknownKey);
        // A JWK that declares RS256 is not used for PS256, though both are RSA.
        let ps = TestKey::ps256("r");
        let token = ps.sign(&claims(CLIENT, NOW));
        assert_eq!(
            validate(&token, &jwks(&[&rsa.public_with_alg("RS256")])).unwrap_err(),
            Reject::UnknownKey
        );
        assert!(validate(&token, &jwks(&[&rsa.public_with_alg("PS256")])).is_ok());
        // An encryption key is not a signature key.
        let mut enc = rsa.public.clone();
        enc.set_key_use("enc");
        assert_eq!(
            validate(&rsa.sign(&claims(CLIENT, NOW)), &jwks(&[&enc])).unwrap_err(),
            Reject::UnknownKey
        );
        // Ed25519 only, P-256 only.
        let mut p384 = ec.public.clone();
        p384.set_curve("P-384");
        assert!(!AssertionAlg::Es256.fits(&p384));
    }

    #[test]
    fn malformed_tokens_are_rejected() {
        let key = TestKey::es256("k1");
        let good = key.sign(&claims(CLIENT, NOW));
        for bad in
            ["", "a.b", "a.b.c.d", "!!.!!.!!", &format!("{good}.x"), &"a".repeat(MAX_ASSERTION_LEN + 1)]
        {
            assert!(Assertion::parse(bad).is_err(), "{bad:?}");
        }
        let crit = key
            .sign_with_header(json!({ "alg": "ES256", "kid": "k1", "crit": ["exp"] }), &claims(CLIENT, NOW));
        assert_eq!(Assertion::parse(&crit).err(), Some(Reject::Malformed));
        let numeric_kid = key.sign_with_header(json!({ "alg": "ES256", "kid": 7 }), &claims(CLIENT, NOW));
        assert_eq!(Assertion::parse(&numeric_kid).err(), Some(Reject::Malformed));
    }

    fn claim_check(claims: &Value) -> Result<Checked, Reject> {
        check_claims(claims.as_object().expect("object"), CLIENT, &audiences(ISSUER), NOW)
    }

    #[test]
    fn iss_and_sub_must_be_the_client() {
        let base = claims(CLIENT, NOW);
        assert_eq!(claim_check(&with(base.clone(), "iss", json!("other"))), Err(Reject::Subject));
        assert_eq!(claim_check(&with(base.clone(), "sub", json!("other"))), Err(Reject::Subject));
        assert_eq!(claim_check(&with(base.clone(), "iss", Value::Null)), Err(Reject::Subject));
        let both_other = with(with(base, "iss", json!("other")), "sub", json!("other"));
        assert_eq!(claim_check(&both_other), Err(Reject::Subject));
    }

    #[test]
    fn aud_must_name_this_server() {
        let base = claims(CLIENT, NOW);
        for good in [
            json!(ISSUER),
            json!(format!("{ISSUER}/token")),
            json!(format!("{ISSUER}/revoke")),
            json!(format!("{ISSUER}/introspect")),
            json!(["https://other.example", format!("{ISSUER}/token")]),
        ] {
            assert!(claim_check(&with(base.clone(), "aud", good.clone())).is_ok(), "{good}");
        }
        for bad in [
            json!("https://other.example/token"),
            json!(format!("{ISSUER}/")),
            json!(format!("{ISSUER}/userinfo")),
            json!(["https://other.example"]),
            json!([]),
            json!(42),
            Value::Null,
        ] {
            assert_eq!(claim_check(&with(base.clone(), "aud", bad.clone())), Err(Reject::Audience), "{bad}");
        }
    }

    #[test]
    fn exp_is_required_and_short() {
        let base = claims(CLIENT, NOW);
        assert_eq!(claim_check(&with(base.clone(), "exp", Value::Null)), Err(Reject::Expired));
        assert_eq!(claim_check(&with(base.clone(), "exp", json!(NOW - LEEWAY))), Err(Reject::Expired));
        assert!(claim_check(&with(base.clone(), "exp", json!(NOW - LEEWAY + 1))).is_ok(), "within leeway");
        assert!(claim_check(&with(base.clone(), "exp", json!(NOW + MAX_LIFETIME))).is_ok());
        assert_eq!(claim_check(&with(base.clone(), "exp", json!(NOW + 3600))), Err(Reject::TooLong));
        assert_eq!(claim_check(&with(base.clone(), "exp", json!("soon"))), Err(Reject::Malformed));
        assert!(claim_check(&with(base, "exp", json!(NOW as f64 + 60.5))).is_ok(), "fractional NumericDate");
    }

    #[test]
    fn iat_and_nbf_must_not_be_in_the_future() {
        let base = claims(CLIENT, NOW);
        assert_eq!(claim_check(&with(base.clone(), "iat", json!(NOW + 120))), Err(Reject::NotYetValid));
        assert_eq!(claim_check(&with(base.clone(), "nbf", json!(NOW + 120))), Err(Reject::NotYetValid));
        assert!(claim_check(&with(base.clone(), "nbf", json!(NOW + LEEWAY))).is_ok(), "within leeway");
        assert!(claim_check(&with(base, "iat", Value::Null)).is_ok(), "iat is optional");
    }

    #[test]
    fn jti_is_required() {
        let base = claims(CLIENT, NOW);
        assert_eq!(claim_check(&with(base.clone(), "jti", Value::Null)), Err(Reject::MissingJti));
        assert_eq!(claim_check(&with(base.clone(), "jti", json!(""))), Err(Reject::MissingJti));
        assert_eq!(claim_check(&with(base.clone(), "jti", json!(12))), Err(Reject::MissingJti));
        assert_eq!(claim_check(&with(base, "jti", json!("x".repeat(300)))), Err(Reject::MissingJti));
    }

    #[tokio::test]
    async fn a_jti_is_accepted_once_per_client() {
        let store = Ephemeral::memory();
        let checked = Checked { jti: "j1".into(), exp: NOW + 60 };
        assert!(consume_jti(&store, CLIENT, &checked, NOW).await.expect("store"));
        assert!(!consume_jti(&store, CLIENT, &checked, NOW + 1).await.expect("store"), "replay");
        assert!(consume_jti(&store, "other", &checked, NOW).await.expect("store"), "per client");
        assert!(store.get(JTI_KIND, "svc:j1").await.expect("get").is_some());
    }
}
