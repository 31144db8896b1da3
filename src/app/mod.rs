//! The composition root: the only place that sees every concrete type. It
//! opens the stores, builds each flow with the dependencies it declares,
//! registers them for the web layer, and starts the background jobs.

mod console_client;
mod jobs;
mod metrics;
mod registry;
mod signals;
mod startup;
pub mod telemetry;
mod tls;

pub use startup::{Application, Services, build_services};
