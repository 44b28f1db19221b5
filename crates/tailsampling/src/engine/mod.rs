//! The engine (docs/architecture.md, "Engine semantics"): groups packets by key across locked
//! shards, waits out each group's sliding TTL on a timing wheel, decides, and hands kept payloads
//! and metrics to the host as deliveries. Packets without a config wait in the pending cache; a
//! memory budget with per-token shares bounds what is held; every accepted packet is accounted for.
//!
//! The engine starts no threads and calls nothing back: the host calls [`Processor::ingest`],
//! [`Processor::poll_kept`], [`Processor::poll_metrics`] and the rest, from any threads.
//!
//! The [`Processor`] choreographs small parts, each owning one concern: the `Budget`
//! (`budget.rs`: the memory reservations), each token's `Ledger` (`ledger.rs`: the named
//! transitions of a packet's accounting), the `Plan` of each installed config (`plan.rs`:
//! what deciding needs, built once per `set_config`), the shards (`shard.rs`), the pending
//! cache, the decision walk (`decide.rs`) and the outbox.
//!
//! # Deciding outside the shard lock
//!
//! A group due for a decision (its TTL elapsed, `flush`, an early decision, its size cap) is
//! taken out of its shard under the shard's lock, and decided (decompressed, walked, accounted,
//! recorded) after the lock is released, so ingest into that shard never waits behind a
//! decision. A packet of that group may arrive in between:
//!
//! - While late data follows remembered decisions (`late_data: "remember"` with a decision
//!   cache), taking the group leaves a *deciding* marker under its key in the shard. A packet
//!   arriving meanwhile waits on the marker (it neither joins the group, already gone, nor opens
//!   a new one, and keeps its reservation); once the group is decided, the decider records the
//!   decision in the decision cache and removes the marker under the lock, then has the waiting
//!   packets follow the decision as late packets do (kept and delivered, or dropped as `late`).
//!   Before the marker, the packet joined the group; after it, the decision cache answers: each
//!   packet is accounted once and ends where the decision says.
//! - With `late_data: "new_group"` (or no decision cache) there is no marker: the packet opens a
//!   new group, as any late packet does (the reference's semantics).
//!
//! # Locks
//!
//! The kinds of lock, in the order in which they may nest: a lock is only ever acquired while
//! holding locks of kinds listed before it (and never two of one kind); the nestings that occur
//! are named.
//!
//! 1. `Processor::pending` (the pending cache).
//! 2. `Tenant::config` (a `RwLock`: the config in force and its plan): under `pending` in
//!    `apply_config` (write: no packet slips into the pending cache after the drain) and in the
//!    no-config path of `ingest` (read: the re-check).
//! 3. `Tenant::observed[data type]` (live drift): under `Tenant::config` (read) in `stats`;
//!    alone while a sampled group is walked (released before the decision is accounted).
//! 4. A shard (`Processor::shards[i]`: groups, wheel, decision cache, deciding markers). Held
//!    only to place a packet or take groups out and settle their decisions: no decompression,
//!    walk, metric or outbox work runs under it.
//! 5. `Tenant::order` (the token's groups in age order): under a shard when a packet opens a
//!    group.
//! 6. Leaves, under which nothing is acquired: `Tenant::metrics`, `Processor::outbox`,
//!    `Processor::runtime` and `Processor::tenants` (a `RwLock`).
//!
//! The clock, the budget, the ledgers and the group sequence are atomics, not locks.

mod budget;
mod clock;
mod decide;
mod decision_cache;
mod error;
mod group;
pub mod guard;
mod ledger;
mod options;
mod outbox;
mod peek;
mod pending;
mod plan;
mod shard;
mod stats;
mod tenant;
#[cfg(test)]
mod tests;
mod wheel;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

use parking_lot::{Mutex, RwLock};

pub use error::{Error, Status};
pub use options::{ClockMode, LateData, Options, OptionsError};
pub use outbox::{Delivery, CONTENT_TYPE};
pub use peek::{peek_packet, PacketInfo};
pub use stats::{
    Buffered, Bytes, ConfigInForce, Configs, Counters, Dropped, Groups, KeptDropped, Memory, Stats,
    TokenStats,
};

use crate::config::{BuiltinMetrics, Config, Diagnostic};
use crate::metrics::{Runtime, Sample, SendResult};
use crate::wire::DataType;
use crate::wire::{group_key_hash, PacketRef};
use budget::{Budget, Shortfall};
use clock::{secs, Clock};
use decide::{decide, validated, Caps, Decision, Why};
use group::{metric_time, Group, Header, Late, GROUP_OVERHEAD, SEGMENT_OVERHEAD};
use ledger::{ConfigOutcome, Fate, Reason};
use outbox::{Kept, Outbox};
use pending::Pending;
use plan::{Admission, Plan, Rules};
use shard::{Arrival, Shard};
use tenant::Tenant;

/// The API name runtime counters attribute ingested bodies to.
const INGEST_API: &str = "/v1/tail_sampling";

/// The longest token, `DataPacket.source` and `DataPacket.group_key` accepted, in bytes. They
/// outlive the packet (tenant keys, group headers, metric tags) outside the memory budget, so
/// longer ones are refused ([`Status::InvalidArgument`]); real ones are a few dozen bytes.
pub const MAX_NAME_LEN: usize = 1024;

/// `Err(InvalidArgument)` naming `what` if `value` is longer than [`MAX_NAME_LEN`].
fn check_name_len(what: &str, value: &str) -> Result<(), Error> {
    if value.len() > MAX_NAME_LEN {
        return Err(Error::new(
            Status::InvalidArgument,
            format!(
                "{what} is {} bytes long; the limit is {MAX_NAME_LEN}",
                value.len()
            ),
        ));
    }
    Ok(())
}

/// The tail-sampling engine. Every method takes `&self` and is safe to call from many
/// threads at once.
pub struct Processor {
    opts: Options,
    clock: Clock,
    tenants: RwLock<HashMap<Arc<str>, Arc<Tenant>>>,
    shards: Box<[Mutex<Shard>]>,
    pending: Mutex<Pending>,
    outbox: Mutex<Outbox>,
    runtime: Mutex<Runtime>,
    /// Bytes held by buffered groups, pending packets and unpolled inflation.
    budget: Budget,
    /// Group creation sequence (age order).
    seq: AtomicU64,
    /// Set by `flush`: the next `poll_metrics` emits every window.
    drain_metrics: AtomicBool,
    /// The last delivery number handed out ([`Delivery::id`]).
    delivery_ids: AtomicU64,
}

const _: () = {
    const fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Processor>();
};

impl std::fmt::Debug for Processor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Processor")
            .field("options", &self.opts)
            .finish_non_exhaustive()
    }
}

/// Where a decision came from: the group's fate for the ledger, and the name that tags the
/// `pipeline` metric and the stats' decisions (the deciding pipeline, else the reason).
fn provenance<'r>(d: &Decision, early: bool, rules: Option<Rules<'r>>) -> (Fate, &'r str) {
    let reason = match d.why {
        _ if early => Reason::Early,
        Why::Pipeline(_) => Reason::Pipeline,
        Why::NoMatch => Reason::NoMatch,
        Why::NoConfig => Reason::NoConfig,
        Why::DecodeError => Reason::DecodeError,
    };
    let name = match d.why {
        // Only rules decide by a pipeline.
        Why::Pipeline(i) if !early => rules.map_or(reason.as_str(), |r| r.name(i)),
        _ => reason.as_str(),
    };
    let fate = if d.kept {
        Fate::Kept
    } else {
        Fate::Dropped(reason)
    };
    (fate, name)
}

/// One decision, as the token's metrics and per-pipeline tallies record it.
struct Verdict<'a> {
    data_type: DataType,
    /// The merged header of the group (or of the late packet).
    header: &'a Header,
    kept: bool,
    /// What decided: the pipeline's provenance name, or the reason.
    by: &'a str,
    /// The built-in metrics enabled for the data type.
    metrics: BuiltinMetrics,
}

/// The outcome of [`Processor::apply_config`].
#[derive(Clone, Debug)]
pub struct Applied {
    /// Whether the config was applied (`false`: ignored as the version in force).
    pub applied: bool,
    /// Its warnings, in document order.
    pub warnings: Vec<Diagnostic>,
}

/// The top-level `version` of a config document as the reference reads it (absent or null:
/// 0), or `None` if the document is not a JSON object with an integer or no `version`.
fn version_of(config_json: &[u8]) -> Option<i64> {
    let doc: serde_json::Value = serde_json::from_slice(config_json).ok()?;
    match doc.as_object()?.get("version") {
        None | Some(serde_json::Value::Null) => Some(0),
        Some(v) => v.as_i64(),
    }
}

impl Processor {
    /// A processor with `opts`.
    pub fn new(opts: Options) -> Self {
        let clock = Clock::new(opts.clock);
        let now_sec = secs(clock.now());
        let per_shard_cache = opts.decision_cache_size.div_ceil(opts.shards);
        let remember = opts.remembers_decisions();
        let shards = (0..opts.shards)
            .map(|_| Mutex::new(Shard::new(now_sec, per_shard_cache, remember)))
            .collect();
        Processor {
            clock,
            tenants: RwLock::new(HashMap::new()),
            shards,
            pending: Mutex::new(Pending::default()),
            outbox: Mutex::new(Outbox::default()),
            runtime: Mutex::new(Runtime::new()),
            budget: Budget::new(opts.memory_limit_bytes, opts.token_memory_share),
            seq: AtomicU64::new(0),
            drain_metrics: AtomicBool::new(false),
            delivery_ids: AtomicU64::new(0),
            opts,
        }
    }

    /// A processor from an options JSON object (docs/architecture.md, "The C ABI"); unknown options
    /// are [`Status::InvalidArgument`] errors naming the option.
    pub fn from_options_json(json: &[u8]) -> Result<Self, Error> {
        let opts =
            Options::from_json(json).map_err(|e| Error::new(Status::InvalidArgument, e.0))?;
        Ok(Self::new(opts))
    }

    /// The options in force.
    pub fn options(&self) -> &Options {
        &self.opts
    }

    /// Now, on the processor's clock (unix nanoseconds).
    pub fn now(&self) -> i64 {
        self.clock.now()
    }

    fn tenant(&self, token: &str) -> Arc<Tenant> {
        if let Some(t) = self.tenants.read().get(token) {
            return t.clone();
        }
        let mut map = self.tenants.write();
        map.entry(Arc::from(token))
            .or_insert_with_key(|k| Arc::new(Tenant::new(k.clone(), self.opts.metrics_window)))
            .clone()
    }

    fn shard_of(&self, key: u64) -> &Mutex<Shard> {
        &self.shards[(key % self.shards.len() as u64) as usize]
    }

    /// Installs `config_json` for `token`. Returns `Ok(true)` when applied (the token had no
    /// config, or the top-level `version` differs), `Ok(false)` when ignored as the same
    /// version. A rejected config ([`Status::ConfigError`]) leaves the old one in force.
    /// Applying a config drains the token's pending packets of the data types it covers into
    /// the engine, in arrival order. Buffered groups stay buffered across a swap.
    pub fn set_config(&self, token: &str, config_json: &[u8]) -> Result<bool, Error> {
        self.apply_config(token, config_json).map(|a| a.applied)
    }

    /// [`Processor::set_config`], also returning the config's warnings: constructs the
    /// reference accepts that probably do not do what was meant, or that evaluate differently
    /// in this engine's default mode, each with what the reference does and what this engine
    /// does (docs/protocol.md, "Deviations"). The stats keep the warnings of the config in force.
    ///
    /// As in the reference, a config with the `version` of the one in force is ignored
    /// without being validated: it is `Ok` even when invalid (its problems are then the
    /// returned warnings).
    pub fn apply_config(&self, token: &str, config_json: &[u8]) -> Result<Applied, Error> {
        if token.is_empty() {
            return Err(Error::new(Status::InvalidArgument, "token: empty"));
        }
        check_name_len("token", token)?;
        let tenant = self.tenant(token);
        let parsed = match Config::from_json_with(config_json, self.opts.compat) {
            Ok(p) => p,
            Err(e) => {
                if version_of(config_json).is_some_and(|v| tenant.runs_version(v)) {
                    tenant.ledger.config(ConfigOutcome::Ignored);
                    let warnings = e.diagnostics.into_iter().map(Diagnostic::into_warning);
                    return Ok(Applied {
                        applied: false,
                        warnings: warnings.collect(),
                    });
                }
                tenant.ledger.config(ConfigOutcome::Rejected);
                return Err(Error::new(Status::ConfigError, e.to_string()));
            }
        };
        let plan = Plan::new(parsed.config, &self.opts);
        let now = self.clock.now();
        // Under the pending lock, so no packet can slip into the pending cache after the drain
        // (ingest re-checks the config under the same lock).
        let installed = tenant.install(&mut self.pending.lock(), plan, now, &parsed.warnings);
        let Some(drained) = installed else {
            tenant.ledger.config(ConfigOutcome::Ignored);
            return Ok(Applied {
                applied: false,
                warnings: parsed.warnings,
            });
        };
        tenant.ledger.config(ConfigOutcome::Applied);
        for p in drained {
            let len = p.body.len();
            tenant.ledger.unpended(len);
            self.budget.release_pending(len);
            // The body decoded when it was accepted, so this cannot fail; stay accountable if it does.
            match PacketRef::decode(&p.body) {
                Ok(packet) => self
                    .admit(&tenant, &packet, true)
                    .unwrap_or_else(|_| tenant.ledger.dropped(Reason::DecodeError)),
                Err(_) => tenant.ledger.dropped(Reason::DecodeError),
            }
        }
        Ok(Applied {
            applied: true,
            warnings: parsed.warnings,
        })
    }

    /// Ingests one `DataPacket` body. `token` is the token the host authenticated (`?token=`);
    /// when given, a packet carrying a different non-empty token is refused
    /// ([`Status::TokenMismatch`]); when `None` or empty, the packet's own token is used.
    ///
    /// Returns [`Status::Ok`] (buffered) or [`Status::Pending`] (no config yet for this token
    /// and data type: kept in the pending cache, HTTP 412). Errors: `TooLarge`,
    /// `DecodeError` (header), `Unsupported` (data type or compression), `TokenMismatch`,
    /// `InvalidArgument` (no token at all), `Busy` (memory or pending limit: nothing stored).
    /// Only the header is decoded; the body is copied once.
    pub fn ingest(&self, token: Option<&str>, body: &[u8]) -> Result<Status, Error> {
        if body.len() > self.opts.max_packet_bytes {
            return Err(Error::new(
                Status::TooLarge,
                format!(
                    "packet of {} bytes is over max_packet_bytes ({})",
                    body.len(),
                    self.opts.max_packet_bytes
                ),
            ));
        }
        let peek::Header {
            packet: p,
            token,
            data_type: dt,
        } = peek::header(token, body)?;
        let tenant = self.tenant(token);
        let status = if tenant.plan().is_some_and(|plan| plan.covers(dt)) {
            self.admit(&tenant, &p, false).map(|()| Status::Ok)
        } else {
            self.ingest_pending(&tenant, &p, dt, body)
        };
        match &status {
            Ok(_) => tenant
                .ledger
                .accepted(body.len(), u64::try_from(p.point_count).unwrap_or(0)),
            Err(e) if e.status() == Status::Busy => tenant.ledger.refused_busy(),
            Err(_) => {}
        }
        status
    }

    /// The no-config path: re-check under the pending lock (a config may have just arrived),
    /// else queue the packet.
    fn ingest_pending(
        &self,
        tenant: &Arc<Tenant>,
        p: &PacketRef<'_>,
        dt: DataType,
        body: &[u8],
    ) -> Result<Status, Error> {
        let mut pending = self.pending.lock();
        if tenant.plan().is_some_and(|plan| plan.covers(dt)) {
            drop(pending);
            return self.admit(tenant, p, false).map(|()| Status::Ok);
        }
        let len = body.len();
        self.budget
            .reserve_pending(len)
            .map_err(|short| Error::new(Status::Busy, short.message()))?;
        let now = self.clock.now();
        if !pending.push(
            &tenant.token,
            dt,
            body,
            now,
            self.opts.pending_max_packets,
            self.opts.pending_max_bytes,
        ) {
            self.budget.release_pending(len);
            return Err(Error::new(
                Status::Busy,
                format!(
                    "pending cache of {} is full (pending_max_packets / pending_max_bytes)",
                    dt.as_str()
                ),
            ));
        }
        tenant.ledger.pended(len);
        Ok(Status::Pending)
    }

    /// Reserves `cost` bytes for `tenant`, deciding its oldest groups early while it is over
    /// its share (or the global limit is reached). `forced` (pending drains, whose bytes are
    /// already held) admits even when no room can be made.
    fn reserve(&self, tenant: &Tenant, cost: usize, forced: bool) -> Result<(), Error> {
        if forced {
            self.budget.charge(&tenant.account, cost);
            return Ok(());
        }
        loop {
            let short = match self.budget.reserve(&tenant.account, cost) {
                Ok(()) => return Ok(()),
                Err(short) => short,
            };
            if short == Shortfall::LargerThanShare || !self.decide_oldest(tenant) {
                return Err(Error::new(Status::Busy, short.message()));
            }
        }
    }

    /// Decides `tenant`'s oldest buffered group now; false if it has none.
    fn decide_oldest(&self, tenant: &Tenant) -> bool {
        loop {
            let Some((seq, key)) = tenant.order.lock().pop_first() else {
                return false;
            };
            let shard = self.shard_of(key);
            let group = {
                let mut s = shard.lock();
                let oldest = s.groups.get(&key).is_some_and(|g| g.seq == seq);
                oldest.then(|| s.take(key)).flatten()
            };
            if let Some(g) = group {
                self.decide_taken(shard, &mut vec![(key, g)], true);
                return true;
            }
        }
    }

    /// Puts an accepted packet into its group (or has it follow the decision of its group,
    /// decided or being decided).
    fn admit(&self, tenant: &Arc<Tenant>, p: &PacketRef<'_>, forced: bool) -> Result<(), Error> {
        let Some(dt) = DataType::from_wire(p.data_type) else {
            return Err(Error::new(Status::Unsupported, "data_type"));
        };
        let admission = tenant
            .plan()
            .and_then(|plan| plan.admission(dt))
            .unwrap_or_else(|| Admission::unconfigured(dt));
        let now = self.clock.now();
        let key = group_key_hash(p.data_type, &tenant.token, p.group_key, p.group_id_hash);
        let cost = p.points_payload.len() + SEGMENT_OVERHEAD;
        self.reserve(tenant, cost + GROUP_OVERHEAD, forced)?;
        {
            let sample = Sample {
                data_type: dt,
                source: p.source,
                group_key: p.group_key,
                time_ns: metric_time(p.max_point_time_unix_nano, p.trace_end_time_unix_nano, now),
            };
            tenant.metrics.lock().builtin.on_ingest(
                &sample,
                p.has_error,
                i64::from(p.point_count),
                admission.metrics,
            );
        }
        let now_sec = secs(now);
        let shard_lock = self.shard_of(key);
        let mut shard = shard_lock.lock();
        match shard.arrival(key, now_sec) {
            Arrival::Open => {}
            Arrival::Decided(kept) => {
                drop(shard);
                let held = cost + GROUP_OVERHEAD;
                let late = Late::new(tenant, dt, admission.metrics, p, held, kept);
                self.follow(late, kept);
                return Ok(());
            }
            Arrival::Deciding => {
                shard.wait(key, Late::new(tenant, dt, admission.metrics, p, cost, true));
                drop(shard);
                self.budget.release(&tenant.account, GROUP_OVERHEAD);
                return Ok(());
            }
        }
        let Some(ttl) = admission.ttl_secs else {
            drop(shard);
            // As the reference: counted at ingest, then dropped (docs/protocol.md,
            // "Deviations", D6 and D7).
            self.budget.release(&tenant.account, cost + GROUP_OVERHEAD);
            tenant.ledger.dropped(Reason::InvalidTtl);
            return Ok(());
        };
        let placed = shard.place(
            key,
            p,
            cost,
            now_sec + ttl,
            self.opts.max_group_bytes,
            || {
                let seq = self.seq.fetch_add(1, Ordering::Relaxed);
                tenant.order.lock().insert(seq, key);
                Group::open(tenant, dt, p, seq)
            },
        );
        if !placed.new_group {
            self.budget.release(&tenant.account, GROUP_OVERHEAD);
        }
        tenant
            .ledger
            .buffered(p.points_payload.len(), placed.new_group);
        if placed.too_big {
            if let Some(g) = shard.take(key) {
                drop(shard);
                self.decide_taken(shard_lock, &mut vec![(key, g)], false);
            }
        }
        Ok(())
    }

    /// Has a packet of a group decided `kept` (or dropped) follow that decision. A packet of a
    /// kept group is validated first, so garbage is never delivered.
    fn follow(&self, late: Late, kept: bool) {
        let Late {
            tenant,
            data_type,
            metrics,
            header,
            segment,
            held,
        } = late;
        self.budget.release(&tenant.account, held);
        let (kept, reason) = match segment.filter(|_| kept) {
            None => {
                tenant.ledger.late_dropped();
                (false, Reason::Late)
            }
            Some(segment) => {
                let compressed = segment.bytes.len();
                match validated(segment, self.opts.max_decompressed_bytes) {
                    Some((payload, points)) => {
                        tenant.ledger.late_kept();
                        let kept = Kept::new(vec![payload], points, compressed);
                        self.queue_kept(&tenant, data_type, kept);
                        (true, Reason::Late)
                    }
                    None => {
                        tenant.ledger.dropped(Reason::DecodeError);
                        (false, Reason::DecodeError)
                    }
                }
            }
        };
        let verdict = Verdict {
            data_type,
            header: &header,
            kept,
            by: reason.as_str(),
            metrics,
        };
        self.record_decision(&tenant, verdict);
    }

    /// Queues `kept` for `poll_kept`, charging what decompression added to it to the token
    /// until then, so that a token keeping small, highly compressed payloads meets its share
    /// (early decisions, then `Busy`) instead of inflating the outbox without bound.
    fn queue_kept(&self, tenant: &Tenant, dt: DataType, kept: Kept) {
        self.budget.charge(&tenant.account, kept.inflation);
        self.outbox.lock().push(&tenant.token, dt, kept);
    }

    /// Records one decision in the token's metrics and per-pipeline tallies.
    fn record_decision(&self, tenant: &Tenant, v: Verdict<'_>) {
        let now = self.clock.now();
        let sample = Sample {
            data_type: v.data_type,
            source: &v.header.source,
            group_key: &v.header.group_key,
            time_ns: v.header.metric_time(now),
        };
        let duration = if v.data_type == DataType::Tracing {
            v.header.duration_ns()
        } else {
            None
        };
        // The `pipeline` tag is this engine's addition; the reference's points have none.
        let tag = if self.opts.compat.is_reference() {
            ""
        } else {
            v.by
        };
        let mut m = tenant.metrics.lock();
        m.builtin
            .on_decision(&sample, v.kept, tag, duration, v.metrics);
        let tallies = &mut m.by_pipeline[v.data_type.index()];
        match tallies.get_mut(v.by) {
            Some(t) => t.count(v.kept),
            None => tallies.entry(v.by.into()).or_default().count(v.kept),
        }
    }

    /// Decides groups `taken` out of `shard` (whose lock the caller does not hold), then
    /// settles them in it: their decisions are remembered for late data, and the packets that
    /// arrived while they were decided follow them. Empties `taken`.
    fn decide_taken(&self, shard: &Mutex<Shard>, taken: &mut Vec<(u64, Group)>, early: bool) {
        if taken.is_empty() {
            return;
        }
        let decided: Vec<(u64, bool)> = taken
            .drain(..)
            .map(|(key, g)| (key, self.decide_group(g, early)))
            .collect();
        if !self.opts.remembers_decisions() {
            return;
        }
        let expires = secs(self.clock.now()) + self.opts.decision_cache_ttl.as_secs().max(1);
        let mut waited = Vec::new();
        shard.lock().settle(&decided, expires, &mut waited);
        for (late, kept) in waited {
            self.follow(late, kept);
        }
    }

    /// Decides a group taken out of its shard (no lock held) and accounts for it; whether it
    /// was kept.
    fn decide_group(&self, g: Group, early: bool) -> bool {
        let Group {
            tenant,
            data_type: dt,
            header,
            segments,
            bytes,
            held,
            packets,
            seq,
            ..
        } = g;
        self.budget.release(&tenant.account, held);
        tenant.order.lock().remove(&seq);
        let plan = tenant.plan();
        let rules = plan.as_deref().and_then(|p| p.rules(dt, &header.group_key));
        let metrics = plan
            .as_deref()
            .and_then(|p| p.admission(dt))
            .unwrap_or_else(|| Admission::unconfigured(dt))
            .metrics;
        let cap = self.opts.max_decompressed_bytes;
        let caps = Caps {
            segment: cap,
            group: self.opts.max_group_bytes.saturating_add(cap),
        };
        let hash = header.group_id_hash;
        let d = {
            // The observed keys stay locked only while a sampled group records into them.
            let mut observed = tenant.observed[dt.index()].lock();
            if observed.wants(seq) {
                observed.group();
                decide(segments, hash, rules, caps, Some(&mut *observed))
            } else {
                drop(observed);
                decide(segments, hash, rules, caps, None)
            }
        };
        let (fate, by) = provenance(&d, early, rules);
        tenant.ledger.decided(packets, bytes, fate, early);
        if d.kept {
            self.queue_kept(&tenant, dt, Kept::new(d.payload, d.points, bytes));
        }
        let verdict = Verdict {
            data_type: dt,
            header: &header,
            kept: d.kept,
            by,
            metrics,
        };
        self.record_decision(&tenant, verdict);
        d.kept
    }

    /// Decides every group whose TTL elapsed, forgets expired decisions, and drops pending
    /// packets older than `pending_max_age`.
    fn advance(&self) {
        let now = self.clock.now();
        let now_sec = secs(now);
        // Concurrent polls share the work: each takes the due groups of a shard under its
        // lock, and decides them after releasing it.
        let mut taken = Vec::new();
        for shard in self.shards.iter() {
            shard.lock().take_due(now_sec, &mut taken);
            self.decide_taken(shard, &mut taken, false);
        }
        let age = i64::try_from(self.opts.pending_max_age.as_nanos()).unwrap_or(i64::MAX);
        let gone = self.pending.lock().expire(now.saturating_sub(age));
        for e in gone {
            self.budget.release_pending(e.bytes);
            self.tenant(&e.token)
                .ledger
                .pending_expired(e.packets, e.bytes);
        }
    }

    /// Advances to now, decides every group whose TTL elapsed, and returns the kept data:
    /// per token and data type, bodies of at most `max_batch_bytes` (one larger group goes
    /// alone), each with its path, content type and point count. Late packets of kept groups
    /// and groups decided early or by `flush` since the last poll are included.
    pub fn poll_kept(&self) -> Vec<Delivery> {
        self.advance();
        let (deliveries, charged) = {
            let mut outbox = self.outbox.lock();
            (
                outbox.take(self.opts.max_batch_bytes),
                outbox.take_charged(),
            )
        };
        for (token, inflation) in charged {
            self.budget.release(&self.tenant(&token).account, inflation);
        }
        self.number(deliveries)
    }

    /// Gives each delivery handed out its [`Delivery::id`].
    fn number(&self, mut deliveries: Vec<Delivery>) -> Vec<Delivery> {
        let n = deliveries.len() as u64;
        let first = self.delivery_ids.fetch_add(n, Ordering::Relaxed) + 1;
        for (d, id) in deliveries.iter_mut().zip(first..) {
            d.id = id;
        }
        deliveries
    }

    /// Acknowledges the deliveries `ids` ([`Delivery::id`]) as written upstream. The engine
    /// is memory-only: a delivery handed out is already forgotten, so any ids are accepted and
    /// nothing changes. Hosts acknowledge after each successful write all the same, so that
    /// the engine can hand out again, after a restart, what was never acknowledged once it
    /// keeps its state on disk.
    pub fn ack(&self, ids: &[u64]) -> Result<(), Error> {
        let _ = ids;
        Ok(())
    }

    /// Advances to now (like [`poll_kept`](Self::poll_kept)) and returns the built-in metrics
    /// of every window that has ended, one delivery per token to `/v1/write/metric`, plus the
    /// `dataway_aggregate` runtime counters (reset on each call) under `default_token` if set.
    /// After [`flush`](Self::flush), every open window is emitted.
    pub fn poll_metrics(&self) -> Vec<Delivery> {
        self.advance();
        let now = self.clock.now();
        let all = self.drain_metrics.swap(false, Ordering::AcqRel);
        let tenants: Vec<Arc<Tenant>> = self.tenants.read().values().cloned().collect();
        let mut out: Vec<Delivery> = tenants
            .iter()
            .filter_map(|t| {
                let (body, points) = t.metrics.lock().builtin.drain(now, all)?;
                Some(Delivery::metric(&t.token, body, points))
            })
            .collect();
        out.sort_by(|a, b| a.token.cmp(&b.token));
        if let Some(token) = &self.opts.default_token {
            let mut rt = self.runtime.lock();
            // Per-token ingest counts live in the ledgers (no lock on the ingest path) until now.
            for t in &tenants {
                let counts = t.ledger.take_runtime();
                if counts.packets > 0 {
                    rt.add_body_bytes(INGEST_API, &t.token, counts.body_bytes);
                    rt.add_packets(&t.token, counts.packets, counts.points);
                }
            }
            if let Some((body, points)) = rt.drain(now) {
                out.push(Delivery::metric(token, body, points));
            }
        }
        self.number(out)
    }

    /// Moves a manual clock to `unix_nanos` (an earlier time is ignored: time never goes
    /// backwards). [`Status::InvalidArgument`] on a system clock.
    pub fn set_time(&self, unix_nanos: i64) -> Result<(), Error> {
        if self.clock.mode() != ClockMode::Manual {
            return Err(Error::new(
                Status::InvalidArgument,
                "set_time needs the option \"clock\": \"manual\"",
            ));
        }
        self.clock.set(unix_nanos);
        Ok(())
    }

    /// Decides every buffered group now (for a host draining before exit); the next
    /// `poll_kept` returns the kept data and the next `poll_metrics` every open window.
    /// Pending packets stay pending.
    pub fn flush(&self) {
        let mut taken = Vec::new();
        for shard in self.shards.iter() {
            shard.lock().take_all(&mut taken);
            self.decide_taken(shard, &mut taken, false);
        }
        self.drain_metrics.store(true, Ordering::Release);
    }

    /// Counts delivery attempts of the host into the `dataway_aggregate` runtime counters
    /// (`dataway_http_tail_sampling_packet_send_total{token,data_type,result}`).
    pub fn record_send(&self, token: &str, data_type: &str, result: SendResult, n: u64) {
        self.runtime.lock().add_send(token, data_type, result, n);
    }

    /// Engine statistics: per token and in total (see [`Stats`]; its JSON is what
    /// `ts_stats_json` returns).
    pub fn stats(&self) -> Stats {
        let tenants: Vec<Arc<Tenant>> = self.tenants.read().values().cloned().collect();
        stats::render(&tenants, self.budget.held(), &self.opts)
    }
}

impl Drop for Processor {
    /// Nothing is in flight once a processor is dropped: in a debug build, asserts that every
    /// token's ledger balances (`Ledger::conserved`).
    fn drop(&mut self) {
        if cfg!(debug_assertions) && !std::thread::panicking() {
            for t in self.tenants.get_mut().values() {
                assert!(
                    t.ledger.conserved(),
                    "conservation broken for token {}: {:#?}",
                    t.token,
                    t.ledger.counters()
                );
            }
        }
    }
}
