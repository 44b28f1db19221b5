//! The engine's rules, one test each, on the manual clock (never sleeps).

use std::collections::BTreeMap;

use crate::common::*;
use prost::Message;
use tailsampling::schema::{PipelineDrift, TypeMismatch};
use tailsampling::{Delivery, Processor, Status};

fn processor(extra: &str) -> Processor {
    let opts = format!(
        r#"{{"clock": "manual"{}{extra}}}"#,
        if extra.is_empty() { "" } else { ", " }
    );
    let p = Processor::from_options_json(opts.as_bytes()).expect("options");
    p.set_time(T0).expect("manual clock");
    p
}

fn kept_ids(deliveries: &[Delivery]) -> Vec<String> {
    let mut ids: Vec<String> = deliveries.iter().flat_map(|d| trace_ids(&d.body)).collect();
    ids.sort();
    ids.dedup();
    ids
}

fn ok(p: &Processor, token: Option<&str>, body: &[u8]) {
    assert_eq!(p.ingest(token, body), Ok(Status::Ok));
}

#[test]
fn options_defaults_and_unknown_option() {
    let p = Processor::from_options_json(b"").expect("empty options");
    assert_eq!(p.options().shards, 16);
    assert_eq!(p.options().max_packet_bytes, 64 << 20);
    let e = Processor::from_options_json(br#"{"shard": 4}"#).expect_err("unknown option");
    assert_eq!(e.status(), Status::InvalidArgument);
    assert!(e.message().contains("\"shard\""), "{e}");
    let e =
        Processor::from_options_json(br#"{"pending_max_age": "soon"}"#).expect_err("bad duration");
    assert!(e.message().contains("pending_max_age"), "{e}");
    let e = Processor::from_options_json(br#"{"clock": "sundial"}"#).expect_err("bad clock");
    assert!(e.message().contains("clock"), "{e}");
    assert_eq!(
        Processor::from_options_json(b"{}")
            .expect("defaults")
            .set_time(1)
            .map_err(|e| e.status()),
        Err(Status::InvalidArgument)
    );
}

#[test]
fn keeps_errors_and_drops_the_rest_after_the_ttl() {
    let p = processor("");
    assert_eq!(p.set_config("tkn", TRACE_CONFIG.as_bytes()), Ok(true));
    ok(
        &p,
        Some("tkn"),
        &trace(
            "",
            "t-err",
            &[span("t-err", "error", vec![]), span("t-err", "ok", vec![])],
        ),
    );
    ok(
        &p,
        Some("tkn"),
        &trace("", "t-ok", &[span("t-ok", "ok", vec![])]),
    );
    ok(
        &p,
        Some("tkn"),
        &trace(
            "",
            "t-slow",
            &[span("t-slow", "ok", vec![int("duration", 2_000_000)])],
        ),
    );
    ok(
        &p,
        Some("tkn"),
        &trace(
            "",
            "t-health",
            &[span(
                "t-health",
                "ok",
                vec![tag("resource", "/health"), int("duration", 5_000_000)],
            )],
        ),
    );

    p.set_time(T0 + 9 * SEC).expect("time");
    assert!(p.poll_kept().is_empty(), "nothing before the TTL");
    p.set_time(T0 + 10 * SEC).expect("time");
    let d = p.poll_kept();
    assert_eq!(d.len(), 1, "one batch for one token and data type");
    assert_eq!(
        (d[0].token.as_str(), d[0].data_type, d[0].path),
        ("tkn", "tracing", "/v1/write/tracing")
    );
    assert_eq!(
        d[0].content_type,
        "application/protobuf; proto=com.guance.Point"
    );
    assert_eq!(kept_ids(&d), ["t-err", "t-slow"]);
    assert_eq!(d[0].points, 3);
    let s = p.stats();
    assert_conserved(&s);
    assert_eq!(s.tokens["tkn"].counters.kept.groups, 2);
    assert_eq!(
        s.tokens["tkn"].counters.dropped.by_reason["pipeline"], 1,
        "health check dropped by its pipeline"
    );
    assert_eq!(s.tokens["tkn"].counters.dropped.by_reason["no_match"], 1);
    let decisions = &s.tokens["tkn"].decisions["tracing"];
    assert_eq!(decisions["keep-errors"].kept, 1);
    assert_eq!(decisions["drop-health"].dropped, 1);
}

#[test]
fn first_matched_pipeline_in_config_order_decides() {
    let p = processor("");
    // drop-health comes before keep-slow: a slow health check is dropped.
    p.set_config("tkn", TRACE_CONFIG.as_bytes())
        .expect("config");
    ok(
        &p,
        Some("tkn"),
        &trace(
            "",
            "a",
            &[
                span("a", "ok", vec![int("duration", 9_000_000)]),
                span("a", "ok", vec![tag("resource", "/health")]),
            ],
        ),
    );
    // keep-errors is first: an erroring health check is kept, whatever the point order.
    ok(
        &p,
        Some("tkn"),
        &trace(
            "",
            "b",
            &[
                span("b", "ok", vec![tag("resource", "/health")]),
                span("b", "error", vec![]),
            ],
        ),
    );
    p.flush();
    assert_eq!(kept_ids(&p.poll_kept()), ["b"]);
}

#[test]
fn probabilistic_keeps_by_group_id_hash() {
    let p = processor("");
    p.set_config("tkn", br#"{"version": 1, "trace": {"pipelines": [{"name": "half", "type": "probabilistic", "rate": 0.5}]}}"#).expect("config");
    let ids: Vec<String> = (0..200).map(|i| format!("trace-{i}")).collect();
    for id in &ids {
        ok(&p, Some("tkn"), &trace("", id, &[span(id, "ok", vec![])]));
    }
    p.flush();
    let kept = kept_ids(&p.poll_kept());
    let mut expected: Vec<String> = ids
        .iter()
        .filter(|id| tailsampling::wire::fnv1a64(id.as_bytes()) % 10_000 < 5_000)
        .cloned()
        .collect();
    expected.sort();
    assert_eq!(kept, expected);
    assert!(
        kept.len() > 60 && kept.len() < 140,
        "about half: {}",
        kept.len()
    );
}

#[test]
fn ttl_slides_with_each_packet() {
    let p = processor("");
    p.set_config("tkn", TRACE_CONFIG.as_bytes())
        .expect("config");
    ok(
        &p,
        Some("tkn"),
        &trace("", "t", &[span("t", "error", vec![])]),
    );
    p.set_time(T0 + 8 * SEC).expect("time");
    assert!(p.poll_kept().is_empty());
    ok(&p, Some("tkn"), &trace("", "t", &[span("t", "ok", vec![])]));
    p.set_time(T0 + 17 * SEC).expect("time");
    assert!(
        p.poll_kept().is_empty(),
        "the second packet restarted the 10 s TTL"
    );
    assert_eq!(p.stats().total.buffered.packets, 2);
    p.set_time(T0 + 18 * SEC).expect("time");
    let d = p.poll_kept();
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].points, 2, "both packets of the group, concatenated");
}

/// A new config version that shortens the TTL applies to open groups at their next packet
/// (the reference re-slots a group on every packet); the group waited out the old 10 s TTL.
#[test]
fn a_shortened_ttl_applies_to_open_groups() {
    let p = processor("");
    p.set_config("tkn", TRACE_CONFIG.as_bytes())
        .expect("config");
    ok(
        &p,
        Some("tkn"),
        &trace("", "t", &[span("t", "error", vec![])]),
    );
    let short = TRACE_CONFIG
        .replacen("\"version\": 1", "\"version\": 2", 1)
        .replace("\"10s\"", "\"3s\"");
    assert_ne!(
        short, TRACE_CONFIG,
        "the test config has version 1 and a 10 s TTL"
    );
    assert_eq!(p.set_config("tkn", short.as_bytes()), Ok(true));
    p.set_time(T0 + SEC).expect("time");
    ok(&p, Some("tkn"), &trace("", "t", &[span("t", "ok", vec![])]));
    p.set_time(T0 + 3 * SEC).expect("time");
    assert!(
        p.poll_kept().is_empty(),
        "3 s after the last packet, not before"
    );
    p.set_time(T0 + 4 * SEC).expect("time");
    let d = p.poll_kept();
    assert_eq!(d.len(), 1, "decided at last packet + the new TTL");
    assert_eq!(d[0].points, 2);
    // The stale entry of the old TTL fires later and finds nothing to decide.
    p.set_time(T0 + 30 * SEC).expect("time");
    assert!(p.poll_kept().is_empty());
    assert_eq!(p.stats().total.kept.groups, 1);
}

#[test]
fn default_ttl_option_and_clamp() {
    let p = processor(r#""default_ttl": "3s""#);
    p.set_config("tkn", br#"{"version": 1, "trace": {"pipelines": [{"name": "all", "type": "probabilistic", "rate": 1}]}}"#).expect("config");
    ok(&p, Some("tkn"), &trace("", "t", &[span("t", "ok", vec![])]));
    p.set_time(T0 + 2 * SEC).expect("time");
    assert!(p.poll_kept().is_empty());
    p.set_time(T0 + 3 * SEC).expect("time");
    assert_eq!(p.poll_kept().len(), 1);

    let p = processor("");
    p.set_config("tkn", br#"{"version": 1, "trace": {"data_ttl": "5h", "pipelines": [{"name": "all", "type": "probabilistic", "rate": 1}]}}"#).expect("config");
    ok(&p, Some("tkn"), &trace("", "t", &[span("t", "ok", vec![])]));
    p.set_time(T0 + 3598 * SEC).expect("time");
    assert!(p.poll_kept().is_empty());
    p.set_time(T0 + 3599 * SEC).expect("time");
    assert_eq!(p.poll_kept().len(), 1, "TTL clamped to 3599 s");
}

#[test]
fn token_authority() {
    let p = processor("");
    p.set_config("tkn", TRACE_CONFIG.as_bytes())
        .expect("config");
    let e = p
        .ingest(
            Some("tkn"),
            &trace("other", "t", &[span("t", "ok", vec![])]),
        )
        .expect_err("mismatch");
    assert_eq!(e.status(), Status::TokenMismatch);
    assert_eq!(
        p.ingest(Some("tkn"), &trace("tkn", "t", &[span("t", "ok", vec![])])),
        Ok(Status::Ok)
    );
    assert_eq!(
        p.ingest(None, &trace("tkn", "u", &[span("u", "ok", vec![])])),
        Ok(Status::Ok),
        "the packet's own token"
    );
    assert_eq!(
        p.ingest(Some(""), &trace("tkn", "v", &[span("v", "ok", vec![])])),
        Ok(Status::Ok)
    );
    let e = p
        .ingest(None, &trace("", "w", &[span("w", "ok", vec![])]))
        .expect_err("no token");
    assert_eq!(e.status(), Status::InvalidArgument);
    assert_eq!(p.stats().tokens["tkn"].counters.accepted, 3);
    assert!(!p.stats().tokens.contains_key("other"));
}

#[test]
fn refusals_name_the_problem() {
    let p = processor(r#""max_packet_bytes": 200"#);
    let big = trace(
        "tkn",
        "t",
        &[span("t", "ok", vec![string("msg", &"x".repeat(300))])],
    );
    let e = p.ingest(None, &big).expect_err("too large");
    assert_eq!(e.status(), Status::TooLarge);
    assert!(e.message().contains("max_packet_bytes"));

    let e = p.ingest(None, b"\x0a\xff\xff").expect_err("garbage");
    assert_eq!(e.status(), Status::DecodeError);
    assert!(e.message().contains("byte"), "{e}");

    let mut pk = packet("tkn", "metric", "", "t", &[span("t", "ok", vec![])]);
    let e = p.ingest(None, &pk.encode_to_vec()).expect_err("data type");
    assert_eq!(e.status(), Status::Unsupported);
    assert!(e.message().contains("data_type"));
    pk.data_type = "tracing".into();
    pk.payload_compression = 2;
    let e = p
        .ingest(None, &pk.encode_to_vec())
        .expect_err("compression");
    assert_eq!(e.status(), Status::Unsupported);
    assert!(e.message().contains("payload_compression"));
    assert_eq!(Status::Pending.http_status(), 412);
    assert_eq!(Status::Busy.http_status(), 503);
    assert_conserved(&p.stats());
}

#[test]
fn pending_until_config_then_drained_in_order() {
    let p = processor("");
    for id in ["a", "b", "c"] {
        assert_eq!(
            p.ingest(Some("tkn"), &trace("", id, &[span(id, "error", vec![])])),
            Ok(Status::Pending)
        );
    }
    let s = p.stats();
    assert_eq!(s.tokens["tkn"].counters.pending.packets, 3);
    assert_conserved(&s);
    // A config without a trace section does not drain trace packets.
    assert_eq!(
        p.set_config(
            "tkn",
            br#"{"version": 1, "logging": {"group_dimensions": [{"group_key": "service"}]}}"#
        ),
        Ok(true)
    );
    assert_eq!(p.stats().tokens["tkn"].counters.pending.packets, 3);
    assert_eq!(
        p.ingest(Some("tkn"), &trace("", "d", &[span("d", "error", vec![])])),
        Ok(Status::Pending)
    );
    assert_eq!(
        p.set_config(
            "tkn",
            TRACE_CONFIG
                .replace("\"version\": 1", "\"version\": 2")
                .as_bytes()
        ),
        Ok(true)
    );
    let s = p.stats();
    assert_eq!(s.tokens["tkn"].counters.pending.packets, 0);
    assert_eq!(s.tokens["tkn"].counters.buffered.groups, 4);
    assert_conserved(&s);
    p.set_time(T0 + 10 * SEC).expect("time");
    assert_eq!(kept_ids(&p.poll_kept()), ["a", "b", "c", "d"]);
    assert_conserved(&p.stats());
}

#[test]
fn pending_limits_answer_busy_and_age_out() {
    let p = processor(r#""pending_max_packets": 2, "pending_max_age": "60s""#);
    assert_eq!(
        p.ingest(Some("tkn"), &trace("", "a", &[span("a", "ok", vec![])])),
        Ok(Status::Pending)
    );
    assert_eq!(
        p.ingest(Some("tkn"), &trace("", "b", &[span("b", "ok", vec![])])),
        Ok(Status::Pending)
    );
    let e = p
        .ingest(Some("tkn"), &trace("", "c", &[span("c", "ok", vec![])]))
        .expect_err("full");
    assert_eq!(e.status(), Status::Busy);
    // Another data type of the same token has its own queue.
    let log = packet(
        "tkn",
        "logging",
        "service",
        "web",
        &[span("x", "ok", vec![])],
    )
    .encode_to_vec();
    assert_eq!(p.ingest(None, &log), Ok(Status::Pending));
    let s = p.stats();
    assert_eq!(s.tokens["tkn"].counters.refused_busy, 1);
    assert_eq!(s.tokens["tkn"].counters.accepted, 3);
    p.set_time(T0 + 60 * SEC).expect("time");
    assert!(p.poll_kept().is_empty());
    let s = p.stats();
    assert_eq!(
        s.tokens["tkn"].counters.dropped.by_reason["pending_expired"],
        3
    );
    assert_eq!(s.tokens["tkn"].counters.pending.packets, 0);
    assert_eq!(s.memory.held_bytes, 0);
    assert_conserved(&s);
}

#[test]
fn config_versions_apply_ignore_and_reject() {
    let p = processor("");
    assert_eq!(p.set_config("tkn", TRACE_CONFIG.as_bytes()), Ok(true));
    assert_eq!(
        p.set_config("tkn", TRACE_CONFIG.as_bytes()),
        Ok(false),
        "same version: ignored"
    );
    let e = p
        .set_config(
            "tkn",
            br#"{"version": 9, "trace": {"pipelines": [{"type": "nope"}]}}"#,
        )
        .expect_err("invalid");
    assert_eq!(e.status(), Status::ConfigError);
    assert!(e.message().contains("trace.pipelines[0].type"), "{e}");
    let s = p.stats();
    assert_eq!(
        s.tokens["tkn"].config.as_ref().map(|c| c.version),
        Some(1),
        "a rejected config leaves the old one"
    );
    assert_eq!(s.tokens["tkn"].counters.configs.applied, 1);
    assert_eq!(s.tokens["tkn"].counters.configs.ignored, 1);
    assert_eq!(s.tokens["tkn"].counters.configs.rejected, 1);
    assert_eq!(
        p.set_config("", TRACE_CONFIG.as_bytes())
            .map_err(|e| e.status()),
        Err(Status::InvalidArgument)
    );
}

#[test]
fn buffered_groups_survive_a_config_swap_and_follow_the_new_config() {
    let p = processor("");
    p.set_config("tkn", TRACE_CONFIG.as_bytes())
        .expect("config");
    ok(&p, Some("tkn"), &trace("", "t", &[span("t", "ok", vec![])]));
    p.set_config("tkn", br#"{"version": 2, "trace": {"data_ttl": "10s", "pipelines": [{"name": "all", "type": "probabilistic", "rate": 1}]}}"#).expect("config");
    assert_eq!(p.stats().tokens["tkn"].counters.buffered.groups, 1);
    p.set_time(T0 + 10 * SEC).expect("time");
    assert_eq!(
        kept_ids(&p.poll_kept()),
        ["t"],
        "decided by the config in force at decision time"
    );
}

#[test]
fn logging_and_rum_use_their_dimension() {
    let p = processor("");
    p.set_config(
        "tkn",
        br#"{"version": 1,
            "logging": {"data_ttl": "5s", "group_dimensions": [{"group_key": "service", "pipelines": [
                {"name": "errors", "type": "condition", "condition": "{ status = \"error\" }", "action": "keep"}]}]},
            "rum": {"data_ttl": "5s", "group_dimensions": [{"group_key": "session_id", "pipelines": [
                {"name": "all", "type": "probabilistic", "rate": 1}]}]}}"#,
    )
    .expect("config");
    let log_err = packet(
        "tkn",
        "logging",
        "service",
        "web",
        &[span("x", "error", vec![])],
    );
    let log_ok = packet(
        "tkn",
        "logging",
        "service",
        "api",
        &[span("y", "ok", vec![])],
    );
    let log_other_key = packet(
        "tkn",
        "logging",
        "host",
        "h1",
        &[span("z", "error", vec![])],
    );
    let rum = packet("tkn", "rum", "session_id", "s1", &[span("r", "ok", vec![])]);
    for pk in [&log_err, &log_ok, &log_other_key, &rum] {
        ok(&p, None, &pk.encode_to_vec());
    }
    p.set_time(T0 + 5 * SEC).expect("time");
    let mut d = p.poll_kept();
    d.sort_by_key(|d| d.data_type);
    assert_eq!(
        d.iter().map(|d| (d.data_type, d.path)).collect::<Vec<_>>(),
        [("logging", "/v1/write/logging"), ("rum", "/v1/write/rum")]
    );
    assert_eq!(
        trace_ids(&d[0].body),
        ["x"],
        "only the erroring service; the host dimension has no pipelines here"
    );
    let s = p.stats();
    assert_eq!(s.tokens["tkn"].counters.dropped.by_reason["no_match"], 2);
    assert_conserved(&s);
}

#[test]
fn same_raw_id_in_different_tokens_or_types_are_different_groups() {
    let p = processor("");
    let all = br#"{"version": 1, "trace": {"pipelines": [{"name": "all", "type": "probabilistic", "rate": 1}]},
        "logging": {"group_dimensions": [{"group_key": "service", "pipelines": [{"name": "none", "type": "condition", "condition": "{ 1 = 2 }", "action": "keep"}]}]}}"#;
    p.set_config("a", all).expect("config");
    p.set_config("b", br#"{"version": 1, "trace": {"pipelines": [{"name": "none", "type": "condition", "condition": "{ 1 = 2 }", "action": "keep"}]}}"#).expect("config");
    ok(&p, None, &trace("a", "same", &[span("same", "ok", vec![])]));
    ok(&p, None, &trace("b", "same", &[span("same", "ok", vec![])]));
    ok(
        &p,
        None,
        &packet(
            "a",
            "logging",
            "service",
            "same",
            &[span("same", "ok", vec![])],
        )
        .encode_to_vec(),
    );
    assert_eq!(p.stats().total.buffered.groups, 3);
    p.flush();
    let d = p.poll_kept();
    assert_eq!(d.len(), 1);
    assert_eq!((d[0].token.as_str(), d[0].data_type), ("a", "tracing"));
}

#[test]
fn zstd_payloads_are_delivered_decompressed_and_corrupt_ones_dropped() {
    let p = processor("");
    p.set_config("tkn", TRACE_CONFIG.as_bytes())
        .expect("config");
    let raw = packet("tkn", "tracing", "", "z", &[span("z", "error", vec![])]);
    let expected_body = raw.points_payload.clone();
    ok(&p, None, &zstd(raw).encode_to_vec());
    let mut bad = zstd(packet(
        "tkn",
        "tracing",
        "",
        "bad",
        &[span("bad", "error", vec![])],
    ));
    let last = bad.points_payload.len() - 1;
    bad.points_payload.truncate(last);
    ok(&p, None, &bad.encode_to_vec());
    let mut garbage = packet("tkn", "tracing", "", "garbage", &[]);
    garbage.points_payload = vec![0x0a, 0x05, 0x01];
    ok(&p, None, &garbage.encode_to_vec());
    p.flush();
    let d = p.poll_kept();
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].body, expected_body);
    let s = p.stats();
    assert_eq!(
        s.tokens["tkn"].counters.dropped.by_reason["decode_error"], 2,
        "the truncated zstd frame and the garbage payload"
    );
    assert_eq!(s.tokens["tkn"].counters.dropped.by_reason["no_match"], 0);
    assert_conserved(&s);
}

#[test]
fn an_empty_zstd_payload_is_empty_as_in_payload_bytes() {
    let p = processor("");
    p.set_config("tkn", TRACE_CONFIG.as_bytes())
        .expect("config");
    let raw = packet("tkn", "tracing", "", "e", &[span("e", "error", vec![])]);
    let expected_body = raw.points_payload.clone();
    ok(&p, None, &raw.encode_to_vec());
    let mut empty = packet("tkn", "tracing", "", "e", &[]);
    empty.points_payload.clear();
    empty.payload_compression = tailsampling::wire::COMPRESSION_ZSTD;
    let bytes = tailsampling::wire::payload_bytes(&(&empty).into(), 1 << 20);
    assert!(bytes.expect("empty, not an error").is_empty());
    ok(&p, None, &empty.encode_to_vec());
    p.flush();
    let d = p.poll_kept();
    assert_eq!(
        d.len(),
        1,
        "kept: the empty payload adds nothing and breaks nothing"
    );
    assert_eq!(d[0].body, expected_body);
    let s = p.stats();
    assert_eq!(
        s.tokens["tkn"].counters.dropped.by_reason["decode_error"],
        0
    );
    assert_conserved(&s);
}

#[test]
fn a_kept_group_with_a_malformed_point_is_never_delivered() {
    let p = processor("");
    p.set_config("tkn", TRACE_CONFIG.as_bytes())
        .expect("config");
    let mut pk = packet("tkn", "tracing", "", "t", &[span("t", "error", vec![])]);
    pk.points_payload.extend_from_slice(&[0x0a, 0x10, 0x01]); // a second point whose length overruns
    ok(&p, None, &pk.encode_to_vec());
    p.flush();
    assert!(p.poll_kept().is_empty());
    assert_eq!(
        p.stats().tokens["tkn"].counters.dropped.by_reason["decode_error"],
        1
    );
}

#[test]
fn late_data_follows_the_decision() {
    let p = processor("");
    p.set_config("tkn", TRACE_CONFIG.as_bytes())
        .expect("config");
    ok(
        &p,
        None,
        &trace("tkn", "kept", &[span("kept", "error", vec![])]),
    );
    ok(
        &p,
        None,
        &trace("tkn", "gone", &[span("gone", "ok", vec![])]),
    );
    p.set_time(T0 + 10 * SEC).expect("time");
    assert_eq!(kept_ids(&p.poll_kept()), ["kept"]);
    ok(
        &p,
        None,
        &trace("tkn", "kept", &[span("kept", "ok", vec![])]),
    );
    ok(
        &p,
        None,
        &trace("tkn", "gone", &[span("gone", "error", vec![])]),
    );
    let s = p.stats();
    assert_eq!(
        s.tokens["tkn"].counters.buffered.groups, 0,
        "late packets do not open groups"
    );
    let d = p.poll_kept();
    assert_eq!(
        kept_ids(&d),
        ["kept"],
        "late packet of a kept group, at the next poll"
    );
    let s = p.stats();
    assert_eq!(s.tokens["tkn"].counters.late.kept, 1);
    assert_eq!(s.tokens["tkn"].counters.late.dropped, 1);
    assert_eq!(s.tokens["tkn"].counters.dropped.by_reason["late"], 1);
    assert_conserved(&s);
}

#[test]
fn late_data_new_group_is_the_reference_behaviour() {
    let p = processor(r#""late_data": "new_group""#);
    p.set_config("tkn", TRACE_CONFIG.as_bytes())
        .expect("config");
    ok(&p, None, &trace("tkn", "t", &[span("t", "ok", vec![])]));
    p.set_time(T0 + 10 * SEC).expect("time");
    assert!(p.poll_kept().is_empty());
    ok(&p, None, &trace("tkn", "t", &[span("t", "error", vec![])]));
    assert_eq!(p.stats().tokens["tkn"].counters.buffered.groups, 1);
    p.set_time(T0 + 20 * SEC).expect("time");
    assert_eq!(
        kept_ids(&p.poll_kept()),
        ["t"],
        "decided again as a new group"
    );
}

#[test]
fn decision_cache_is_bounded_by_ttl() {
    let p = processor(r#""decision_cache_ttl": "30s""#);
    p.set_config("tkn", TRACE_CONFIG.as_bytes())
        .expect("config");
    ok(&p, None, &trace("tkn", "t", &[span("t", "error", vec![])]));
    p.set_time(T0 + 10 * SEC).expect("time");
    assert_eq!(p.poll_kept().len(), 1);
    p.set_time(T0 + 40 * SEC).expect("time");
    p.poll_kept();
    ok(&p, None, &trace("tkn", "t", &[span("t", "ok", vec![])]));
    assert_eq!(
        p.stats().tokens["tkn"].counters.buffered.groups,
        1,
        "decision forgotten: a new group"
    );
}

#[test]
fn batches_respect_max_batch_bytes() {
    let p = processor(r#""max_batch_bytes": 1000"#);
    p.set_config("tkn", TRACE_CONFIG.as_bytes())
        .expect("config");
    let mut sizes = Vec::new();
    for i in 0..10 {
        let id = format!("t{i}");
        let pk = packet(
            "tkn",
            "tracing",
            "",
            &id,
            &[span(&id, "error", vec![string("msg", &"m".repeat(150))])],
        );
        sizes.push(pk.points_payload.len());
        ok(&p, None, &pk.encode_to_vec());
    }
    let huge = packet(
        "tkn",
        "tracing",
        "",
        "huge",
        &[span(
            "huge",
            "error",
            vec![string("msg", &"h".repeat(3000))],
        )],
    );
    ok(&p, None, &huge.encode_to_vec());
    p.flush();
    let d = p.poll_kept();
    assert!(d.len() >= 3, "{} deliveries", d.len());
    for del in &d {
        if trace_ids(&del.body) == ["huge"] {
            assert_eq!(
                del.body, huge.points_payload,
                "a group over the cap goes alone"
            );
        } else {
            assert!(del.body.len() <= 1000, "batch of {} bytes", del.body.len());
        }
        assert_eq!(del.points as usize, points_of(&del.body).len());
    }
    assert_eq!(d.iter().map(|d| d.points).sum::<u64>(), 11);
    assert_eq!(kept_ids(&d).len(), 11);
}

#[test]
fn a_group_over_max_group_bytes_is_decided_at_once() {
    let p = processor(r#""max_group_bytes": 500"#);
    p.set_config("tkn", TRACE_CONFIG.as_bytes())
        .expect("config");
    let big = packet(
        "tkn",
        "tracing",
        "",
        "big",
        &[span("big", "error", vec![string("msg", &"x".repeat(600))])],
    );
    ok(&p, None, &big.encode_to_vec());
    assert_eq!(p.stats().tokens["tkn"].counters.buffered.groups, 0);
    assert_eq!(
        kept_ids(&p.poll_kept()),
        ["big"],
        "without waiting for the TTL"
    );
}

#[test]
fn over_its_share_a_token_decides_its_oldest_groups_early() {
    // 100 KB budget, 25% share: about 25 KB per token.
    let p = processor(r#""memory_limit_bytes": 100000"#);
    p.set_config("noisy", TRACE_CONFIG.as_bytes())
        .expect("config");
    p.set_config("quiet", TRACE_CONFIG.as_bytes())
        .expect("config");
    ok(
        &p,
        None,
        &trace(
            "quiet",
            "q",
            &[span("q", "error", vec![string("msg", &"q".repeat(2000))])],
        ),
    );
    for i in 0..100 {
        let id = format!("n{i}");
        ok(
            &p,
            None,
            &trace(
                "noisy",
                &id,
                &[span(&id, "error", vec![string("msg", &"n".repeat(2000))])],
            ),
        );
    }
    let s = p.stats();
    assert!(s.tokens["noisy"].counters.early_decisions > 50, "{s:#?}");
    assert!(s.tokens["noisy"].held_bytes <= 25_000);
    assert_eq!(
        s.tokens["quiet"].counters.buffered.groups, 1,
        "the quiet token keeps its group"
    );
    assert_eq!(s.tokens["quiet"].counters.early_decisions, 0);
    assert_conserved(&s);
    // The early-decided groups were decided by the pipelines (kept: errors), not discarded.
    let kept = kept_ids(&p.poll_kept());
    assert_eq!(
        kept.len() as u64,
        s.tokens["noisy"].counters.early_decisions
    );
    assert_eq!(kept[0], "n0", "oldest first");
    // A packet larger than the share can never fit.
    let e = p
        .ingest(
            None,
            &trace(
                "noisy",
                "x",
                &[span("x", "ok", vec![string("msg", &"x".repeat(30_000))])],
            ),
        )
        .expect_err("busy");
    assert_eq!(e.status(), Status::Busy);
    assert_conserved(&p.stats());
}

#[test]
fn flush_decides_everything_now() {
    let p = processor("");
    p.set_config("tkn", TRACE_CONFIG.as_bytes())
        .expect("config");
    ok(&p, None, &trace("tkn", "a", &[span("a", "error", vec![])]));
    ok(&p, None, &trace("tkn", "b", &[span("b", "ok", vec![])]));
    assert_eq!(
        p.ingest(
            Some("other"),
            &trace("", "c", &[span("c", "error", vec![])])
        ),
        Ok(Status::Pending)
    );
    p.flush();
    let s = p.stats();
    assert_eq!(s.total.buffered.groups, 0);
    assert_eq!(s.total.pending.packets, 1, "pending packets stay pending");
    assert_eq!(kept_ids(&p.poll_kept()), ["a"]);
    assert_conserved(&p.stats());
}

#[test]
fn no_config_at_decision_time_drops() {
    let p = processor("");
    // Groups are buffered only once a config exists; a config without pipelines matches none.
    p.set_config("tkn", br#"{"version": 1, "trace": {}}"#)
        .expect("config");
    ok(&p, None, &trace("tkn", "t", &[span("t", "error", vec![])]));
    p.flush();
    assert!(p.poll_kept().is_empty());
    assert_eq!(
        p.stats().tokens["tkn"].counters.dropped.by_reason["no_match"],
        1
    );
    // A config that drops the trace section while a group waits: no config at decision time.
    ok(&p, None, &trace("tkn", "u", &[span("u", "error", vec![])]));
    p.set_config("tkn", br#"{"version": 2, "logging": {}}"#)
        .expect("config");
    p.flush();
    assert!(p.poll_kept().is_empty());
    assert_eq!(
        p.stats().tokens["tkn"].counters.dropped.by_reason["no_config"],
        1
    );
}

#[test]
fn a_poll_with_nothing_due_returns_nothing() {
    let p = processor("");
    assert!(p.poll_kept().is_empty());
    assert!(p.poll_metrics().is_empty());
    p.set_time(T0 - SEC).expect("an earlier time is ignored");
    assert_eq!(p.now(), T0);
    let s = p.stats();
    assert_eq!(s.total.accepted, 0);
    assert_conserved(&s);
}

#[test]
fn stats_json_has_the_documented_keys() {
    let p = processor("");
    p.set_config("tkn", TRACE_CONFIG.as_bytes())
        .expect("config");
    ok(&p, None, &trace("tkn", "t", &[span("t", "error", vec![])]));
    let json = p.stats().to_json();
    let keys = |v: &serde_json::Value| -> Vec<String> {
        let mut keys: Vec<String> = v.as_object().expect("an object").keys().cloned().collect();
        keys.sort();
        keys
    };
    let sorted = |k: &[&str]| -> Vec<String> {
        let mut k: Vec<String> = k.iter().map(|s| s.to_string()).collect();
        k.sort();
        k
    };
    assert_eq!(keys(&json), sorted(&["memory", "total", "tokens"]));
    let counters = [
        "accepted",
        "refused_busy",
        "pending",
        "buffered",
        "kept",
        "dropped",
        "early_decisions",
        "late",
        "configs",
    ];
    assert_eq!(keys(&json["total"]), sorted(&counters));
    let token = [
        &counters[..],
        &["decisions", "config", "drift", "held_bytes"],
    ]
    .concat();
    assert_eq!(keys(&json["tokens"]["tkn"]), sorted(&token));
}

#[test]
fn stats_flag_referenced_keys_never_observed_and_type_drift() {
    let p = processor("");
    p.set_config(
        "tkn",
        br#"{"version": 1, "trace": {"pipelines": [
            {"name": "errors", "type": "condition", "condition": "{ status = \"error\" }", "action": "keep"},
            {"name": "renamed", "type": "condition", "condition": "{ tenant_region = \"eu\" }", "action": "keep"},
            {"name": "5xx", "type": "condition", "condition": "{ http_status_code = 500 }", "action": "keep"},
            {"name": "nil-only", "type": "condition", "condition": "{ region_tag != nil }", "action": "drop"}]}}"#,
    )
    .expect("config");
    assert!(
        p.stats().tokens["tkn"].drift["tracing"]
            .pipelines
            .is_empty(),
        "nothing is flagged before a group was observed"
    );
    for i in 0..5 {
        let id = format!("t{i}");
        ok(
            &p,
            None,
            &trace(
                "tkn",
                &id,
                &[span(
                    &id,
                    "ok",
                    vec![tag("http_status_code", "500"), tag("region_tag", "eu")],
                )],
            ),
        );
    }
    p.flush();
    let drift = &p.stats().tokens["tkn"].drift["tracing"];
    assert_eq!(drift.observed_groups, 5);
    assert_eq!(drift.keys_over_limit, 0);
    let strings = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    assert_eq!(
        drift.pipelines,
        BTreeMap::from([
            (
                "trace.pipelines[1]".to_string(),
                PipelineDrift {
                    name: "renamed".into(),
                    never_observed: strings(&["tenant_region"]),
                    type_mismatch: vec![],
                }
            ),
            (
                "trace.pipelines[2]".to_string(),
                PipelineDrift {
                    name: "5xx".into(),
                    never_observed: vec![],
                    type_mismatch: vec![TypeMismatch {
                        key: "http_status_code".into(),
                        observed: strings(&["tag"]),
                        compared_with: strings(&["int"]),
                    }],
                }
            ),
        ])
    );
}
