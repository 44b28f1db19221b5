//! `tailsampling`: a tail-sampling engine for traces, logs and RUM sessions, wire-compatible
//! with Guance Dataway's tail-sampling APIs.
//!
//! Data flows one way: bytes → [`wire`] (decode the packet header, keep the payload bytes) →
//! engine (group, wait) → [`filter`] (walk points at decision time) → engine (decide) →
//! metrics and delivery batches → the host. [`config`], [`filter`] and [`schema`] are pure: no
//! clock, no locks; they are shared by the engine, the CLI and the bindings.
//! [`validate_config`] checks a config (against a schema, if given) before it ships.

#![deny(unsafe_op_in_unsafe_fn)]
#![warn(missing_docs)]

pub mod compat;
pub mod config;
pub mod durable;
pub mod engine;
pub mod filter;
pub mod metrics;
pub mod schema;
pub mod wire;

pub use compat::Compat;
pub use engine::{
    peek_packet, Applied, Delivery, Error, Options, PacketInfo, Processor, Stats, Status,
};
pub use schema::{validate_config, Report, SchemaError};

/// The crate version, as in `Cargo.toml`.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
