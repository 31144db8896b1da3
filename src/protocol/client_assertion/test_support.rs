//! Test-only helpers: client key pairs of every accepted algorithm and
//! hand-built assertions (so tests can also forge what josekit would refuse).

use std::sync::OnceLock;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use josekit::jwk::alg::ed::EdCurve;
use josekit::jwk::{Jwk, JwkSet, KeyPair};
use josekit::jws::{ES256, EdDSA, JwsSigner, PS256, RS256};
use serde_json::{Value, json};

pub const ISSUER: &str = "https://idp.example";
pub const NOW: i64 = 1_800_000_000;

/// A client's key pair: the signer and the public JWK it registers.
pub struct TestKey {
    pub alg: &'static str,
    pub kid: String,
    pub signer: Box<dyn JwsSigner>,
    pub public: Jwk,
}

/// One 2048-bit RSA key per test binary (generation is slow); `other`
/// selects a second, different one.
fn rsa_private(other: bool) -> Jwk {
    static KEYS: OnceLock<[Jwk; 2]> = OnceLock::new();
    let keys = KEYS.get_or_init(|| {
        let generate = || RS256.generate_key_pair(2048).expect("RSA key").to_jwk_private_key();
        [without_alg(&generate()), without_alg(&generate())]
    });
    keys[usize::from(other)].clone()
}

/// A copy of `jwk` without `alg` (josekit sets it on generated keys).
fn without_alg(jwk: &Jwk) -> Jwk {
    let mut map = jwk.as_ref().clone();
    map.remove("alg");
    Jwk::from_map(map).expect("JWK")
}

fn public_of(private: &Jwk, kid: &str) -> Jwk {
    let mut map = private.as_ref().clone();
    for member in ["d", "p", "q", "dp", "dq", "qi", "alg"] {
        map.remove(member);
    }
    let mut jwk = Jwk::from_map(map).expect("public JWK");
    jwk.set_key_id(kid);
    jwk
}

impl TestKey {
    pub fn rs256(kid: &str) -> TestKey {
        TestKey::rsa("RS256", kid, false)
    }

    pub fn ps256(kid: &str) -> TestKey {
        TestKey::rsa("PS256", kid, false)
    }

    /// RS256 with the second RSA key.
    pub fn rs256_other(kid: &str) -> TestKey {
        TestKey::rsa("RS256", kid, true)
    }

    fn rsa(alg: &'static str, kid: &str, other: bool) -> TestKey {
        let private = rsa_private(other);
        let signer: Box<dyn JwsSigner> = match alg {
            "PS256" => Box::new(PS256.signer_from_jwk(&private).expect("PS256 signer")),
            _ => Box::new(RS256.signer_from_jwk(&private).expect("RS256 signer")),
        };
        TestKey { alg, kid: kid.into(), signer, public: public_of(&private, kid) }
    }

    pub fn es256(kid: &str) -> TestKey {
        let pair = ES256.generate_key_pair().expect("EC key");
        let signer = Box::new(ES256.signer_from_der(pair.to_der_private_key()).expect("ES256 signer"));
        let mut public = without_alg(&pair.to_jwk_public_key());
        public.set_key_id(kid);
        TestKey { alg: "ES256", kid: kid.into(), signer, public }
    }

    pub fn eddsa(kid: &str) -> TestKey {
        let pair = EdDSA.generate_key_pair(EdCurve::Ed25519).expect("Ed25519 key");
        let signer = Box::new(EdDSA.signer_from_der(pair.to_der_private_key()).expect("EdDSA signer"));
        let mut public = without_alg(&pair.to_jwk_public_key());
        public.set_key_id(kid);
        TestKey { alg: "EdDSA", kid: kid.into(), signer, public }
    }

    /// The public JWK with `alg` declared.
    pub fn public_with_alg(&self, alg: &str) -> Jwk {
        let mut jwk = self.public.clone();
        jwk.set_algorithm(alg);
        jwk
    }

    /// A signed assertion with header `{alg, kid}`.
    pub fn sign(&self, claims: &Value) -> String {
        self.sign_with_header(json!({ "alg": self.alg, "kid": self.kid }), claims)
    }

    pub fn sign_with_header(&self, header: Value, claims: &Value) -> String {
        let input = format!("{}.{}", segment(&header), segment(claims));
        let signature = self.signer.sign(input.as_bytes()).expect("sign");
        format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature))
    }
}

pub fn jwks(keys: &[&Jwk]) -> JwkSet {
    let mut set = JwkSet::new();
    for key in keys {
        set.push_key((*key).clone());
    }
    set
}

pub fn segment(value: &Value) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(value).expect("JSON"))
}

/// Valid RFC 7523 claims for `client_id` at `now`, audience the token endpoint.
pub fn claims(client_id: &str, now: i64) -> Value {
    json!({
        "iss": client_id,
        "sub": client_id,
        "aud": format!("{ISSUER}/token"),
        "iat": now,
        "exp": now + 60,
        "jti": crate::crypto::random_token(16),
    })
}

/// `claims` with one member replaced (or removed when `value` is null).
pub fn with(mut claims: Value, name: &str, value: Value) -> Value {
    let map = claims.as_object_mut().expect("claims object");
    if value.is_null() {
        map.remove(name);
    } else {
        map.insert(name.into(), value);
    }
    claims
}

/// HMAC-SHA256 over `input` keyed with `key`, base64url.
pub fn hs256(key: &[u8], input: &str) -> String {
    crate::crypto::hmac_sha256_b64url(key, input.as_bytes())
}
