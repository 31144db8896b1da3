//! PS256 (RFC 7518 §3.5: RSASSA-PSS, SHA-256, MGF1 SHA-256, salt = hash
//! length) on OpenSSL directly: josekit's PSS path re-encodes keys in a form
//! OpenSSL 3 refuses to decode. Plugged in behind josekit's signer and
//! verifier traits so the keyring treats every algorithm alike.

use std::fmt;

use josekit::JoseError;
use josekit::jws::{JwsAlgorithm, JwsSigner, JwsVerifier, PS256};
use openssl::hash::MessageDigest;
use openssl::pkey::{PKey, Private, Public};
use openssl::rsa::Padding;
use openssl::sign::{RsaPssSaltlen, Signer, Verifier};

#[derive(Clone)]
pub(super) struct Ps256Signer(PKey<Private>);

#[derive(Clone)]
pub(super) struct Ps256Verifier(PKey<Public>);

impl fmt::Debug for Ps256Signer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Ps256Signer([redacted])")
    }
}

impl fmt::Debug for Ps256Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Ps256Verifier")
    }
}

impl Ps256Signer {
    pub(super) fn new(
        key: PKey<Private>,
    ) -> Result<(Ps256Signer, Ps256Verifier), openssl::error::ErrorStack> {
        let public = PKey::public_key_from_der(&key.public_key_to_der()?)?;
        Ok((Ps256Signer(key), Ps256Verifier(public)))
    }
}

fn failed(e: openssl::error::ErrorStack) -> JoseError {
    JoseError::InvalidSignature(e.into())
}

impl JwsSigner for Ps256Signer {
    fn algorithm(&self) -> &dyn JwsAlgorithm {
        &PS256
    }

    fn key_id(&self) -> Option<&str> {
        None
    }

    fn signature_len(&self) -> usize {
        self.0.size()
    }

    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, JoseError> {
        let mut signer = Signer::new(MessageDigest::sha256(), &self.0).map_err(failed)?;
        signer.set_rsa_padding(Padding::PKCS1_PSS).map_err(failed)?;
        signer.set_rsa_pss_saltlen(RsaPssSaltlen::DIGEST_LENGTH).map_err(failed)?;
        signer.set_rsa_mgf1_md(MessageDigest::sha256()).map_err(failed)?;
        signer.update(message).map_err(failed)?;
        signer.sign_to_vec().map_err(failed)
    }

    fn box_clone(&self) -> Box<dyn JwsSigner> {
        Box::new(self.clone())
    }
}

impl JwsVerifier for Ps256Verifier {
    fn algorithm(&self) -> &dyn JwsAlgorithm {
        &PS256
    }

    fn key_id(&self) -> Option<&str> {
        None
    }

    fn verify(&self, message: &[u8], signature: &[u8]) -> Result<(), JoseError> {
        let mut verifier = Verifier::new(MessageDigest::sha256(), &self.0).map_err(failed)?;
        verifier.set_rsa_padding(Padding::PKCS1_PSS).map_err(failed)?;
        verifier.set_rsa_pss_saltlen(RsaPssSaltlen::DIGEST_LENGTH).map_err(failed)?;
        verifier.set_rsa_mgf1_md(MessageDigest::sha256()).map_err(failed)?;
        verifier.update(message).map_err(failed)?;
        match verifier.verify(signature) {
            Ok(true) => Ok(()),
            Ok(false) => Err(JoseError::InvalidSignature(anyhow::anyhow!("PS256 signature mismatch"))),
            Err(e) => Err(failed(e)),
        }
    }

    fn box_clone(&self) -> Box<dyn JwsVerifier> {
        Box::new(self.clone())
    }
}
