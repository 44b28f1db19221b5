//! The flood of `tests/it/flood.rs` and `tests/process/flood_rss.rs`: ingest threads offering
//! many times the memory budget across many tenants while a poller thread advances the manual
//! clock, polls and samples the stats.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::thread;

use tailsampling::{Processor, Stats, Status};

use super::*;

/// The shape of a flood.
pub struct Spec {
    /// `memory_limit_bytes`.
    pub budget: usize,
    /// `token_memory_share`.
    pub share: f64,
    /// Payload bytes offered in total, over all threads.
    pub offered: usize,
    /// Ingest threads.
    pub threads: usize,
    /// Tokens `t00`, `t01`…; every `unconfigured`-th one gets no config (its packets go to
    /// the pending cache). `None`: all configured.
    pub tenants: usize,
    pub unconfigured: Option<usize>,
    /// Payload bytes per packet (one point with a padding field).
    pub packet: usize,
    /// Packets per group (consecutive packets of a thread and tenant).
    pub per_group: usize,
    /// How far the poller moves the clock before each poll (groups expire after 2 s).
    pub tick_ns: i64,
    /// One packet in this many has an error span (`FLOOD_CONFIG` keeps its group).
    pub error_every: usize,
}

/// What the flood observed.
#[derive(Debug, Default)]
pub struct Outcome {
    pub offered_packets: u64,
    pub ok: u64,
    pub pending: u64,
    pub busy: u64,
    pub delivered_points: u64,
    /// The largest `memory.held_bytes` and per-token `held_bytes` seen while flooding.
    pub max_held: u64,
    pub max_token_held: u64,
    /// Stats after the flood, before any flush.
    pub after: Stats,
}

/// Keeps groups with an error span, TTL 2 s.
pub const FLOOD_CONFIG: &str = r#"{"version": 1, "trace": {"data_ttl": "2s", "pipelines": [
    {"name": "errors", "type": "condition", "condition": "{ status = \"error\" }", "action": "keep"}]}}"#;

pub fn token(i: usize) -> String {
    format!("t{i:02}")
}

/// A manual-clock processor for `spec`, with the configured tenants' configs set.
pub fn processor(spec: &Spec) -> Arc<Processor> {
    let opts = format!(
        r#"{{"clock": "manual", "memory_limit_bytes": {}, "token_memory_share": {},
            "decision_cache_size": 10000, "pending_max_bytes": {}}}"#,
        spec.budget, spec.share, spec.budget
    );
    let p = Processor::from_options_json(opts.as_bytes()).expect("options");
    p.set_time(T0).expect("time");
    for t in 0..spec.tenants {
        if spec.unconfigured.is_none_or(|u| t % u != u - 1) {
            p.set_config(&token(t), FLOOD_CONFIG.as_bytes())
                .expect("config");
        }
    }
    Arc::new(p)
}

fn sum(c: &[AtomicU64]) -> u64 {
    c.iter().map(|a| a.load(Ordering::Relaxed)).sum()
}

/// Floods `p` as `spec` says, with `during` run by the poller after every poll (for extra
/// sampling); returns what was seen.
pub fn run(p: &Arc<Processor>, spec: &Spec, during: impl Fn() + Send + Sync + 'static) -> Outcome {
    let per_thread = spec.offered / spec.packet / spec.threads;
    let counts: Arc<[AtomicU64; 4]> = Arc::new(Default::default()); // ok, pending, busy, sent
    let padding = "p".repeat(spec.packet);
    let done = Arc::new(AtomicBool::new(false));
    let ingesters: Vec<_> = (0..spec.threads)
        .map(|w| {
            let (p, counts, padding) = (p.clone(), counts.clone(), padding.clone());
            let (tenants, per_group, error_every) =
                (spec.tenants, spec.per_group, spec.error_every);
            thread::spawn(move || {
                for i in 0..per_thread {
                    let tenant = token((w + i / per_group) % tenants);
                    let id = format!("w{w}-{}", i / per_group);
                    let status = if i % error_every == 0 { "error" } else { "ok" };
                    let body = trace(
                        &tenant,
                        &id,
                        &[span(&id, status, vec![string("pad", &padding)])],
                    );
                    let slot = match p.ingest(Some(&tenant), &body) {
                        Ok(Status::Ok) => 0,
                        Ok(Status::Pending) => 1,
                        Err(e) if e.status() == Status::Busy => 2,
                        other => panic!("{other:?}"),
                    };
                    counts[slot].fetch_add(1, Ordering::Relaxed);
                    counts[3].fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    let poller = {
        let (p, done, tick_ns) = (p.clone(), done.clone(), spec.tick_ns);
        thread::spawn(move || {
            let (mut delivered, mut max_held, mut max_token_held) = (0, 0, 0);
            while !done.load(Ordering::Acquire) {
                p.set_time(p.now() + tick_ns).expect("time");
                delivered += p.poll_kept().iter().map(|d| d.points).sum::<u64>();
                p.poll_metrics();
                let s = p.stats();
                max_held = max_held.max(s.memory.held_bytes);
                for t in s.tokens.values() {
                    max_token_held = max_token_held.max(t.held_bytes);
                }
                drop(s);
                during();
            }
            (delivered, max_held, max_token_held)
        })
    };
    for h in ingesters {
        h.join().expect("ingester");
    }
    done.store(true, Ordering::Release);
    let (delivered_points, max_held, max_token_held) = poller.join().expect("poller");
    let [ok, pending, busy, sent] = [0, 1, 2, 3].map(|i| counts[i].load(Ordering::Relaxed));
    assert_eq!(sent, sum(&counts[..3]));
    Outcome {
        offered_packets: sent,
        ok,
        pending,
        busy,
        delivered_points,
        max_held,
        max_token_held,
        after: p.stats(),
    }
}
