//! Engine statistics as JSON: per token and in total, the five places an accepted packet can
//! be (pending, buffered, kept, dropped by reason), so that at any quiescent moment
//! `accepted == pending.packets + buffered.packets + kept.packets + dropped.packets`.
//!
//! ```json
//! {"memory": {"held_bytes": 0, "limit_bytes": 1073741824},
//!  "total": {...same shape as a token, without "config"...},
//!  "tokens": {"tkn_a": {
//!     "accepted": 10, "refused_busy": 0,
//!     "pending": {"packets": 0, "bytes": 0},
//!     "buffered": {"groups": 1, "packets": 2, "bytes": 300},
//!     "kept": {"groups": 3, "packets": 5},
//!     "dropped": {"groups": 1, "packets": 3, "by_reason": {"pipeline": 1, "no_match": 2, ...}},
//!     "early_decisions": 0, "late": {"kept": 0, "dropped": 0},
//!     "decisions": {"tracing": {"keep-errors": {"kept": 3, "dropped": 0}}},
//!     "configs": {"applied": 1, "ignored": 0, "rejected": 0},
//!     "config": {"version": 2, "changed_at_unix_nano": 0},
//!     "drift": {"tracing": {"observed_groups": 64, "observed_keys": 15, "keys_over_limit": 0,
//!       "pipelines": {"trace.pipelines[1]": {"name": "keep-errors", "never_observed": ["sttaus"],
//!         "type_mismatch": [{"key": "http_status_code", "observed": ["tag"], "compared_with": ["int"]}]}}}},
//!     "held_bytes": 0}}}
//! ```

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::{json, Map, Value};

use super::options::Options;
use super::tenant::{get, Counters, Reason, Tenant};
use crate::config::{DataType, Diagnostic};

/// The counter values of one token, or their sum.
#[derive(Default)]
struct Snapshot {
    accepted: u64,
    busy: u64,
    pending: [u64; 2],
    buffered: [u64; 3],
    kept: [u64; 2],
    dropped: [u64; 2],
    by_reason: [u64; Reason::ALL.len()],
    early: u64,
    late: [u64; 2],
    configs: [u64; 3],
}

impl Snapshot {
    fn of(c: &Counters) -> Self {
        Snapshot {
            accepted: get(&c.accepted),
            busy: get(&c.busy),
            pending: [get(&c.pending_packets), get(&c.pending_bytes)],
            buffered: [
                get(&c.buffered_groups),
                get(&c.buffered_packets),
                get(&c.buffered_bytes),
            ],
            kept: [get(&c.kept_groups), get(&c.kept_packets)],
            dropped: [get(&c.dropped_groups), get(&c.dropped_packets)],
            by_reason: std::array::from_fn(|i| get(&c.dropped_by[i])),
            early: get(&c.early_decisions),
            late: [get(&c.late_kept), get(&c.late_dropped)],
            configs: [
                get(&c.configs_applied),
                get(&c.configs_ignored),
                get(&c.configs_rejected),
            ],
        }
    }

    fn add(&mut self, o: &Snapshot) {
        fn sum<const N: usize>(a: &mut [u64; N], b: &[u64; N]) {
            a.iter_mut().zip(b).for_each(|(x, y)| *x += y);
        }
        self.accepted += o.accepted;
        self.busy += o.busy;
        sum(&mut self.pending, &o.pending);
        sum(&mut self.buffered, &o.buffered);
        sum(&mut self.kept, &o.kept);
        sum(&mut self.dropped, &o.dropped);
        sum(&mut self.by_reason, &o.by_reason);
        self.early += o.early;
        sum(&mut self.late, &o.late);
        sum(&mut self.configs, &o.configs);
    }

    fn to_json(&self) -> Map<String, Value> {
        let by_reason: Map<String, Value> = Reason::ALL
            .iter()
            .map(|r| (r.as_str().to_string(), json!(self.by_reason[*r as usize])))
            .collect();
        let v = json!({
            "accepted": self.accepted,
            "refused_busy": self.busy,
            "pending": {"packets": self.pending[0], "bytes": self.pending[1]},
            "buffered": {"groups": self.buffered[0], "packets": self.buffered[1], "bytes": self.buffered[2]},
            "kept": {"groups": self.kept[0], "packets": self.kept[1]},
            "dropped": {"groups": self.dropped[0], "packets": self.dropped[1], "by_reason": by_reason},
            "early_decisions": self.early,
            "late": {"kept": self.late[0], "dropped": self.late[1]},
            "configs": {"applied": self.configs[0], "ignored": self.configs[1], "rejected": self.configs[2]},
        });
        match v {
            Value::Object(m) => m,
            _ => Map::new(),
        }
    }
}

pub(super) fn render(tenants: &[Arc<Tenant>], held: usize, opts: &Options) -> Value {
    let mut total = Snapshot::default();
    let mut tokens = BTreeMap::new();
    for t in tenants {
        let snap = Snapshot::of(&t.counters);
        total.add(&snap);
        let mut m = snap.to_json();
        let mut decisions: BTreeMap<&str, BTreeMap<String, Value>> = BTreeMap::new();
        for ((dt, name), tally) in &t.metrics.lock().by_pipeline {
            decisions.entry(dt.as_str()).or_default().insert(
                name.clone(),
                json!({"kept": tally.kept, "dropped": tally.dropped}),
            );
        }
        m.insert("decisions".into(), json!(decisions));
        let config = t.config.read();
        m.insert(
            "config".into(),
            match config.as_ref() {
                Some(i) => json!({
                    "version": i.config.version,
                    "changed_at_unix_nano": i.changed_at_ns,
                    "warnings": i.warnings.iter().map(Diagnostic::to_json).collect::<Vec<_>>(),
                }),
                None => Value::Null,
            },
        );
        // Live drift: per data type with a config section, the pipelines whose referenced
        // keys were never observed or only with types their comparisons never match.
        let drift: Map<String, Value> = config
            .as_ref()
            .map(|i| {
                DataType::ALL
                    .iter()
                    .filter_map(|dt| {
                        let section = i.config.section(*dt)?;
                        Some((
                            dt.as_str().to_string(),
                            t.observed[dt.index()].lock().drift(section),
                        ))
                    })
                    .collect()
            })
            .unwrap_or_default();
        m.insert("drift".into(), Value::Object(drift));
        m.insert(
            "held_bytes".into(),
            json!(t.held.load(std::sync::atomic::Ordering::Relaxed)),
        );
        tokens.insert(t.token.to_string(), Value::Object(m));
    }
    json!({
        "memory": {"held_bytes": held, "limit_bytes": opts.memory_limit_bytes},
        "total": Value::Object(total.to_json()),
        "tokens": tokens,
    })
}
