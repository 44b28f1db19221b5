//! Per-token state: the token's config (and its decision plan), its share of the memory budget, its groups in age
//! order (for early decisions), its counters, its built-in metrics and the fields observed in
//! its data.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;

use parking_lot::{Mutex, RwLock};

use super::plan::Plan;
use crate::config::Diagnostic;
use crate::metrics::Builtin;
use crate::schema::Observed;
use crate::wire::DataType;

/// Why packets were dropped; each is counted separately (conservation, docs/architecture.md,
/// "Engine semantics").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Reason {
    /// A matched pipeline dropped the group (drop action or not sampled).
    Pipeline = 0,
    /// No pipeline matched.
    NoMatch,
    /// No config for the group's data type at decision time.
    NoConfig,
    /// A payload failed to decode or decompress.
    DecodeError,
    /// Decided early to stay within the token's memory share, and dropped.
    Early,
    /// A late packet of a group already dropped.
    Late,
    /// Waited in the pending cache longer than `pending_max_age`.
    PendingExpired,
    /// Under `compat: "reference"`, its data type's `data_ttl` is negative or under 1 s,
    /// which the reference accepts and then drops every packet for.
    InvalidTtl,
}

impl Reason {
    pub(crate) const ALL: [Reason; 8] = [
        Reason::Pipeline,
        Reason::NoMatch,
        Reason::NoConfig,
        Reason::DecodeError,
        Reason::Early,
        Reason::Late,
        Reason::PendingExpired,
        Reason::InvalidTtl,
    ];

    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Reason::Pipeline => "pipeline",
            Reason::NoMatch => "no_match",
            Reason::NoConfig => "no_config",
            Reason::DecodeError => "decode_error",
            Reason::Early => "early",
            Reason::Late => "late",
            Reason::PendingExpired => "pending_expired",
            Reason::InvalidTtl => "invalid_ttl",
        }
    }
}

/// Monotonic and gauge counters of one token, in packets unless named otherwise.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub(crate) accepted: AtomicU64,
    pub(crate) pending_packets: AtomicU64,
    pub(crate) pending_bytes: AtomicU64,
    pub(crate) buffered_groups: AtomicU64,
    pub(crate) buffered_packets: AtomicU64,
    pub(crate) buffered_bytes: AtomicU64,
    pub(crate) kept_groups: AtomicU64,
    pub(crate) kept_packets: AtomicU64,
    pub(crate) dropped_groups: AtomicU64,
    pub(crate) dropped_packets: AtomicU64,
    pub(crate) dropped_by: [AtomicU64; Reason::ALL.len()],
    pub(crate) early_decisions: AtomicU64,
    pub(crate) late_kept: AtomicU64,
    pub(crate) late_dropped: AtomicU64,
    pub(crate) busy: AtomicU64,
    pub(crate) configs_applied: AtomicU64,
    pub(crate) configs_ignored: AtomicU64,
    pub(crate) configs_rejected: AtomicU64,
    /// Runtime counters (`dataway_aggregate`) since the last report: body bytes, packets,
    /// points of accepted packets.
    pub(crate) runtime_body_bytes: AtomicU64,
    pub(crate) runtime_packets: AtomicU64,
    pub(crate) runtime_points: AtomicU64,
}

pub(crate) fn add(c: &AtomicU64, n: u64) {
    c.fetch_add(n, Ordering::Relaxed);
}

pub(crate) fn sub(c: &AtomicU64, n: u64) {
    c.fetch_sub(n, Ordering::Relaxed);
}

pub(crate) fn get(c: &AtomicU64) -> u64 {
    c.load(Ordering::Relaxed)
}

impl Counters {
    pub(crate) fn dropped(&self, reason: Reason, packets: u64) {
        add(&self.dropped_packets, packets);
        add(&self.dropped_by[reason as usize], packets);
    }
}

/// Decisions per deciding pipeline (or reason), for stats and reports.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Tally {
    pub(crate) kept: u64,
    pub(crate) dropped: u64,
}

/// The token's metric state, under one lock.
pub(crate) struct TenantMetrics {
    pub(crate) builtin: Builtin,
    pub(crate) by_pipeline: HashMap<(DataType, String), Tally>,
}

impl std::fmt::Debug for TenantMetrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TenantMetrics")
            .field("by_pipeline", &self.by_pipeline)
            .finish_non_exhaustive()
    }
}

/// The current config of a token (with its decision plan) and when it last changed.
#[derive(Debug)]
pub(crate) struct Installed {
    pub(crate) plan: Arc<Plan>,
    pub(crate) changed_at_ns: i64,
    /// The warnings of the config when it was applied.
    pub(crate) warnings: Vec<Diagnostic>,
}

#[derive(Debug)]
pub(crate) struct Tenant {
    pub(crate) token: Arc<str>,
    pub(crate) config: RwLock<Option<Installed>>,
    /// Bytes this token's buffered groups hold against the budget.
    pub(crate) held: AtomicUsize,
    /// Buffered groups by creation sequence: the oldest is decided first when over budget.
    pub(crate) order: Mutex<BTreeMap<u64, u64>>,
    pub(crate) counters: Counters,
    pub(crate) metrics: Mutex<TenantMetrics>,
    /// Keys and types seen in decided groups, per data type (live drift).
    pub(crate) observed: [Mutex<Observed>; 3],
}

impl Tenant {
    pub(crate) fn new(token: Arc<str>, metrics_window: std::time::Duration) -> Self {
        Tenant {
            token,
            config: RwLock::new(None),
            held: AtomicUsize::new(0),
            order: Mutex::new(BTreeMap::new()),
            counters: Counters::default(),
            observed: Default::default(),
            metrics: Mutex::new(TenantMetrics {
                builtin: Builtin::new(metrics_window),
                by_pipeline: HashMap::new(),
            }),
        }
    }

    /// The plan of the config in force now, if any.
    pub(crate) fn plan(&self) -> Option<Arc<Plan>> {
        self.config.read().as_ref().map(|i| i.plan.clone())
    }
}
