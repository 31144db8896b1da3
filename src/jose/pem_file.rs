//! Persistence of the signing key as a PKCS#8 PEM file (RFC 5958 / RFC 7468
//! "PRIVATE KEY").
//!
//! The file is created with mode 0600 in a 0700 directory. Creation is
//! race-safe: the key is written to a private temp file and then hard-linked
//! to its final name. link(2) fails with EEXIST instead of replacing, so when
//! several instances start at once exactly one key wins and every instance
//! reads that one; otherwise they would publish different JWKS and reject
//! each other's tokens. Readers never see a half-written file.

use std::fs::{self, DirBuilder, File, OpenOptions};
use std::io::{self, ErrorKind, Read, Write};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt};
use std::path::Path;

use openssl::pkey::PKey;
use openssl::rsa::Rsa;

use super::keyring::{KeyError, Keyring, MIN_RSA_BITS};

/// File name of the RS256 signing key inside the key directory.
pub(super) const KEY_FILE: &str = "signing-rs256.pem";

impl Keyring {
    /// Loads `{dir}/signing-rs256.pem`, or generates an RSA key of `rsa_bits`
    /// and stores it there with mode 0600 (dir created with 0700 if missing).
    ///
    /// Creation is race-safe: two processes starting at once end up using the
    /// same key (temp file in `dir`, hard-linked to the final name; on
    /// `AlreadyExists` the existing file is read). Logs the path and kid when
    /// it generates a key, never the key itself.
    pub fn load_or_generate(dir: &Path, rsa_bits: u32) -> Result<Keyring, KeyError> {
        ensure_private_dir(dir)?;
        let path = dir.join(KEY_FILE);
        match read_key_file(&path) {
            Ok(pem) => return Keyring::from_pem(&pem),
            Err(e) if e.kind() == ErrorKind::NotFound => {}
            Err(e) => return Err(with_path(&path, e).into()),
        }

        if rsa_bits < MIN_RSA_BITS {
            return Err(KeyError::InvalidKey(format!(
                "RSA keys need at least {MIN_RSA_BITS} bits, got {rsa_bits}"
            )));
        }
        let pem = PKey::from_rsa(Rsa::generate(rsa_bits)?)?.private_key_to_pem_pkcs8()?;
        let keyring = Keyring::from_pem(&pem)?;

        match publish(dir, &path, &pem) {
            Ok(()) => {
                tracing::info!(
                    path = %path.display(),
                    kid = keyring.active_kid(),
                    bits = rsa_bits,
                    "generated a new RS256 signing key"
                );
                Ok(keyring)
            }
            // Another instance linked its key first: use that one.
            Err(e) if e.kind() == ErrorKind::AlreadyExists => {
                let pem = read_key_file(&path).map_err(|e| with_path(&path, e))?;
                Keyring::from_pem(&pem)
            }
            Err(e) => Err(with_path(&path, e).into()),
        }
    }
}

/// Creates `dir` (and parents) with mode 0700 if missing; warns when an
/// existing directory is readable by group or others.
fn ensure_private_dir(dir: &Path) -> Result<(), KeyError> {
    DirBuilder::new().recursive(true).mode(0o700).create(dir).map_err(|e| with_path(dir, e))?;
    let meta = fs::metadata(dir).map_err(|e| with_path(dir, e))?;
    if !meta.is_dir() {
        return Err(with_path(dir, io::Error::other("not a directory")).into());
    }
    if meta.mode() & 0o077 != 0 {
        tracing::warn!(dir = %dir.display(), mode = format!("{:o}", meta.mode() & 0o777), "signing key directory is accessible to group/others");
    }
    Ok(())
}

/// Reads the key file, warning when its permissions are wider than 0600.
fn read_key_file(path: &Path) -> io::Result<Vec<u8>> {
    let mut file = File::open(path)?;
    let mode = file.metadata()?.mode();
    if mode & 0o077 != 0 {
        tracing::warn!(path = %path.display(), mode = format!("{:o}", mode & 0o777), "signing key file is accessible to group/others");
    }
    let mut pem = Vec::new();
    file.read_to_end(&mut pem)?;
    Ok(pem)
}

/// Writes `pem` to a fresh 0600 temp file in `dir` and links it to `path`.
/// Fails with `AlreadyExists` if `path` appeared meanwhile.
fn publish(dir: &Path, path: &Path, pem: &[u8]) -> io::Result<()> {
    let mut suffix = [0u8; 12];
    openssl::rand::rand_bytes(&mut suffix).map_err(io::Error::other)?;
    let tmp = dir.join(format!(".{KEY_FILE}.{}.tmp", crate::crypto::b64url(&suffix)));

    let linked = (|| {
        let mut file = OpenOptions::new().write(true).create_new(true).mode(0o600).open(&tmp)?;
        file.write_all(pem)?;
        file.sync_all()?;
        fs::hard_link(&tmp, path)
    })();
    // The temp name goes either way; the final name keeps the inode.
    let removed = fs::remove_file(&tmp);
    linked?;
    if let Err(e) = removed {
        tracing::warn!(path = %tmp.display(), error = %e, "could not remove temporary key file");
    }
    // Make the new directory entry durable (best effort).
    if let Err(e) = File::open(dir).and_then(|d| d.sync_all()) {
        tracing::warn!(dir = %dir.display(), error = %e, "could not sync key directory");
    }
    Ok(())
}

/// Adds the path to an I/O error's message, keeping its kind.
fn with_path(path: &Path, e: io::Error) -> io::Error {
    io::Error::new(e.kind(), format!("{}: {e}", path.display()))
}
