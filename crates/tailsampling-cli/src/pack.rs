//! Points → `DataPacket`s the way Datakit builds them (`cliutils/aggregate` `PickTrace` and
//! `pickByGroupKey`, called from Datakit's `internal/io/aggr`): for tools, tests, the workload
//! generator and the Python `pack`. The engine never packs.
//!
//! Lookups follow Datakit's `pt.Get(key)`: the first tag or field with that key (tags are
//! looked at first, which is also their order in the encoded point).
//!
//! - **Tracing**: grouped by the string value of `trace_id` (tag or string field); a point
//!   without one is returned in [`Packed::ungrouped`]. (Datakit logs "invalid trace_id" and
//!   drops such a point.) `group_key` is `""`.
//! - **Logging, RUM**: grouped by the first of [`PackOptions::group_keys`] that the point carries
//!   with a non-empty value, the way Datakit tries its `group_dimensions` in config order; the
//!   value of any type is turned into a string as Go's `fieldToString` does (`42`, `1.5`, `true`).
//!   Points with none of the keys are [`Packed::ungrouped`]: Datakit writes them directly.
//!
//! Header fields, per packet: `group_id_hash` = FNV-1a 64 of `raw_group_id`; `has_error` if a
//! point has the **tag** `status = "error"`; `max_point_time_unix_nano`; for tracing only,
//! `trace_start_time_unix_nano` / `trace_end_time_unix_nano` = min start / max start+duration
//! over the spans that have an int or float `start` (else `start_time`) field, with `duration`
//! (both µs, converted to ns). The predicate hints 15–21 follow Datakit's
//! `applySpanPredicatesWith` for every data type: `pred_error` if some `status` (tag or string
//! field) is `"error"`, `pred_http_error` if some string `http_status_code` matches
//! `^[45][0-9][0-9]$`, `pred_biz_error` if some string `body_code` is not `"0"` or `"200"`,
//! `pred_trace_keep` if some bool `trace_keep` is true; and, over the points with an int or
//! float `duration` (µs), `max_span_duration_us`, `root_duration_us` (the spans whose string
//! `parent_id` is `"0"`) and `max_nonroot_duration_us` (the other spans with a string
//! `parent_id`).
//!
//! With [`PackOptions::compress`] the payload is one zstd frame (`payload_compression = 1`)
//! unless that is not smaller than the raw bytes, in which case it stays raw
//! (`CompressPointsPayload` does the same); an empty payload is never compressed.

use std::collections::HashMap;

use tailsampling::wire::compress;
use tailsampling::wire::fnv1a64;
use tailsampling::wire::proto::aggregate::DataPacket;
use tailsampling::wire::proto::point::{field::Val, Field, PbPoint, PbPoints};
use tailsampling::wire::DataType;
use tailsampling::wire::{COMPRESSION_NONE, COMPRESSION_ZSTD};

/// The zstd level used for payloads: the fastest, as Datakit's encoder (`SpeedFastest`).
const ZSTD_LEVEL: i32 = 1;

/// A point to pack (owned, simple).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Point {
    /// The measurement name (`PBPoint.name`), e.g. the trace source `ddtrace`.
    pub measurement: String,
    /// Tags, encoded first, each as a `Field` with `is_tag = true` and its value in `s`.
    pub tags: Vec<(String, String)>,
    /// Fields, encoded after the tags.
    pub fields: Vec<(String, FieldValue)>,
    /// The point time, unix ns.
    pub time_ns: i64,
}

impl Point {
    /// A point with no tags or fields.
    pub fn new(measurement: impl Into<String>, time_ns: i64) -> Self {
        Point {
            measurement: measurement.into(),
            tags: Vec::new(),
            fields: Vec::new(),
            time_ns,
        }
    }

    /// Adds a tag.
    #[must_use]
    pub fn tag(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.tags.push((key.into(), value.into()));
        self
    }

    /// Adds a field.
    #[must_use]
    pub fn field(mut self, key: impl Into<String>, value: impl Into<FieldValue>) -> Self {
        self.fields.push((key.into(), value.into()));
        self
    }

    /// Datakit's `pt.Get(key)`: the first tag, else the first field, with that key.
    fn get(&self, key: &str) -> Option<Lookup<'_>> {
        if let Some((_, v)) = self.tags.iter().find(|(k, _)| k == key) {
            return Some(Lookup::Tag(v));
        }
        self.fields
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| Lookup::Field(v))
    }

    /// Datakit's `pt.GetTag(key)`.
    fn get_tag(&self, key: &str) -> Option<&str> {
        self.tags
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// The string value of `key` (a tag or a string field), as Go's `v.(string)`.
    fn get_str(&self, key: &str) -> Option<&str> {
        match self.get(key)? {
            Lookup::Tag(s) => Some(s),
            Lookup::Field(FieldValue::Str(s)) => Some(s),
            Lookup::Field(_) => None,
        }
    }

    /// An int or float field as an integer (Datakit's `GetI`, else `GetF` truncated).
    fn get_int(&self, key: &str) -> Option<i64> {
        match self.get(key)? {
            Lookup::Field(FieldValue::Int(i)) => Some(*i),
            // Go's int64(f): truncation; `as` saturates where Go's result is unspecified.
            Lookup::Field(FieldValue::Float(f)) => Some(*f as i64),
            _ => None,
        }
    }
}

/// The value of a [`Point`] field: one member of the `Field.val` oneof.
#[derive(Clone, Debug, PartialEq)]
pub enum FieldValue {
    /// `i`: a signed integer.
    Int(i64),
    /// `u`: an unsigned integer.
    Uint(u64),
    /// `f`: a float.
    Float(f64),
    /// `s`: a string.
    Str(String),
    /// `b`: a bool.
    Bool(bool),
    /// `d`: bytes.
    Bytes(Vec<u8>),
}

impl From<i64> for FieldValue {
    fn from(v: i64) -> Self {
        FieldValue::Int(v)
    }
}

impl From<u64> for FieldValue {
    fn from(v: u64) -> Self {
        FieldValue::Uint(v)
    }
}

impl From<f64> for FieldValue {
    fn from(v: f64) -> Self {
        FieldValue::Float(v)
    }
}

impl From<bool> for FieldValue {
    fn from(v: bool) -> Self {
        FieldValue::Bool(v)
    }
}

impl From<&str> for FieldValue {
    fn from(v: &str) -> Self {
        FieldValue::Str(v.to_owned())
    }
}

impl From<String> for FieldValue {
    fn from(v: String) -> Self {
        FieldValue::Str(v)
    }
}

impl From<Vec<u8>> for FieldValue {
    fn from(v: Vec<u8>) -> Self {
        FieldValue::Bytes(v)
    }
}

impl FieldValue {
    /// Go's `fieldToString`, used for logging/RUM group values.
    fn to_group_string(&self) -> String {
        match self {
            FieldValue::Int(i) => i.to_string(),
            FieldValue::Uint(u) => u.to_string(),
            FieldValue::Float(f) => go_format_float(*f),
            FieldValue::Str(s) => s.clone(),
            FieldValue::Bool(b) => b.to_string(),
            FieldValue::Bytes(b) => String::from_utf8_lossy(b).into_owned(),
        }
    }

    fn to_val(&self) -> Val {
        match self {
            FieldValue::Int(i) => Val::I(*i),
            FieldValue::Uint(u) => Val::U(*u),
            FieldValue::Float(f) => Val::F(*f),
            FieldValue::Str(s) => Val::S(s.clone()),
            FieldValue::Bool(b) => Val::B(*b),
            FieldValue::Bytes(d) => Val::D(d.clone()),
        }
    }
}

/// Go's `strconv.FormatFloat(f, 'f', -1, 64)`: the shortest decimal that round-trips, never an
/// exponent; which is Rust's `Display` except for the infinities.
fn go_format_float(f: f64) -> String {
    if f == f64::INFINITY {
        "+Inf".to_owned()
    } else if f == f64::NEG_INFINITY {
        "-Inf".to_owned()
    } else {
        f.to_string()
    }
}

/// What [`Point::get`] found.
enum Lookup<'p> {
    Tag(&'p str),
    Field(&'p FieldValue),
}

/// How to pack: the header fields the points do not determine.
#[derive(Clone, Copy, Debug)]
pub struct PackOptions<'a> {
    /// `token`: the workspace token (Datakit sets its default token).
    pub token: &'a str,
    /// `data_type`; also selects the grouping (by `trace_id`, or by `group_keys`).
    pub data_type: DataType,
    /// Logging/RUM dimension keys in priority order (the config's `group_dimensions`); a point
    /// goes to the first it carries. Ignored for tracing.
    pub group_keys: &'a [&'a str],
    /// `source`: the Datakit input name, e.g. `ddtrace`.
    pub source: &'a str,
    /// Compress payloads with zstd (`/v1/tail_sampling_v2`), when that makes them smaller.
    pub compress: bool,
    /// `config_version`: the client's config `version`.
    pub config_version: i64,
}

/// The result of [`pack`].
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Packed {
    /// One packet per group, in the order each group first appears in the input.
    pub packets: Vec<DataPacket>,
    /// Indexes (into the input) of the points that belong to no group, in input order.
    pub ungrouped: Vec<usize>,
}

/// Groups `points` into one `DataPacket` per group, in first-appearance order, with every
/// header field computed as Datakit does (see the module documentation).
pub fn pack(points: &[Point], opts: &PackOptions<'_>) -> Packed {
    struct Group<'k> {
        key: &'k str,
        id: String,
        members: Vec<usize>,
    }
    let mut groups: Vec<Group<'_>> = Vec::new();
    let mut index: HashMap<(&str, String), usize> = HashMap::new();
    let mut ungrouped = Vec::new();
    for (i, point) in points.iter().enumerate() {
        let Some((key, id)) = group_of(point, opts) else {
            ungrouped.push(i);
            continue;
        };
        let n = groups.len();
        let slot = *index.entry((key, id.clone())).or_insert(n);
        if slot == n {
            groups.push(Group {
                key,
                id,
                members: Vec::new(),
            });
        }
        groups[slot].members.push(i);
    }
    let packets = groups
        .into_iter()
        .map(|g| build_packet(points, &g.members, g.key, g.id, opts))
        .collect();
    Packed { packets, ungrouped }
}

/// The group key and group value of `point`, if it has one.
fn group_of<'o>(point: &Point, opts: &PackOptions<'o>) -> Option<(&'o str, String)> {
    match opts.data_type {
        DataType::Tracing => point.get_str("trace_id").map(|id| ("", id.to_owned())),
        DataType::Logging | DataType::Rum => opts.group_keys.iter().find_map(|&key| {
            let value = match point.get(key)? {
                Lookup::Tag(s) => s.to_owned(),
                Lookup::Field(v) => v.to_group_string(),
            };
            (!value.is_empty()).then_some((key, value))
        }),
    }
}

fn build_packet(
    points: &[Point],
    members: &[usize],
    group_key: &str,
    raw_group_id: String,
    opts: &PackOptions<'_>,
) -> DataPacket {
    let tracing = opts.data_type == DataType::Tracing;
    let mut p = DataPacket {
        group_id_hash: fnv1a64(raw_group_id.as_bytes()),
        raw_group_id,
        token: opts.token.to_owned(),
        source: opts.source.to_owned(),
        data_type: opts.data_type.as_str().to_owned(),
        config_version: opts.config_version,
        group_key: group_key.to_owned(),
        point_count: i32::try_from(members.len()).unwrap_or(i32::MAX),
        ..DataPacket::default()
    };
    let mut span_start: Option<i64> = None;
    let mut span_end: Option<i64> = None;
    for point in members.iter().filter_map(|&i| points.get(i)) {
        p.max_point_time_unix_nano = p.max_point_time_unix_nano.max(point.time_ns);
        if point.get_tag("status") == Some("error") {
            p.has_error = true;
        }
        if tracing {
            if let Some(start) = point
                .get_int("start")
                .or_else(|| point.get_int("start_time"))
            {
                let start = start.saturating_mul(1000);
                let end = start
                    .saturating_add(point.get_int("duration").unwrap_or(0).saturating_mul(1000));
                span_start = Some(span_start.map_or(start, |s| s.min(start)));
                span_end = Some(span_end.map_or(end, |e| e.max(end)));
            }
        }
        apply_predicates(&mut p, point);
    }
    p.trace_start_time_unix_nano = span_start.unwrap_or(0);
    p.trace_end_time_unix_nano = span_end.unwrap_or(0);

    let payload = encode_members(points, members);
    if opts.compress && !payload.is_empty() {
        let compressed = compress(&payload, ZSTD_LEVEL);
        if compressed.len() < payload.len() {
            p.points_payload = compressed;
            p.payload_compression = COMPRESSION_ZSTD;
            return p;
        }
    }
    p.points_payload = payload;
    p.payload_compression = COMPRESSION_NONE;
    p
}

/// Datakit's `applySpanPredicatesWith` for one point.
fn apply_predicates(p: &mut DataPacket, point: &Point) {
    if point.get_str("status") == Some("error") {
        p.pred_error = true;
    }
    if point.get_str("http_status_code").is_some_and(is_http_error) {
        p.pred_http_error = true;
    }
    if point
        .get_str("body_code")
        .is_some_and(|c| c != "0" && c != "200")
    {
        p.pred_biz_error = true;
    }
    if let Some(Lookup::Field(FieldValue::Bool(true))) = point.get("trace_keep") {
        p.pred_trace_keep = true;
    }
    let Some(duration) = point.get_int("duration") else {
        return;
    };
    p.max_span_duration_us = p.max_span_duration_us.max(duration);
    match point.get_str("parent_id") {
        Some("0") => p.root_duration_us = p.root_duration_us.max(duration),
        Some(_) => p.max_nonroot_duration_us = p.max_nonroot_duration_us.max(duration),
        None => {}
    }
}

/// `^[45][0-9][0-9]$`.
fn is_http_error(code: &str) -> bool {
    matches!(code.as_bytes(), [b'4' | b'5', a, b] if a.is_ascii_digit() && b.is_ascii_digit())
}

/// Serializes `points` as a `point.PBPoints` (tags first, as `Field`s with `is_tag = true` and
/// the value in `s`; then the fields).
pub fn encode_points(points: &[Point]) -> Vec<u8> {
    let all: Vec<usize> = (0..points.len()).collect();
    encode_members(points, &all)
}

fn encode_members(points: &[Point], members: &[usize]) -> Vec<u8> {
    use prost::Message;
    PbPoints {
        arr: members
            .iter()
            .filter_map(|&i| points.get(i))
            .map(to_pb_point)
            .collect(),
    }
    .encode_to_vec()
}

fn to_pb_point(point: &Point) -> PbPoint {
    let tags = point.tags.iter().map(|(k, v)| Field {
        key: k.clone(),
        is_tag: true,
        val: Some(Val::S(v.clone())),
        ..Field::default()
    });
    let fields = point.fields.iter().map(|(k, v)| Field {
        key: k.clone(),
        val: Some(v.to_val()),
        ..Field::default()
    });
    PbPoint {
        name: point.measurement.clone(),
        fields: tags.chain(fields).collect(),
        time: point.time_ns,
        ..PbPoint::default()
    }
}

/// Splits a group's points into `parts` contiguous runs of near-equal size (larger runs first),
/// as Datakit may send one trace in several packets across flushes: pack each run separately.
/// `parts` is clamped to `1..=items.len()`; no items give no runs.
pub fn split_group<T>(items: &[T], parts: usize) -> Vec<&[T]> {
    if items.is_empty() {
        return Vec::new();
    }
    let parts = parts.clamp(1, items.len());
    let (base, extra) = (items.len() / parts, items.len() % parts);
    let mut out = Vec::with_capacity(parts);
    let mut rest = items;
    for i in 0..parts {
        let (run, tail) = rest.split_at(base + usize::from(i < extra));
        out.push(run);
        rest = tail;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_error_pattern() {
        for ok in ["400", "404", "500", "599"] {
            assert!(is_http_error(ok), "{ok}");
        }
        for no in ["200", "304", "40", "4000", "4x0", "", "600", " 500"] {
            assert!(!is_http_error(no), "{no}");
        }
    }

    #[test]
    fn go_float_strings() {
        assert_eq!(go_format_float(1.5), "1.5");
        assert_eq!(go_format_float(42.0), "42");
        assert_eq!(go_format_float(1e21), "1000000000000000000000");
        assert_eq!(go_format_float(f64::INFINITY), "+Inf");
        assert_eq!(go_format_float(f64::NEG_INFINITY), "-Inf");
        assert_eq!(go_format_float(f64::NAN), "NaN");
    }
}
