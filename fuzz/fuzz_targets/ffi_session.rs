//! A host session through the C ABI: a processor with a manual clock and small limits driven by
//! an arbitrary sequence of `ts_ingest` (packets made by `tailsampling_cli::pack` from fuzzer
//! choices, some damaged, and raw bytes), `ts_set_config` (valid configs and garbage),
//! `ts_set_time`, `ts_poll_kept`, `ts_poll_metrics` (each followed by `ts_ack` of what it
//! handed out), `ts_flush` and `ts_record_send`. After every call:
//! no panic crossed the boundary (libFuzzer aborts on any panic, even a caught one), errors
//! come exactly with failures, `accepted` grew by one exactly for `TS_OK`/`TS_PENDING`, and
//! `ts_stats_json` shows, per token and in total, `accepted == pending + buffered + kept +
//! dropped`, drop reasons adding up, and held memory matching what is buffered and pending
//! (plus, until the next `ts_poll_kept`, what decompression added to kept data).
//! Every delivery walks cleanly with `wire::Points` to its point count, carries the static
//! strings of its data type, holds only points of its own token (tenant isolation), and has
//! the next delivery id.
//!
//! Input: one options byte, then operations (see `Session::step`).
#![no_main]

use std::ffi::{c_char, CStr};
use std::ptr::{self, NonNull};

use libfuzzer_sys::fuzz_target;
use prost::Message;
use serde_json::Value as Json;
use tailsampling::config::DataType;
use tailsampling::wire::proto::aggregate::DataPacket;
use tailsampling::wire::{count_points, Points, Value};
use tailsampling_cli::pack::{pack, FieldValue, PackOptions, Point};
use tailsampling_ffi::*;
use tailsampling_fuzz::Cursor;

/// 2026-11-21T00:00:00Z: where the manual clock starts.
const T0: i64 = 1_795_219_200_000_000_000;

/// The tokens of well-formed traffic. Raw bytes are always ingested with [`RAW_TOKEN`], so
/// whatever they contain they can never land in one of these.
const TOKENS: [&str; 3] = ["tkn_a", "tkn_b", "tkn_c"];
const RAW_TOKEN: &str = "raw";

/// The tag naming the token a packed point was ingested for (checked on delivery).
const OWNER: &str = "owner";

const CONFIGS: [&str; 5] = [
    r#"{"version": 1, "trace": {"data_ttl": "2s", "pipelines": [
        {"name": "errors", "type": "condition", "condition": "{ status = \"error\" }", "action": "keep"}]}}"#,
    r#"{"version": 2,
        "trace": {"data_ttl": "5s", "pipelines": [
            {"name": "health", "type": "condition", "condition": "{ resource IN [\"/health\", nil] }", "action": "drop"},
            {"name": "slow", "type": "condition", "condition": "{ duration > 5000 OR http_status_code MATCH [\"^5\"] }", "action": "keep"},
            {"name": "half", "type": "probabilistic", "rate": 0.5}]},
        "logging": {"data_ttl": "3s", "group_dimensions": [{"group_key": "service", "pipelines": [
            {"name": "errors", "type": "condition", "condition": "{ status = \"error\" }", "action": "keep"}]}]}}"#,
    r#"{"version": 3,
        "rum": {"data_ttl": "1s", "group_dimensions": [{"group_key": "service", "pipelines": [
            {"name": "all", "type": "probabilistic", "rate": 1}]}]},
        "logging": {"group_dimensions": [{"group_key": "session_id", "pipelines": [
            {"name": "all", "type": "probabilistic", "rate": 1}]}]}}"#,
    r#"{"version": 4, "trace": {"data_ttl": 1000000000, "pipelines": [
        {"name": "never", "type": "condition", "condition": "", "action": "keep"},
        {"name": "rest", "type": "probabilistic", "rate": 1}]},
        "rum": {"group_dimensions": [{"group_key": "service", "pipelines": [
            {"name": "drop", "type": "condition", "condition": "{ message != nil }", "action": "drop"},
            {"name": "keep", "type": "condition", "condition": "{}", "action": "keep"}]}]}}"#,
    r#"{"version": 5}"#,
];

/// The processor options; the first input byte picks shards, late data, memory and share.
fn options(o: u8) -> String {
    let shards = 1 + (o & 3);
    let late = if o & 4 == 0 { "remember" } else { "new_group" };
    let memory = [3000, 20_000, 200_000][usize::from(o >> 3) % 3];
    let share = [0.25, 0.5, 1.0][usize::from(o >> 5) % 3];
    format!(
        r#"{{"clock": "manual", "shards": {shards}, "late_data": "{late}",
            "memory_limit_bytes": {memory}, "token_memory_share": {share},
            "max_packet_bytes": 4096, "max_group_bytes": 3000, "max_decompressed_bytes": 8192,
            "max_batch_bytes": 2048, "pending_max_packets": 4, "pending_max_bytes": 4096,
            "pending_max_age": "30s", "decision_cache_size": 8, "decision_cache_ttl": "60s",
            "default_ttl": "5s", "metrics_window": "10s", "default_token": "tkn_a"}}"#
    )
}

/// `(ptr, len)` of an optional text argument.
fn text(s: Option<&str>) -> (*const c_char, usize) {
    s.map_or((ptr::null(), 0), |s| (s.as_ptr().cast(), s.len()))
}

/// Takes the error of a call that returned `status`: present exactly when the call failed,
/// with the same code.
fn check_error(status: ts_status, err: *mut ts_error) {
    assert_ne!(status, TS_PANIC, "a panic reached the boundary");
    assert_ne!(status, TS_POISONED);
    if status == TS_OK || status == TS_PENDING {
        assert!(err.is_null(), "an error with status {status}");
        return;
    }
    let e = NonNull::new(err).unwrap_or_else(|| panic!("status {status} without an error"));
    // SAFETY: a live error of this library, freed once.
    unsafe {
        assert_eq!(ts_error_code(Some(e.as_ref())), status);
        let message = CStr::from_ptr(ts_error_message(Some(e.as_ref())));
        assert!(message.to_str().is_ok_and(|m| !m.is_empty()));
        ts_error_free(Some(e));
    }
}

fn cstr(p: *const c_char) -> &'static str {
    // SAFETY: the library's static, NUL-terminated strings.
    unsafe { CStr::from_ptr(p) }.to_str().expect("UTF-8")
}

struct Session {
    p: NonNull<ts_processor>,
    now: i64,
    /// `total.accepted` after the previous call.
    accepted: u64,
    /// The id of the last delivery handed out (ids run 1, 2, … across both polls).
    delivery_id: u64,
}

impl Session {
    fn get(&self) -> Option<&ts_processor> {
        // SAFETY: live until `drop`.
        Some(unsafe { self.p.as_ref() })
    }

    fn ingest(&mut self, token: Option<&str>, body: &[u8]) -> ts_status {
        let (t, t_len) = text(token);
        let mut err = ptr::null_mut();
        // SAFETY: valid inputs for the call.
        let status = unsafe {
            ts_ingest(
                self.get(),
                t,
                t_len,
                body.as_ptr(),
                body.len(),
                Some(&mut err),
            )
        };
        check_error(status, err);
        let grew = u64::from(status == TS_OK || status == TS_PENDING);
        self.accepted += grew;
        status
    }

    /// A group's packets made by `wire::pack` from fuzzer choices, some of them damaged.
    fn packed(&mut self, input: &mut Cursor<'_>) {
        let host = input
            .pick(&[None, Some(0), Some(1), Some(2)])
            .map(|i| TOKENS[i]);
        let own = input.pick(&["", TOKENS[0], TOKENS[1]]);
        let data_type = input.pick(&[DataType::Tracing, DataType::Logging, DataType::Rum]);
        // The token the engine will file these packets under, if it accepts them.
        let owner = host.unwrap_or(own);
        let base = match input.u8() {
            0xff => input.u64() as i64,
            b => self.now - i64::from(b) * 100_000_000,
        };
        let n = 1 + usize::from(input.u8() % 4);
        let points: Vec<Point> = (0..n)
            .map(|i| {
                let mut point = Point::new("fuzz", base + i as i64)
                    .tag(OWNER, owner)
                    .tag("trace_id", input.pick(&["t1", "t2", "t3"]))
                    .tag("service", input.pick(&["web", "db", ""]))
                    .tag("status", input.pick(&["ok", "error"]))
                    .field("duration", i64::from(input.u16()));
                let key = input.pick(&["resource", "http_status_code", "message", "session_id"]);
                let value = match input.u8() % 6 {
                    0 => FieldValue::Str(input.pick(&["/health", "/api", "500", ""]).into()),
                    1 => FieldValue::Int(i64::from(input.u16())),
                    2 => FieldValue::Float(f64::from(input.u16()) / 7.0),
                    3 => FieldValue::Bool(input.u8() & 1 == 1),
                    4 => FieldValue::Bytes(input.short_bytes().to_vec()),
                    _ => FieldValue::Uint(input.u64()),
                };
                point.fields.push((key.into(), value));
                point
            })
            .collect();
        let flags = input.u8();
        let packed = pack(
            &points,
            &PackOptions {
                token: own,
                data_type,
                group_keys: &["service"],
                source: "fuzz",
                compress: flags & 1 == 1,
                config_version: i64::from(flags >> 4),
            },
        );
        for mut packet in packed.packets {
            damage(&mut packet, input);
            self.ingest(host, &packet.encode_to_vec());
        }
    }

    fn set_config(&mut self, token: Option<&str>, config: &[u8]) {
        let (t, t_len) = text(token);
        let mut err = ptr::null_mut();
        // SAFETY: valid inputs for the call.
        let status = unsafe {
            ts_set_config(
                self.get(),
                t,
                t_len,
                config.as_ptr().cast(),
                config.len(),
                Some(&mut err),
            )
        };
        check_error(status, err);
        assert!(
            matches!(status, TS_OK | TS_CONFIG_ERROR | TS_INVALID_ARGUMENT),
            "{status}"
        );
    }

    fn poll(&mut self, metrics: bool) {
        let mut out = ts_deliveries {
            items: ptr::null(),
            len: 0,
            _owner: ptr::null_mut(),
        };
        let mut err = ptr::null_mut();
        // SAFETY: valid outputs for the call.
        let status = unsafe {
            if metrics {
                ts_poll_metrics(self.get(), Some(&mut out), Some(&mut err))
            } else {
                ts_poll_kept(self.get(), Some(&mut out), Some(&mut err))
            }
        };
        check_error(status, err);
        assert_eq!(status, TS_OK);
        let items = if out.len == 0 {
            &[][..]
        } else {
            // SAFETY: `items[0..len]` is valid until `ts_deliveries_free`.
            unsafe { std::slice::from_raw_parts(out.items, out.len) }
        };
        for d in items {
            check_delivery(d, metrics);
            assert_eq!(d.id, self.delivery_id + 1, "delivery ids run on");
            self.delivery_id = d.id;
        }
        // Acknowledge what was handed out, as a host does once it wrote them upstream.
        let ids: Vec<u64> = items.iter().map(|d| d.id).collect();
        let mut err = ptr::null_mut();
        // SAFETY: a live processor and `ids[0..len]`.
        let status = unsafe { ts_ack(self.get(), ids.as_ptr(), ids.len(), Some(&mut err)) };
        check_error(status, err);
        assert_eq!(status, TS_OK);
        // SAFETY: filled by the library; freeing twice is a no-op.
        unsafe {
            ts_deliveries_free(Some(&mut out));
            ts_deliveries_free(Some(&mut out));
        }
    }

    fn flush(&mut self) {
        let mut err = ptr::null_mut();
        // SAFETY: a live processor.
        let status = unsafe { ts_flush(self.get(), Some(&mut err)) };
        check_error(status, err);
        assert_eq!(status, TS_OK);
    }

    fn set_time(&mut self, t: i64) {
        let mut err = ptr::null_mut();
        // SAFETY: a live processor.
        let status = unsafe { ts_set_time(self.get(), t, Some(&mut err)) };
        check_error(status, err);
        assert_eq!(status, TS_OK);
        self.now = self.now.max(t);
    }

    fn record_send(&mut self, input: &mut Cursor<'_>) {
        let token = input.pick(&["", TOKENS[0], RAW_TOKEN]);
        let data_type = input.pick(&["", "tracing", "metric"]);
        let result = u32::from(input.u8() % 4);
        let (t, t_len) = text(Some(token));
        let (d, d_len) = text(Some(data_type));
        let mut err = ptr::null_mut();
        // SAFETY: valid inputs for the call.
        let status = unsafe {
            ts_record_send(
                self.get(),
                t,
                t_len,
                d,
                d_len,
                result,
                input.u64() % 1000,
                Some(&mut err),
            )
        };
        check_error(status, err);
    }

    /// One operation, chosen by the next byte; true if it was `ts_poll_kept`.
    fn step(&mut self, input: &mut Cursor<'_>) -> bool {
        let op = input.u8() % 10;
        match op {
            0 | 1 => self.packed(input),
            2 => {
                let body = input.long_bytes();
                self.ingest(Some(RAW_TOKEN), body);
            }
            3 => {
                let token = input.pick(&[
                    Some(TOKENS[0]),
                    Some(TOKENS[1]),
                    Some(TOKENS[2]),
                    Some(RAW_TOKEN),
                    None,
                ]);
                let config = input.pick(&CONFIGS);
                self.set_config(token, config.as_bytes());
            }
            4 => {
                let token = input.pick(&[Some(TOKENS[0]), Some(""), Some(RAW_TOKEN)]);
                self.set_config(token, input.short_bytes());
            }
            5 => {
                let t = match input.u8() {
                    0xff => input.u64() as i64,
                    _ => self.now.saturating_add(i64::from(input.u16()) * 10_000_000),
                };
                self.set_time(t);
            }
            6 => self.poll(false),
            7 => self.poll(true),
            8 => self.flush(),
            _ => self.record_send(input),
        }
        op == 6
    }

    fn stats(&self) -> Json {
        let mut buf = ts_buf {
            data: ptr::null(),
            len: 0,
            _owner: ptr::null_mut(),
        };
        let mut err = ptr::null_mut();
        // SAFETY: valid outputs for the call; the buffer is read before it is freed.
        unsafe {
            let status = ts_stats_json(self.get(), Some(&mut buf), Some(&mut err));
            check_error(status, err);
            assert_eq!(status, TS_OK);
            let json = serde_json::from_slice(std::slice::from_raw_parts(buf.data, buf.len))
                .expect("stats are JSON");
            ts_buf_free(Some(&mut buf));
            ts_buf_free(Some(&mut buf));
            json
        }
    }

    /// The invariants that hold between any two calls; `polled`: the last call was
    /// `ts_poll_kept` (so no kept data is waiting, and no decompression is charged).
    fn check(&self, polled: bool) {
        let stats = self.stats();
        let n = |s: &Json, p: &str| {
            s.pointer(p)
                .and_then(Json::as_u64)
                .unwrap_or_else(|| panic!("no {p} in {s}"))
        };
        let total = &stats["total"];
        assert_eq!(n(total, "/accepted"), self.accepted, "accepted miscounted");
        let mut token_held = 0;
        let mut tokens: Vec<&Json> = stats["tokens"]
            .as_object()
            .expect("tokens")
            .values()
            .collect();
        tokens.push(total);
        for s in tokens {
            let placed = n(s, "/pending/packets")
                + n(s, "/buffered/packets")
                + n(s, "/kept/packets")
                + n(s, "/dropped/packets");
            assert_eq!(n(s, "/accepted"), placed, "conservation broken: {stats:#}");
            let reasons: u64 = s["dropped"]["by_reason"]
                .as_object()
                .expect("by_reason")
                .values()
                .filter_map(Json::as_u64)
                .sum();
            assert_eq!(reasons, n(s, "/dropped/packets"), "drop reasons: {stats:#}");
            if let Some(held) = s["held_bytes"].as_u64() {
                if polled && n(s, "/buffered/groups") == 0 {
                    assert_eq!(held, 0, "memory held without buffered groups: {stats:#}");
                }
                token_held += held;
            }
        }
        assert_eq!(
            n(&stats, "/memory/held_bytes"),
            token_held + n(total, "/pending/bytes"),
            "held memory is not what is buffered and pending: {stats:#}"
        );
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        // SAFETY: made by `ts_processor_new`, freed once.
        unsafe { ts_processor_free(Some(self.p)) };
    }
}

/// Damages a packet (or not), keeping the points it would deliver those of its token:
/// a truncated payload, compression flags that do not match it, odd header values.
fn damage(packet: &mut DataPacket, input: &mut Cursor<'_>) {
    match input.u8() % 8 {
        0 => {
            let len = usize::from(input.u16()) % (packet.points_payload.len() + 1);
            packet.points_payload.truncate(len);
        }
        1 => packet.payload_compression = 1 + packet.payload_compression,
        2 => packet.group_id_hash = input.u64(),
        3 => packet.point_count = input.u64() as i32,
        4 => {
            packet.max_point_time_unix_nano = input.u64() as i64;
            packet.trace_end_time_unix_nano = input.u64() as i64;
            packet.trace_start_time_unix_nano = input.u64() as i64;
        }
        5 => packet.data_type = input.pick(&["metric", "", "tracing"]).into(),
        _ => {}
    }
}

/// A delivery's static strings match its data type, its body walks to its point count, and
/// every packed point in a kept body belongs to the delivery's token.
fn check_delivery(d: &ts_delivery, metrics: bool) {
    // SAFETY: valid until the deliveries are freed, which is after this.
    let (token, body) = unsafe {
        (
            std::str::from_utf8(std::slice::from_raw_parts(
                d.token.cast::<u8>(),
                d.token_len,
            ))
            .expect("UTF-8 token"),
            std::slice::from_raw_parts(d.body, d.body_len),
        )
    };
    assert!(!token.is_empty());
    let data_type = cstr(d.data_type);
    assert_eq!(metrics, data_type == "metric", "{data_type}");
    assert!(["tracing", "logging", "rum", "metric"].contains(&data_type));
    assert_eq!(cstr(d.path), format!("/v1/write/{data_type}"));
    assert_eq!(
        cstr(d.content_type),
        "application/protobuf; proto=com.guance.Point"
    );
    assert_eq!(
        count_points(body),
        Ok(d.points as usize),
        "{token} {data_type}"
    );
    if metrics || !TOKENS.contains(&token) {
        return;
    }
    for point in Points::new(body) {
        for field in point.expect("walked").fields() {
            let field = field.expect("walked");
            if field.key == OWNER.as_bytes() {
                assert_eq!(
                    field.value,
                    Some(Value::Tag(token.as_bytes())),
                    "another token's point"
                );
            }
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let mut input = Cursor::new(data);
    let options = options(input.u8());
    let mut p = ptr::null_mut();
    let mut err = ptr::null_mut();
    // SAFETY: valid inputs and outputs for the call.
    let status = unsafe {
        ts_processor_new(
            options.as_ptr().cast(),
            options.len(),
            Some(&mut p),
            Some(&mut err),
        )
    };
    check_error(status, err);
    let mut session = Session {
        p: NonNull::new(p).expect("a processor"),
        now: 0,
        accepted: 0,
        delivery_id: 0,
    };
    session.set_time(T0);
    for _ in 0..64 {
        if input.is_empty() {
            break;
        }
        let polled = session.step(&mut input);
        session.check(polled);
    }
    session.flush();
    session.poll(true);
    session.poll(false);
    session.check(true);
    let stats = session.stats();
    assert_eq!(
        stats["total"]["buffered"]["packets"], 0,
        "flush left groups"
    );
});
