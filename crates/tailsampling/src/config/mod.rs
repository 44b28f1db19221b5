//! Sampling configuration (docs/protocol.md, "Configuration"): the JSON a Datakit or a user posts
//! per token, parsed, validated with JSON-path diagnostics, and compiled into the typed [`Config`]
//! the engine decides with.

mod diag;
mod duration;
pub(crate) mod outline;
mod parse;
mod types;

pub use diag::{ConfigError, Diagnostic, Severity};
pub use duration::parse_go_duration;
pub use parse::Parsed;

pub use types::{
    sample_threshold, Action, BuiltinMetric, BuiltinMetrics, Config, DataType, Dimension, Pipeline,
    Rule, Section, DEFAULT_GROUP_TTL, DEFAULT_TRACE_TTL, MAX_TTL, SAMPLE_RANGE,
};
