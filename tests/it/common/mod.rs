//! Test helpers: build spans, payloads and DataPackets with the prost types, and check the
//! engine's conservation identity; [`flood`], the flood of the `flood` and `flood_rss` tests;
//! [`spans`], shared with the `condition` fuzz target. Compiled in both test crates (the
//! `process` crate includes this directory with `#[path]`).

pub mod flood;
pub mod spans;

use prost::Message;
use tailsampling::wire::proto::aggregate::DataPacket;
use tailsampling::wire::proto::point::{field::Val, Field, PbPoint, PbPoints};
use tailsampling::wire::{compress, fnv1a64};
use tailsampling::Stats;

pub const SEC: i64 = 1_000_000_000;
/// 2026-11-21T00:00:00Z, a realistic start for the manual clock.
pub const T0: i64 = 1_795_219_200 * SEC;

pub fn tag(k: &str, v: &str) -> Field {
    Field {
        key: k.into(),
        is_tag: true,
        val: Some(Val::S(v.into())),
        ..Default::default()
    }
}

pub fn int(k: &str, v: i64) -> Field {
    Field {
        key: k.into(),
        val: Some(Val::I(v)),
        ..Default::default()
    }
}

pub fn string(k: &str, v: &str) -> Field {
    Field {
        key: k.into(),
        val: Some(Val::S(v.into())),
        ..Default::default()
    }
}

pub fn point(name: &str, time: i64, fields: Vec<Field>) -> PbPoint {
    PbPoint {
        name: name.into(),
        fields,
        time,
        ..Default::default()
    }
}

/// A span of trace `trace_id` with `status` and extra fields.
pub fn span(trace_id: &str, status: &str, extra: Vec<Field>) -> PbPoint {
    let mut fields = vec![
        tag("trace_id", trace_id),
        tag("service", "web"),
        tag("status", status),
    ];
    fields.extend(extra);
    point("ddtrace", T0, fields)
}

pub fn payload(points: &[PbPoint]) -> Vec<u8> {
    PbPoints {
        arr: points.to_vec(),
    }
    .encode_to_vec()
}

/// A DataPacket of `data_type` for group `raw_id` (`group_key` for logging/rum).
pub fn packet(
    token: &str,
    data_type: &str,
    group_key: &str,
    raw_id: &str,
    points: &[PbPoint],
) -> DataPacket {
    let has_error = points.iter().any(|p| {
        p.fields
            .iter()
            .any(|f| f.is_tag && f.key == "status" && f.val == Some(Val::S("error".into())))
    });
    DataPacket {
        group_id_hash: fnv1a64(raw_id.as_bytes()),
        raw_group_id: raw_id.into(),
        token: token.into(),
        source: "ddtrace".into(),
        data_type: data_type.into(),
        has_error,
        group_key: group_key.into(),
        point_count: points.len() as i32,
        points_payload: payload(points),
        max_point_time_unix_nano: points.iter().map(|p| p.time).max().unwrap_or(0),
        ..Default::default()
    }
}

/// An encoded trace packet.
pub fn trace(token: &str, trace_id: &str, points: &[PbPoint]) -> Vec<u8> {
    packet(token, "tracing", "", trace_id, points).encode_to_vec()
}

pub fn zstd(mut p: DataPacket) -> DataPacket {
    p.points_payload = compress(&p.points_payload, 3);
    p.payload_compression = 1;
    p
}

pub const TRACE_CONFIG: &str = r#"{"version": 1, "trace": {"data_ttl": "10s", "pipelines": [
    {"name": "keep-errors", "type": "condition", "condition": "{ status = \"error\" }", "action": "keep"},
    {"name": "drop-health", "type": "condition", "condition": "{ resource = \"/health\" }", "action": "drop"},
    {"name": "keep-slow", "type": "condition", "condition": "{ duration > 1000000 }", "action": "keep"}
]}}"#;

/// A configuration with every section (docs/protocol.md, "Configuration").
pub const REFERENCE_EXAMPLE: &str = r#"{"version": 2,
 "trace":   {"version": 1, "data_ttl": "5m", "group_key": "trace_id",
             "pipelines": [{"name": "keep-errors", "type": "condition", "condition": "{ status = \"error\" }", "action": "keep"},
                           {"name": "rest", "type": "probabilistic", "rate": 0.1}],
             "builtin_metrics": [{"name": "trace_total_count", "enabled": true}],
             "derived_metrics": []},
 "logging": {"version": 1, "data_ttl": "1m", "builtin_metrics": [],
             "group_dimensions": [{"group_key": "service", "pipelines": [
                 {"name": "errors", "type": "condition", "condition": "{ level = \"error\" AND order_id != \"\" }", "action": "keep"}],
               "derived_metrics": []}]},
 "rum":     {"version": 1, "data_ttl": "1m", "group_dimensions": [{"group_key": "session_id", "pipelines": [
                 {"name": "sample", "type": "probabilistic", "rate": 0.05}]}]}}"#;

/// Asserts accepted == pending + buffered + kept + dropped for the total and every token
/// ([`tailsampling::engine::Counters::conserved`]), and that the drop reasons add up to the dropped packets.
pub fn assert_conserved(stats: &Stats) {
    let all = std::iter::once(("total", &stats.total))
        .chain(stats.tokens.iter().map(|(k, t)| (k.as_str(), &t.counters)));
    for (name, c) in all {
        assert!(c.conserved(), "conservation broken for {name}: {c:#?}");
        let by_reason: u64 = c.dropped.by_reason.values().sum();
        assert_eq!(
            by_reason, c.dropped.packets,
            "{name}: drop reasons do not add up: {c:#?}"
        );
    }
}

/// The points of a delivery body.
pub fn points_of(body: &[u8]) -> Vec<PbPoint> {
    PbPoints::decode(body).expect("delivery body decodes").arr
}

/// The trace ids in a delivery body, in order.
pub fn trace_ids(body: &[u8]) -> Vec<String> {
    points_of(body)
        .iter()
        .filter_map(|p| {
            p.fields
                .iter()
                .find(|f| f.key == "trace_id")
                .and_then(|f| match &f.val {
                    Some(Val::S(s)) => Some(s.clone()),
                    _ => None,
                })
        })
        .collect()
}

/// Decodes a drained metrics body into `name=value @time {k=v,...}` lines, checking on the way
/// that every point is a `measurement` point with unique tags sorted by key and one float
/// field, and that the returned count matches.
pub fn render_metrics(measurement: &str, drained: Option<(Vec<u8>, u64)>) -> Vec<String> {
    let Some((body, count)) = drained else {
        return Vec::new();
    };
    let points = points_of(&body);
    assert_eq!(points.len() as u64, count, "point count");
    points
        .iter()
        .map(|p| {
            assert_eq!(p.name, measurement);
            let (tags, fields): (Vec<_>, Vec<_>) = p.fields.iter().partition(|f| f.is_tag);
            let keys: Vec<&str> = tags.iter().map(|t| t.key.as_str()).collect();
            let mut sorted = keys.clone();
            sorted.sort_unstable();
            sorted.dedup();
            assert_eq!(keys, sorted, "tags sorted by key, unique");
            let tags: Vec<String> = tags
                .iter()
                .map(|t| match &t.val {
                    Some(Val::S(v)) => format!("{}={v}", t.key),
                    other => panic!("tag {} is not a string: {other:?}", t.key),
                })
                .collect();
            let [field] = fields.as_slice() else {
                panic!("expected one field, got {fields:?}");
            };
            let Some(Val::F(value)) = field.val else {
                panic!("field {} is not a float: {:?}", field.key, field.val);
            };
            format!("{}={value} @{} {{{}}}", field.key, p.time, tags.join(","))
        })
        .collect()
}

/// A zstd frame written by hand: `blocks` RLE blocks of `block_len` (≤ 128 KiB) copies of
/// `byte`, 4 bytes per block, with a 128 KiB window and optionally a declared content size.
/// 1 GiB of zeros is 32 KiB of frame.
pub fn rle_frame(byte: u8, block_len: u32, blocks: usize, declared: Option<u64>) -> Vec<u8> {
    let mut frame = vec![0x28, 0xb5, 0x2f, 0xfd]; // magic number
    let window_descriptor = 7 << 3; // 2^(10 + 7) = 128 KiB
    match declared {
        None => frame.extend([0x00, window_descriptor]),
        Some(size) => {
            frame.extend([0xc0, window_descriptor]); // 8-byte content size
            frame.extend(size.to_le_bytes());
        }
    }
    for i in 0..blocks {
        let last = u32::from(i + 1 == blocks);
        let header = last | (1 << 1) | (block_len << 3); // block type 1 = RLE
        frame.extend(&header.to_le_bytes()[..3]);
        frame.push(byte);
    }
    frame
}
