//! Nothing: this package exists for its test targets, `it/` (the integration tests, a module
//! per area) and `process/` (the tests that measure the whole process), and its benchmarks,
//! `benches/engine.rs` and `benches/wal.rs`. They exercise the three crates together: the core
//! (`tailsampling`), the C ABI (`tailsampling-ffi`) and the tools (`tailsampling-cli`).
