//! OAuth 2.0 rules (RFC 6749, RFC 7636, RFC 9068, RFC 9700), independent of
//! HTTP: handlers pass parsed parameters in and map results out.

pub mod authorize;
pub mod client_auth;
pub mod client_keys;
pub mod clients;
pub mod denylist;
pub mod error;
pub mod grants;
pub mod introspection;
pub mod params;
pub mod pkce;
pub mod revocation;
pub mod scope;
pub mod tokens;
pub mod verified;

pub use error::{ErrorCode, OAuthError};
pub use params::Params;
pub use scope::Scope;
