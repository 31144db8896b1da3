//! Integration tests: one binary driving the real server over HTTP.

#[macro_use]
mod helpers;

mod account;
mod algorithms;
mod authorize;
mod authorize_errors;
mod bench_harness;
mod cli;
mod client_cache;
mod client_credentials;
mod code_replay;
mod consent;
mod cors;
mod device;
mod discovery;
mod durability;
mod form_post;
mod groups_claims;
mod http_conformance;
mod id_token;
mod interop;
mod interop_logout;
mod introspection;
mod janitor;
mod key_rotation;
mod keys_cli;
mod layering;
mod login;
mod logout;
mod multi_instance;
mod native_apps;
mod private_key_jwt;
mod redis_faults;
mod refresh;
mod refresh_leeway;
mod resource_auth;
mod resources;
mod revocation;
mod rotation_under_load;
mod sessions;
mod sso;
mod tls;
mod token;
mod token_errors;
mod userinfo;
