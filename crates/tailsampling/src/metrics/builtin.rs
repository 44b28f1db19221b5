//! The built-in `tail_sampling` metrics of one token: counters and the `trace_duration`
//! histogram, accumulated per time window and drained as points once a window has ended.
//!
//! A record at time `t` belongs to the window `(end - w, end]` whose `end` is the smallest
//! multiple of `w` at or after `t`, so a record exactly on a boundary belongs to the window that
//! ends there (as in the reference engine); its points carry the window end as time. Records of
//! one window with the same metric and tags are summed into one point.
//!
//! Recording is cheap: the window is found once per call, its `source`, `group_key` and
//! `pipeline` strings are interned per window (no allocation once seen), and a series is keyed
//! by a small struct of symbols. Strings live as long as their window, and the number of
//! series is capped ([`MAX_SERIES`]).

use std::collections::{btree_map, BTreeMap, HashMap};
use std::time::Duration;

use super::encode::Body;
use super::{DEFAULT_WINDOW, DURATION_BUCKETS_MS, MAX_SERIES, MEASUREMENT};
use crate::config::{BuiltinMetric, BuiltinMetrics};
use crate::wire::DataType;

/// `le` tag values of the `trace_duration` buckets, the finite bounds then `+Inf`.
const LE: [&str; DURATION_BUCKETS_MS.len() + 1] = [
    "1", "10", "20", "50", "100", "200", "500", "1000", "2000", "5000", "+Inf",
];
const DURATION_BUCKET: &str = "trace_duration_bucket";
const DURATION_SUM: &str = "trace_duration_sum";
const DURATION_COUNT: &str = "trace_duration_count";
const NS_PER_MS: f64 = 1e6;

/// What a metric record is about (borrowed from the packet or group).
#[derive(Clone, Copy, Debug)]
pub struct Sample<'a> {
    /// The data type of the packet or group.
    pub data_type: DataType,
    /// The Datakit input name (`DataPacket.source`); tag `source` when non-empty.
    pub source: &'a str,
    /// The group dimension key (`DataPacket.group_key`); tag `group_key` when non-empty.
    pub group_key: &'a str,
    /// The record's time (unix ns), which picks its window.
    pub time_ns: i64,
}

/// The built-in metrics of one token, bucketed into windows. `Send`; the engine holds one per
/// token under a mutex.
#[derive(Debug)]
pub struct Builtin {
    window_ns: i64,
    /// Open windows by end time (unix ns).
    windows: BTreeMap<i64, Window>,
    /// Series across all open windows.
    series: usize,
    rejected: u64,
}

impl Builtin {
    /// An empty accumulator with windows of `window` (a zero window means [`DEFAULT_WINDOW`];
    /// windows longer than `i64::MAX` ns are clamped to it).
    pub fn new(window: Duration) -> Self {
        let window = if window.is_zero() {
            DEFAULT_WINDOW
        } else {
            window
        };
        Self {
            window_ns: i64::try_from(window.as_nanos()).unwrap_or(i64::MAX),
            windows: BTreeMap::new(),
            series: 0,
            rejected: 0,
        }
    }

    /// One ingested packet, at stage `ingest`: for tracing `trace_total_count` +1,
    /// `trace_error_count` +1 if `has_error`, `span_total_count` + `point_count` (when
    /// positive); for logging `logging_total_count` +1, `logging_error_count` +1 if
    /// `has_error`; for rum `rum_total_count` +1. Only metrics in `enabled` are recorded.
    pub fn on_ingest(
        &mut self,
        s: &Sample,
        has_error: bool,
        point_count: i64,
        enabled: BuiltinMetrics,
    ) {
        use BuiltinMetric::*;
        let count = |metric: BuiltinMetric, on: bool, value: f64| {
            (on && enabled.enabled(metric)).then_some(Record::Count(metric, value))
        };
        let records = match s.data_type {
            DataType::Tracing => [
                count(TraceTotalCount, true, 1.0),
                count(TraceErrorCount, has_error, 1.0),
                count(SpanTotalCount, point_count > 0, point_count as f64),
            ],
            DataType::Logging => [
                count(LoggingTotalCount, true, 1.0),
                count(LoggingErrorCount, has_error, 1.0),
                None,
            ],
            DataType::Rum => [count(RumTotalCount, true, 1.0), None, None],
        };
        self.record(s, "", &records);
    }

    /// One decided group. `<type>_kept_count` or `<type>_dropped_count` +1 at stage `decision`
    /// (tag `decision` = `kept`|`dropped`, tag `pipeline` = `pipeline`: the deciding pipeline's
    /// name or a provenance such as `no_match`, `no_config`, `early`, `late`, `decode_error`).
    /// For tracing, `duration_ns` = `Some(end - start)` (when positive) feeds the
    /// `trace_duration` histogram (stage `pre_decision`, in ms). Only metrics in `enabled` are
    /// recorded.
    pub fn on_decision(
        &mut self,
        s: &Sample,
        kept: bool,
        pipeline: &str,
        duration_ns: Option<i64>,
        enabled: BuiltinMetrics,
    ) {
        use BuiltinMetric::*;
        let metric = match (s.data_type, kept) {
            (DataType::Tracing, true) => TraceKeptCount,
            (DataType::Tracing, false) => TraceDroppedCount,
            (DataType::Logging, true) => LoggingKeptCount,
            (DataType::Logging, false) => LoggingDroppedCount,
            (DataType::Rum, true) => RumKeptCount,
            (DataType::Rum, false) => RumDroppedCount,
        };
        let duration = match (s.data_type, duration_ns) {
            (DataType::Tracing, Some(ns)) if ns > 0 && enabled.enabled(TraceDuration) => {
                Some(Record::Duration(ns as f64 / NS_PER_MS))
            }
            _ => None,
        };
        let count = enabled
            .enabled(metric)
            .then_some(Record::Count(metric, 1.0));
        self.record(s, pipeline, &[count, duration]);
    }

    /// Emits every window whose end is `<= now_ns` (or every window if `all`) and removes it:
    /// a serialized `PBPoints` body and its point count; `None` if there is nothing to emit.
    /// Points come windows ascending, then by metric name, then by tag values in tag-key order
    /// (histogram buckets by bound).
    pub fn drain(&mut self, now_ns: i64, all: bool) -> Option<(Vec<u8>, u64)> {
        let due = match now_ns.checked_add(1) {
            Some(after) if !all => {
                let later = self.windows.split_off(&after);
                std::mem::replace(&mut self.windows, later)
            }
            _ => std::mem::take(&mut self.windows),
        };
        let mut body = Body::default();
        for (end, window) in &due {
            self.series = self.series.saturating_sub(window.series());
            window.emit(*end, &mut body);
        }
        body.finish()
    }

    /// Whether no window is open (nothing to drain).
    pub fn is_empty(&self) -> bool {
        self.windows.is_empty()
    }

    /// Records not accumulated since creation: their window is not representable in `i64`
    /// nanoseconds, or they would have opened a series beyond [`MAX_SERIES`].
    pub fn rejected(&self) -> u64 {
        self.rejected
    }

    /// Adds `records` (the `Some` ones) for `s`, finding the window and interning the tag
    /// strings once for all of them.
    fn record(&mut self, s: &Sample, pipeline: &str, records: &[Option<Record>]) {
        let wanted = records.iter().flatten().count() as u64;
        if wanted == 0 {
            return;
        }
        let Some(end) = window_end(s.time_ns, self.window_ns) else {
            self.rejected = self.rejected.saturating_add(wanted);
            return;
        };
        let open = self.series < MAX_SERIES;
        let window = match self.windows.entry(end) {
            btree_map::Entry::Occupied(e) => e.into_mut(),
            btree_map::Entry::Vacant(e) if open => e.insert(Window::default()),
            btree_map::Entry::Vacant(_) => {
                self.rejected = self.rejected.saturating_add(wanted);
                return;
            }
        };
        let Some(labels) = window.labels(s.source, s.group_key, pipeline, open) else {
            self.rejected = self.rejected.saturating_add(wanted);
            return;
        };
        for record in records.iter().flatten() {
            if !window.add(labels, *record, &mut self.series) {
                self.rejected = self.rejected.saturating_add(1);
            }
        }
    }
}

/// The end of the window holding `time_ns`, or `None` if it does not fit in `i64`. Windows
/// are `(end - window, end]`: a time exactly on a boundary belongs to the window that ends
/// there, as in the reference engine (docs/protocol.md, "Metrics").
fn window_end(time_ns: i64, window_ns: i64) -> Option<i64> {
    match time_ns.rem_euclid(window_ns) {
        0 => Some(time_ns),
        rem => time_ns.checked_sub(rem)?.checked_add(window_ns),
    }
}

/// One value to accumulate.
#[derive(Clone, Copy, Debug)]
enum Record {
    /// Add to a counter.
    Count(BuiltinMetric, f64),
    /// Observe a trace duration (ms) in the histogram.
    Duration(f64),
}

/// An interned string of one window; `Sym(0)` is the empty string.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct Sym(u32);

impl Sym {
    const EMPTY: Sym = Sym(0);
}

/// The interned tag strings of one window.
#[derive(Debug, Default)]
struct Symbols {
    ids: HashMap<Box<str>, u32>,
}

impl Symbols {
    fn find(&self, s: &str) -> Option<Sym> {
        if s.is_empty() {
            return Some(Sym::EMPTY);
        }
        self.ids.get(s).copied().map(Sym)
    }

    /// `None` only if the symbol space is exhausted (far beyond [`MAX_SERIES`]).
    fn intern(&mut self, s: &str) -> Option<Sym> {
        if let Some(sym) = self.find(s) {
            return Some(sym);
        }
        let id = u32::try_from(self.ids.len() + 1).ok()?;
        self.ids.insert(s.into(), id);
        Some(Sym(id))
    }

    /// Every string, indexed by its symbol.
    fn table(&self) -> Vec<&str> {
        let mut table = vec![""; self.ids.len() + 1];
        for (s, &id) in &self.ids {
            if let Some(slot) = usize::try_from(id).ok().and_then(|i| table.get_mut(i)) {
                *slot = s;
            }
        }
        table
    }
}

/// The string tags of a record.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct Labels {
    source: Sym,
    group_key: Sym,
    /// The deciding pipeline (decision records only; empty otherwise).
    pipeline: Sym,
}

/// A counter series of one window.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct CounterKey {
    metric: BuiltinMetric,
    labels: Labels,
}

/// The `trace_duration` histogram of one series.
#[derive(Debug, Default)]
struct Histogram {
    /// Observations per bucket (not cumulative): `buckets[i]` counts values in
    /// `(bound[i-1], bound[i]]`, the last one values above every bound.
    buckets: [u64; LE.len()],
    sum_ms: f64,
    count: u64,
}

impl Histogram {
    fn observe(&mut self, ms: f64) {
        let index = DURATION_BUCKETS_MS
            .iter()
            .position(|&bound| ms <= bound)
            .unwrap_or(DURATION_BUCKETS_MS.len());
        if let Some(bucket) = self.buckets.get_mut(index) {
            *bucket += 1;
        }
        self.sum_ms += ms;
        self.count += 1;
    }
}

/// The accumulated series of one window.
#[derive(Debug, Default)]
struct Window {
    symbols: Symbols,
    counters: HashMap<CounterKey, f64>,
    /// Keyed by labels whose `pipeline` is always empty.
    histograms: HashMap<Labels, Histogram>,
}

impl Window {
    fn series(&self) -> usize {
        self.counters.len() + self.histograms.len()
    }

    /// The symbols of a record's tags; when `intern` is false (series cap reached) only
    /// strings already seen resolve, since a new string could only serve a new series.
    fn labels(
        &mut self,
        source: &str,
        group_key: &str,
        pipeline: &str,
        intern: bool,
    ) -> Option<Labels> {
        let symbols = &mut self.symbols;
        let mut sym = |s: &str| {
            if intern {
                symbols.intern(s)
            } else {
                symbols.find(s)
            }
        };
        Some(Labels {
            source: sym(source)?,
            group_key: sym(group_key)?,
            pipeline: sym(pipeline)?,
        })
    }

    /// Accumulates `record`; `false` if it would open a series beyond [`MAX_SERIES`].
    fn add(&mut self, labels: Labels, record: Record, series: &mut usize) -> bool {
        match record {
            Record::Count(metric, value) => {
                let key = CounterKey { metric, labels };
                if let Some(sum) = self.counters.get_mut(&key) {
                    *sum += value;
                } else if *series < MAX_SERIES {
                    self.counters.insert(key, value);
                    *series += 1;
                } else {
                    return false;
                }
            }
            Record::Duration(ms) => {
                let key = Labels {
                    pipeline: Sym::EMPTY,
                    ..labels
                };
                if let Some(histogram) = self.histograms.get_mut(&key) {
                    histogram.observe(ms);
                } else if *series < MAX_SERIES {
                    let mut histogram = Histogram::default();
                    histogram.observe(ms);
                    self.histograms.insert(key, histogram);
                    *series += 1;
                } else {
                    return false;
                }
            }
        }
        true
    }

    /// Pushes this window's points, time `end`, in deterministic order.
    fn emit(&self, end: i64, body: &mut Body) {
        let table = self.symbols.table();
        let text = |sym: Sym| {
            usize::try_from(sym.0)
                .ok()
                .and_then(|i| table.get(i).copied())
                .unwrap_or("")
        };
        let mut entries = Vec::with_capacity(self.counters.len() + self.histograms.len() * 13);
        for (key, &value) in &self.counters {
            let (stage, decision) = stage_of(key.metric);
            entries.push(Entry {
                name: key.metric.name(),
                data_type: key.metric.data_type(),
                stage,
                decision,
                group_key: text(key.labels.group_key),
                le: None,
                pipeline: text(key.labels.pipeline),
                source: text(key.labels.source),
                value,
            });
        }
        for (labels, histogram) in &self.histograms {
            let entry = |name, le, value| Entry {
                name,
                data_type: DataType::Tracing,
                stage: "pre_decision",
                decision: None,
                group_key: text(labels.group_key),
                le,
                pipeline: "",
                source: text(labels.source),
                value,
            };
            let mut cumulative = 0;
            for (index, &n) in histogram.buckets.iter().enumerate() {
                cumulative += n;
                entries.push(entry(DURATION_BUCKET, Some(index), cumulative as f64));
            }
            entries.push(entry(DURATION_SUM, None, histogram.sum_ms));
            entries.push(entry(DURATION_COUNT, None, histogram.count as f64));
        }
        // Name, stage, decision and data type follow from the metric name.
        entries.sort_by(|a, b| {
            (a.name, a.group_key, a.le, a.pipeline, a.source).cmp(&(
                b.name,
                b.group_key,
                b.le,
                b.pipeline,
                b.source,
            ))
        });
        for e in &entries {
            let le = e.le.and_then(|i| LE.get(i).copied());
            let tags = [
                Some(("data_type", e.data_type.as_str())),
                e.decision.map(|d| ("decision", d)),
                Some(("group_key", e.group_key)),
                le.map(|le| ("le", le)),
                Some(("pipeline", e.pipeline)),
                Some(("source", e.source)),
                Some(("stage", e.stage)),
            ];
            body.push(
                MEASUREMENT,
                tags.into_iter().flatten(),
                e.name,
                e.value,
                end,
            );
        }
    }
}

/// One point to emit, before sorting.
struct Entry<'a> {
    name: &'static str,
    data_type: DataType,
    stage: &'static str,
    decision: Option<&'static str>,
    group_key: &'a str,
    /// Index into [`LE`] for histogram buckets.
    le: Option<usize>,
    pipeline: &'a str,
    source: &'a str,
    value: f64,
}

/// The `stage` tag of a counter and its `decision` tag, if any.
fn stage_of(metric: BuiltinMetric) -> (&'static str, Option<&'static str>) {
    use BuiltinMetric::*;
    match metric {
        TraceKeptCount | LoggingKeptCount | RumKeptCount => ("decision", Some("kept")),
        TraceDroppedCount | LoggingDroppedCount | RumDroppedCount => ("decision", Some("dropped")),
        TraceDuration => ("pre_decision", None),
        TraceTotalCount | TraceErrorCount | SpanTotalCount | LoggingTotalCount
        | LoggingErrorCount | RumTotalCount => ("ingest", None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_end_aligns_and_never_overflows() {
        assert_eq!(window_end(0, 10), Some(0));
        assert_eq!(window_end(1, 10), Some(10));
        assert_eq!(window_end(9, 10), Some(10));
        // On a boundary: the window that ends there (the reference's rule).
        assert_eq!(window_end(10, 10), Some(10));
        assert_eq!(window_end(11, 10), Some(20));
        assert_eq!(window_end(-1, 10), Some(0));
        assert_eq!(window_end(-10, 10), Some(-10));
        assert_eq!(window_end(-11, 10), Some(-10));
        assert_eq!(window_end(i64::MAX, 10), None);
        assert_eq!(window_end(i64::MIN, 10), None);
        assert_eq!(window_end(i64::MIN, 2), Some(i64::MIN));
        assert_eq!(window_end(i64::MIN + 1, 2), Some(i64::MIN + 2));
        assert_eq!(window_end(5, i64::MAX), Some(i64::MAX));
    }

    #[test]
    fn symbols_intern_once_and_resolve() {
        let mut symbols = Symbols::default();
        assert_eq!(symbols.find(""), Some(Sym::EMPTY));
        assert_eq!(symbols.find("a"), None);
        let a = symbols.intern("a");
        assert_eq!(a, Some(Sym(1)));
        assert_eq!(symbols.intern("a"), a);
        assert_eq!(symbols.intern("b"), Some(Sym(2)));
        assert_eq!(symbols.intern(""), Some(Sym::EMPTY));
        assert_eq!(symbols.table(), vec!["", "a", "b"]);
    }

    #[test]
    fn histogram_buckets_are_inclusive() {
        let mut h = Histogram::default();
        for ms in [0.5, 1.0, 1.000001, 10.0, 5000.0, 5000.5] {
            h.observe(ms);
        }
        assert_eq!(h.buckets, [2, 2, 0, 0, 0, 0, 0, 0, 0, 1, 1]);
        assert_eq!(h.count, 6);
    }
}
