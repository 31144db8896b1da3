//! The use cases, one struct each, holding only what it depends on and
//! answering with typed outcomes: the browser flow (authorize, the
//! interaction and its prompts), the token endpoint (one module per grant),
//! revocation, introspection, UserInfo, the published metadata, the key
//! lifecycle, the janitor and the admin operations. Nothing here knows
//! HTTP or the configuration file.

pub mod access_tokens;
pub mod account;
pub mod admin;
pub mod admin_gate;
pub mod authorize;
pub mod client_auth;
pub mod client_registration;
pub mod console;
pub mod credentials;
pub mod device;
pub mod dpop;
pub mod interaction;
pub mod introspection;
pub mod janitor;
pub mod keys;
pub mod links;
pub mod login_guard;
pub mod logout;
pub mod metadata;
pub mod origins;
pub mod outbox;
pub mod passkeys;
pub mod pending_logins;
pub mod rate_limits;
pub mod readiness;
pub mod resources;
pub mod response_encryption;
pub mod revocation;
pub mod second_factor;
pub mod sessions;
pub mod subjects;
pub mod token;
pub mod transfer;
pub mod userinfo;
pub mod window_counter;
