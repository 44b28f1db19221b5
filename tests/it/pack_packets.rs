//! `wire::pack`: header fields computed as Datakit does (hand-checked), trace grouping,
//! logging/RUM group-key priority, ungrouped points, zstd payloads, `encode_points` and
//! `split_group`.

use prost::Message;
use tailsampling::config::DataType;
use tailsampling::wire::proto::aggregate::DataPacket;
use tailsampling::wire::{
    fnv1a64, FieldRef, PacketRef, Points, Value, COMPRESSION_NONE, COMPRESSION_ZSTD,
    DEFAULT_MAX_DECOMPRESSED,
};
use tailsampling_cli::pack::{encode_points, pack, split_group, FieldValue, PackOptions, Point};

fn opts(data_type: DataType, group_keys: &'static [&'static str]) -> PackOptions<'static> {
    PackOptions {
        token: "tkn_test",
        data_type,
        group_keys,
        source: "ddtrace",
        compress: false,
        config_version: 7,
    }
}

/// The fields of `point` as the walker must yield them: tags first, then fields.
fn expected_fields(point: &Point) -> Vec<FieldRef<'_>> {
    let tags = point.tags.iter().map(|(k, v)| FieldRef {
        key: k.as_bytes(),
        value: Some(Value::Tag(v.as_bytes())),
        is_tag: true,
    });
    let fields = point.fields.iter().map(|(k, v)| FieldRef {
        key: k.as_bytes(),
        value: Some(match v {
            FieldValue::Int(i) => Value::Int(*i),
            FieldValue::Uint(u) => Value::Uint(*u),
            FieldValue::Float(f) => Value::Float(*f),
            FieldValue::Str(s) => Value::Str(s.as_bytes()),
            FieldValue::Bool(b) => Value::Bool(*b),
            FieldValue::Bytes(d) => Value::Bytes(d),
        }),
        is_tag: false,
    });
    tags.chain(fields).collect()
}

/// Walks `packet`'s payload (decompressing it if needed) and checks it holds exactly
/// `expected`, point by point and field by field.
fn assert_payload_is(packet: &DataPacket, expected: &[&Point]) {
    let bytes = packet.encode_to_vec();
    let decoded = PacketRef::decode(&bytes).expect("packet decodes");
    let payload = decoded
        .payload(DEFAULT_MAX_DECOMPRESSED)
        .expect("payload readable");
    let points: Vec<_> = Points::new(&payload)
        .collect::<Result<_, _>>()
        .expect("payload walks");
    assert_eq!(points.len(), expected.len());
    assert_eq!(decoded.point_count as usize, expected.len());
    for (got, want) in points.iter().zip(expected) {
        assert_eq!(got.name(), want.measurement.as_bytes());
        assert_eq!(got.time(), want.time_ns);
        let fields: Vec<_> = got.fields().collect::<Result<_, _>>().expect("fields walk");
        assert_eq!(fields, expected_fields(want));
    }
}

/// A small trace "t1" (three spans, trace_id as a string field and as a tag), a trace "t2"
/// whose `status` is a string field, and two points without a string trace_id.
fn trace_points() -> Vec<Point> {
    vec![
        // 0: t1 root. start 1_000_000 µs, 500 µs.
        Point::new("ddtrace", 1_000_000_000)
            .tag("service", "api")
            .tag("status", "ok")
            .tag("http_status_code", "200")
            .field("trace_id", "t1")
            .field("span_id", "a")
            .field("parent_id", "0")
            .field("start", 1_000_000_i64)
            .field("duration", 500_i64),
        // 1: t2, a string *field* status: pred_error but not has_error. No start, no duration.
        Point::new("ddtrace", 5)
            .field("trace_id", "t2")
            .field("status", "error")
            .field("http_status_code", "200")
            .field("body_code", "0"),
        // 2: t1 child with an error tag and a 5xx code. start 1_000_100 µs, 300 µs.
        Point::new("ddtrace", 1_000_100_000)
            .tag("status", "error")
            .tag("http_status_code", "503")
            .field("trace_id", "t1")
            .field("parent_id", "a")
            .field("start", 1_000_100_i64)
            .field("duration", 300_i64),
        // 3: no trace_id at all.
        Point::new("ddtrace", 9).tag("service", "orphan"),
        // 4: t1 child, trace_id as a tag, `start_time` instead of `start`, float duration
        // 700.9 µs (truncated to 700), business error, trace_keep. Ends at 1_001_150 µs.
        Point::new("ddtrace", 1_000_450_000)
            .tag("trace_id", "t1")
            .field("parent_id", "a")
            .field("start_time", 1_000_450_i64)
            .field("duration", 700.9)
            .field("body_code", "5001")
            .field("trace_keep", true),
        // 5: trace_id that is not a string: no group (Datakit: "invalid trace_id").
        Point::new("ddtrace", 11).field("trace_id", 42_i64),
    ]
}

#[test]
fn trace_header_fields_by_hand() {
    let points = trace_points();
    let packed = pack(&points, &opts(DataType::Tracing, &[]));
    assert_eq!(packed.ungrouped, vec![3, 5]);
    assert_eq!(packed.packets.len(), 2);

    let t1 = &packed.packets[0];
    let expected = DataPacket {
        group_id_hash: fnv1a64(b"t1"),
        raw_group_id: "t1".into(),
        token: "tkn_test".into(),
        source: "ddtrace".into(),
        data_type: "tracing".into(),
        config_version: 7,
        has_error: true,
        group_key: String::new(),
        point_count: 3,
        trace_start_time_unix_nano: 1_000_000_000,
        trace_end_time_unix_nano: 1_001_150_000,
        points_payload: encode_points(&[points[0].clone(), points[2].clone(), points[4].clone()]),
        max_point_time_unix_nano: 1_000_450_000,
        payload_compression: COMPRESSION_NONE,
        pred_error: true,
        pred_http_error: true,
        pred_biz_error: true,
        pred_trace_keep: true,
        max_span_duration_us: 700,
        root_duration_us: 500,
        max_nonroot_duration_us: 700,
    };
    assert_eq!(t1, &expected);
    assert_payload_is(t1, &[&points[0], &points[2], &points[4]]);

    let t2 = &packed.packets[1];
    let expected = DataPacket {
        group_id_hash: fnv1a64(b"t2"),
        raw_group_id: "t2".into(),
        token: "tkn_test".into(),
        source: "ddtrace".into(),
        data_type: "tracing".into(),
        config_version: 7,
        has_error: false,
        point_count: 1,
        points_payload: encode_points(&points[1..2]),
        max_point_time_unix_nano: 5,
        pred_error: true,
        ..DataPacket::default()
    };
    assert_eq!(t2, &expected);
}

#[test]
fn header_round_trips_through_packet_ref() {
    let packed = pack(&trace_points(), &opts(DataType::Tracing, &[]));
    for packet in &packed.packets {
        let bytes = packet.encode_to_vec();
        let decoded = PacketRef::decode(&bytes).expect("decodes");
        assert_eq!(&decoded.to_proto(), packet);
        assert_eq!(decoded.encode_to_vec(), bytes);
    }
}

#[test]
fn nonroot_and_root_durations_are_separate() {
    // Root shorter than a child; a span without parent_id counts only for the maximum; a span
    // without duration counts for nothing; parent_id as a tag works too.
    let points = vec![
        Point::new("s", 1)
            .tag("trace_id", "x")
            .tag("parent_id", "0")
            .field("duration", 40_i64),
        Point::new("s", 2)
            .tag("trace_id", "x")
            .field("parent_id", "r")
            .field("duration", 90_i64),
        Point::new("s", 3)
            .tag("trace_id", "x")
            .field("duration", 1_000_i64),
        Point::new("s", 4)
            .tag("trace_id", "x")
            .field("parent_id", "r"),
        Point::new("s", 5)
            .tag("trace_id", "x")
            .field("parent_id", "0")
            .field("duration", "12"),
    ];
    let packed = pack(&points, &opts(DataType::Tracing, &[]));
    assert_eq!(packed.packets.len(), 1);
    let p = &packed.packets[0];
    assert_eq!(p.max_span_duration_us, 1_000);
    assert_eq!(p.root_duration_us, 40);
    assert_eq!(p.max_nonroot_duration_us, 90);
    assert_eq!(p.point_count, 5);
    // No span has `start`: no trace times.
    assert_eq!(p.trace_start_time_unix_nano, 0);
    assert_eq!(p.trace_end_time_unix_nano, 0);
    assert_eq!(p.max_point_time_unix_nano, 5);
    assert!(!p.has_error && !p.pred_error && !p.pred_http_error);
}

#[test]
fn predicates_follow_datakit_types() {
    let one = |point: Point| {
        let packed = pack(&[point.tag("trace_id", "t")], &opts(DataType::Tracing, &[]));
        packed.packets.into_iter().next().expect("one packet")
    };
    // http_status_code must be a 3-char 4xx/5xx string.
    for (code, want) in [
        ("404", true),
        ("599", true),
        ("200", false),
        ("4000", false),
    ] {
        let p = one(Point::new("s", 0).tag("http_status_code", code));
        assert_eq!(p.pred_http_error, want, "{code}");
    }
    // An int http_status_code is not a string: no hint (as the condition language).
    assert!(!one(Point::new("s", 0).field("http_status_code", 500_i64)).pred_http_error);
    // body_code: any string other than "0" and "200"; not an int.
    assert!(one(Point::new("s", 0).tag("body_code", "")).pred_biz_error);
    assert!(!one(Point::new("s", 0).tag("body_code", "200")).pred_biz_error);
    assert!(!one(Point::new("s", 0).field("body_code", 5001_i64)).pred_biz_error);
    // trace_keep: only a bool true.
    assert!(!one(Point::new("s", 0).field("trace_keep", false)).pred_trace_keep);
    assert!(!one(Point::new("s", 0).field("trace_keep", "true")).pred_trace_keep);
    // has_error needs the tag; the first `status` key wins (tags come first).
    let p = one(Point::new("s", 0)
        .tag("status", "ok")
        .field("status", "error"));
    assert!(!p.has_error && !p.pred_error);
}

#[test]
fn trace_groups_in_first_appearance_order() {
    let ids = ["c", "a", "c", "b", "a", "c"];
    let points: Vec<Point> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| Point::new("s", i as i64).field("trace_id", *id))
        .collect();
    let packed = pack(&points, &opts(DataType::Tracing, &["ignored"]));
    let groups: Vec<(&str, i32)> = packed
        .packets
        .iter()
        .map(|p| (p.raw_group_id.as_str(), p.point_count))
        .collect();
    assert_eq!(groups, vec![("c", 3), ("a", 2), ("b", 1)]);
    assert!(packed.ungrouped.is_empty());
    assert_payload_is(&packed.packets[0], &[&points[0], &points[2], &points[5]]);
}

#[test]
fn logging_group_keys_priority() {
    let points = vec![
        // 0 → user_id=u1
        Point::new("log", 1)
            .tag("service", "a")
            .tag("user_id", "u1"),
        // 1 → service=a; start/duration do not make trace times for logging, but the
        // predicate summary applies to every data type, as in Datakit.
        Point::new("log", 2)
            .tag("service", "a")
            .field("start", 10_i64)
            .field("duration", 20_i64),
        // 2 → user_id=42 (an int field, stringified as Go's fieldToString)
        Point::new("log", 3)
            .tag("service", "b")
            .field("user_id", 42_i64),
        // 3 → an empty user_id does not count: service=b
        Point::new("log", 4).tag("user_id", "").tag("service", "b"),
        // 4 → none of the keys
        Point::new("log", 5).tag("host", "h"),
        // 5 → service=a, with an error
        Point::new("log", 6)
            .tag("service", "a")
            .tag("status", "error"),
        // 6 → user_id=1.5
        Point::new("log", 7).field("user_id", 1.5),
        // 7 → user_id=u1 again
        Point::new("log", 8).tag("user_id", "u1"),
        // 8 → service=u1: same value, other key, other group
        Point::new("log", 9).tag("service", "u1"),
    ];
    let packed = pack(&points, &opts(DataType::Logging, &["user_id", "service"]));
    let groups: Vec<(&str, &str, i32)> = packed
        .packets
        .iter()
        .map(|p| (p.group_key.as_str(), p.raw_group_id.as_str(), p.point_count))
        .collect();
    assert_eq!(
        groups,
        vec![
            ("user_id", "u1", 2),
            ("service", "a", 2),
            ("user_id", "42", 1),
            ("service", "b", 1),
            ("user_id", "1.5", 1),
            ("service", "u1", 1),
        ]
    );
    assert_eq!(packed.ungrouped, vec![4]);
    for p in &packed.packets {
        assert_eq!(p.data_type, "logging");
        assert_eq!(p.group_id_hash, fnv1a64(p.raw_group_id.as_bytes()));
        assert_eq!(p.config_version, 7);
        assert_eq!(p.trace_start_time_unix_nano, 0);
        assert_eq!(p.trace_end_time_unix_nano, 0);
    }
    let a = &packed.packets[1];
    assert!(a.has_error && a.pred_error);
    assert_eq!(a.max_span_duration_us, 20);
    assert_eq!(a.max_point_time_unix_nano, 6);
    assert_payload_is(a, &[&points[1], &points[5]]);
    assert!(!packed.packets[0].has_error);
    assert_payload_is(&packed.packets[0], &[&points[0], &points[7]]);
}

#[test]
fn rum_and_no_group_keys() {
    let points = vec![
        Point::new("view", 1).tag("session_id", "s1"),
        Point::new("action", 2).tag("session_id", "s2"),
        Point::new("error", 3)
            .tag("session_id", "s1")
            .tag("status", "error"),
    ];
    let packed = pack(&points, &opts(DataType::Rum, &["session_id"]));
    assert_eq!(packed.packets.len(), 2);
    assert_eq!(packed.packets[0].data_type, "rum");
    assert_eq!(packed.packets[0].group_key, "session_id");
    assert_eq!(packed.packets[0].raw_group_id, "s1");
    assert!(packed.packets[0].has_error);
    assert!(!packed.packets[1].has_error);

    // No dimension configured: every point is written directly.
    let packed = pack(&points, &opts(DataType::Rum, &[]));
    assert!(packed.packets.is_empty());
    assert_eq!(packed.ungrouped, vec![0, 1, 2]);

    let packed = pack(&[], &opts(DataType::Logging, &["service"]));
    assert!(packed.packets.is_empty() && packed.ungrouped.is_empty());
}

/// One trace of `n` spans with every field type.
fn big_trace(n: usize) -> Vec<Point> {
    (0..n)
        .map(|i| {
            Point::new("ddtrace", 1_700_000_000_000_000_000 + i as i64)
                .tag("service", "checkout")
                .tag("status", if i == 3 { "error" } else { "ok" })
                .tag("http_method", "GET")
                .field("trace_id", "4bf92f3577b34da6a3ce929d0e0e4736")
                .field("span_id", format!("{i:016x}"))
                .field(
                    "parent_id",
                    if i == 0 {
                        "0".to_owned()
                    } else {
                        "1".to_owned()
                    },
                )
                .field("start", 1_700_000_000_000_000_i64 + i as i64)
                .field("duration", 1_000_i64 * (i as i64 + 1))
                .field("bytes_out", i as u64 * 17)
                .field("ratio", i as f64 / 3.0)
                .field("cached", i % 2 == 0)
                .field("raw", vec![0_u8, 159, 146, 150, i as u8])
        })
        .collect()
}

#[test]
fn zstd_payload_round_trips() {
    let points = big_trace(50);
    let raw = pack(&points, &opts(DataType::Tracing, &[]));
    let zstd = pack(
        &points,
        &PackOptions {
            compress: true,
            ..opts(DataType::Tracing, &[])
        },
    );
    let (raw, zstd) = (&raw.packets[0], &zstd.packets[0]);
    assert_eq!(raw.payload_compression, COMPRESSION_NONE);
    assert_eq!(zstd.payload_compression, COMPRESSION_ZSTD);
    assert!(zstd.points_payload.len() < raw.points_payload.len());
    assert_eq!(&zstd.points_payload[..4], &[0x28, 0xb5, 0x2f, 0xfd]);

    // The compressed payload decompresses to exactly the raw one, and walks back to the points.
    let bytes = zstd.encode_to_vec();
    let decoded = PacketRef::decode(&bytes).expect("decodes");
    let payload = decoded
        .payload(DEFAULT_MAX_DECOMPRESSED)
        .expect("decompresses");
    assert_eq!(&payload[..], &raw.points_payload[..]);
    assert_eq!(payload.as_ref(), encode_points(&points).as_slice());
    let all: Vec<&Point> = points.iter().collect();
    assert_payload_is(zstd, &all);

    // Every header field other than the payload is the same.
    let strip = |p: &DataPacket| DataPacket {
        points_payload: Vec::new(),
        payload_compression: 0,
        ..p.clone()
    };
    assert_eq!(strip(raw), strip(zstd));
    assert_eq!(zstd.root_duration_us, 1_000);
    assert_eq!(zstd.max_nonroot_duration_us, 50_000);
    assert!(zstd.has_error);
}

#[test]
fn zstd_that_does_not_shrink_stays_raw() {
    // A payload of a few bytes: a zstd frame is larger, so Datakit sends it raw.
    let points = [Point::new("s", 0).tag("trace_id", "x")];
    let packed = pack(
        &points,
        &PackOptions {
            compress: true,
            ..opts(DataType::Tracing, &[])
        },
    );
    let p = &packed.packets[0];
    assert_eq!(p.payload_compression, COMPRESSION_NONE);
    assert_eq!(p.points_payload, encode_points(&points));
}

#[test]
fn encode_points_is_pb_points() {
    use tailsampling::wire::proto::point::{field::Val, PbPoints};
    let points = big_trace(3);
    let bytes = encode_points(&points);
    let decoded = PbPoints::decode(bytes.as_slice()).expect("prost decodes");
    assert_eq!(decoded.arr.len(), 3);
    let first = &decoded.arr[0];
    assert_eq!(first.name, "ddtrace");
    assert_eq!(first.time, 1_700_000_000_000_000_000);
    assert_eq!(first.fields[0].key, "service");
    assert!(first.fields[0].is_tag);
    assert_eq!(first.fields[0].val, Some(Val::S("checkout".into())));
    let raw = first.fields.iter().find(|f| f.key == "raw").expect("raw");
    assert!(!raw.is_tag);
    assert_eq!(raw.val, Some(Val::D(vec![0, 159, 146, 150, 0])));
    assert!(encode_points(&[]).is_empty());
}

#[test]
fn split_group_sizes() {
    let items: Vec<u32> = (0..10).collect();
    let lens =
        |parts| -> Vec<usize> { split_group(&items, parts).iter().map(|r| r.len()).collect() };
    assert_eq!(lens(1), vec![10]);
    assert_eq!(lens(3), vec![4, 3, 3]);
    assert_eq!(lens(0), vec![10]);
    assert_eq!(lens(25), vec![1; 10]);
    let runs = split_group(&items, 3);
    assert_eq!(runs.concat(), items);
    assert!(split_group::<u32>(&[], 3).is_empty());
}

#[test]
fn a_trace_split_into_packets() {
    let points = big_trace(7);
    let runs = split_group(&points, 3);
    let packets: Vec<DataPacket> = runs
        .iter()
        .flat_map(|run| pack(run, &opts(DataType::Tracing, &[])).packets)
        .collect();
    assert_eq!(packets.len(), 3);
    let counts: Vec<i32> = packets.iter().map(|p| p.point_count).collect();
    assert_eq!(counts, vec![3, 2, 2]);
    assert!(packets
        .iter()
        .all(|p| p.group_id_hash == packets[0].group_id_hash));
    // Each packet summarises only its own spans: the root (span 0) and the error (span 3)
    // are in the first and second packets.
    assert_eq!(packets[0].root_duration_us, 1_000);
    assert_eq!(packets[1].root_duration_us, 0);
    assert!(!packets[0].has_error && packets[1].has_error && !packets[2].has_error);
    assert_eq!(packets[2].max_span_duration_us, 7_000);
    assert_eq!(
        packets[2].trace_start_time_unix_nano,
        (1_700_000_000_000_000 + 5) * 1_000
    );
}
