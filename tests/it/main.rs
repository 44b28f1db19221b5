//! The integration tests, one crate (one link, one executable) with a module per area; run one
//! area with `cargo test --test it wire_zstd::`, one test with its full path. The tests that
//! measure the whole process (a counting global allocator, RSS) are the `process` crate
//! (`tests/process/main.rs`), apart so that nothing here moves their figures.
//!
//! Shared helpers are [`common`] (`use crate::common::*`). Property tests persist their failing
//! cases in `tests/proptest-regressions/<module>.txt` (commit them).

mod common;

// The wire format: packets, points, zstd payloads, captures and packing.
mod pack_capture;
mod pack_packets;
mod wire_packet;
mod wire_points;
mod wire_zstd;

// Conditions.
mod filter_errors;
mod filter_eval;
mod filter_roundtrip;

// Configuration, and the checking rules.
mod config;

// The write-ahead log store (`tailsampling::durable`).
mod durable;
mod rules_corpus;
mod rules_props;
mod rules_schema;

// The engine.
mod engine;
mod engine_concurrency;
mod engine_metrics;
mod engine_model;
mod flood;
mod tenant_isolation;

// Metrics.
mod metrics_builtin;
mod metrics_runtime;

// The C ABI (`ffi_panic` needs the `test-panic` feature, which exports `ts__test_panic`).
mod ffi_abi;
#[cfg(feature = "test-panic")]
mod ffi_panic;

// The workload generator (the `tailsampling` binary's tests are crates/tailsampling-cli/tests/cli).
mod workload_gen;

// The documents that restate the code's lists (the options).
mod docs;

// The inputs that once found a bug (fuzz/regressions/, RELIABILITY.md, "Fuzzing").
mod fuzz_regressions;
