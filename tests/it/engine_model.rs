//! Model-based test: a deliberately simple model of the engine (docs/protocol.md, from
//! "Configuration" to "Metrics", and its deviations, written as plainly as possible: HashMaps and
//! Vecs, no wheel, no shards, no budgets) and the real engine are fed the same random sequences of
//! config changes, packets (random spans, errors, zstd or not), clock steps, polls and flushes.
//! Decisions, delivered points and metric sums must be identical, and the conservation identity
//! must hold after every step.

use std::collections::{BTreeMap, HashMap};

use crate::common::*;
use prost::Message;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tailsampling::wire::proto::point::{field::Val, PbPoint};
use tailsampling::wire::{fnv1a64, proto::aggregate::DataPacket};
use tailsampling::{Processor, Status};

const TOKENS: [&str; 3] = ["tkn_a", "tkn_b", "tkn_c"];
const CASES: u64 = 2000;
const DECISION_TTL_S: u64 = 600;

/// The pipelines the model understands, each with a plain-Rust meaning.
#[derive(Clone, Copy, Debug)]
enum Rule {
    KeepErrors,
    DropHealth,
    KeepSlow(i64),
    Sample(f64),
    SampleSlow(f64, i64),
}

impl Rule {
    fn json(&self, i: usize) -> String {
        match self {
            Rule::KeepErrors => format!(
                r#"{{"name": "p{i}", "type": "condition", "condition": "{{ status = \"error\" }}", "action": "keep"}}"#
            ),
            Rule::DropHealth => format!(
                r#"{{"name": "p{i}", "type": "condition", "condition": "{{ resource = \"/health\" }}", "action": "drop"}}"#
            ),
            Rule::KeepSlow(d) => format!(
                r#"{{"name": "p{i}", "type": "condition", "condition": "{{ duration > {d} }}", "action": "keep"}}"#
            ),
            Rule::Sample(r) => {
                format!(r#"{{"name": "p{i}", "type": "probabilistic", "rate": {r}}}"#)
            }
            Rule::SampleSlow(r, d) => format!(
                r#"{{"name": "p{i}", "type": "probabilistic", "rate": {r}, "condition": "{{ duration > {d} }}"}}"#
            ),
        }
    }

    fn matches(&self, s: &Span) -> bool {
        match self {
            Rule::KeepErrors => s.status == "error",
            Rule::DropHealth => s.resource == "/health",
            Rule::KeepSlow(d) | Rule::SampleSlow(_, d) => s.duration > *d,
            Rule::Sample(_) => true,
        }
    }

    fn keeps(&self, hash: u64) -> bool {
        match self {
            Rule::KeepErrors | Rule::KeepSlow(_) => true,
            Rule::DropHealth => false,
            Rule::Sample(r) | Rule::SampleSlow(r, _) => {
                hash % 10_000 < (r * 10_000.0).floor() as u64
            }
        }
    }
}

#[derive(Clone, Debug)]
struct Span {
    status: &'static str,
    resource: &'static str,
    duration: i64,
}

#[derive(Clone, Debug)]
struct ModelConfig {
    version: i64,
    trace: Option<(u64, Vec<Rule>)>,
    logging: Option<(u64, Vec<Rule>)>,
}

impl ModelConfig {
    fn json(&self) -> String {
        let pipes = |rules: &[Rule]| {
            rules
                .iter()
                .enumerate()
                .map(|(i, r)| r.json(i))
                .collect::<Vec<_>>()
                .join(",")
        };
        let mut parts = vec![format!(r#""version": {}"#, self.version)];
        if let Some((ttl, rules)) = &self.trace {
            parts.push(format!(
                r#""trace": {{"data_ttl": "{ttl}s", "pipelines": [{}]}}"#,
                pipes(rules)
            ));
        }
        if let Some((ttl, rules)) = &self.logging {
            parts.push(format!(
                r#""logging": {{"data_ttl": "{ttl}s", "group_dimensions": [{{"group_key": "service", "pipelines": [{}]}}]}}"#,
                pipes(rules)
            ));
        }
        format!("{{{}}}", parts.join(", "))
    }

    fn section(&self, dt: &str) -> Option<&(u64, Vec<Rule>)> {
        match dt {
            "tracing" => self.trace.as_ref(),
            _ => self.logging.as_ref(),
        }
    }
}

/// One packet as both sides see it.
#[derive(Clone, Debug)]
struct Pkt {
    token: &'static str,
    dt: &'static str,
    raw_id: String,
    spans: Vec<Span>,
    points: Vec<PbPoint>,
    body: Vec<u8>,
}

type Key = (&'static str, &'static str, String);

#[derive(Default)]
struct ModelGroup {
    packets: Vec<Pkt>,
    deadline: u64,
}

#[derive(Default)]
struct Model {
    configs: HashMap<&'static str, ModelConfig>,
    pending: HashMap<(&'static str, &'static str), Vec<Pkt>>,
    groups: BTreeMap<Key, ModelGroup>,
    decided: HashMap<Key, (bool, u64)>,
    /// Delivered points per (token, data type), as encoded PbPoint bytes.
    delivered: BTreeMap<(String, String), Vec<Vec<u8>>>,
    /// Metric sums per (token, metric name).
    metrics: BTreeMap<(String, String), f64>,
    now_sec: u64,
}

fn metric_prefix(dt: &str) -> &'static str {
    if dt == "tracing" {
        "trace"
    } else {
        "logging"
    }
}

impl Model {
    fn count(&mut self, token: &str, name: &str, v: f64) {
        *self
            .metrics
            .entry((token.to_string(), name.to_string()))
            .or_default() += v;
    }

    fn deliver(&mut self, p: &Pkt) {
        let out = self
            .delivered
            .entry((p.token.to_string(), p.dt.to_string()))
            .or_default();
        out.extend(p.points.iter().map(|pt| pt.encode_to_vec()));
    }

    fn set_config(&mut self, token: &'static str, cfg: ModelConfig) -> bool {
        if self
            .configs
            .get(token)
            .is_some_and(|c| c.version == cfg.version)
        {
            return false;
        }
        let covered: Vec<&'static str> = ["tracing", "logging"]
            .into_iter()
            .filter(|dt| cfg.section(dt).is_some())
            .collect();
        self.configs.insert(token, cfg);
        for dt in covered {
            for p in self.pending.remove(&(token, dt)).unwrap_or_default() {
                self.admit(p);
            }
        }
        true
    }

    fn ingest(&mut self, p: Pkt) -> Status {
        if self
            .configs
            .get(p.token)
            .and_then(|c| c.section(p.dt))
            .is_none()
        {
            self.pending.entry((p.token, p.dt)).or_default().push(p);
            return Status::Pending;
        }
        self.admit(p);
        Status::Ok
    }

    fn admit(&mut self, p: Pkt) {
        let prefix = metric_prefix(p.dt);
        self.count(p.token, &format!("{prefix}_total_count"), 1.0);
        if p.spans.iter().any(|s| s.status == "error") {
            self.count(p.token, &format!("{prefix}_error_count"), 1.0);
        }
        if p.dt == "tracing" {
            self.count(p.token, "span_total_count", p.spans.len() as f64);
        }
        let key: Key = (p.token, p.dt, p.raw_id.clone());
        if let Some((kept, exp)) = self.decided.get(&key).copied() {
            if exp > self.now_sec {
                let outcome = if kept { "kept" } else { "dropped" };
                self.count(p.token, &format!("{prefix}_{outcome}_count"), 1.0);
                if kept {
                    self.deliver(&p);
                }
                return;
            }
        }
        let ttl = self.configs[p.token]
            .section(p.dt)
            .map(|s| s.0)
            .unwrap_or(1);
        let g = self.groups.entry(key).or_default();
        g.deadline = self.now_sec + ttl;
        g.packets.push(p);
    }

    fn decide(&mut self, key: Key, g: ModelGroup) {
        let (token, dt, raw_id) = key.clone();
        let rules = self
            .configs
            .get(token)
            .and_then(|c| c.section(dt))
            .map(|s| s.1.clone())
            .unwrap_or_default();
        let hash = fnv1a64(raw_id.as_bytes());
        let spans: Vec<&Span> = g.packets.iter().flat_map(|p| &p.spans).collect();
        let kept = rules
            .iter()
            .find(|r| spans.iter().any(|s| r.matches(s)))
            .is_some_and(|r| r.keeps(hash));
        let prefix = metric_prefix(dt);
        self.count(
            token,
            &format!("{prefix}_{}_count", if kept { "kept" } else { "dropped" }),
            1.0,
        );
        if kept {
            for p in &g.packets {
                self.deliver(p);
            }
        }
        self.decided
            .insert(key, (kept, self.now_sec + DECISION_TTL_S));
    }

    fn poll(&mut self) {
        let due: Vec<Key> = self
            .groups
            .iter()
            .filter(|(_, g)| g.deadline <= self.now_sec)
            .map(|(k, _)| k.clone())
            .collect();
        for key in due {
            let g = self.groups.remove(&key).expect("due group");
            self.decide(key, g);
        }
    }

    fn flush(&mut self) {
        for (key, g) in std::mem::take(&mut self.groups) {
            self.decide(key, g);
        }
    }
}

fn random_rules(rng: &mut StdRng) -> Vec<Rule> {
    (0..rng.random_range(0..4))
        .map(|_| match rng.random_range(0..5) {
            0 => Rule::KeepErrors,
            1 => Rule::DropHealth,
            2 => Rule::KeepSlow(rng.random_range(1..5) * 1000),
            3 => Rule::Sample([0.1, 0.5, 0.57, 1.0][rng.random_range(0..4)]),
            _ => Rule::SampleSlow(0.5, 2000),
        })
        .collect()
}

fn random_config(rng: &mut StdRng, version: i64) -> ModelConfig {
    let section = |rng: &mut StdRng| {
        rng.random_bool(0.8)
            .then(|| (rng.random_range(1..6), random_rules(rng)))
    };
    ModelConfig {
        version,
        trace: section(rng),
        logging: section(rng),
    }
}

/// Group ids whose hash lands exactly on a sampling threshold (rates 0.1, 0.5, 0.57), so an
/// off-by-one in `hash % 10000 < floor(rate * 10000)` changes a decision.
fn boundary_ids() -> Vec<String> {
    let mut ids = Vec::new();
    for want in [1000, 5000, 5699, 5700] {
        let id = (0u64..)
            .map(|n| format!("edge{n}"))
            .find(|id| fnv1a64(id.as_bytes()) % 10_000 == want)
            .expect("some id hits every residue");
        ids.push(id);
    }
    ids
}

fn random_packet(rng: &mut StdRng, edges: &[String]) -> Pkt {
    let token = TOKENS[rng.random_range(0..TOKENS.len())];
    let dt = if rng.random_bool(0.7) {
        "tracing"
    } else {
        "logging"
    };
    let raw_id = if rng.random_bool(0.2) {
        edges[rng.random_range(0..edges.len())].clone()
    } else {
        format!("g{}", rng.random_range(0..12))
    };
    let spans: Vec<Span> = (0..rng.random_range(1..5))
        .map(|_| Span {
            status: if rng.random_bool(0.15) { "error" } else { "ok" },
            resource: if rng.random_bool(0.2) {
                "/health"
            } else {
                "/api"
            },
            duration: rng.random_range(0..5000),
        })
        .collect();
    let group_tag = if dt == "tracing" {
        "trace_id"
    } else {
        "service"
    };
    let points: Vec<PbPoint> = spans
        .iter()
        .enumerate()
        .map(|(i, s)| {
            point(
                "m",
                T0 + i as i64,
                vec![
                    tag(group_tag, &raw_id),
                    tag("status", s.status),
                    tag("resource", s.resource),
                    int("duration", s.duration),
                    int("seq", rng.random_range(0..1_000_000)),
                ],
            )
        })
        .collect();
    let group_key = if dt == "tracing" { "" } else { "service" };
    let mut pk: DataPacket = packet("", dt, group_key, &raw_id, &points);
    if rng.random_bool(0.3) {
        pk = zstd(pk);
    }
    Pkt {
        token,
        dt,
        raw_id,
        spans,
        points,
        body: pk.encode_to_vec(),
    }
}

/// Sums of the built-in metric counts per (token, name), from metric deliveries.
fn add_metrics(sums: &mut BTreeMap<(String, String), f64>, deliveries: &[tailsampling::Delivery]) {
    for d in deliveries {
        for p in points_of(&d.body) {
            for f in &p.fields {
                if let (false, Some(Val::F(v))) = (f.is_tag, &f.val) {
                    if f.key.ends_with("_count") && !f.key.starts_with("trace_duration") {
                        *sums.entry((d.token.clone(), f.key.clone())).or_default() += v;
                    }
                }
            }
        }
    }
}

fn run_case(seed: u64, edges: &[String]) {
    let mut rng = StdRng::seed_from_u64(seed);
    let engine =
        Processor::from_options_json(br#"{"clock": "manual", "shards": 4}"#).expect("options");
    let mut model = Model::default();
    let mut now = T0;
    engine.set_time(now).expect("time");
    model.now_sec = (now / SEC) as u64;
    let mut versions: HashMap<&str, i64> = HashMap::new();
    let mut delivered: BTreeMap<(String, String), Vec<Vec<u8>>> = BTreeMap::new();
    let mut metrics = BTreeMap::new();
    let collect = |d: Vec<tailsampling::Delivery>,
                   delivered: &mut BTreeMap<(String, String), Vec<Vec<u8>>>| {
        for del in d {
            let out = delivered
                .entry((del.token.clone(), del.data_type.to_string()))
                .or_default();
            let pts = points_of(&del.body);
            assert_eq!(
                del.points as usize,
                pts.len(),
                "seed {seed}: delivery point count"
            );
            out.extend(pts.iter().map(|p| p.encode_to_vec()));
        }
    };
    for step in 0..rng.random_range(10..60) {
        match rng.random_range(0..100) {
            0..=9 => {
                let token = TOKENS[rng.random_range(0..TOKENS.len())];
                // Sometimes re-send the same version (ignored), as Datakit does every minute.
                let v = versions.entry(token).or_insert(0);
                if rng.random_bool(0.7) {
                    *v += 1;
                }
                let cfg = random_config(&mut rng, *v);
                let applied = engine
                    .set_config(token, cfg.json().as_bytes())
                    .unwrap_or_else(|e| panic!("seed {seed}: {e}: {}", cfg.json()));
                assert_eq!(
                    applied,
                    model.set_config(token, cfg),
                    "seed {seed} step {step}: applied"
                );
            }
            10..=69 => {
                let p = random_packet(&mut rng, edges);
                let want = model.ingest(p.clone());
                assert_eq!(
                    engine.ingest(Some(p.token), &p.body),
                    Ok(want),
                    "seed {seed} step {step}"
                );
            }
            70..=84 => {
                now += rng.random_range(0..4) * SEC + rng.random_range(0..SEC);
                engine.set_time(now).expect("time");
                model.now_sec = (now / SEC) as u64;
            }
            85..=94 => {
                model.poll();
                collect(engine.poll_kept(), &mut delivered);
                if rng.random_bool(0.5) {
                    add_metrics(&mut metrics, &engine.poll_metrics());
                }
            }
            _ => {
                model.flush();
                engine.flush();
            }
        }
        assert_conserved(&engine.stats());
    }
    model.flush();
    engine.flush();
    collect(engine.poll_kept(), &mut delivered);
    add_metrics(&mut metrics, &engine.poll_metrics());
    for v in delivered.values_mut() {
        v.sort();
    }
    for v in model.delivered.values_mut() {
        v.sort();
    }
    delivered.retain(|_, v| !v.is_empty());
    model.delivered.retain(|_, v| !v.is_empty());
    assert_eq!(
        delivered, model.delivered,
        "seed {seed}: delivered points differ"
    );
    model.metrics.retain(|_, v| *v != 0.0);
    assert_eq!(metrics, model.metrics, "seed {seed}: metric sums differ");
    let s = engine.stats();
    assert_conserved(&s);
    let pending: u64 = model.pending.values().map(|v| v.len() as u64).sum();
    assert_eq!(s.total.pending.packets, pending, "seed {seed}");
    assert_eq!(s.total.buffered.packets, 0, "seed {seed}");
}

#[test]
fn engine_matches_the_model() {
    let edges = boundary_ids();
    for seed in 0..CASES {
        run_case(seed, &edges);
    }
}
