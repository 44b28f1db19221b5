//! Metrics the engine reports (docs/protocol.md, "Metrics"; docs/architecture.md, "Engine
//! semantics"): the built-in `tail_sampling` metrics of one token, bucketed into time windows
//! ([`Builtin`]), and Dataway's own runtime counters, reset after each report ([`Runtime`]). Both
//! drain into a serialized `PBPoints` body ready for `/v1/write/metric`, with its point count.
//!
//! Every point has one float field named after the metric and its tags sorted by key.
//! Built-in points carry `stage`, `data_type`, `decision` (stage `decision` only), `source` and
//! `group_key` (when non-empty), `le` (histogram buckets) and, as an additive deviation, the
//! deciding `pipeline` on the kept/dropped counts. No point carries a token tag: the body is
//! written with the token it describes.

mod builtin;
mod encode;
mod runtime;

use std::time::Duration;

pub use builtin::{Builtin, Sample};
pub use runtime::{Runtime, SendResult};

/// Measurement of the built-in metrics.
pub const MEASUREMENT: &str = "tail_sampling";

/// Measurement of Dataway's runtime counters.
pub const RUNTIME_MEASUREMENT: &str = "dataway_aggregate";

/// Upper bounds (inclusive, in ms) of the finite `trace_duration` buckets; a last `+Inf`
/// bucket follows.
pub const DURATION_BUCKETS_MS: [f64; 10] = [
    1.0, 10.0, 20.0, 50.0, 100.0, 200.0, 500.0, 1000.0, 2000.0, 5000.0,
];

/// The window used when [`Builtin::new`] is given a zero window (the reference's 30 s).
pub const DEFAULT_WINDOW: Duration = Duration::from_secs(30);

/// The most series one [`Builtin`] holds across its open windows (a histogram counts as one
/// series). Records that would open a series beyond it are not recorded but counted
/// ([`Builtin::rejected`]), so a client sending unbounded sources or far-future times cannot
/// grow the accumulator without bound.
pub const MAX_SERIES: usize = 10_000;
