//! The typed, compiled form of a sampling config: what the engine decides with. Built only by
//! [`Config::from_json`](super::Config::from_json); every condition is already compiled.

use std::time::Duration;

use crate::filter::Condition;
pub use crate::wire::DataType;

/// The longest TTL a group can wait: the reference's timing wheel has 3600 one-second slots.
pub const MAX_TTL: Duration = Duration::from_secs(3599);
/// Default TTL of traces when the config gives none.
pub const DEFAULT_TRACE_TTL: Duration = Duration::from_secs(300);
/// Default TTL of logging and RUM groups when the config gives none.
pub const DEFAULT_GROUP_TTL: Duration = Duration::from_secs(60);
/// Probabilistic sampling resolution: keep iff `group_id_hash % SAMPLE_RANGE < floor(rate * SAMPLE_RANGE)`.
pub const SAMPLE_RANGE: u64 = 10_000;

/// What the config adds to the wire's data types.
impl DataType {
    /// The config section key: `trace`, `logging` or `rum`.
    pub fn section_key(self) -> &'static str {
        match self {
            DataType::Tracing => "trace",
            DataType::Logging => "logging",
            DataType::Rum => "rum",
        }
    }

    /// The TTL used when the config gives none: 5 min for traces, 1 min otherwise.
    pub fn default_ttl(self) -> Duration {
        match self {
            DataType::Tracing => DEFAULT_TRACE_TTL,
            DataType::Logging | DataType::Rum => DEFAULT_GROUP_TTL,
        }
    }
}

/// A built-in metric (docs/protocol.md, "Metrics").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BuiltinMetric {
    /// `trace_total_count`: +1 per ingested trace packet.
    TraceTotalCount,
    /// `trace_error_count`: +1 per ingested trace packet with `has_error`.
    TraceErrorCount,
    /// `span_total_count`: + `point_count` per trace packet.
    SpanTotalCount,
    /// `trace_duration`: histogram of decided trace durations (ms).
    TraceDuration,
    /// `trace_kept_count`: +1 per kept trace.
    TraceKeptCount,
    /// `trace_dropped_count`: +1 per dropped trace.
    TraceDroppedCount,
    /// `logging_total_count`: +1 per ingested logging packet.
    LoggingTotalCount,
    /// `logging_error_count`: +1 per ingested logging packet with `has_error`.
    LoggingErrorCount,
    /// `logging_kept_count`: +1 per kept logging group.
    LoggingKeptCount,
    /// `logging_dropped_count`: +1 per dropped logging group.
    LoggingDroppedCount,
    /// `rum_total_count`: +1 per ingested RUM packet.
    RumTotalCount,
    /// `rum_kept_count`: +1 per kept RUM group.
    RumKeptCount,
    /// `rum_dropped_count`: +1 per dropped RUM group.
    RumDroppedCount,
}

impl BuiltinMetric {
    /// Every built-in metric.
    pub const ALL: [BuiltinMetric; 13] = [
        BuiltinMetric::TraceTotalCount,
        BuiltinMetric::TraceErrorCount,
        BuiltinMetric::SpanTotalCount,
        BuiltinMetric::TraceDuration,
        BuiltinMetric::TraceKeptCount,
        BuiltinMetric::TraceDroppedCount,
        BuiltinMetric::LoggingTotalCount,
        BuiltinMetric::LoggingErrorCount,
        BuiltinMetric::LoggingKeptCount,
        BuiltinMetric::LoggingDroppedCount,
        BuiltinMetric::RumTotalCount,
        BuiltinMetric::RumKeptCount,
        BuiltinMetric::RumDroppedCount,
    ];

    /// The metric (field) name.
    pub fn name(self) -> &'static str {
        match self {
            BuiltinMetric::TraceTotalCount => "trace_total_count",
            BuiltinMetric::TraceErrorCount => "trace_error_count",
            BuiltinMetric::SpanTotalCount => "span_total_count",
            BuiltinMetric::TraceDuration => "trace_duration",
            BuiltinMetric::TraceKeptCount => "trace_kept_count",
            BuiltinMetric::TraceDroppedCount => "trace_dropped_count",
            BuiltinMetric::LoggingTotalCount => "logging_total_count",
            BuiltinMetric::LoggingErrorCount => "logging_error_count",
            BuiltinMetric::LoggingKeptCount => "logging_kept_count",
            BuiltinMetric::LoggingDroppedCount => "logging_dropped_count",
            BuiltinMetric::RumTotalCount => "rum_total_count",
            BuiltinMetric::RumKeptCount => "rum_kept_count",
            BuiltinMetric::RumDroppedCount => "rum_dropped_count",
        }
    }

    /// The data type whose section may enable this metric.
    pub fn data_type(self) -> DataType {
        use BuiltinMetric::*;
        match self {
            TraceTotalCount | TraceErrorCount | SpanTotalCount | TraceDuration | TraceKeptCount
            | TraceDroppedCount => DataType::Tracing,
            LoggingTotalCount | LoggingErrorCount | LoggingKeptCount | LoggingDroppedCount => {
                DataType::Logging
            }
            RumTotalCount | RumKeptCount | RumDroppedCount => DataType::Rum,
        }
    }

    /// Looks a metric up by name.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.name() == name)
    }

    fn bit(self) -> u16 {
        1 << (self as u16)
    }
}

/// The set of enabled built-in metrics of one section.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BuiltinMetrics(u16);

impl BuiltinMetrics {
    /// Every metric of `data_type` enabled (the default, and what an empty list means).
    pub fn all_of(data_type: DataType) -> Self {
        Self(
            BuiltinMetric::ALL
                .into_iter()
                .filter(|m| m.data_type() == data_type)
                .fold(0, |acc, m| acc | m.bit()),
        )
    }

    /// Whether `metric` is enabled.
    pub fn enabled(self, metric: BuiltinMetric) -> bool {
        self.0 & metric.bit() != 0
    }

    pub(crate) fn set(&mut self, metric: BuiltinMetric, on: bool) {
        if on {
            self.0 |= metric.bit();
        } else {
            self.0 &= !metric.bit();
        }
    }
}

/// What a matched condition pipeline does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Keep the group.
    Keep,
    /// Drop the group.
    Drop,
}

impl Action {
    /// `"keep"` or `"drop"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Keep => "keep",
            Action::Drop => "drop",
        }
    }
}

/// How a pipeline decides once it matched.
#[derive(Clone, Debug)]
pub enum Rule {
    /// `type = "condition"`: matches where the condition matches some point (an empty
    /// condition never matches), then applies `action`.
    Condition {
        /// The compiled condition (possibly empty).
        condition: Condition,
        /// What to do with a matched group.
        action: Action,
    },
    /// `type = "probabilistic"`: matches every point (or where `condition` matches), then keeps
    /// iff `group_id_hash % 10000 < threshold`.
    Probabilistic {
        /// Optional narrowing condition; `None` (or empty in the config) matches every point.
        condition: Option<Condition>,
        /// The configured rate, in (0, 1].
        rate: f64,
        /// `floor(rate * 10000)`, computed exactly as the reference does.
        threshold: u64,
    },
}

/// One sampling pipeline.
#[derive(Clone, Debug)]
pub struct Pipeline {
    /// The pipeline name (decision provenance in metrics).
    pub name: String,
    /// Its JSON path in the config document, e.g. `trace.pipelines[2]`.
    pub path: String,
    /// What it matches and decides.
    pub rule: Rule,
}

impl Pipeline {
    /// The condition evaluated per point, if any (`None`: matches every point).
    pub fn condition(&self) -> Option<&Condition> {
        match &self.rule {
            Rule::Condition { condition, .. } => Some(condition),
            Rule::Probabilistic { condition, .. } => condition.as_ref(),
        }
    }

    /// Whether this pipeline can never match (a condition pipeline with an empty condition).
    pub fn never_matches(&self) -> bool {
        matches!(&self.rule, Rule::Condition { condition, .. } if condition.is_empty())
    }

    /// The decision once matched: keep (`true`) or drop (`false`) the group with this hash.
    pub fn keeps(&self, group_id_hash: u64) -> bool {
        match &self.rule {
            Rule::Condition { action, .. } => *action == Action::Keep,
            Rule::Probabilistic { threshold, .. } => group_id_hash % SAMPLE_RANGE < *threshold,
        }
    }
}

/// `floor(rate * 10000)` exactly as the Go reference computes it
/// (`uint64(math.Floor(rate * float64(sampleRange)))`).
pub fn sample_threshold(rate: f64) -> u64 {
    (rate * SAMPLE_RANGE as f64).floor() as u64
}

/// The pipelines applied to groups of one group key.
#[derive(Clone, Debug)]
pub struct Dimension {
    /// The dimension key (`""` for traces, e.g. `service` for logging).
    pub group_key: String,
    /// Pipelines in config order; the first matched decides.
    pub pipelines: Vec<Pipeline>,
}

impl Dimension {
    /// The dimension of `group_key` with `pipelines`.
    pub fn new(group_key: String, pipelines: Vec<Pipeline>) -> Self {
        Dimension {
            group_key,
            pipelines,
        }
    }
}

/// The config of one data type.
#[derive(Clone, Debug)]
pub struct Section {
    /// The configured TTL (clamped to [`MAX_TTL`]); `None` means the engine default.
    /// `Some(Duration::ZERO)` only under `compat: "reference"`, for a negative or sub-second
    /// TTL (which the reference truncates to 0 s or less): every packet of the section is
    /// then dropped at ingest, as the reference does.
    pub data_ttl: Option<Duration>,
    /// For traces, exactly one dimension with group key `""`; for logging/rum, one per
    /// `group_dimensions` entry.
    pub dimensions: Vec<Dimension>,
    /// Enabled built-in metrics.
    pub builtin_metrics: BuiltinMetrics,
}

impl Section {
    /// The TTL to use, given the engine's default for this data type.
    pub fn ttl_or(&self, default: Duration) -> Duration {
        self.data_ttl.unwrap_or(default)
    }

    /// The pipelines for packets of `data_type` carrying `group_key`: for traces the trace
    /// pipelines whatever the key; otherwise the first dimension with that key.
    pub fn pipelines_for(&self, data_type: DataType, group_key: &str) -> Option<&[Pipeline]> {
        self.dimension_for(data_type, group_key)
            .map(|d| d.pipelines.as_slice())
    }

    /// The dimension whose pipelines decide groups of `data_type` carrying `group_key` (see
    /// [`pipelines_for`](Self::pipelines_for)).
    pub fn dimension_for(&self, data_type: DataType, group_key: &str) -> Option<&Dimension> {
        self.dimension_index(data_type, group_key)
            .map(|i| &self.dimensions[i])
    }

    /// The index in `dimensions` of [`dimension_for`](Self::dimension_for)'s dimension.
    pub(crate) fn dimension_index(&self, data_type: DataType, group_key: &str) -> Option<usize> {
        match data_type {
            DataType::Tracing => (!self.dimensions.is_empty()).then_some(0),
            DataType::Logging | DataType::Rum => self
                .dimensions
                .iter()
                .position(|d| d.group_key == group_key),
        }
    }
}

/// A parsed, validated and compiled per-token config.
#[derive(Clone, Debug)]
pub struct Config {
    /// The top-level `version`: a config replaces the current one only if it differs.
    pub version: i64,
    pub(crate) sections: [Option<Section>; 3],
}

impl Config {
    /// The section for `data_type`, if the config has one.
    pub fn section(&self, data_type: DataType) -> Option<&Section> {
        self.sections[data_type.index()].as_ref()
    }
}
