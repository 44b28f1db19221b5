//! Synthetic multi-tenant tail-sampling traffic, deterministic from a seed: what `tailsampling
//! gen` writes, and what replay tests, demos and benchmarks feed the engine.
//!
//! [`generate`] builds, for `tenants` tokens `tkn_tenant_01`, `tkn_tenant_02`, …:
//!
//! - `traces` traces (source `ddtrace`) of 1–200 spans (log-normal, median 10) over several
//!   services per tenant, each span with ~15–20 tags and fields shaped like Datakit's: tags
//!   `service`, `span_type`, `source_type`, `status`, `host`, `env`, `version`, `operation`
//!   (and `http_method`, `http_status_code`, `body_code` on HTTP spans); fields `trace_id`,
//!   `span_id`, `parent_id` (`"0"` for the root), `resource`, `start` and `duration` (µs),
//!   `priority`, `message` and a size or row count. `error_rate` of the traces have spans with
//!   `status = "error"` (and a 4xx/5xx code, a business `body_code`, on HTTP ones); `slow_rate`
//!   have a root longer than 1 s (every other root is shorter); `keep_rate` carry a bool
//!   `trace_keep = true` on the root. A trace's spans, ordered by end time, are sent in 1–3
//!   packets (60/30/10 %), each arriving 0.5–3 s after its last span ended.
//! - `log_groups` logging groups, one per (tenant, `service`): lines with tags `service`,
//!   `status` (`info`/`warn`/`debug`, `error` at `error_rate`), `host`, `env`, `filename` and a
//!   `message` field, sent in one packet per 10 s flush window, grouped by `service`.
//! - `rum_sessions` RUM sessions (10 s – 5 min) of `view`/`resource`/`action`/`long_task`
//!   events, `error_rate` of them with `error` events (tag `status = "error"`), sent per 10 s
//!   flush window, grouped by `session_id`.
//!
//! Traffic is spread over tenants with Zipf weights (tenant k gets a share ∝ 1/k), starts are
//! uniform over `duration_s` from `start_ns`. About `zstd_share` of the packets are packed with
//! zstd (a payload zstd cannot shrink stays raw, as in Datakit). Then `late_share` of all packets
//! are chosen among those that are not the first of their group and delayed by `late_delay_s`
//! (default 10 min, past every default TTL), to exercise late data.
//!
//! Determinism: the same spec gives byte-identical events on every platform and release: the
//! generator draws from its own SplitMix64 streams (one per trace, group and session, derived
//! from the seed, the kind and the index), not from `rand`, whose algorithms may change.

use crate::pack::{pack, split_group, PackOptions, Point};
use tailsampling::wire::DataType;

use prost::Message;

/// What to generate. [`Default`] is a demo-sized workload (3 tenants, one minute of traffic).
#[derive(Clone, Debug, PartialEq)]
pub struct WorkloadSpec {
    /// Seed of every random choice.
    pub seed: u64,
    /// Number of tenants (tokens `tkn_tenant_01`, …). 0 generates nothing.
    pub tenants: usize,
    /// Number of traces, over all tenants.
    pub traces: usize,
    /// Number of logging groups (distinct `service`s), over all tenants.
    pub log_groups: usize,
    /// Number of RUM sessions, over all tenants.
    pub rum_sessions: usize,
    /// Share of traces and RUM sessions with errors, and of log lines with `status = "error"`.
    pub error_rate: f64,
    /// Share of traces whose root span lasts more than 1 s.
    pub slow_rate: f64,
    /// Share of traces whose root span carries the bool field `trace_keep = true`.
    pub keep_rate: f64,
    /// Share of packets packed with zstd (`payload_compression = 1`).
    pub zstd_share: f64,
    /// Share of packets delivered late (only packets after the first of their group).
    pub late_share: f64,
    /// How much later a late packet arrives, in seconds.
    pub late_delay_s: u64,
    /// Start of the generated traffic, unix ns.
    pub start_ns: i64,
    /// Over how many seconds traces, log lines and sessions start.
    pub duration_s: u64,
    /// Services per tenant (1–12).
    pub services_per_tenant: usize,
    /// The `config_version` written in every packet.
    pub config_version: i64,
}

impl Default for WorkloadSpec {
    fn default() -> Self {
        WorkloadSpec {
            seed: 1,
            tenants: 3,
            traces: 300,
            log_groups: 24,
            rum_sessions: 30,
            error_rate: 0.05,
            slow_rate: 0.05,
            keep_rate: 0.01,
            zstd_share: 0.5,
            late_share: 0.02,
            late_delay_s: 600,
            // 2026-01-01T00:00:00Z.
            start_ns: 1_767_225_600_000_000_000,
            duration_s: 60,
            services_per_tenant: 5,
            config_version: 1,
        }
    }
}

/// One generated request: a `DataPacket` body posted with a token at a given time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    /// When it arrives at Dataway, unix ns.
    pub at_ns: i64,
    /// The token it is posted with (`?token=`), also the packet's `token` field.
    pub token: String,
    /// The encoded `aggregate.v1.DataPacket`.
    pub packet: Vec<u8>,
    /// The packet's data type.
    pub data_type: DataType,
    /// Whether this packet was delayed by `late_delay_s` (late data).
    pub late: bool,
}

/// Generates the workload of `spec`: every packet as an [`Event`], sorted by arrival time
/// (ties keep generation order).
pub fn generate(spec: &WorkloadSpec) -> Vec<Event> {
    if spec.tenants == 0 {
        return Vec::new();
    }
    let mut gen = Generator::new(spec);
    for i in 0..spec.traces {
        gen.trace(i as u64);
    }
    for i in 0..spec.log_groups {
        gen.log_group(i as u64);
    }
    for i in 0..spec.rum_sessions {
        gen.rum_session(i as u64);
    }
    gen.finish()
}

const NS_PER_US: i64 = 1_000;
const NS_PER_S: i64 = 1_000_000_000;
/// Datakit's flush interval for logs and RUM, as modelled here.
const FLUSH_NS: i64 = 10 * NS_PER_S;
const MAX_SPANS: f64 = 200.0;

const STREAM_TRACE: u64 = 1;
const STREAM_LOG: u64 = 2;
const STREAM_RUM: u64 = 3;
const STREAM_LATE: u64 = 4;

const SERVICES: [&str; 12] = [
    "frontend",
    "checkout",
    "cart",
    "payment",
    "inventory",
    "shipping",
    "auth",
    "search",
    "recommendation",
    "email",
    "user",
    "gateway",
];
const ROUTES: [&str; 8] = [
    "GET /api/v1/orders",
    "POST /api/v1/orders",
    "GET /api/v1/cart",
    "PUT /api/v1/cart/items",
    "GET /api/v1/products/{id}",
    "POST /api/v1/checkout",
    "GET /api/v1/users/{id}",
    "GET /health",
];
const QUERIES: [&str; 4] = [
    "SELECT * FROM orders WHERE id = ?",
    "INSERT INTO orders (user_id, total) VALUES (?, ?)",
    "UPDATE inventory SET qty = qty - ? WHERE sku = ?",
    "SELECT id, name, price FROM products LIMIT ?",
];
const CACHE_COMMANDS: [&str; 3] = ["GET user:*", "SET cart:*", "MGET product:*"];
const FUNCTIONS: [&str; 4] = ["render", "validate", "serialize", "compute_price"];
const OK_CODES: [&str; 6] = ["200", "200", "200", "201", "204", "304"];
const ERROR_CODES: [&str; 6] = ["500", "502", "503", "504", "404", "429"];
const VIEWS: [&str; 5] = ["/home", "/cart", "/checkout", "/product/:id", "/orders"];
const BROWSERS: [&str; 4] = ["Chrome", "Safari", "Firefox", "Edge"];
const OSES: [&str; 4] = ["Windows", "macOS", "iOS", "Android"];

struct Tenant {
    token: String,
    name: String,
    services: Vec<&'static str>,
    /// Zipf weight prefix sums, for picking.
    cumulative_weight: f64,
}

/// An event before the late pass, which only delays packets that are not the first of their group.
struct Pending {
    event: Event,
    first_of_group: bool,
}

struct Generator<'s> {
    spec: &'s WorkloadSpec,
    tenants: Vec<Tenant>,
    total_weight: f64,
    log_groups_per_tenant: Vec<usize>,
    out: Vec<Pending>,
}

/// The kind of a span, which decides its tags and resource.
#[derive(Clone, Copy, PartialEq, Eq)]
enum SpanKind {
    Entry,
    Http,
    Db,
    Cache,
    Custom,
}

struct SpanPlan {
    id: u64,
    parent: Option<usize>,
    start_us: i64,
    duration_us: i64,
    kind: SpanKind,
    service: &'static str,
    error: bool,
}

impl SpanPlan {
    fn end_us(&self) -> i64 {
        self.start_us.saturating_add(self.duration_us)
    }
}

impl<'s> Generator<'s> {
    fn new(spec: &'s WorkloadSpec) -> Self {
        let per = spec.services_per_tenant.clamp(1, SERVICES.len());
        let mut total_weight = 0.0;
        let tenants = (0..spec.tenants)
            .map(|k| {
                total_weight += 1.0 / (k + 1) as f64;
                Tenant {
                    token: format!("tkn_tenant_{:02}", k + 1),
                    name: format!("tenant-{:02}", k + 1),
                    services: (0..per)
                        .map(|j| SERVICES[(k * 3 + j) % SERVICES.len()])
                        .collect(),
                    cumulative_weight: total_weight,
                }
            })
            .collect();
        Generator {
            spec,
            tenants,
            total_weight,
            log_groups_per_tenant: vec![0; spec.tenants],
            out: Vec::new(),
        }
    }

    fn pick_tenant(&self, rng: &mut Rng) -> usize {
        let x = rng.unit() * self.total_weight;
        self.tenants
            .iter()
            .position(|t| x < t.cumulative_weight)
            .unwrap_or(self.tenants.len() - 1)
    }

    fn start_ns(&self, rng: &mut Rng) -> i64 {
        let window = self.spec.duration_s.max(1).saturating_mul(NS_PER_S as u64);
        self.spec
            .start_ns
            .saturating_add(rng.below(window).min(i64::MAX as u64) as i64)
    }

    /// Packs one run of a group's points and records its packet(s).
    fn emit(
        &mut self,
        rng: &mut Rng,
        tenant: usize,
        data_type: DataType,
        points: &[Point],
        at_ns: i64,
        first_of_group: bool,
    ) {
        let (source, group_keys): (&str, &[&str]) = match data_type {
            DataType::Tracing => ("ddtrace", &[]),
            DataType::Logging => ("logging", &["service"]),
            DataType::Rum => ("rum", &["session_id"]),
        };
        let token = &self.tenants[tenant].token;
        let opts = PackOptions {
            token,
            data_type,
            group_keys,
            source,
            compress: rng.chance(self.spec.zstd_share),
            config_version: self.spec.config_version,
        };
        for packet in pack(points, &opts).packets {
            self.out.push(Pending {
                event: Event {
                    at_ns,
                    token: token.clone(),
                    packet: packet.encode_to_vec(),
                    data_type,
                    late: false,
                },
                first_of_group,
            });
        }
    }

    fn trace(&mut self, index: u64) {
        let spec = self.spec;
        let mut rng = Rng::derive(spec.seed, STREAM_TRACE, index);
        let tenant = self.pick_tenant(&mut rng);
        let services = self.tenants[tenant].services.clone();
        let count = rng.log_normal(10.0, 1.0).round().clamp(1.0, MAX_SPANS) as usize;
        let slow = rng.chance(spec.slow_rate);
        let error = rng.chance(spec.error_rate);
        let keep = rng.chance(spec.keep_rate);
        let root_us = if slow {
            1_000_001 + rng.below(4_000_000) as i64
        } else {
            rng.log_normal(30_000.0, 1.0)
                .round()
                .clamp(200.0, 950_000.0) as i64
        };

        let mut spans = vec![SpanPlan {
            id: rng.next_u64(),
            parent: None,
            start_us: self.start_ns(&mut rng) / NS_PER_US,
            duration_us: root_us,
            kind: SpanKind::Entry,
            service: services[0],
            error: false,
        }];
        for i in 1..count {
            let parent = rng.below(i as u64) as usize;
            let (p_start, p_duration) = (spans[parent].start_us, spans[parent].duration_us);
            let offset = rng.below(p_duration as u64) as i64;
            let duration = 1 + rng.below((p_duration - offset) as u64) as i64;
            let kind = match rng.below(10) {
                0..=3 => SpanKind::Http,
                4..=6 => SpanKind::Db,
                7 => SpanKind::Cache,
                _ => SpanKind::Custom,
            };
            let service = match kind {
                SpanKind::Db => rng.pick(&["mysql", "postgresql"]),
                SpanKind::Cache => "redis",
                SpanKind::Custom => spans[parent].service,
                SpanKind::Entry | SpanKind::Http => rng.pick(&services),
            };
            spans.push(SpanPlan {
                id: rng.next_u64(),
                parent: Some(parent),
                start_us: p_start.saturating_add(offset),
                duration_us: duration,
                kind,
                service,
                error: false,
            });
        }
        if error {
            for _ in 0..1 + rng.below(count.min(3) as u64) {
                let i = rng.below(count as u64) as usize;
                spans[i].error = true;
            }
            if rng.chance(0.5) {
                spans[0].error = true;
            }
        }

        let trace_id = format!("{:016x}{:016x}", rng.next_u64(), rng.next_u64());
        let env = if rng.chance(0.85) { "prod" } else { "staging" };
        let tenant_name = self.tenants[tenant].name.clone();
        let mut order: Vec<usize> = (0..spans.len()).collect();
        order.sort_by_key(|&i| (spans[i].end_us(), i));
        let points: Vec<Point> = order
            .iter()
            .map(|&i| {
                let parent_id = spans[i]
                    .parent
                    .map_or_else(|| "0".to_owned(), |p| format!("{:016x}", spans[p].id));
                span_point(
                    &mut rng,
                    &spans[i],
                    &trace_id,
                    parent_id,
                    env,
                    &tenant_name,
                    keep,
                )
            })
            .collect();
        let ends_ns: Vec<i64> = order
            .iter()
            .map(|&i| spans[i].end_us().saturating_mul(NS_PER_US))
            .collect();

        let parts = match rng.below(10) {
            0..=5 => 1,
            6..=8 => 2,
            _ => 3,
        };
        let mut arrival = i64::MIN;
        for (n, (run, ends)) in split_group(&points, parts)
            .into_iter()
            .zip(split_group(&ends_ns, parts))
            .enumerate()
        {
            let last_end = ends.last().copied().unwrap_or(0);
            let delay = NS_PER_S / 2 + rng.below(5 * NS_PER_S as u64 / 2) as i64;
            arrival = last_end
                .saturating_add(delay)
                .max(arrival.saturating_add(1));
            self.emit(&mut rng, tenant, DataType::Tracing, run, arrival, n == 0);
        }
    }

    fn log_group(&mut self, index: u64) {
        let spec = self.spec;
        let mut rng = Rng::derive(spec.seed, STREAM_LOG, index);
        let tenant = self.pick_tenant(&mut rng);
        let nth = self.log_groups_per_tenant[tenant];
        self.log_groups_per_tenant[tenant] += 1;
        let t = &self.tenants[tenant];
        let base = t.services[nth % t.services.len()];
        let service = match nth / t.services.len() {
            0 => base.to_owned(),
            k => format!("{base}-{k}"),
        };
        let hosts = [
            format!("{}-node-{}", t.name, rng.below(8)),
            format!("{}-node-{}", t.name, rng.below(8)),
        ];
        let env = if rng.chance(0.85) { "prod" } else { "staging" };
        let lines = rng.log_normal(30.0, 1.0).round().clamp(1.0, 2000.0) as usize;
        let mut times: Vec<i64> = (0..lines).map(|_| self.start_ns(&mut rng)).collect();
        times.sort_unstable();
        let points: Vec<Point> = times
            .iter()
            .map(|&time| {
                let status = if rng.chance(spec.error_rate) {
                    "error"
                } else {
                    rng.pick(&["info", "info", "info", "info", "warn", "debug"])
                };
                let message = match status {
                    "error" => format!(
                        "{} failed: upstream timeout after {}ms",
                        rng.pick(&ROUTES),
                        1000 + rng.below(5000)
                    ),
                    _ => format!(
                        "{} {} {}ms",
                        rng.pick(&ROUTES),
                        rng.pick(&OK_CODES),
                        1 + rng.below(300)
                    ),
                };
                Point::new(service.clone(), time)
                    .tag("service", service.clone())
                    .tag("status", status)
                    .tag("host", hosts[rng.below(2) as usize].clone())
                    .tag("env", env)
                    .tag("filename", format!("/var/log/{service}/app.log"))
                    .field("message", message)
            })
            .collect();
        self.emit_windows(&mut rng, tenant, DataType::Logging, &points);
    }

    fn rum_session(&mut self, index: u64) {
        let spec = self.spec;
        let mut rng = Rng::derive(spec.seed, STREAM_RUM, index);
        let tenant = self.pick_tenant(&mut rng);
        let app_id = format!("app_{}_web", self.tenants[tenant].name.replace('-', "_"));
        let session_id = format!(
            "{:08x}-{:04x}-{:04x}",
            rng.next_u64() as u32,
            rng.below(1 << 16),
            rng.below(1 << 16)
        );
        let browser = rng.pick(&BROWSERS);
        let os = rng.pick(&OSES);
        let env = if rng.chance(0.85) { "prod" } else { "staging" };
        let start = self.start_ns(&mut rng);
        let length = 10 * NS_PER_S as u64 + rng.below(290 * NS_PER_S as u64);
        let count = rng.log_normal(15.0, 0.8).round().clamp(1.0, 500.0) as usize;
        let mut times: Vec<i64> = (0..count)
            .map(|_| start.saturating_add(rng.below(length) as i64))
            .collect();
        times.sort_unstable();
        let mut errors = vec![false; count];
        if rng.chance(spec.error_rate) {
            for _ in 0..1 + rng.below(count.min(3) as u64) {
                errors[rng.below(count as u64) as usize] = true;
            }
        }
        let mut view = rng.pick(&VIEWS);
        let points: Vec<Point> = times
            .iter()
            .zip(&errors)
            .map(|(&time, &error)| {
                let kind = if error {
                    "error"
                } else {
                    rng.pick(&[
                        "view",
                        "resource",
                        "resource",
                        "action",
                        "action",
                        "resource",
                        "long_task",
                        "view",
                    ])
                };
                if kind == "view" {
                    view = rng.pick(&VIEWS);
                }
                let point = Point::new(kind, time)
                    .tag("session_id", session_id.clone())
                    .tag("app_id", app_id.clone())
                    .tag("env", env)
                    .tag("version", "2.3.1")
                    .tag("view_name", view)
                    .tag("browser", browser)
                    .tag("os", os);
                let ms = |rng: &mut Rng, max: u64| (1 + rng.below(max)) as i64 * 1_000_000;
                match kind {
                    "view" => point
                        .field("loading_time", ms(&mut rng, 3000))
                        .field("time_spent", ms(&mut rng, 60_000)),
                    "resource" => point
                        .tag("resource_url", resource_url(&mut rng))
                        .tag("resource_status", rng.pick(&OK_CODES))
                        .field("resource_size", rng.below(200_000) as i64)
                        .field("duration", ms(&mut rng, 800)),
                    "action" => point
                        .tag("action_type", "click")
                        .tag(
                            "action_name",
                            rng.pick(&["Add to cart", "Checkout", "Search", "Login"]),
                        )
                        .field("duration", ms(&mut rng, 500)),
                    "long_task" => point.field("duration", ms(&mut rng, 400)),
                    _ => point
                        .tag("status", "error")
                        .tag(
                            "error_type",
                            rng.pick(&["TypeError", "NetworkError", "ReferenceError"]),
                        )
                        .tag("error_source", rng.pick(&["source", "network", "console"]))
                        .field(
                            "error_message",
                            "Cannot read properties of undefined (reading 'id')",
                        ),
                }
            })
            .collect();
        self.emit_windows(&mut rng, tenant, DataType::Rum, &points);
    }

    /// Sends time-sorted points in one packet per flush window, each arriving just after its
    /// window closes.
    fn emit_windows(
        &mut self,
        rng: &mut Rng,
        tenant: usize,
        data_type: DataType,
        points: &[Point],
    ) {
        let start = self.spec.start_ns;
        let window_of = |p: &Point| p.time_ns.saturating_sub(start).div_euclid(FLUSH_NS);
        let mut first = true;
        let mut rest = points;
        while let Some(head) = rest.first() {
            let window = window_of(head);
            let len = rest.iter().take_while(|p| window_of(p) == window).count();
            let (run, tail) = rest.split_at(len);
            let close = start.saturating_add(window.saturating_add(1).saturating_mul(FLUSH_NS));
            let at = close.saturating_add(NS_PER_S / 10 + rng.below(NS_PER_S as u64) as i64);
            self.emit(rng, tenant, data_type, run, at, first);
            first = false;
            rest = tail;
        }
    }

    /// Marks late packets and sorts by arrival.
    fn finish(self) -> Vec<Event> {
        let spec = self.spec;
        let total = self.out.len();
        let eligible = self.out.iter().filter(|p| !p.first_of_group).count();
        let share = spec.late_share.clamp(0.0, 1.0);
        let chance = if eligible == 0 {
            0.0
        } else {
            (share * total as f64 / eligible as f64).min(1.0)
        };
        let delay = spec
            .late_delay_s
            .saturating_mul(NS_PER_S as u64)
            .min(i64::MAX as u64) as i64;
        let mut rng = Rng::derive(spec.seed, STREAM_LATE, 0);
        let mut events: Vec<Event> = self
            .out
            .into_iter()
            .map(|p| {
                let mut event = p.event;
                if !p.first_of_group && rng.chance(chance) {
                    event.at_ns = event.at_ns.saturating_add(delay);
                    event.late = true;
                }
                event
            })
            .collect();
        events.sort_by_key(|e| e.at_ns);
        events
    }
}

/// The URL of a random route: `GET /api/v1/cart` → `https://shop.example/api/v1/cart`.
fn resource_url(rng: &mut Rng) -> String {
    let route = rng.pick(&ROUTES);
    let path = route.split(' ').nth(1).unwrap_or("/");
    format!("https://shop.example{path}")
}

/// The span point of `span`: Datakit's ddtrace span layout.
fn span_point(
    rng: &mut Rng,
    span: &SpanPlan,
    trace_id: &str,
    parent_id: String,
    env: &str,
    tenant_name: &str,
    keep: bool,
) -> Point {
    let (span_type, source_type, operation, resource) = match span.kind {
        SpanKind::Entry => ("entry", "web", "http.request", rng.pick(&ROUTES)),
        SpanKind::Http => ("exit", "http", "http.client.request", rng.pick(&ROUTES)),
        SpanKind::Db => ("exit", "db", "sql.query", rng.pick(&QUERIES)),
        SpanKind::Cache => ("exit", "cache", "redis.command", rng.pick(&CACHE_COMMANDS)),
        SpanKind::Custom => ("local", "custom", "internal", rng.pick(&FUNCTIONS)),
    };
    let version = format!("1.{}.{}", span.service.len() % 7, rng.below(3));
    let mut point = Point::new("ddtrace", span.start_us.saturating_mul(NS_PER_US))
        .tag("service", span.service)
        .tag("span_type", span_type)
        .tag("source_type", source_type)
        .tag("status", if span.error { "error" } else { "ok" })
        .tag("host", format!("{tenant_name}-node-{}", rng.below(8)))
        .tag("env", env)
        .tag("version", version)
        .tag("operation", operation);
    let http = matches!(span.kind, SpanKind::Entry | SpanKind::Http);
    if http {
        let method = resource.split(' ').next().unwrap_or("GET");
        let (code, body_code) = if span.error {
            (rng.pick(&ERROR_CODES), rng.pick(&["50001", "40002", "0"]))
        } else {
            (rng.pick(&OK_CODES), rng.pick(&["0", "200"]))
        };
        point = point
            .tag("http_method", method)
            .tag("http_status_code", code)
            .tag("body_code", body_code);
    }
    point = point
        .field("trace_id", trace_id)
        .field("span_id", format!("{:016x}", span.id))
        .field("parent_id", parent_id)
        .field("resource", resource)
        .field("start", span.start_us)
        .field("duration", span.duration_us)
        .field("priority", 1_i64)
        .field(
            "message",
            format!(
                "{{\"name\":\"{operation}\",\"resource\":\"{resource}\",\"service\":\"{}\",\"error\":{}}}",
                span.service,
                u8::from(span.error)
            ),
        );
    point = match span.kind {
        SpanKind::Db => point.field("db_rows", rng.below(500) as i64),
        SpanKind::Entry | SpanKind::Http => point.field("response_size", rng.below(64_000) as i64),
        SpanKind::Cache | SpanKind::Custom => point,
    };
    if span.kind == SpanKind::Entry {
        point = point.field("sample_rate", 1.0);
        if keep {
            point = point.field("trace_keep", true);
        }
    }
    point
}

/// SplitMix64: small, fast, and its output is fixed forever (unlike `rand`'s `StdRng`), so a
/// seed names the same workload in every release.
struct Rng(u64);

impl Rng {
    /// An independent stream for item `index` of kind `stream`.
    fn derive(seed: u64, stream: u64, index: u64) -> Rng {
        let mut base = Rng(seed);
        let mixed = base.next_u64()
            ^ stream.wrapping_mul(0x9e37_79b9_7f4a_7c15)
            ^ index.wrapping_mul(0xd1b5_4a32_d192_ed03);
        let mut rng = Rng(mixed);
        rng.next_u64();
        rng
    }

    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in [0, n); 0 when n is 0.
    fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// True with probability `p` (clamped to [0, 1]; NaN is 0).
    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// A uniformly chosen element of a non-empty slice.
    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len() as u64) as usize]
    }

    /// Log-normal with the given median and shape (Box–Muller).
    fn log_normal(&mut self, median: f64, sigma: f64) -> f64 {
        let u1 = 1.0 - self.unit(); // (0, 1]: ln is finite
        let u2 = self.unit();
        let z = (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos();
        median * (sigma * z).exp()
    }
}
