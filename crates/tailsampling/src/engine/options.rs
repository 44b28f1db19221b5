//! Processor options: the JSON object a host passes at creation (docs/architecture.md, "The C
//! ABI"), with defaults. Unknown options are errors naming the option, so a typo never silently
//! falls back.

use std::time::Duration;

use serde_json::{Map, Value};

use crate::compat::Compat;
use crate::config::parse_go_duration;

/// How the processor's clock moves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClockMode {
    /// The system wall clock.
    System,
    /// Time only moves through [`Processor::set_time`](crate::Processor::set_time): tests and
    /// replays of captured traffic at any speed. Starts at 0 (the Unix epoch).
    Manual,
}

/// What happens to packets of a group that was already decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LateData {
    /// Remember decisions in a bounded cache: late packets of a kept group are delivered at the
    /// next poll, of a dropped group dropped and counted (the default; a deviation).
    Remember,
    /// The reference behaviour: a late packet starts a new group.
    NewGroup,
}

/// Engine options. Every field has a default; see [`Options::from_json`] for the JSON names.
#[derive(Clone, Debug, PartialEq)]
pub struct Options {
    /// `clock`: `"system"` (default) or `"manual"`.
    pub clock: ClockMode,
    /// `shards`: number of independently locked group maps (default 16, 1..=1024).
    pub shards: usize,
    /// `pending_max_packets`: packets held per token+data_type awaiting a config (100000).
    pub pending_max_packets: usize,
    /// `pending_max_bytes`: bytes held per token+data_type awaiting a config (256 MiB).
    pub pending_max_bytes: usize,
    /// `pending_max_age`: after this, pending packets are dropped and counted (10 min).
    pub pending_max_age: Duration,
    /// `memory_limit_bytes`: global limit on buffered payload bytes (1 GiB).
    pub memory_limit_bytes: usize,
    /// `token_memory_share`: fraction of the global limit one token may hold (0.25).
    pub token_memory_share: f64,
    /// `max_packet_bytes`: larger packets are refused as too large (64 MiB).
    pub max_packet_bytes: usize,
    /// `max_group_bytes`: a group whose payloads grow past this (zstd ones by the size their
    /// frames declare, decompressed) is decided at once (64 MiB).
    pub max_group_bytes: usize,
    /// `max_decompressed_bytes`: cap on one zstd payload's decompressed size (64 MiB).
    pub max_decompressed_bytes: usize,
    /// `max_batch_bytes`: cap on one delivery body; one larger group goes alone (4 MiB).
    pub max_batch_bytes: usize,
    /// `decision_cache_size`: decisions remembered for late data (100000 groups).
    pub decision_cache_size: usize,
    /// `decision_cache_ttl`: how long a decision is remembered (10 min).
    pub decision_cache_ttl: Duration,
    /// `late_data`: `"remember"` (default) or `"new_group"` (reference behaviour; the default
    /// under `compat: "reference"`).
    pub late_data: LateData,
    /// `compat`: `"default"` (this engine's documented deviations apply) or `"reference"`
    /// (the reference engine's decisions, bit for bit, its predicate fast path aside).
    pub compat: Compat,
    /// `default_ttl`: overrides the 5 min (trace) / 1 min (logging, rum) defaults for sections
    /// that set no `data_ttl`, like the reference's sampler wait time.
    pub default_ttl: Option<Duration>,
    /// `metrics_window`: built-in metric window size (30 s).
    pub metrics_window: Duration,
    /// `default_token`: the token the `dataway_aggregate` runtime counters are written with;
    /// without it they are not emitted.
    pub default_token: Option<String>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            clock: ClockMode::System,
            shards: 16,
            pending_max_packets: 100_000,
            pending_max_bytes: 256 << 20,
            pending_max_age: Duration::from_secs(600),
            memory_limit_bytes: 1 << 30,
            token_memory_share: 0.25,
            max_packet_bytes: 64 << 20,
            max_group_bytes: 64 << 20,
            max_decompressed_bytes: 64 << 20,
            max_batch_bytes: 4 << 20,
            decision_cache_size: 100_000,
            decision_cache_ttl: Duration::from_secs(600),
            late_data: LateData::Remember,
            compat: Compat::Default,
            default_ttl: None,
            metrics_window: Duration::from_secs(30),
            default_token: None,
        }
    }
}

/// A rejected options document: the message names the option.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct OptionsError(pub String);

fn err(name: &str, msg: impl std::fmt::Display) -> OptionsError {
    OptionsError(format!("option {name}: {msg}"))
}

fn count(name: &str, v: &Value, min: u64, max: u64) -> Result<usize, OptionsError> {
    match v.as_u64() {
        Some(n) if (min..=max).contains(&n) => {
            usize::try_from(n).map_err(|_| err(name, "too large"))
        }
        _ => Err(err(
            name,
            format!("expected an integer in [{min}, {max}], found {v}"),
        )),
    }
}

/// A duration option: a Go duration string (`"10m"`) or an integer of nanoseconds.
fn duration(name: &str, v: &Value) -> Result<Duration, OptionsError> {
    let d = match v {
        Value::String(s) => parse_go_duration(s).map_err(|e| err(name, e))?,
        Value::Number(n) => Duration::from_nanos(n.as_u64().ok_or_else(|| {
            err(
                name,
                format!(
                    "expected a duration string or non-negative integer nanoseconds, found {n}"
                ),
            )
        })?),
        other => {
            return Err(err(
                name,
                format!("expected a duration such as \"10m\", found {other}"),
            ))
        }
    };
    if d.is_zero() {
        return Err(err(name, "must be positive"));
    }
    Ok(d)
}

fn string<'v>(name: &str, v: &'v Value) -> Result<&'v str, OptionsError> {
    v.as_str()
        .ok_or_else(|| err(name, format!("expected a string, found {v}")))
}

impl Options {
    /// Whether late packets follow remembered decisions: `late_data: "remember"` with a
    /// decision cache (otherwise a late packet opens a new group).
    pub(crate) fn remembers_decisions(&self) -> bool {
        self.late_data == LateData::Remember && self.decision_cache_size > 0
    }

    /// The option names [`Options::from_json`] accepts.
    pub const NAMES: [&'static str; 18] = [
        "clock",
        "shards",
        "pending_max_packets",
        "pending_max_bytes",
        "pending_max_age",
        "memory_limit_bytes",
        "token_memory_share",
        "max_packet_bytes",
        "max_group_bytes",
        "max_decompressed_bytes",
        "max_batch_bytes",
        "decision_cache_size",
        "decision_cache_ttl",
        "late_data",
        "compat",
        "default_ttl",
        "metrics_window",
        "default_token",
    ];

    /// Parses an options object. Empty input and `{}` give the defaults; `null` values keep the
    /// default. Durations are Go duration strings (`"10m"`) or integer nanoseconds.
    pub fn from_json(json: &[u8]) -> Result<Options, OptionsError> {
        let mut o = Options::default();
        if json.iter().all(u8::is_ascii_whitespace) {
            return Ok(o);
        }
        let doc: Value = serde_json::from_slice(json).map_err(|e| {
            OptionsError(format!(
                "options: invalid JSON at line {} column {}: {e}",
                e.line(),
                e.column()
            ))
        })?;
        let Value::Object(map) = doc else {
            return Err(OptionsError("options: expected a JSON object".into()));
        };
        o.apply(&map)?;
        Ok(o)
    }

    fn apply(&mut self, map: &Map<String, Value>) -> Result<(), OptionsError> {
        const BYTES_MAX: u64 = 1 << 50;
        let mut late_data_set = false;
        for (name, v) in map.iter().filter(|(_, v)| !v.is_null()) {
            let n = name.as_str();
            match n {
                "clock" => {
                    self.clock = match string(n, v)? {
                        "system" => ClockMode::System,
                        "manual" => ClockMode::Manual,
                        other => {
                            return Err(err(
                                n,
                                format!("expected \"system\" or \"manual\", found {other:?}"),
                            ))
                        }
                    }
                }
                "shards" => self.shards = count(n, v, 1, 1024)?,
                "pending_max_packets" => {
                    self.pending_max_packets = count(n, v, 0, u32::MAX.into())?
                }
                "pending_max_bytes" => self.pending_max_bytes = count(n, v, 0, BYTES_MAX)?,
                "pending_max_age" => self.pending_max_age = duration(n, v)?,
                "memory_limit_bytes" => self.memory_limit_bytes = count(n, v, 1, BYTES_MAX)?,
                "token_memory_share" => {
                    self.token_memory_share = v
                        .as_f64()
                        .filter(|s| *s > 0.0 && *s <= 1.0)
                        .ok_or_else(|| {
                            err(n, format!("expected a fraction in (0, 1], found {v}"))
                        })?
                }
                "max_packet_bytes" => self.max_packet_bytes = count(n, v, 1, BYTES_MAX)?,
                "max_group_bytes" => self.max_group_bytes = count(n, v, 1, BYTES_MAX)?,
                "max_decompressed_bytes" => {
                    self.max_decompressed_bytes = count(n, v, 1, BYTES_MAX)?
                }
                "max_batch_bytes" => self.max_batch_bytes = count(n, v, 1, BYTES_MAX)?,
                "decision_cache_size" => {
                    self.decision_cache_size = count(n, v, 0, u32::MAX.into())?
                }
                "decision_cache_ttl" => self.decision_cache_ttl = duration(n, v)?,
                "late_data" => {
                    late_data_set = true;
                    self.late_data = match string(n, v)? {
                        "remember" => LateData::Remember,
                        "new_group" => LateData::NewGroup,
                        other => {
                            return Err(err(
                                n,
                                format!("expected \"remember\" or \"new_group\", found {other:?}"),
                            ))
                        }
                    }
                }
                "compat" => self.compat = string(n, v)?.parse().map_err(|e| err(n, e))?,
                "default_ttl" => self.default_ttl = Some(duration(n, v)?),
                "metrics_window" => self.metrics_window = duration(n, v)?,
                "default_token" => self.default_token = Some(string(n, v)?.to_string()),
                unknown => {
                    return Err(OptionsError(format!(
                        "unknown option {unknown:?} (known options: {})",
                        Self::NAMES.join(", ")
                    )))
                }
            }
        }
        // The reference starts a new group for a late packet; an explicit `late_data` wins.
        if self.compat.is_reference() && !late_data_set {
            self.late_data = LateData::NewGroup;
        }
        Ok(())
    }
}
