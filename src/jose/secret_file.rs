//! Secret files (the key-encryption key): mode 0600 in a 0700 directory.
//!
//! Creation is race-safe: the secret is written to a private temp file and
//! then hard-linked to its final name. link(2) fails with EEXIST instead of
//! replacing, so when several instances start at once exactly one secret wins
//! and every instance reads that one. Readers never see a half-written file.

use std::fs::{self, DirBuilder, File, OpenOptions};
use std::io::{self, ErrorKind, Read, Write};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt};
use std::path::Path;

use super::keyring::KeyError;

/// Reads the secret at `path`. If it is missing and `create` is given, a new
/// secret from `create` is stored there first; returns the content and
/// whether this call created it.
pub(super) fn read_or_create(
    path: &Path,
    create: Option<&dyn Fn() -> Result<Vec<u8>, KeyError>>,
) -> Result<(Vec<u8>, bool), KeyError> {
    match read_key_file(path) {
        Ok(bytes) => return Ok((bytes, false)),
        Err(e) if e.kind() == ErrorKind::NotFound && create.is_some() => {}
        Err(e) => return Err(with_path(path, e).into()),
    }
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    ensure_private_dir(dir)?;
    let secret = create.map(|f| f()).transpose()?.unwrap_or_default();
    match publish(dir, path, &secret) {
        Ok(()) => Ok((secret, true)),
        // Another instance linked its secret first: use that one.
        Err(e) if e.kind() == ErrorKind::AlreadyExists => {
            Ok((read_key_file(path).map_err(|e| with_path(path, e))?, false))
        }
        Err(e) => Err(with_path(path, e).into()),
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
        tracing::warn!(dir = %dir.display(), mode = format!("{:o}", meta.mode() & 0o777), "key directory is accessible to group/others");
    }
    Ok(())
}

/// Reads the key file, warning when its permissions are wider than 0600.
fn read_key_file(path: &Path) -> io::Result<Vec<u8>> {
    let mut file = File::open(path)?;
    let mode = file.metadata()?.mode();
    if mode & 0o077 != 0 {
        tracing::warn!(path = %path.display(), mode = format!("{:o}", mode & 0o777), "key file is accessible to group/others");
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
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("secret");
    let tmp = dir.join(format!(".{name}.{}.tmp", crate::crypto::b64url(&suffix)));

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
        tracing::warn!(path = %tmp.display(), error = %e, "could not remove temporary secret file");
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
