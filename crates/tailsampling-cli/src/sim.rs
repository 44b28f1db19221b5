//! Drives a [`Processor`] through a stream of timed packets on the manual clock, the way a
//! Dataway would (ingest, a poll every simulated second, the config pushed after a 412 like
//! Datakit does), and renders a readable report. Shared by `demo` and `replay`.

use std::collections::{BTreeMap, HashSet};
use std::fmt::Write as _;
use std::time::{Duration, Instant};

use tailsampling::wire::{PacketRef, Points};
use tailsampling::{Delivery, Processor, Stats, Status};

const SEC: i64 = 1_000_000_000;

/// What went through the engine and what came out.
#[derive(Default)]
pub(super) struct Tally {
    /// Packets fed.
    pub(super) packets: u64,
    /// Bytes fed.
    pub(super) bytes: u64,
    /// Points in the packets fed (their `point_count`).
    pub(super) spans: u64,
    /// Ingest answers by status name.
    pub(super) statuses: BTreeMap<&'static str, u64>,
    /// Configs pushed after a 412.
    pub(super) configs_pushed: u64,
    /// (token, data type) → (bodies, points, bytes) delivered.
    pub(super) delivered: BTreeMap<(String, &'static str), (u64, u64, u64)>,
    /// Metric name → points emitted.
    pub(super) metrics: BTreeMap<String, u64>,
    /// Time spent inside the engine's calls.
    pub(super) engine_time: Duration,
}

/// A processor on a manual clock, fed like a Dataway feeds it.
pub(super) struct Sim {
    p: Processor,
    config: Vec<u8>,
    configured: HashSet<String>,
    next_poll: i64,
    /// What went in and came out so far.
    pub(super) tally: Tally,
}

impl Sim {
    /// A simulation starting at `start_ns` that pushes `config` to each token after its first 412.
    pub(super) fn new(config: Vec<u8>, start_ns: i64) -> Self {
        let p =
            Processor::from_options_json(br#"{"clock": "manual", "default_token": "tkn_dataway"}"#)
                .expect("built-in options are valid");
        p.set_time(start_ns).expect("manual clock");
        Sim {
            p,
            config,
            configured: HashSet::new(),
            next_poll: start_ns + SEC,
            tally: Tally::default(),
        }
    }

    fn timed<T>(&mut self, f: impl FnOnce(&Processor) -> T) -> T {
        let start = Instant::now();
        let out = f(&self.p);
        self.tally.engine_time += start.elapsed();
        out
    }

    /// Moves the clock to `t`, polling once per simulated second on the way.
    fn advance(&mut self, t: i64) {
        while self.next_poll <= t {
            let at = self.next_poll;
            self.poll(at);
            self.next_poll += SEC;
        }
        self.timed(|p| p.set_time(t)).expect("manual clock");
    }

    fn poll(&mut self, at: i64) {
        let (kept, metrics) = self.timed(|p| {
            p.set_time(at).expect("manual clock");
            (p.poll_kept(), p.poll_metrics())
        });
        self.count(&kept);
        self.count(&metrics);
    }

    fn count(&mut self, deliveries: &[Delivery]) {
        for d in deliveries {
            if d.data_type == "metric" {
                for point in Points::new(&d.body).flatten() {
                    for f in point.fields().flatten().filter(|f| !f.is_tag) {
                        *self
                            .tally
                            .metrics
                            .entry(String::from_utf8_lossy(f.key).into_owned())
                            .or_default() += 1;
                    }
                }
            } else {
                let e = self
                    .tally
                    .delivered
                    .entry((d.token.clone(), d.data_type))
                    .or_default();
                e.0 += 1;
                e.1 += d.points;
                e.2 += d.body.len() as u64;
            }
        }
    }

    /// Ingests one packet at `at_ns`; like Datakit, pushes the config after a 412.
    pub(super) fn feed(&mut self, at_ns: i64, token: Option<&str>, packet: &[u8]) {
        self.advance(at_ns);
        let result = self.timed(|p| p.ingest(token, packet));
        self.tally.packets += 1;
        self.tally.bytes += packet.len() as u64;
        if let Ok(h) = PacketRef::decode(packet) {
            self.tally.spans += u64::try_from(h.point_count).unwrap_or(0);
        }
        let status = match &result {
            Ok(s) => *s,
            Err(e) => e.status(),
        };
        *self.tally.statuses.entry(status.as_str()).or_default() += 1;
        if status == Status::Pending {
            let token = token
                .map(str::to_string)
                .or_else(|| PacketRef::decode(packet).ok().map(|h| h.token.to_string()));
            if let Some(token) = token.filter(|t| self.configured.insert(t.clone())) {
                let cfg = std::mem::take(&mut self.config);
                let applied = self.timed(|p| p.set_config(&token, &cfg));
                self.config = cfg;
                if applied.is_ok() {
                    self.tally.configs_pushed += 1;
                }
            }
        }
    }

    /// The simulated clock.
    pub(super) fn now(&self) -> i64 {
        self.p.now()
    }

    /// Flushes everything still buffered and returns the final stats.
    pub(super) fn finish(&mut self) -> Stats {
        let now = self.p.now();
        self.timed(|p| p.flush());
        self.poll(now);
        self.p.stats()
    }
}

fn human_bytes(b: u64) -> String {
    match b {
        b if b >= 1 << 20 => format!("{:.1} MiB", b as f64 / (1 << 20) as f64),
        b if b >= 1 << 10 => format!("{:.1} KiB", b as f64 / 1024.0),
        b => format!("{b} B"),
    }
}

/// The readable report of a run.
pub(super) fn report(title: &str, t: &Tally, stats: &Stats, simulated: Duration) -> String {
    let mut r = String::new();
    let secs = t.engine_time.as_secs_f64().max(1e-9);
    let _ = writeln!(r, "{title}");
    let _ = writeln!(
        r,
        "  {} packets ({}), {} spans/points, {} s of traffic simulated",
        t.packets,
        human_bytes(t.bytes),
        t.spans,
        simulated.as_secs()
    );
    let statuses: Vec<String> = t.statuses.iter().map(|(s, n)| format!("{s} {n}")).collect();
    let _ = writeln!(
        r,
        "  ingest answers: {} (configs pushed after a 412: {})",
        statuses.join(", "),
        t.configs_pushed
    );
    let _ = writeln!(
        r,
        "  engine time {:.3} s on one thread: {:.0} packets/s, {:.0} spans/s, {:.1} MB/s (ingest + decide + deliver + metrics)",
        secs,
        t.packets as f64 / secs,
        t.spans as f64 / secs,
        t.bytes as f64 / secs / 1e6
    );
    let _ = writeln!(r);
    for (token, s) in &stats.tokens {
        let version = s
            .config
            .as_ref()
            .map_or("none".to_string(), |c| format!("v{}", c.version));
        let _ = writeln!(
            r,
            "tenant {token} (config {version}): {} packets accepted",
            s.counters.accepted
        );
        for (dt, pipelines) in &s.decisions {
            for (name, c) in pipelines {
                let _ = writeln!(
                    r,
                    "  {dt:<8} {name:<22} kept {:>6}   dropped {:>6}",
                    c.kept, c.dropped
                );
            }
        }
        for ((_, dt), (bodies, points, bytes)) in
            t.delivered.iter().filter(|((tok, _), _)| tok == token)
        {
            let _ = writeln!(
                r,
                "  delivered {dt:<8} {points:>7} points in {bodies} bodies ({})",
                human_bytes(*bytes)
            );
        }
        let c = &s.counters;
        let _ = writeln!(
            r,
            "  late packets: kept {}, dropped {}; early decisions {}; busy {}",
            c.late.kept, c.late.dropped, c.early_decisions, c.refused_busy
        );
        let _ = writeln!(r);
    }
    let metrics: Vec<String> = t.metrics.iter().map(|(m, n)| format!("{m} {n}")).collect();
    let _ = writeln!(r, "metric points emitted: {}", metrics.join(", "));
    let total = &stats.total;
    let (acc, pend, buf, kept, dropped) = (
        total.accepted,
        total.pending.packets,
        total.buffered.packets,
        total.kept.packets,
        total.dropped.packets,
    );
    let reasons: Vec<String> = total
        .dropped
        .by_reason
        .iter()
        .filter(|(_, n)| **n != 0)
        .map(|(k, n)| format!("{k} {n}"))
        .collect();
    let _ = writeln!(
        r,
        "conservation: accepted {acc} = pending {pend} + buffered {buf} + kept {kept} + dropped {dropped} ({}) {}",
        reasons.join(", "),
        if total.conserved() { "✓" } else { "✗ MISMATCH" }
    );
    r
}
