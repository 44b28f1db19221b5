//! The C ABI called from Rust, the way a C host calls it: raw pointers, `(ptr, len)` inputs,
//! `ts_error` out-parameters, `ts_buf`/`ts_deliveries` outputs and their frees. No C
//! compiler involved (so these run wherever `cargo test` does, Miri included, zstd aside).

use std::ffi::{c_char, CStr};
use std::ptr::{self, NonNull};

use crate::common::*;
use prost::Message;
use serde_json::Value;
use tailsampling_ffi::*;

/// A processor freed on drop.
struct Proc(*mut ts_processor);

impl Proc {
    fn new(options: &str) -> Proc {
        let mut p = ptr::null_mut();
        let st =
            unsafe { ts_processor_new(options.as_ptr().cast(), options.len(), Some(&mut p), None) };
        assert_eq!(st, TS_OK);
        assert!(!p.is_null());
        Proc(p)
    }

    fn manual() -> Proc {
        let p = Proc::new(r#"{"clock": "manual"}"#);
        assert_eq!(unsafe { ts_set_time(p.get(), T0, None) }, TS_OK);
        p
    }

    fn get(&self) -> Option<&ts_processor> {
        unsafe { self.0.as_ref() }
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        unsafe { ts_processor_free(NonNull::new(self.0)) };
    }
}

/// Takes a `ts_error`: its code and message, then frees it.
fn take(err: *mut ts_error) -> (u32, String) {
    assert!(!err.is_null(), "an error was reported");
    let e = unsafe { err.as_ref() };
    let code = ts_error_code(e);
    let msg = unsafe { CStr::from_ptr(ts_error_message(e)) }
        .to_str()
        .expect("UTF-8 message")
        .to_string();
    unsafe { ts_error_free(NonNull::new(err)) };
    (code, msg)
}

fn cstr(p: *const c_char) -> &'static str {
    unsafe { CStr::from_ptr(p) }.to_str().expect("UTF-8")
}

fn set_config(p: &Proc, token: &str, config: &str) -> (u32, *mut ts_error) {
    let mut err = ptr::null_mut();
    let st = unsafe {
        ts_set_config(
            p.get(),
            token.as_ptr().cast(),
            token.len(),
            config.as_ptr().cast(),
            config.len(),
            Some(&mut err),
        )
    };
    (st, err)
}

fn ingest(p: &Proc, token: &[u8], body: &[u8]) -> (u32, *mut ts_error) {
    let mut err = ptr::null_mut();
    let st = unsafe {
        ts_ingest(
            p.get(),
            token.as_ptr().cast(),
            token.len(),
            body.as_ptr(),
            body.len(),
            Some(&mut err),
        )
    };
    (st, err)
}

/// Owned copies of a poll's deliveries: (token, data_type, path, content_type, body, points).
type Owned = (String, String, String, String, Vec<u8>, u64);

/// One poll of kept data (or metrics), as the library returns it (free it).
fn poll_raw(p: &Proc, metrics: bool) -> ts_deliveries {
    let mut d = ts_deliveries {
        items: ptr::null(),
        len: 0,
        _owner: ptr::null_mut(),
    };
    let st = unsafe {
        if metrics {
            ts_poll_metrics(p.get(), Some(&mut d), None)
        } else {
            ts_poll_kept(p.get(), Some(&mut d), None)
        }
    };
    assert_eq!(st, TS_OK);
    d
}

fn poll(p: &Proc, metrics: bool) -> Vec<Owned> {
    let mut d = poll_raw(p, metrics);
    let items = if d.len == 0 {
        assert!(d.items.is_null());
        &[][..]
    } else {
        unsafe { std::slice::from_raw_parts(d.items, d.len) }
    };
    let out = items
        .iter()
        .map(|i| {
            let token = unsafe { std::slice::from_raw_parts(i.token.cast::<u8>(), i.token_len) };
            assert_eq!(
                unsafe { *i.token.add(i.token_len) },
                0,
                "token NUL-terminated"
            );
            (
                String::from_utf8(token.to_vec()).expect("UTF-8 token"),
                cstr(i.data_type).to_string(),
                cstr(i.path).to_string(),
                cstr(i.content_type).to_string(),
                unsafe { std::slice::from_raw_parts(i.body, i.body_len) }.to_vec(),
                i.points,
            )
        })
        .collect();
    unsafe { ts_deliveries_free(Some(&mut d)) };
    assert!(
        d.items.is_null() && d.len == 0 && d._owner.is_null(),
        "zeroed"
    );
    unsafe { ts_deliveries_free(Some(&mut d)) };
    out
}

fn stats(p: &Proc) -> Value {
    let mut b = ts_buf {
        data: ptr::null(),
        len: 0,
        _owner: ptr::null_mut(),
    };
    assert_eq!(unsafe { ts_stats_json(p.get(), Some(&mut b), None) }, TS_OK);
    let bytes = unsafe { std::slice::from_raw_parts(b.data, b.len + 1) };
    assert_eq!(bytes[b.len], 0, "NUL-terminated");
    let v = serde_json::from_slice(&bytes[..b.len]).expect("stats JSON");
    unsafe { ts_buf_free(Some(&mut b)) };
    unsafe { ts_buf_free(Some(&mut b)) };
    v
}

/// [`assert_conserved`] on the JSON of `ts_stats_json` (the wire format: read by key): for
/// the total and every token, accepted == pending + buffered + kept + dropped packets.
fn assert_conserved_json(stats: &Value) {
    let tokens = stats["tokens"].as_object().expect("tokens");
    for (name, c) in std::iter::once(("total", &stats["total"]))
        .chain(tokens.iter().map(|(k, v)| (k.as_str(), v)))
    {
        let n = |k: &str| {
            c[k]["packets"]
                .as_u64()
                .unwrap_or_else(|| panic!("{name}: no {k}"))
        };
        assert_eq!(
            c["accepted"].as_u64(),
            Some(n("pending") + n("buffered") + n("kept") + n("dropped")),
            "conservation broken for {name}: {c:#}"
        );
    }
}

fn validate(config: &str, schema: &str) -> (u32, Option<Value>, *mut ts_error) {
    let mut b = ts_buf {
        data: ptr::null(),
        len: 0,
        _owner: ptr::null_mut(),
    };
    let mut err = ptr::null_mut();
    let st = unsafe {
        ts_validate_config(
            config.as_ptr().cast(),
            config.len(),
            schema.as_ptr().cast(),
            schema.len(),
            Some(&mut b),
            Some(&mut err),
        )
    };
    if st != TS_OK {
        assert!(b.data.is_null(), "no output on failure");
        return (st, None, err);
    }
    let v = serde_json::from_slice(unsafe { std::slice::from_raw_parts(b.data, b.len) })
        .expect("report JSON");
    unsafe { ts_buf_free(Some(&mut b)) };
    (st, Some(v), err)
}

#[test]
fn a_host_session_end_to_end() {
    let p = Proc::manual();
    let err_trace = trace("", "t-err", &[span("t-err", "error", vec![])]);
    let ok_trace = trace("", "t-ok", &[span("t-ok", "ok", vec![])]);
    // No config yet: pending (HTTP 412).
    let (st, err) = ingest(&p, b"tkn", &err_trace);
    assert_eq!((st, err), (TS_PENDING, ptr::null_mut()));
    assert_eq!(cstr(ts_status_str(st)), "pending");
    assert_eq!(ts_status_http(st), 412);
    assert_eq!(
        set_config(&p, "tkn", TRACE_CONFIG),
        (TS_OK, ptr::null_mut())
    );
    // The same version again: ignored, still TS_OK.
    assert_eq!(
        set_config(&p, "tkn", TRACE_CONFIG),
        (TS_OK, ptr::null_mut())
    );
    assert_eq!(ingest(&p, b"tkn", &ok_trace), (TS_OK, ptr::null_mut()));
    assert!(poll(&p, false).is_empty(), "nothing before the TTL");
    assert_eq!(unsafe { ts_set_time(p.get(), T0 + 10 * SEC, None) }, TS_OK);
    let kept = poll(&p, false);
    assert_eq!(kept.len(), 1);
    let (token, data_type, path, content_type, body, points) = &kept[0];
    assert_eq!(
        (token.as_str(), data_type.as_str(), path.as_str()),
        ("tkn", "tracing", "/v1/write/tracing")
    );
    assert_eq!(content_type, "application/protobuf; proto=com.guance.Point");
    assert_eq!((trace_ids(body), *points), (vec!["t-err".to_string()], 1));

    let s = stats(&p);
    assert_conserved_json(&s);
    assert_eq!(s["tokens"]["tkn"]["configs"]["ignored"], 1);
    assert_eq!(unsafe { ts_flush(p.get(), None) }, TS_OK);
    let metrics = poll(&p, true);
    assert!(
        metrics
            .iter()
            .any(|m| m.0 == "tkn" && m.1 == "metric" && m.2 == "/v1/write/metric" && m.5 > 0),
        "{metrics:?}"
    );
}

/// The ids of one poll's deliveries (their other fields are checked by [`poll`]).
fn poll_ids(p: &Proc, metrics: bool) -> Vec<u64> {
    let mut d = poll_raw(p, metrics);
    let ids = if d.len == 0 {
        Vec::new()
    } else {
        unsafe { std::slice::from_raw_parts(d.items, d.len) }
            .iter()
            .map(|i| i.id)
            .collect()
    };
    unsafe { ts_deliveries_free(Some(&mut d)) };
    ids
}

#[test]
fn deliveries_are_numbered_and_acknowledged() {
    let p = Proc::manual();
    assert_eq!(
        set_config(&p, "tkn", TRACE_CONFIG),
        (TS_OK, ptr::null_mut())
    );
    for id in ["t-1", "t-2"] {
        let body = trace("", id, &[span(id, "error", vec![])]);
        assert_eq!(ingest(&p, b"tkn", &body), (TS_OK, ptr::null_mut()));
    }
    assert_eq!(unsafe { ts_flush(p.get(), None) }, TS_OK);
    // Kept data, then metrics: one sequence across both polls, from 1.
    let kept = poll_ids(&p, false);
    let metrics = poll_ids(&p, true);
    assert!(!kept.is_empty() && !metrics.is_empty());
    let all: Vec<u64> = kept.iter().chain(&metrics).copied().collect();
    assert_eq!(all, (1..=all.len() as u64).collect::<Vec<_>>());

    // Acknowledging: any ids (the engine is memory-only), nothing, or NULL with length 0.
    let mut err = ptr::null_mut();
    assert_eq!(
        unsafe { ts_ack(p.get(), all.as_ptr(), all.len(), Some(&mut err)) },
        TS_OK
    );
    assert!(err.is_null());
    assert_eq!(
        unsafe { ts_ack(p.get(), [7u64, 7, 0].as_ptr(), 3, None) },
        TS_OK
    );
    assert_eq!(unsafe { ts_ack(p.get(), ptr::null(), 0, None) }, TS_OK);
    let st = unsafe { ts_ack(p.get(), ptr::null(), 2, Some(&mut err)) };
    assert_eq!(st, TS_INVALID_ARGUMENT);
    assert_eq!(
        take(err),
        (TS_INVALID_ARGUMENT, "ids: NULL with length 2".to_string())
    );
    let st = unsafe { ts_ack(None, ptr::null(), 0, Some(&mut err)) };
    assert_eq!(st, TS_INVALID_ARGUMENT);
    take(err);
}

#[test]
fn runtime_counters_through_record_send() {
    let p = Proc::new(r#"{"default_token": "tkn_ops"}"#);
    let (token, dt) = ("tkn", "tracing");
    let send = |result: u32, err: Option<&mut *mut ts_error>| unsafe {
        ts_record_send(
            p.get(),
            token.as_ptr().cast(),
            token.len(),
            dt.as_ptr().cast(),
            dt.len(),
            result,
            3,
            err,
        )
    };
    assert_eq!(send(TS_SEND_SUCCESS, None), TS_OK);
    assert_eq!(send(TS_SEND_FAILURE, None), TS_OK);
    assert_eq!(send(TS_SEND_DROP, None), TS_OK);
    let mut err = ptr::null_mut();
    assert_eq!(send(3, Some(&mut err)), TS_INVALID_ARGUMENT);
    assert_eq!(
        take(err),
        (
            TS_INVALID_ARGUMENT,
            "result: 3 is not a TS_SEND_* value".to_string()
        )
    );
    assert_eq!(unsafe { ts_flush(p.get(), None) }, TS_OK);
    let m = poll(&p, true);
    let ops = m
        .iter()
        .find(|m| m.0 == "tkn_ops")
        .expect("runtime counters");
    assert!(ops.5 >= 3, "{ops:?}");
    let mut err = ptr::null_mut();
    let st = unsafe {
        ts_record_send(
            p.get(),
            ptr::null(),
            0,
            dt.as_ptr().cast(),
            dt.len(),
            0,
            1,
            Some(&mut err),
        )
    };
    assert_eq!(take(err), (TS_INVALID_ARGUMENT, "token: empty".to_string()));
    assert_eq!(st, TS_INVALID_ARGUMENT);
}

#[test]
fn every_refusal_has_its_status_and_message() {
    let p = Proc::new(r#"{"clock": "manual", "max_packet_bytes": 300, "pending_max_packets": 1}"#);
    let body = trace("tkn", "t", &[span("t", "ok", vec![])]);
    let cases: Vec<(&[u8], Vec<u8>, u32, &str)> = vec![
        (b"", b"\x0a\xff\xff".to_vec(), TS_DECODE_ERROR, ""),
        (b"other", body.clone(), TS_TOKEN_MISMATCH, "token"),
        (
            b"ab\xff",
            body.clone(),
            TS_INVALID_ARGUMENT,
            "token: not UTF-8",
        ),
        (
            b"",
            trace("", "t", &[span("t", "ok", vec![])]),
            TS_INVALID_ARGUMENT,
            "no token",
        ),
        (
            b"",
            packet("tkn", "metric", "", "t", &[span("t", "ok", vec![])]).encode_to_vec(),
            TS_UNSUPPORTED,
            "data_type",
        ),
        (
            b"",
            trace(
                "tkn",
                "t",
                &[span("t", "ok", vec![string("m", &"x".repeat(400))])],
            ),
            TS_TOO_LARGE,
            "max_packet_bytes",
        ),
    ];
    for (token, body, status, needle) in cases {
        let (st, err) = ingest(&p, token, &body);
        let (code, msg) = take(err);
        assert_eq!((st, code), (status, status), "{msg}");
        assert!(msg.contains(needle), "{msg:?} lacks {needle:?}");
    }
    // Pending queue of one: the second packet is refused as busy.
    assert_eq!(ingest(&p, b"", &body).0, TS_PENDING);
    let (st, err) = ingest(&p, b"", &body);
    assert_eq!((st, take(err).0), (TS_BUSY, TS_BUSY));
    // (NULL, n > 0) inputs.
    let mut err = ptr::null_mut();
    let st = unsafe {
        ts_ingest(
            p.get(),
            ptr::null(),
            3,
            body.as_ptr(),
            body.len(),
            Some(&mut err),
        )
    };
    assert_eq!(
        (st, take(err)),
        (
            TS_INVALID_ARGUMENT,
            (TS_INVALID_ARGUMENT, "token: NULL with length 3".into())
        )
    );
    let st = unsafe { ts_ingest(p.get(), ptr::null(), 0, ptr::null(), 9, Some(&mut err)) };
    assert_eq!(
        (st, take(err).1),
        (TS_INVALID_ARGUMENT, "body: NULL with length 9".into())
    );
    // A NULL processor.
    let st = unsafe {
        ts_ingest(
            None,
            ptr::null(),
            0,
            body.as_ptr(),
            body.len(),
            Some(&mut err),
        )
    };
    assert_eq!(
        (st, take(err).1),
        (TS_INVALID_ARGUMENT, "ts_ingest: p is NULL".into())
    );
    // Config errors name the JSON path and leave no config behind.
    let (st, err) = set_config(&p, "tkn", r#"{"version": 1, "trace": {"pipelines": 3}}"#);
    let (code, msg) = take(err);
    assert_eq!((st, code), (TS_CONFIG_ERROR, TS_CONFIG_ERROR));
    assert!(msg.contains("trace.pipelines"), "{msg}");
    let (st, err) = set_config(&p, "", TRACE_CONFIG);
    assert_eq!(
        (st, take(err).1),
        (TS_INVALID_ARGUMENT, "token: empty".into())
    );
    // The system clock does not move by hand.
    let sys = Proc::new("");
    let mut err = ptr::null_mut();
    let st = unsafe { ts_set_time(sys.get(), T0, Some(&mut err)) };
    assert_eq!(
        (st, take(err).0),
        (TS_INVALID_ARGUMENT, TS_INVALID_ARGUMENT)
    );
    // Errors without an `err` still return their status (and allocate nothing to free).
    let st = unsafe {
        ts_ingest(
            p.get(),
            c"other".as_ptr(),
            5,
            body.as_ptr(),
            body.len(),
            None,
        )
    };
    assert_eq!(st, TS_TOKEN_MISMATCH);
    assert_eq!(unsafe { ts_flush(None, None) }, TS_INVALID_ARGUMENT);
    assert_conserved_json(&stats(&p));
}

#[test]
fn outputs_are_written_only_on_success() {
    let sentinel = ptr::without_provenance_mut::<ts_processor>(0x5a5a);
    let mut out = sentinel;
    let mut err = ptr::null_mut();
    let opts = r#"{"shard": 4}"#;
    let st = unsafe {
        ts_processor_new(
            opts.as_ptr().cast(),
            opts.len(),
            Some(&mut out),
            Some(&mut err),
        )
    };
    let (code, msg) = take(err);
    assert_eq!((st, code), (TS_INVALID_ARGUMENT, TS_INVALID_ARGUMENT));
    assert!(msg.contains("\"shard\""), "names the unknown option: {msg}");
    assert_eq!(out, sentinel);
    let st = unsafe { ts_processor_new(ptr::null(), 0, None, Some(&mut err)) };
    assert_eq!((st, take(err).1), (TS_INVALID_ARGUMENT, "out: NULL".into()));
    // (NULL, 0) options: all defaults.
    let st = unsafe { ts_processor_new(ptr::null(), 0, Some(&mut out), None) };
    assert_eq!(st, TS_OK);
    let p = Proc(out);
    let mut d = ts_deliveries {
        items: ptr::null(),
        len: 7,
        _owner: ptr::null_mut(),
    };
    let st = unsafe { ts_poll_kept(None, Some(&mut d), None) };
    assert_eq!((st, d.len), (TS_INVALID_ARGUMENT, 7));
    let st = unsafe { ts_poll_metrics(p.get(), None, Some(&mut err)) };
    assert_eq!((st, take(err).1), (TS_INVALID_ARGUMENT, "out: NULL".into()));
    let st = unsafe { ts_stats_json(p.get(), None, None) };
    assert_eq!(st, TS_INVALID_ARGUMENT);
}

#[test]
fn validate_config_reports() {
    let (st, report, _) = validate(TRACE_CONFIG, "");
    assert_eq!(st, TS_OK);
    assert_eq!(report.expect("report")["ok"], true);
    let (st, report, _) = validate(r#"{"version": 1, "trace": {"pipelines": 3}}"#, "");
    let report = report.expect("report");
    assert_eq!((st, &report["ok"]), (TS_OK, &Value::Bool(false)));
    assert_eq!(report["findings"][0]["severity"], "error");
    assert_eq!(report["findings"][0]["path"], "trace.pipelines");
    let (st, report, _) = validate("not json", "");
    assert_eq!(
        (st, report.expect("report")["ok"].clone()),
        (TS_OK, Value::Bool(false))
    );
    // Against a schema: a tag compared to a number can never match.
    let cfg = r#"{"trace": {"pipelines": [{"name": "5xx", "type": "condition", "condition": "{ http_status_code = 500 }", "action": "keep"}]}}"#;
    let (st, report, _) = validate(cfg, r#"{"tracing": {"http_status_code": "tag"}}"#);
    let report = report.expect("report");
    assert_eq!((st, &report["ok"]), (TS_OK, &Value::Bool(false)));
    assert_eq!(report["findings"][0]["pipeline"], "5xx");
    assert_eq!(
        report["field_types"]["trace.pipelines[0]"]["http_status_code"],
        "tag"
    );
    let (st, _, err) = validate(cfg, "{\n  \"tracing\": {\"status\": \"text\"}\n}");
    let (code, msg) = take(err);
    assert_eq!((st, code), (TS_INVALID_ARGUMENT, TS_INVALID_ARGUMENT));
    assert!(msg.starts_with("schema: line 2"), "{msg}");
    let mut err = ptr::null_mut();
    let st = unsafe { ts_validate_config(ptr::null(), 0, ptr::null(), 0, None, Some(&mut err)) };
    assert_eq!(
        (st, take(err).1),
        (TS_INVALID_ARGUMENT, "report_json: NULL".into())
    );
}

/// `ts_apply_config` into `(status, applied)`.
fn apply_config(p: &Proc, token: &str, config: &str) -> (u32, bool) {
    let mut applied = false;
    let st = unsafe {
        ts_apply_config(
            p.get(),
            token.as_ptr().cast(),
            token.len(),
            config.as_ptr().cast(),
            config.len(),
            Some(&mut applied),
            None,
        )
    };
    (st, applied)
}

#[test]
fn apply_config_says_whether_the_config_was_applied() {
    let p = Proc::manual();
    let v = |version: u32| format!(r#"{{"version": {version}, "trace": {{"pipelines": []}}}}"#);
    assert_eq!(apply_config(&p, "tkn", &v(1)), (TS_OK, true));
    // Datakit's re-send: the same version is ignored, whatever the text.
    assert_eq!(apply_config(&p, "tkn", &v(1)), (TS_OK, false));
    assert_eq!(set_config(&p, "tkn", &v(1)).0, TS_OK);
    assert_eq!(apply_config(&p, "tkn", &v(2)), (TS_OK, true));
    assert_eq!(apply_config(&p, "other", &v(2)), (TS_OK, true));
    // A rejected config: an error, the flag left alone, the old config in force.
    let mut applied = true;
    let mut err = ptr::null_mut();
    let bad = r#"{"version": 3, "trace": {"pipelines": 3}}"#;
    let st = unsafe {
        ts_apply_config(
            p.get(),
            b"tkn".as_ptr().cast(),
            3,
            bad.as_ptr().cast(),
            bad.len(),
            Some(&mut applied),
            Some(&mut err),
        )
    };
    assert_eq!(
        (st, take(err).0, applied),
        (TS_CONFIG_ERROR, TS_CONFIG_ERROR, true)
    );
    assert_eq!(apply_config(&p, "tkn", &v(2)), (TS_OK, false));
    // NULL `applied` is allowed.
    let c = v(4);
    let st = unsafe {
        ts_apply_config(
            p.get(),
            b"tkn".as_ptr().cast(),
            3,
            c.as_ptr().cast(),
            c.len(),
            None,
            None,
        )
    };
    assert_eq!(st, TS_OK);
    assert_eq!(stats(&p)["tokens"]["tkn"]["configs"]["applied"], 3);
}

/// `ts_peek_packet` into `(status, info, error message)`.
fn peek(token: &[u8], body: &[u8]) -> (u32, ts_packet_info, String) {
    let mut info = ts_packet_info::default();
    let mut err = ptr::null_mut();
    let st = unsafe {
        ts_peek_packet(
            token.as_ptr().cast(),
            token.len(),
            body.as_ptr(),
            body.len(),
            Some(&mut info),
            Some(&mut err),
        )
    };
    let msg = if st == TS_OK {
        String::new()
    } else {
        take(err).1
    };
    (st, info, msg)
}

#[test]
fn peek_packet_reads_the_pick_key_and_compression_with_ingest_checks() {
    const TOKEN: &str = "tkn_0123456789abcdef";
    let spans = [span("t", "ok", vec![])];
    // The pick keys Datakit sends (vectors of crates/tailsampling/src/wire/hash.rs): the trace id hash for
    // traces, the group's key for logging and RUM; the packet's own token or the request's.
    let trace = packet(
        "",
        "tracing",
        "",
        "4bf92f3577b34da6a3ce929d0e0e4736",
        &spans,
    );
    let logging = packet("", "logging", "service", "checkout", &spans);
    let rum = packet(TOKEN, "rum", "session_id", "s-1", &spans);
    for (p, token, want) in [
        (&trace, TOKEN, 0xb878_f5fd_59bc_5892),
        (&logging, TOKEN, 0xdf14_7025_a449_e51d),
        (&rum, "", 0x72f2_a71c_f5f3_db62),
        (&rum, TOKEN, 0x72f2_a71c_f5f3_db62),
    ] {
        let (st, info, msg) = peek(token.as_bytes(), &p.encode_to_vec());
        assert_eq!(
            (st, info.pick_key, info.payload_compression),
            (TS_OK, want, 0),
            "{msg}"
        );
    }
    // zstd is C code, which Miri cannot run.
    if !cfg!(miri) {
        let (st, info, _) = peek(b"", &zstd(rum.clone()).encode_to_vec());
        assert_eq!((st, info.payload_compression), (TS_OK, 1));
    }
    // The refusals of ts_ingest, with the same statuses.
    let mut bad_compression = rum.clone();
    bad_compression.payload_compression = 7;
    for (token, body, status, needle) in [
        (&b""[..], b"\x0a\xff\xff".to_vec(), TS_DECODE_ERROR, ""),
        (b"other", rum.encode_to_vec(), TS_TOKEN_MISMATCH, "token"),
        (
            b"ab\xff",
            rum.encode_to_vec(),
            TS_INVALID_ARGUMENT,
            "not UTF-8",
        ),
        (b"", trace.encode_to_vec(), TS_INVALID_ARGUMENT, "no token"),
        (
            b"",
            packet("t", "metric", "", "x", &spans).encode_to_vec(),
            TS_UNSUPPORTED,
            "data_type",
        ),
        (
            b"",
            bad_compression.encode_to_vec(),
            TS_UNSUPPORTED,
            "payload_compression 7",
        ),
    ] {
        let (st, info, msg) = peek(token, &body);
        assert_eq!((st, info.pick_key), (status, 0), "{msg}");
        assert!(msg.contains(needle), "{msg:?} lacks {needle:?}");
    }
    let mut err = ptr::null_mut();
    let body = rum.encode_to_vec();
    let st = unsafe {
        ts_peek_packet(
            ptr::null(),
            0,
            body.as_ptr(),
            body.len(),
            None,
            Some(&mut err),
        )
    };
    assert_eq!((st, take(err).1), (TS_INVALID_ARGUMENT, "out: NULL".into()));
}

#[test]
fn statuses_versions_and_errors_without_a_processor() {
    assert_eq!(ts_abi_version(), TS_ABI_VERSION);
    assert_eq!(cstr(ts_version()), env!("CARGO_PKG_VERSION"));
    assert_eq!(
        cstr(ts_version()),
        format!("{TS_VERSION_MAJOR}.{TS_VERSION_MINOR}.{TS_VERSION_PATCH}")
    );
    let all = [
        (TS_OK, "ok", 200),
        (TS_PENDING, "pending", 412),
        (TS_BUSY, "busy", 503),
        (TS_INVALID_ARGUMENT, "invalid_argument", 400),
        (TS_DECODE_ERROR, "decode_error", 400),
        (TS_CONFIG_ERROR, "config_error", 400),
        (TS_TOO_LARGE, "too_large", 413),
        (TS_UNSUPPORTED, "unsupported", 415),
        (TS_TOKEN_MISMATCH, "token_mismatch", 403),
        (TS_PANIC, "panic", 500),
        (TS_POISONED, "poisoned", 500),
    ];
    for (s, name, http) in all {
        assert_eq!((cstr(ts_status_str(s)), ts_status_http(s)), (name, http));
    }
    assert_eq!(
        (cstr(ts_status_str(42)), ts_status_http(42)),
        ("unknown", 0)
    );
    assert_eq!(ts_error_code(None), TS_OK);
    assert_eq!(cstr(ts_error_message(None)), "");
    unsafe { ts_error_free(None) };
    unsafe { ts_processor_free(None) };
    unsafe { ts_buf_free(None) };
    unsafe { ts_deliveries_free(None) };
}
