//! Integration tests: one binary driving the real server over HTTP.

#[macro_use]
mod helpers;

mod authorize;
mod authorize_errors;
mod cli;
mod discovery;
mod id_token;
mod interop;
mod login;
mod multi_instance;
mod private_key_jwt;
mod sso;
mod token;
mod token_errors;
mod userinfo;
