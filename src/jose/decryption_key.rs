//! Our key for what clients encrypt to us: request objects signed by the
//! client, then encrypted to the OP (RFC 9101 §6.1, OpenID Connect Core
//! §6.1, a nested JWT). One P-256 key for ECDH-ES and ECDH-ES+A256KW (RFC
//! 7518 §4.6), derived from the key-encryption key: every instance holds
//! the same key without storing it, and it changes when the KEK does. It
//! is published in the JWKS with `"use":"enc"`, so signature checks never
//! pick it (RFC 7517 §4.2).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use josekit::jwe::alg::ecdh_es::EcdhEsJweDecrypter;
use josekit::jwe::{ECDH_ES, ECDH_ES_A256KW, JweDecrypter, JweHeader};
use josekit::jwk::Jwk;
use openssl::bn::{BigNum, BigNumContext};
use openssl::ec::{EcGroup, EcKey, EcPoint};
use openssl::nid::Nid;
use serde_json::{Map, Value, json};

use super::jwe::{ContentEncryption, KeyManagementAlg};
use super::keyring::KeyError;

/// Key management algorithms a client may encrypt to us with.
pub const ACCEPTED_ALGS: [KeyManagementAlg; 2] = [KeyManagementAlg::EcdhEs, KeyManagementAlg::EcdhEsA256kw];

pub struct DecryptionKey {
    public: Jwk,
    direct: EcdhEsJweDecrypter,
    wrapped: EcdhEsJweDecrypter,
}

impl DecryptionKey {
    /// The key whose private scalar is `seed` reduced modulo the curve's
    /// order (a uniform 256-bit seed: a bias of about 2^-32, no weakness).
    pub fn from_seed(seed: &[u8; 32]) -> Result<DecryptionKey, KeyError> {
        let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1)?;
        let mut ctx = BigNumContext::new()?;
        let mut order = BigNum::new()?;
        group.order(&mut order, &mut ctx)?;
        let mut d = BigNum::new()?;
        let seed = BigNum::from_slice(seed)?;
        d.nnmod(&seed, &order, &mut ctx)?;
        if d.num_bits() == 0 {
            return Err(KeyError::Crypto("the derived decryption key is zero".into()));
        }
        let mut point = EcPoint::new(&group)?;
        point.mul_generator2(&group, &d, &mut ctx)?;
        EcKey::from_private_components(&group, &d, &point)?.check_key()?;
        let (mut x, mut y) = (BigNum::new()?, BigNum::new()?);
        point.affine_coordinates(&group, &mut x, &mut y, &mut ctx)?;
        let b64 =
            |n: &BigNum| -> Result<String, KeyError> { Ok(URL_SAFE_NO_PAD.encode(n.to_vec_padded(32)?)) };
        let (x, y) = (b64(&x)?, b64(&y)?);
        // RFC 7638 §3.2: the thumbprint of the required members, sorted.
        let kid = crate::crypto::sha256_b64url(
            format!(r#"{{"crv":"P-256","kty":"EC","x":"{x}","y":"{y}"}}"#).as_bytes(),
        );
        let public = json!({ "kty": "EC", "crv": "P-256", "x": x, "y": y, "kid": kid, "use": "enc" });
        let mut private = public.clone();
        private["d"] = json!(b64(&d)?);
        let jwk = |v: Value| -> Result<Jwk, KeyError> {
            let map: Map<String, Value> = v.as_object().cloned().unwrap_or_default();
            Jwk::from_map(map).map_err(|e| KeyError::Crypto(format!("decryption key: {e}")))
        };
        let private = jwk(private)?;
        let decrypter = |alg: &dyn Fn(&Jwk) -> Result<EcdhEsJweDecrypter, josekit::JoseError>| {
            alg(&private).map_err(|e| KeyError::Crypto(format!("decryption key: {e}")))
        };
        Ok(DecryptionKey {
            public: jwk(public)?,
            direct: decrypter(&|k| ECDH_ES.decrypter_from_jwk(k))?,
            wrapped: decrypter(&|k| ECDH_ES_A256KW.decrypter_from_jwk(k))?,
        })
    }

    /// The public half, as the JWKS publishes it.
    pub fn public_jwk(&self) -> &Jwk {
        &self.public
    }

    /// The plaintext of a compact JWE encrypted to this key: `alg` one of
    /// [`ACCEPTED_ALGS`], `enc` one of [`ContentEncryption`], a `kid`, when
    /// given, ours. Errors say what is wrong, never anything about the key.
    pub fn decrypt(&self, jwe: &str) -> Result<(Vec<u8>, JweHeader), String> {
        let kid = self.public.key_id();
        let refused = std::cell::RefCell::new(None::<String>);
        let refuse = |why: String| {
            *refused.borrow_mut() = Some(why);
            Err(josekit::JoseError::InvalidJweFormat(anyhow::anyhow!("refused")))
        };
        josekit::jwe::deserialize_compact_with_selector(jwe, |header| {
            if header.key_id().is_some() && header.key_id() != kid {
                return refuse("the kid is not this server's encryption key".into());
            }
            if header.content_encryption().is_none_or(|enc| enc.parse::<ContentEncryption>().is_err()) {
                return refuse(format!("enc must be one of {}", ContentEncryption::words().join(", ")));
            }
            match header.algorithm().map(str::parse::<KeyManagementAlg>) {
                Some(Ok(KeyManagementAlg::EcdhEs)) => Ok(Some(&self.direct as &dyn JweDecrypter)),
                Some(Ok(KeyManagementAlg::EcdhEsA256kw)) => Ok(Some(&self.wrapped as &dyn JweDecrypter)),
                _ => refuse(format!(
                    "alg must be one of {}",
                    ACCEPTED_ALGS.iter().map(|a| a.as_str()).collect::<Vec<_>>().join(", ")
                )),
            }
        })
        .map_err(|_| {
            refused.borrow_mut().take().unwrap_or_else(|| "it does not decrypt with this server's key".into())
        })
    }
}

#[cfg(test)]
mod tests {
    use josekit::jwe::JweHeader;

    use super::*;

    fn encrypted(to: &Jwk, alg: &str, enc: &str, kid: Option<&str>) -> String {
        let mut header = JweHeader::new();
        header.set_content_encryption(enc);
        if let Some(kid) = kid {
            header.set_key_id(kid);
        }
        let encrypter: Box<dyn josekit::jwe::JweEncrypter> = match alg {
            "ECDH-ES" => Box::new(ECDH_ES.encrypter_from_jwk(to).unwrap()),
            _ => Box::new(ECDH_ES_A256KW.encrypter_from_jwk(to).unwrap()),
        };
        josekit::jwe::serialize_compact(b"a.b.c", &header, encrypter.as_ref()).unwrap()
    }

    #[test]
    fn the_same_seed_makes_the_same_key_and_it_decrypts_both_algorithms() {
        let key = DecryptionKey::from_seed(&[7; 32]).unwrap();
        let again = DecryptionKey::from_seed(&[7; 32]).unwrap();
        assert_eq!(key.public_jwk(), again.public_jwk(), "every instance derives the same key");
        assert_ne!(key.public_jwk(), DecryptionKey::from_seed(&[8; 32]).unwrap().public_jwk());
        let public = key.public_jwk();
        assert_eq!((public.key_use(), public.parameter("d")), (Some("enc"), None), "public members only");
        let kid = public.key_id().unwrap().to_string();
        for (alg, enc) in [("ECDH-ES", "A256GCM"), ("ECDH-ES+A256KW", "A128CBC-HS256")] {
            let (plain, header) = key.decrypt(&encrypted(public, alg, enc, Some(&kid))).unwrap();
            assert_eq!((plain.as_slice(), header.algorithm()), (&b"a.b.c"[..], Some(alg)));
        }
        assert_eq!(key.decrypt(&encrypted(public, "ECDH-ES", "A256GCM", None)).unwrap().0, b"a.b.c");
    }

    #[test]
    fn other_keys_algorithms_and_encodings_are_refused() {
        let key = DecryptionKey::from_seed(&[7; 32]).unwrap();
        let other = DecryptionKey::from_seed(&[9; 32]).unwrap();
        let err = key.decrypt(&encrypted(other.public_jwk(), "ECDH-ES", "A256GCM", None)).unwrap_err();
        assert!(err.contains("kid"), "another key's kid: {err}");
        let mut anonymous = other.public_jwk().clone();
        anonymous.set_parameter("kid", None).unwrap();
        let err = key.decrypt(&encrypted(&anonymous, "ECDH-ES", "A256GCM", None)).unwrap_err();
        assert!(err.contains("does not decrypt"), "{err}");
        let err = key.decrypt(&encrypted(key.public_jwk(), "ECDH-ES", "A256GCM", Some("nope"))).unwrap_err();
        assert!(err.contains("kid"), "{err}");
        let err = key.decrypt(&encrypted(key.public_jwk(), "ECDH-ES", "A192GCM", None)).unwrap_err();
        assert!(err.contains("enc must be"), "{err}");
        assert!(key.decrypt("not.a.jwe.at.all").is_err());
    }
}
