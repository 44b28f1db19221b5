//! Built-in metrics and runtime counters as the engine emits them (docs/protocol.md, "Metrics").

use crate::common::*;
use prost::Message;
use tailsampling::wire::proto::point::{field::Val, PbPoint};
use tailsampling::{Processor, Status};

fn tags(p: &PbPoint) -> Vec<(String, String)> {
    let mut t: Vec<(String, String)> = p
        .fields
        .iter()
        .filter(|f| f.is_tag)
        .filter_map(|f| match &f.val {
            Some(Val::S(s)) => Some((f.key.clone(), s.clone())),
            _ => None,
        })
        .collect();
    t.sort();
    t
}

/// One metric point: field name, value, sorted tags, time.
type Line = (String, f64, Vec<(String, String)>, i64);

/// The lines of every point of a body.
fn lines(body: &[u8]) -> Vec<Line> {
    points_of(body)
        .iter()
        .map(|p| {
            let (name, v) = p
                .fields
                .iter()
                .find_map(|f| match f.val {
                    Some(Val::F(v)) if !f.is_tag => Some((f.key.clone(), v)),
                    _ => None,
                })
                .expect("one float field");
            assert_eq!(p.name, "tail_sampling");
            (name, v, tags(p), p.time)
        })
        .collect()
}

fn t(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    v.sort();
    v
}

#[test]
fn builtin_trace_metrics_per_window() {
    let p = Processor::from_options_json(br#"{"clock": "manual", "metrics_window": "30s"}"#)
        .expect("options");
    p.set_time(T0).expect("time");
    p.set_config("tkn", TRACE_CONFIG.as_bytes())
        .expect("config");
    let mut err = packet(
        "tkn",
        "tracing",
        "",
        "e",
        &[span("e", "error", vec![]), span("e", "ok", vec![])],
    );
    err.trace_start_time_unix_nano = T0;
    err.trace_end_time_unix_nano = T0 + 15_000_000; // 15 ms
    let mut plain = packet("tkn", "tracing", "", "p", &[span("p", "ok", vec![])]);
    // One second after the boundary T0 (a record on it belongs to the window ending at T0).
    err.max_point_time_unix_nano = T0 + SEC;
    plain.max_point_time_unix_nano = T0 + SEC;
    assert_eq!(p.ingest(None, &err.encode_to_vec()), Ok(Status::Ok));
    assert_eq!(p.ingest(None, &plain.encode_to_vec()), Ok(Status::Ok));
    assert!(
        p.poll_metrics().is_empty(),
        "the window (T0, T0+30s] has not ended"
    );
    p.set_time(T0 + 30 * SEC).expect("time");
    let d = p.poll_metrics();
    assert_eq!(d.len(), 1);
    assert_eq!(
        (d[0].token.as_str(), d[0].data_type, d[0].path),
        ("tkn", "metric", "/v1/write/metric")
    );
    let got = lines(&d[0].body);
    let ingest = t(&[
        ("stage", "ingest"),
        ("data_type", "tracing"),
        ("source", "ddtrace"),
    ]);
    let end = T0 + 30 * SEC;
    assert!(
        got.contains(&("trace_total_count".into(), 2.0, ingest.clone(), end)),
        "{got:#?}"
    );
    assert!(got.contains(&("trace_error_count".into(), 1.0, ingest.clone(), end)));
    assert!(got.contains(&("span_total_count".into(), 3.0, ingest, end)));
    assert_eq!(d[0].points as usize, got.len());
    // The poll decided both groups first (TTL 10 s): their records share the packets' window.
    let kept = t(&[
        ("stage", "decision"),
        ("decision", "kept"),
        ("data_type", "tracing"),
        ("source", "ddtrace"),
        ("pipeline", "keep-errors"),
    ]);
    let dropped = t(&[
        ("stage", "decision"),
        ("decision", "dropped"),
        ("data_type", "tracing"),
        ("source", "ddtrace"),
        ("pipeline", "no_match"),
    ]);
    assert!(
        got.contains(&("trace_kept_count".into(), 1.0, kept, end)),
        "{got:#?}"
    );
    assert!(got.contains(&("trace_dropped_count".into(), 1.0, dropped, end)));
    let pre = |le: &str| {
        t(&[
            ("stage", "pre_decision"),
            ("data_type", "tracing"),
            ("source", "ddtrace"),
            ("le", le),
        ])
    };
    assert!(got.contains(&("trace_duration_bucket".into(), 0.0, pre("10"), end)));
    assert!(got.contains(&("trace_duration_bucket".into(), 1.0, pre("20"), end)));
    assert!(got.contains(&("trace_duration_bucket".into(), 1.0, pre("+Inf"), end)));
    let pre = t(&[
        ("stage", "pre_decision"),
        ("data_type", "tracing"),
        ("source", "ddtrace"),
    ]);
    assert!(got.contains(&("trace_duration_count".into(), 1.0, pre.clone(), end)));
    assert!(got
        .iter()
        .any(|l| l.0 == "trace_duration_sum" && (l.1 - 15.0).abs() < 1e-9 && l.2 == pre));
    assert!(p.poll_metrics().is_empty(), "emitted once");
}

#[test]
fn disabled_builtin_metrics_are_not_emitted() {
    let p = Processor::from_options_json(br#"{"clock": "manual"}"#).expect("options");
    p.set_time(T0).expect("time");
    p.set_config(
        "tkn",
        br#"{"version": 1, "logging": {"builtin_metrics": [{"name": "logging_total_count", "enabled": false}],
             "group_dimensions": [{"group_key": "service", "pipelines": [{"name": "all", "type": "probabilistic", "rate": 1}]}]}}"#,
    )
    .expect("config");
    let log = packet(
        "tkn",
        "logging",
        "service",
        "web",
        &[span("x", "error", vec![])],
    );
    assert_eq!(p.ingest(None, &log.encode_to_vec()), Ok(Status::Ok));
    p.flush();
    let got = lines(&p.poll_metrics()[0].body);
    let names: Vec<&str> = got.iter().map(|l| l.0.as_str()).collect();
    assert!(!names.contains(&"logging_total_count"), "{names:?}");
    assert!(names.contains(&"logging_error_count"));
    assert!(names.contains(&"logging_kept_count"));
    let kept = got
        .iter()
        .find(|l| l.0 == "logging_kept_count")
        .expect("kept");
    assert!(
        kept.2
            .contains(&("group_key".to_string(), "service".to_string())),
        "{:?}",
        kept.2
    );
}

#[test]
fn runtime_counters_go_to_the_default_token_and_reset() {
    let p = Processor::from_options_json(br#"{"clock": "manual", "default_token": "tkn_dataway"}"#)
        .expect("options");
    p.set_time(T0).expect("time");
    p.set_config("tkn", TRACE_CONFIG.as_bytes())
        .expect("config");
    let body = trace(
        "tkn",
        "t",
        &[span("t", "ok", vec![]), span("t", "ok", vec![])],
    );
    let mut pk = packet(
        "tkn",
        "tracing",
        "",
        "t",
        &[span("t", "ok", vec![]), span("t", "ok", vec![])],
    );
    pk.point_count = 2;
    assert_eq!(p.ingest(None, &body), Ok(Status::Ok));
    p.record_send(
        "tkn",
        "tracing",
        tailsampling::metrics::SendResult::Success,
        3,
    );
    let d = p.poll_metrics();
    let rt = d
        .iter()
        .find(|d| d.token == "tkn_dataway")
        .expect("runtime delivery");
    let pts = points_of(&rt.body);
    assert!(pts.iter().all(|p| p.name == "dataway_aggregate"));
    let value = |name: &str| {
        pts.iter()
            .find_map(|p| {
                p.fields.iter().find(|f| f.key == name).and_then(|f| {
                    if let Some(Val::F(v)) = f.val {
                        Some(v)
                    } else {
                        None
                    }
                })
            })
            .unwrap_or_else(|| panic!("no {name}"))
    };
    assert_eq!(
        value("dataway_http_api_body_size_bytes_total"),
        body.len() as f64
    );
    assert_eq!(value("dataway_http_tail_sampling_trace_total"), 1.0);
    assert_eq!(value("dataway_http_tail_sampling_span_total"), 2.0);
    assert_eq!(value("dataway_http_tail_sampling_packet_send_total"), 3.0);
    assert!(
        p.poll_metrics().iter().all(|d| d.token != "tkn_dataway"),
        "reset after each report"
    );
}

/// A record exactly on a window boundary belongs to the window that ends there (the
/// reference's rule); under `compat: "reference"` the decision counts carry no `pipeline` tag
/// (this engine's addition), in the default mode they do.
#[test]
fn boundary_records_and_the_pipeline_tag_per_mode() {
    for (compat, pipeline) in [("default", Some("keep-errors")), ("reference", None)] {
        let options =
            format!(r#"{{"clock": "manual", "metrics_window": "30s", "compat": "{compat}"}}"#);
        let p = Processor::from_options_json(options.as_bytes()).expect("options");
        p.set_time(T0).expect("time");
        p.set_config("tkn", TRACE_CONFIG.as_bytes())
            .expect("config");
        let mut err = packet("tkn", "tracing", "", "e", &[span("e", "error", vec![])]);
        err.max_point_time_unix_nano = T0 + 30 * SEC;
        assert_eq!(p.ingest(None, &err.encode_to_vec()), Ok(Status::Ok));
        p.set_time(T0 + 30 * SEC).expect("time");
        let d = p.poll_metrics();
        assert_eq!(d.len(), 1, "{compat}: the window ending at T0+30s is due");
        let got = lines(&d[0].body);
        assert!(
            got.iter()
                .any(|(name, v, _, time)| name == "trace_total_count"
                    && *v == 1.0
                    && *time == T0 + 30 * SEC),
            "{compat}: {got:#?}"
        );
        // The poll decided the group first (TTL 10 s); its record has the packet's time.
        let kept: Vec<_> = got
            .iter()
            .filter(|(name, ..)| name == "trace_kept_count")
            .collect();
        assert_eq!(kept.len(), 1, "{compat}: {got:#?}");
        let (_, v, tags, time) = kept[0];
        assert_eq!((*v, *time), (1.0, T0 + 30 * SEC), "{compat}");
        let tag = tags
            .iter()
            .find(|(k, _)| k == "pipeline")
            .map(|(_, v)| v.as_str());
        assert_eq!(tag, pipeline, "{compat}");
    }
}
