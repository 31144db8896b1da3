//! JOSE for oxidp: the server's signing keys, its published JWK Set and the
//! JWS checks for tokens it issued itself.
//!
//! Why a module of its own: every token the server mints (ID tokens, OpenID
//! Connect Core §2; JWT access tokens, RFC 9068) goes through one place that
//! pins the algorithm per key instead of trusting the JOSE header
//! (RFC 8725 §2.1, §3.1), and the JWKS is built so it can hold only public
//! members (RFC 7517 §4, RFC 7518 §6.3.1). It knows nothing of settings or
//! storage: the key lifecycle (`flows::keys`) hands it PEMs.

mod alg;
pub mod compact;
pub mod decryption_key;
mod handle;
pub mod jwe;
mod jwks;
pub mod kek;
pub mod keyring;
mod pss;
mod secret_file;
mod verify;

pub use alg::SigningAlg;
pub use handle::KeyringHandle;
pub use kek::Kek;
pub use keyring::{KeyError, Keyring, VerifyError, generate_pem, generate_rsa_pem, kid_of, kid_of_pem};

#[cfg(test)]
mod tests;
