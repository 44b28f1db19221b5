//! Engine statistics ([`Stats`]): per token and in total, the five places an accepted packet
//! can be (pending, buffered, kept, dropped by reason), so that at any quiescent moment
//! `accepted == pending.packets + buffered.packets + kept.packets + dropped.packets`
//! ([`Counters::conserved`]); the tokens' ledgers (`ledger.rs`) keep them. The JSON of `ts_stats_json`, Python's `stats()` and Go's
//! `Stats` is the serialization of these types (bindings/go/stats.go and the Python stubs
//! mirror them; their tests check they cover every field):
//!
//! ```json
//! {"memory": {"held_bytes": 0, "limit_bytes": 1073741824},
//!  "total": {...the counters of a token...},
//!  "tokens": {"tkn_a": {
//!     "accepted": 10, "refused_busy": 0,
//!     "pending": {"packets": 0, "bytes": 0},
//!     "buffered": {"groups": 1, "packets": 2, "bytes": 300},
//!     "kept": {"groups": 3, "packets": 5},
//!     "dropped": {"groups": 1, "packets": 3, "by_reason": {"pipeline": 1, "no_match": 2, ...}},
//!     "early_decisions": 0, "late": {"kept": 0, "dropped": 0},
//!     "configs": {"applied": 1, "ignored": 0, "rejected": 0},
//!     "decisions": {"tracing": {"keep-errors": {"kept": 3, "dropped": 0}}},
//!     "config": {"version": 2, "changed_at_unix_nano": 0, "warnings": []},
//!     "drift": {"tracing": {"observed_groups": 64, "observed_keys": 15, "keys_over_limit": 0,
//!       "pipelines": {"trace.pipelines[1]": {"name": "keep-errors", "never_observed": ["sttaus"],
//!         "type_mismatch": [{"key": "http_status_code", "observed": ["tag"], "compared_with": ["int"]}]}}}},
//!     "held_bytes": 0}}}
//! ```

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Serialize;

use super::options::Options;
use super::tenant::Tenant;
use crate::config::Diagnostic;
use crate::schema::Drift;
use crate::wire::DataType;

/// The statistics of a processor ([`Processor::stats`](super::Processor::stats)).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Stats {
    /// The global memory budget.
    pub memory: Memory,
    /// The counters of every token, summed.
    pub total: Counters,
    /// Each token the engine has seen, by token.
    pub tokens: BTreeMap<String, TokenStats>,
}

impl Stats {
    /// The statistics as JSON (the shape in this module's documentation).
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or_default()
    }
}

/// The global memory budget.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Memory {
    /// Payload bytes buffered and pending now.
    pub held_bytes: u64,
    /// The `memory_limit_bytes` option.
    pub limit_bytes: u64,
}

/// Packets and groups through the engine, for one token or in total.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Counters {
    /// Packets ingested with `Ok` or `Pending`.
    pub accepted: u64,
    /// Packets refused with `Busy` (not accepted).
    pub refused_busy: u64,
    /// What waits for a config now.
    pub pending: Bytes,
    /// What waits for a decision now.
    pub buffered: Buffered,
    /// What was decided kept (and handed to `poll_kept`).
    pub kept: Groups,
    /// What was dropped, by decision or for a counted reason.
    pub dropped: Dropped,
    /// Groups decided before their TTL to stay within memory.
    pub early_decisions: u64,
    /// Packets that arrived after their group was decided, by that decision.
    pub late: KeptDropped,
    /// `set_config` outcomes.
    pub configs: Configs,
}

impl Counters {
    /// Whether every accepted packet is accounted for: accepted == pending + buffered + kept +
    /// dropped packets. It holds at any quiescent moment (no call in flight).
    pub fn conserved(&self) -> bool {
        self.accepted
            == self.pending.packets
                + self.buffered.packets
                + self.kept.packets
                + self.dropped.packets
    }

    fn add(&mut self, o: &Counters) {
        self.accepted += o.accepted;
        self.refused_busy += o.refused_busy;
        self.pending.packets += o.pending.packets;
        self.pending.bytes += o.pending.bytes;
        self.buffered.groups += o.buffered.groups;
        self.buffered.packets += o.buffered.packets;
        self.buffered.bytes += o.buffered.bytes;
        self.kept.groups += o.kept.groups;
        self.kept.packets += o.kept.packets;
        self.dropped.groups += o.dropped.groups;
        self.dropped.packets += o.dropped.packets;
        for (reason, n) in &o.dropped.by_reason {
            *self.dropped.by_reason.entry(reason).or_default() += n;
        }
        self.early_decisions += o.early_decisions;
        self.late.kept += o.late.kept;
        self.late.dropped += o.late.dropped;
        self.configs.applied += o.configs.applied;
        self.configs.ignored += o.configs.ignored;
        self.configs.rejected += o.configs.rejected;
    }
}

/// Packets and their payload bytes.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Bytes {
    /// Packets.
    pub packets: u64,
    /// Their payload bytes.
    pub bytes: u64,
}

/// Groups, their packets and payload bytes.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Buffered {
    /// Groups.
    pub groups: u64,
    /// Their packets.
    pub packets: u64,
    /// Their payload bytes.
    pub bytes: u64,
}

/// Groups and their packets.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Groups {
    /// Groups.
    pub groups: u64,
    /// Their packets.
    pub packets: u64,
}

/// Dropped groups and packets, and the packets by reason (`pipeline`, `no_match`,
/// `no_config`, …: every reason is present).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Dropped {
    /// Groups dropped by a decision.
    pub groups: u64,
    /// Packets dropped, by a decision or for a counted reason.
    pub packets: u64,
    /// Dropped packets by reason.
    pub by_reason: BTreeMap<&'static str, u64>,
}

/// A count of kept and of dropped.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct KeptDropped {
    /// Kept.
    pub kept: u64,
    /// Dropped.
    pub dropped: u64,
}

/// Config outcomes.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Configs {
    /// Applied (a new token or a new version).
    pub applied: u64,
    /// Ignored (the version in force re-sent).
    pub ignored: u64,
    /// Refused (invalid; the config in force stays).
    pub rejected: u64,
}

/// The statistics of one token.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct TokenStats {
    /// Its counters.
    #[serde(flatten)]
    pub counters: Counters,
    /// Decided groups by data type (`tracing`, …), then by deciding pipeline (or provenance:
    /// `no_match`, `early`, …).
    pub decisions: BTreeMap<String, BTreeMap<String, KeptDropped>>,
    /// The config in force, `None` while the token has none.
    pub config: Option<ConfigInForce>,
    /// Live drift, per data type the config has a section for.
    pub drift: BTreeMap<String, Drift>,
    /// Payload bytes of this token buffered and pending now.
    pub held_bytes: u64,
}

/// The config in force for a token.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ConfigInForce {
    /// Its top-level `version`.
    pub version: i64,
    /// When it was applied, on the processor's clock.
    pub changed_at_unix_nano: i64,
    /// The warnings it was applied with (what the reference does differently, and what
    /// can never work), as `validate_config` reports them.
    #[serde(serialize_with = "diagnostics")]
    pub warnings: Vec<Diagnostic>,
}

fn diagnostics<S: serde::Serializer>(d: &[Diagnostic], s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(d.iter().map(Diagnostic::to_json))
}

pub(super) fn render(tenants: &[Arc<Tenant>], held: usize, opts: &Options) -> Stats {
    let mut stats = Stats {
        memory: Memory {
            held_bytes: held as u64,
            limit_bytes: opts.memory_limit_bytes as u64,
        },
        ..Stats::default()
    };
    for t in tenants {
        let counters = t.ledger.counters();
        stats.total.add(&counters);
        let mut decisions: BTreeMap<String, BTreeMap<String, KeptDropped>> = BTreeMap::new();
        let metrics = t.metrics.lock();
        for (dt, tallies) in DataType::ALL.iter().zip(&metrics.by_pipeline) {
            if tallies.is_empty() {
                continue;
            }
            let by_name = decisions.entry(dt.as_str().to_owned()).or_default();
            for (name, tally) in tallies {
                by_name.insert(
                    name.to_string(),
                    KeptDropped {
                        kept: tally.kept,
                        dropped: tally.dropped,
                    },
                );
            }
        }
        drop(metrics);
        let installed = t.config.read();
        let config = installed.as_ref().map(|i| ConfigInForce {
            version: i.plan.config().version,
            changed_at_unix_nano: i.changed_at_ns,
            warnings: i.warnings.clone(),
        });
        // Live drift: per data type with a config section, the pipelines whose referenced
        // keys were never observed or only with types their comparisons never match.
        let drift = installed
            .as_ref()
            .map(|i| {
                DataType::ALL
                    .iter()
                    .filter_map(|dt| {
                        let section = i.plan.config().section(*dt)?;
                        Some((
                            dt.as_str().to_owned(),
                            t.observed[dt.index()].lock().drift(section),
                        ))
                    })
                    .collect()
            })
            .unwrap_or_default();
        stats.tokens.insert(
            t.token.to_string(),
            TokenStats {
                counters,
                decisions,
                config,
                drift,
                held_bytes: t.account.held() as u64,
            },
        );
    }
    stats
}
