//! The key-encryption key (KEK): private signing keys are stored in the
//! database only as AES-256-GCM ciphertext under it, with the key id as
//! additional authenticated data, so a row cannot be swapped for another.
//! The KEK itself lives in a file (`keys.kek_file`), never in the database.

use std::fmt;
use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use openssl::symm::{Cipher, decrypt_aead, encrypt_aead};

use super::keyring::KeyError;
use super::secret_file;

const NONCE_LEN: usize = 12;
const TAG_LEN: usize = 16;

pub struct Kek([u8; 32]);

impl fmt::Debug for Kek {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Kek([redacted])")
    }
}

impl Kek {
    /// Reads the KEK file (base64url of 32 bytes). With `may_create`, a
    /// missing file is generated (mode 0600); returns whether it was.
    pub fn load(path: &Path, may_create: bool) -> Result<(Kek, bool), KeyError> {
        let generate = || -> Result<Vec<u8>, KeyError> {
            let mut key = [0u8; 32];
            openssl::rand::rand_bytes(&mut key)?;
            Ok(format!("{}\n", URL_SAFE_NO_PAD.encode(key)).into_bytes())
        };
        let create: Option<&dyn Fn() -> Result<Vec<u8>, KeyError>> =
            if may_create { Some(&generate) } else { None };
        let (text, created) = secret_file::read_or_create(path, create).map_err(|e| match e {
            KeyError::Io(io) if io.kind() == std::io::ErrorKind::NotFound => KeyError::Kek(format!(
                "{} is missing: the signing keys in the database cannot be decrypted without it",
                path.display()
            )),
            other => other,
        })?;
        let decoded = URL_SAFE_NO_PAD
            .decode(String::from_utf8_lossy(&text).trim())
            .map_err(|_| KeyError::Kek(format!("{} is not a base64url key", path.display())))?;
        let key: [u8; 32] = decoded
            .try_into()
            .map_err(|_| KeyError::Kek(format!("{} must hold exactly 32 bytes", path.display())))?;
        Ok((Kek(key), created))
    }

    #[cfg(test)]
    pub fn from_bytes(key: [u8; 32]) -> Kek {
        Kek(key)
    }

    /// A key for another purpose, derived as HMAC-SHA256(KEK, `label`)
    /// (the HKDF-Expand step of RFC 5869 §2.3 for one block): every
    /// instance sharing the KEK derives the same one, and it reveals
    /// nothing about the KEK.
    pub fn derive(&self, label: &str) -> Result<[u8; 32], KeyError> {
        let pkey = openssl::pkey::PKey::hmac(&self.0)?;
        let mut signer = openssl::sign::Signer::new(openssl::hash::MessageDigest::sha256(), &pkey)?;
        signer.update(label.as_bytes())?;
        signer.update(&[1])?;
        let mac = signer.sign_to_vec()?;
        mac.try_into().map_err(|_| KeyError::Kek("derived key is not 32 bytes".into()))
    }

    /// nonce ‖ ciphertext ‖ tag, base64url.
    pub fn seal(&self, kid: &str, plaintext: &[u8]) -> Result<String, KeyError> {
        let mut nonce = [0u8; NONCE_LEN];
        openssl::rand::rand_bytes(&mut nonce)?;
        let mut tag = [0u8; TAG_LEN];
        let ciphertext =
            encrypt_aead(Cipher::aes_256_gcm(), &self.0, Some(&nonce), kid.as_bytes(), plaintext, &mut tag)?;
        let mut blob = Vec::with_capacity(NONCE_LEN + ciphertext.len() + TAG_LEN);
        blob.extend_from_slice(&nonce);
        blob.extend_from_slice(&ciphertext);
        blob.extend_from_slice(&tag);
        Ok(URL_SAFE_NO_PAD.encode(blob))
    }

    /// Fails with `KeyError::Kek` when the KEK is not the one that sealed
    /// `sealed` (or the row was tampered with).
    pub fn open(&self, kid: &str, sealed: &str) -> Result<Vec<u8>, KeyError> {
        let wrong = || {
            KeyError::Kek(format!(
                "cannot decrypt signing key {kid}: wrong key-encryption key (or a damaged row)"
            ))
        };
        let blob = URL_SAFE_NO_PAD.decode(sealed).map_err(|_| wrong())?;
        if blob.len() < NONCE_LEN + TAG_LEN {
            return Err(wrong());
        }
        let (nonce, rest) = blob.split_at(NONCE_LEN);
        let (ciphertext, tag) = rest.split_at(rest.len() - TAG_LEN);
        decrypt_aead(Cipher::aes_256_gcm(), &self.0, Some(nonce), kid.as_bytes(), ciphertext, tag)
            .map_err(|_| wrong())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derived_keys_depend_on_the_label_and_the_kek() {
        let kek = Kek::from_bytes([7; 32]);
        let a = kek.derive("dpop-nonce").unwrap();
        assert_eq!(a, kek.derive("dpop-nonce").unwrap());
        assert_ne!(a, kek.derive("other").unwrap());
        assert_ne!(a, Kek::from_bytes([8; 32]).derive("dpop-nonce").unwrap());
        assert_ne!(a, [7; 32]);
    }

    #[test]
    fn seal_then_open_and_refuse_the_wrong_kek_or_kid() {
        let kek = Kek::from_bytes([7; 32]);
        let sealed = kek.seal("kid-1", b"private key").unwrap();
        assert_eq!(kek.open("kid-1", &sealed).unwrap(), b"private key");
        assert!(matches!(kek.open("kid-2", &sealed), Err(KeyError::Kek(_))), "kid is authenticated");
        assert!(matches!(Kek::from_bytes([8; 32]).open("kid-1", &sealed), Err(KeyError::Kek(_))));
        assert!(!format!("{kek:?}").contains('7'));
    }

    #[test]
    fn load_creates_once_with_private_mode_and_refuses_missing() {
        use std::os::unix::fs::MetadataExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keys").join("kek");
        assert!(
            matches!(Kek::load(&path, false), Err(KeyError::Kek(_))),
            "missing and not allowed to create"
        );
        let (first, created) = Kek::load(&path, true).unwrap();
        assert!(created);
        let (second, created_again) = Kek::load(&path, true).unwrap();
        assert!(!created_again);
        assert_eq!(first.0, second.0);
        assert_eq!(std::fs::metadata(&path).unwrap().mode() & 0o777, 0o600);
    }
}
