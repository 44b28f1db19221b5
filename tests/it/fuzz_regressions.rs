//! The fuzzing side of RELIABILITY.md: every input a fuzz target (`fuzz/`) found a bug with
//! (kept as found in `fuzz/regressions/<target>/`), replayed through the public API with the
//! property it broke; and the committed seed corpora (`fuzz/seeds/<target>/`), generated here
//! from `workload` and `wire::pack` so they stay valid inputs as the formats evolve.
//! `TS_BLESS=1 cargo test --test fuzz_regressions` rewrites the seeds.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::common::{rle_frame, REFERENCE_EXAMPLE};
use prost::Message;
use serde_json::Value as Json;
use tailsampling::durable::{Record, MAX_BODY};
use tailsampling::wire::proto::aggregate::DataPacket;
use tailsampling::wire::proto::point::{field::Val, Debug, Field, PbPoint, PbPoints, Warn};
use tailsampling::wire::{
    compress, decompress_capped, encode_batch, payload_bytes, PacketRef, DEFAULT_MAX_DECOMPRESSED,
};
use tailsampling_cli::pack::{encode_points, Point};
use tailsampling_cli::workload::{generate, Event, WorkloadSpec};

/// The largest zstd block: 128 KiB.
const BLOCK: u32 = 128 << 10;

/// A seed file: target, name, bytes.
type Seed = (&'static str, &'static str, Vec<u8>);

/// The repository's root (this crate is `tests/`).
fn root() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

/// The smallest packet of the small demo workload matching `pick`, as an owned prost packet.
fn smallest(events: &[Event], pick: impl Fn(&DataPacket) -> bool) -> DataPacket {
    events
        .iter()
        .map(|e| DataPacket::decode(e.packet.as_slice()).expect("a workload packet"))
        .filter(|p| pick(p))
        .min_by_key(|p| p.encoded_len())
        .expect("the workload has such a packet")
}

/// A `zstd_payload` input: mode byte, cap (two bytes, little-endian), frame bytes.
fn zstd_input(mode: u8, cap: u16, frame: &[u8]) -> Vec<u8> {
    let mut input = vec![mode];
    input.extend(cap.to_le_bytes());
    input.extend(frame);
    input
}

/// The config of a rules-corpus case, as its JSON text.
fn rules_config(case: &str) -> Vec<u8> {
    let path = root().join("tests/rules").join(case);
    let doc: Json = serde_json::from_slice(&std::fs::read(&path).expect("rules case")).unwrap();
    match &doc["config_text"] {
        Json::String(text) => text.clone().into_bytes(),
        _ => serde_json::to_vec_pretty(&doc["config"]).unwrap(),
    }
}

fn rules_schema(name: &str) -> Vec<u8> {
    std::fs::read(root().join("tests/rules/schemas").join(name)).expect("schema")
}

/// A write-ahead log segment holding `records` (kind, payload), then `tail`.
fn wal_segment(records: &[(u8, &[u8])], tail: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    for &(kind, payload) in records {
        Record { kind, payload }.encode(&mut out);
    }
    out.extend_from_slice(tail);
    out
}

/// `config`, a NUL byte, then `rest`: the input of the targets that take two documents.
fn joined(config: &[u8], rest: &[u8]) -> Vec<u8> {
    let mut input = config.to_vec();
    input.push(0);
    input.extend(rest);
    input
}

/// Builds `ffi_session` inputs; each method writes one operation the way
/// `fuzz/fuzz_targets/ffi_session.rs` (`Session::step`) reads it.
struct Ops(Vec<u8>);

impl Ops {
    /// Starts with the options byte.
    fn new(options: u8) -> Self {
        Ops(vec![options])
    }

    /// A packed group: host token choice (0: none, 1–3: `tkn_a`…`tkn_c`), packet token
    /// choice (0: empty, 1: `tkn_a`, 2: `tkn_b`), data type (0: tracing, 1: logging, 2: rum),
    /// then per point (trace id, service, status, duration), an error-free `resource` string
    /// field, and no damage.
    fn packed(mut self, host: u8, own: u8, data_type: u8, points: &[(u8, u8, u8, u16)]) -> Self {
        self.0
            .extend([0, host, own, data_type, 0, points.len() as u8 - 1]);
        for &(trace, service, status, duration) in points {
            self.0.extend([trace, service, status]);
            self.0.extend(duration.to_le_bytes());
            self.0.extend([0, 0, 1]); // resource = "/api"
        }
        // Compress; then one "no damage" byte per packet, that is per group: per trace id for
        // tracing, per (non-empty) service otherwise.
        self.0.push(1);
        let mut groups: Vec<u8> = points
            .iter()
            .map(|&(trace, service, ..)| if data_type == 0 { trace } else { service })
            .filter(|&g| data_type == 0 || g % 3 != 2)
            .collect();
        groups.sort_unstable();
        groups.dedup();
        self.0.extend(vec![7; groups.len()]);
        self
    }

    /// A raw body, ingested with the token `raw`.
    fn raw(mut self, body: &[u8]) -> Self {
        self.0.push(2);
        self.0.extend((body.len() as u16).to_le_bytes());
        self.0.extend(body);
        self
    }

    /// Config `config` (0–4) for token choice `token` (0–2: `tkn_a`…, 3: `raw`, 4: none).
    fn config(mut self, token: u8, config: u8) -> Self {
        self.0.extend([3, token, config]);
        self
    }

    /// A garbage config for `tkn_a`.
    fn bad_config(mut self, text: &[u8]) -> Self {
        self.0.extend([4, 0, text.len() as u8]);
        self.0.extend(text);
        self
    }

    /// Moves the clock forward by `centis` hundredths of a second.
    fn wait(mut self, centis: u16) -> Self {
        self.0.extend([5, 0]);
        self.0.extend(centis.to_le_bytes());
        self
    }

    fn poll_kept(mut self) -> Self {
        self.0.push(6);
        self
    }

    fn poll_metrics(mut self) -> Self {
        self.0.push(7);
        self
    }

    fn flush(mut self) -> Self {
        self.0.push(8);
        self
    }

    /// `ts_record_send` for `tkn_a`, `tracing`, `TS_SEND_SUCCESS`, n = 3.
    fn record_send(mut self) -> Self {
        self.0.extend([9, 1, 1, 0]);
        self.0.extend(3u64.to_le_bytes());
        self
    }
}

/// Every seed file, from the small demo workload, `wire::pack` and the rules corpus.
fn seeds() -> Vec<Seed> {
    let events = generate(&WorkloadSpec {
        traces: 40,
        log_groups: 6,
        rum_sessions: 4,
        zstd_share: 0.5,
        ..WorkloadSpec::default()
    });
    let trace = smallest(&events, |p| {
        p.data_type == "tracing" && p.payload_compression == 0
    });
    let trace_zstd = smallest(&events, |p| {
        p.data_type == "tracing" && p.payload_compression == 1
    });
    let logging = smallest(&events, |p| p.data_type == "logging");
    let rum = smallest(&events, |p| p.data_type == "rum");
    let hints = DataPacket {
        group_id_hash: u64::MAX,
        config_version: -1,
        point_count: -2,
        pred_error: true,
        pred_http_error: true,
        pred_biz_error: true,
        pred_trace_keep: true,
        max_span_duration_us: i64::MIN,
        root_duration_us: 7,
        max_nonroot_duration_us: i64::MAX,
        payload_compression: 9,
        ..trace.clone()
    };
    let wal_records: [(u8, &[u8]); 3] = [
        (1, b"config tkn_a"),
        (2, &[0x0a, 3, b'a', b'b', b'c']),
        (3, b""),
    ];
    let wal = wal_segment(&wal_records, &[]);
    let batch = encode_batch(
        "collector-1",
        &[PacketRef::from(&logging), PacketRef::from(&rum)],
    );

    let typed = encode_points(&[Point::new("typed", -5)
        .tag("status", "error")
        .tag("", "")
        .field("i", -3i64)
        .field("u", u64::MAX)
        .field("f", f64::NAN)
        .field("s", "x")
        .field("b", true)
        .field("d", vec![0xff, 0])]);
    let extras = PbPoints {
        arr: vec![PbPoint {
            name: "extras".into(),
            fields: vec![
                Field {
                    key: "any".into(),
                    r#type: 3,
                    unit: "ms".into(),
                    description: "an Any".into(),
                    val: Some(Val::A(prost_types::Any {
                        type_url: "type.googleapis.com/x".into(),
                        value: vec![8, 1],
                    })),
                    ..Field::default()
                },
                Field {
                    key: "n".into(),
                    is_tag: true,
                    val: Some(Val::I(7)),
                    ..Field::default()
                },
            ],
            time: 1,
            warns: vec![Warn {
                r#type: "w".into(),
                msg: "m".into(),
            }],
            debugs: vec![Debug { info: "i".into() }],
        }],
    }
    .encode_to_vec();

    let text: Vec<u8> = (0..1000).map(|i| b"span status=ok "[i % 15]).collect();

    let clean = rules_config("00-clean-example.json");
    let sql = rules_config("25-sql-schema.json");

    // Workload packets re-filed under the token `raw`, the only one raw bodies are sent with.
    let raw = |p: &DataPacket| {
        DataPacket {
            token: "raw".into(),
            ..p.clone()
        }
        .encode_to_vec()
    };

    vec![
        ("packet_decode", "trace", trace.encode_to_vec()),
        ("packet_decode", "trace_zstd", trace_zstd.encode_to_vec()),
        ("packet_decode", "logging", logging.encode_to_vec()),
        ("packet_decode", "hints", hints.encode_to_vec()),
        ("packet_decode", "batch", batch),
        ("points_walk", "trace", trace.points_payload.clone()),
        ("points_walk", "typed", typed),
        ("points_walk", "extras", extras),
        ("points_walk", "rum", payload_of(&rum)),
        ("zstd_payload", "text", zstd_input(0, 4096, &compress(&text, 3))),
        ("zstd_payload", "declared_bomb", zstd_input(0, 1024, &rle_frame(0, BLOCK, 2, Some(256 << 10)))),
        ("zstd_payload", "streamed_bomb", zstd_input(0, 1024, &rle_frame(0, BLOCK, 4, None))),
        ("zstd_payload", "round_trip", zstd_input(1 | 2 << 1, 600, &text[..500])),
        ("zstd_payload", "packet_zstd", zstd_input(8, 2000, &trace_zstd.points_payload)),
        ("config_json", "clean", clean.clone()),
        ("config_json", "probabilistic", rules_config("22-probabilistic-condition.json")),
        ("config_json", "ttl_clamped", rules_config("38-data-ttl-clamped.json")),
        ("config_json", "unknown_type", rules_config("43-unknown-type-and-syntax.json")),
        ("config_json", "invalid_json", rules_config("44-invalid-json.json")),
        // The reference example, with a data_ttl in integer nanoseconds as Datakit sends it.
        ("config_json", "dimensions", REFERENCE_EXAMPLE
            .replace(r#""data_ttl": "1m", "builtin_metrics""#, r#""data_ttl": 60000000000, "builtin_metrics""#)
            .into_bytes()),
        ("condition", "errors", br#"{ status = "error" }; { http_status_code MATCH ["^[45][0-9][0-9]$"] }"#.to_vec()),
        ("condition", "errors_point", joined(br#"{ status = "error" }"#, &[0, 0, 8, 0, 0])),
        ("condition", "and_notin", joined(br#"{ parent_id = "0" AND duration > 1000000, resource NOTIN ["/health", nil] }"#, &[0, 1, 8, 0, 1, 1, 2, 0x40, 0x42, 0x0f, 0, 0, 0, 0, 0])),
        ("condition", "mixed", br#"{ a = re("x+") OR (b != 1.5 && c <= -3) }; {}; { `http.method` IN ['GET', "P\x4f"], n >= 0x1F } # done"#.to_vec()),
        ("condition", "quirks", b"{ a.b == 1 }; { (x = 1) }; { 1 = 1, y NOTMATCH [`\\d+`] }".to_vec()),
        ("schema_rules", "json_schema", joined(&clean, &rules_schema("schema.json"))),
        ("schema_rules", "sql_schema", joined(&sql, &rules_schema("schema.sql"))),
        ("schema_rules", "no_schema", rules_config("45-missing-action-and-paren.json")),
        ("schema_rules", "bad_sql", joined(&sql, b"CREATE TABLE spans (a JSON, b Nullable(INT))")),
        ("wal_recover", "three_records", wal.clone()),
        ("wal_recover", "torn_body", [&wal[..], &wal_segment(&[(4, b"a packet payload")], &[])[..15]].concat()),
        ("wal_recover", "torn_header", wal_segment(&wal_records, &[0x11, 0, 0])),
        ("wal_recover", "bit_flip", { let mut w = wal.clone(); w[wal.len() - 12] ^= 4; w }),
        ("wal_recover", "zero_tail", wal_segment(&wal_records, &[0; 32])),
        ("wal_recover", "too_long", wal_segment(&wal_records[..1], &[&(MAX_BODY as u32 + 1).to_le_bytes()[..], &[0; 5]].concat())),
        ("ffi_session", "keep_errors", Ops::new(0b0000_1001)
            .config(0, 1)
            .packed(1, 0, 0, &[(0, 0, 1, 9000), (0, 1, 0, 10), (1, 0, 0, 20)])
            .packed(2, 2, 1, &[(2, 0, 1, 5), (2, 1, 0, 5)])
            .wait(1000)
            .poll_kept()
            .poll_metrics()
            .0),
        ("ffi_session", "pending_then_config", Ops::new(0b0010_1010)
            .packed(2, 0, 0, &[(0, 0, 0, 1)])
            .packed(0, 2, 2, &[(1, 1, 1, 2)])
            .config(1, 2)
            .config(1, 3)
            .flush()
            .poll_kept()
            .0),
        ("ffi_session", "raw_workload", Ops::new(0b0001_0100)
            .config(3, 1)
            .raw(&raw(&trace))
            .raw(&raw(&trace_zstd))
            .raw(&raw(&logging))
            .wait(700)
            .poll_kept()
            .raw(&raw(&trace))
            .poll_kept()
            .0),
        ("ffi_session", "garbage", Ops::new(0xff)
            .bad_config(br#"{"version": "x", "trace": []}"#)
            .config(4, 0)
            .record_send()
            .raw(b"\x0a\x05hello\x2a\x00")
            .wait(u16::MAX)
            .poll_metrics()
            .0),
    ]
}

/// The payload of a packet, decompressed.
fn payload_of(p: &DataPacket) -> Vec<u8> {
    PacketRef::from(p)
        .payload(DEFAULT_MAX_DECOMPRESSED)
        .expect("a workload payload")
        .into_owned()
}

#[test]
fn fuzz_seed_corpora_are_current() {
    let dir = root().join("fuzz/seeds");
    let bless = std::env::var_os("TS_BLESS").is_some();
    let mut expected: BTreeMap<PathBuf, Vec<u8>> = BTreeMap::new();
    for (target, name, bytes) in seeds() {
        expected.insert(dir.join(target).join(name), bytes);
    }
    if bless {
        let _ = std::fs::remove_dir_all(&dir);
        for (path, bytes) in &expected {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, bytes).unwrap();
        }
    }
    let mut found = BTreeMap::new();
    for target in std::fs::read_dir(&dir).expect("fuzz/seeds") {
        for seed in std::fs::read_dir(target.unwrap().path()).unwrap() {
            let path = seed.unwrap().path();
            found.insert(path.clone(), std::fs::read(&path).unwrap());
        }
    }
    let names = |m: &BTreeMap<PathBuf, Vec<u8>>| -> Vec<String> {
        m.keys().map(|p| rel(p, &dir)).collect()
    };
    assert_eq!(names(&found), names(&expected), "rerun with TS_BLESS=1");
    for (path, bytes) in &expected {
        assert!(
            found[path] == *bytes,
            "{} is stale: rerun with TS_BLESS=1",
            rel(path, &dir)
        );
    }
}

fn rel(path: &Path, dir: &Path) -> String {
    path.strip_prefix(dir).unwrap_or(path).display().to_string()
}

/// A `zstd_payload` input found by the fuzzer, kept in `fuzz/regressions/zstd_payload/`.
fn zstd_regression(name: &str) -> (Vec<u8>, usize) {
    let input = std::fs::read(root().join("fuzz/regressions/zstd_payload").join(name))
        .expect("regression input");
    let cap = usize::from(u16::from_le_bytes([input[1], input[2]]));
    (input[3..].to_vec(), cap)
}

/// zstd_payload `crash-be2f7a8c…`: a truncated single-segment frame, decoded right after a
/// decompression bomb on the same thread, was "truncated at byte 95" on the first call and
/// "destination buffer too small at byte 0" on the second (the bomb had sized the thread's
/// cached decoder, and zstd took another path). Refused either way; now a frame that fails
/// drops the thread's decoder (and its buffers, up to the 64 MiB window), and the verdict and
/// bytes of a frame never depend on the frames decoded before it.
#[test]
fn zstd_verdicts_do_not_depend_on_the_frames_decoded_before() {
    let (crash, cap) = zstd_regression("crash-be2f7a8c3de4ce0ff807991da6536865dc2860ef");
    let bomb = rle_frame(0, BLOCK, 4, None);
    let text: Vec<u8> = (0..300_000u32)
        .map(|i| (i % 251) as u8 ^ (i / 7) as u8)
        .collect();
    let streamed = zstd::stream::encode_all(text.as_slice(), 3).expect("zstd");
    fn zstd_packet(frame: &[u8]) -> PacketRef<'_> {
        PacketRef {
            points_payload: frame,
            payload_compression: 1,
            ..PacketRef::default()
        }
    }
    let fresh = {
        let crash = crash.clone();
        std::thread::spawn(move || decompress_capped(&crash, cap).is_ok())
            .join()
            .expect("thread")
    };
    assert!(!fresh, "a truncated frame is refused");
    for before in [&bomb, &streamed, &crash, &compress(&text, 3)] {
        let _ = decompress_capped(before, 1 << 20);
        assert!(decompress_capped(&crash, cap).is_err());
        assert!(payload_bytes(&zstd_packet(&crash), cap).is_err());
        let _ = decompress_capped(before, 1 << 20);
        assert_eq!(
            decompress_capped(&streamed, 1 << 20).as_deref(),
            Ok(text.as_slice())
        );
        let _ = decompress_capped(before, 1 << 20);
        assert_eq!(
            payload_bytes(&zstd_packet(&compress(&text, 1)), 1 << 20).as_deref(),
            Ok(text.as_slice())
        );
    }
}
