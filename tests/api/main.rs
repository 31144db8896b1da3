//! Integration tests: one binary driving the real server over HTTP.

#[macro_use]
mod helpers;

mod algorithms;
mod authorize;
mod authorize_errors;
mod cli;
mod client_cache;
mod client_credentials;
mod code_replay;
mod discovery;
mod durability;
mod id_token;
mod interop;
mod introspection;
mod key_rotation;
mod keys_cli;
mod login;
mod multi_instance;
mod private_key_jwt;
mod refresh;
mod revocation;
mod rotation_under_load;
mod sso;
mod tls;
mod token;
mod token_errors;
mod userinfo;
