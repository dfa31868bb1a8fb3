//! ward-serve: a TensorFlow-Serving-compatible model server (REST and gRPC)
//! that is safe to expose. Every request is authenticated and authorized in
//! one place ([`auth`]), every model version is scanned before it loads and
//! runs in its own pool of sandboxed workers ([`models`]), and every request
//! is bounded (body size, elements, batch, queue, timeout) and audited.
//!
//! - [`config`]: the TOML configuration, validated with line numbers.
//! - [`auth`]: API tokens (SHA-256 at rest, constant-time), mTLS
//!   identities, per-identity grants.
//! - [`models`]: version discovery and policies, scanning, worker pools.
//! - [`rest`] / [`grpc`]: the two protocols, thin adapters over [`core`].
//! - [`listener`]: TCP/TLS accept loop with connection limits and timeouts.

pub mod audit;
pub mod auth;
pub mod config;
pub mod convert;
pub mod core;
pub mod error;
pub mod grpc;
pub mod listener;
pub mod metrics;
pub mod models;
pub mod rest;
pub mod server;
pub mod tls;

pub use config::Config;
pub use error::{ServeError, Status};
pub use server::{BoundServer, ServeOptions, bind};

/// Generated TF Serving API types and tonic services.
#[allow(clippy::all, clippy::pedantic, missing_docs)]
pub mod proto {
    include!(concat!(env!("OUT_DIR"), "/tensorflow.serving.rs"));
}
