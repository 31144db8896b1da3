//! oxidp: an OAuth 2.0 / OpenID Connect identity provider.
//!
//! Layers, nothing reaching upward: `http` (actix handlers and views) →
//! domain (`oauth`, `oidc`, `sso`, `accounts`, `jose`, `admin`) → `store`.

pub mod accounts;
pub mod admin;
pub mod audit;
pub mod cli;
pub mod clock;
pub mod config;
pub mod crypto;
pub mod error;
pub mod http;
pub mod jose;
pub mod oauth;
pub mod oidc;
pub mod sso;
pub mod startup;
pub mod state;
pub mod store;
pub mod telemetry;
pub mod views;
