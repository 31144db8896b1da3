//! oxidp: an OAuth 2.0 / OpenID Connect identity provider.
//!
//! Layers, imports pointing down only (a test keeps it so):
//! `cli` → `app` → `config` → `web` → `flows` → {`accounts`, `store`, `mail`} →
//! `measure` → `protocol` → `jose` → {`crypto`, `clock`, `vocabulary`}.
//! - `app` is the composition root: it builds every flow from the settings;
//! - `web` is actix only: handlers extract, call one flow, render;
//! - `flows` are the use cases, each holding only its dependencies;
//! - `store` owns persistence (repositories, caches, the ephemeral store);
//! - `measure` names every metric (the `metrics` facade; exported by `app`);
//! - `protocol` is synchronous and I/O-free: vocabularies, records,
//!   validation, the interaction policy, claims, errors.

pub mod accounts;
pub mod app;
pub mod cli;
pub mod clock;
pub mod config;
pub mod crypto;
pub mod flows;
pub mod jose;
pub mod mail;
pub mod measure;
pub mod protocol;
pub mod store;
pub mod vocabulary;
pub mod web;
