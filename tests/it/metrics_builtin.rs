//! The built-in `tail_sampling` metrics: drained bodies decoded with prost and compared point
//! by point (names, values, tags, window times, order).

use crate::common::render_metrics;
use std::time::Duration;

use tailsampling::config::{BuiltinMetric, BuiltinMetrics, Config, DataType};
use tailsampling::metrics::{Builtin, Sample, MAX_SERIES};

const S: i64 = 1_000_000_000;
const MS: i64 = 1_000_000;

fn all(data_type: DataType) -> BuiltinMetrics {
    BuiltinMetrics::all_of(data_type)
}

fn sample<'a>(
    data_type: DataType,
    source: &'a str,
    group_key: &'a str,
    time_ns: i64,
) -> Sample<'a> {
    Sample {
        data_type,
        source,
        group_key,
        time_ns,
    }
}

fn trace(time_ns: i64) -> Sample<'static> {
    sample(DataType::Tracing, "ddtrace", "", time_ns)
}

fn render(drained: Option<(Vec<u8>, u64)>) -> Vec<String> {
    render_metrics("tail_sampling", drained)
}

#[test]
fn tracing_ingest_counts_per_window() {
    let mut m = Builtin::new(Duration::from_secs(30));
    m.on_ingest(&trace(S), true, 3, all(DataType::Tracing));
    m.on_ingest(&trace(29 * S), false, 4, all(DataType::Tracing));
    m.on_ingest(&trace(5 * S), false, 0, all(DataType::Tracing));
    let tags = "{data_type=tracing,source=ddtrace,stage=ingest}";
    assert_eq!(
        render(m.drain(30 * S, false)),
        [
            format!("span_total_count=7 @30000000000 {tags}"),
            format!("trace_error_count=1 @30000000000 {tags}"),
            format!("trace_total_count=3 @30000000000 {tags}"),
        ]
    );
    assert!(m.is_empty());
    assert_eq!(m.drain(i64::MAX, true), None);
}

#[test]
fn nothing_is_emitted_before_the_window_ends() {
    let mut m = Builtin::new(Duration::from_secs(30));
    m.on_ingest(&trace(S), false, 1, all(DataType::Tracing));
    assert_eq!(m.drain(30 * S - 1, false), None);
    assert!(!m.is_empty());
    assert_eq!(
        render(m.drain(30 * S, false)),
        [
            "span_total_count=1 @30000000000 {data_type=tracing,source=ddtrace,stage=ingest}",
            "trace_total_count=1 @30000000000 {data_type=tracing,source=ddtrace,stage=ingest}",
        ]
    );
    assert!(m.is_empty());
}

/// Windows are `(end - size, end]`, as in the reference engine: a record exactly on a
/// boundary belongs to the window that ends there.
#[test]
fn a_record_on_a_boundary_belongs_to_the_window_ending_there() {
    let mut m = Builtin::new(Duration::from_secs(30));
    m.on_ingest(&trace(30 * S), false, 0, all(DataType::Tracing));
    m.on_ingest(&trace(30 * S - 1), false, 0, all(DataType::Tracing));
    m.on_ingest(&trace(30 * S + 1), false, 0, all(DataType::Tracing));
    assert_eq!(
        render(m.drain(30 * S, false)),
        ["trace_total_count=2 @30000000000 {data_type=tracing,source=ddtrace,stage=ingest}"]
    );
    assert_eq!(m.drain(60 * S - 1, false), None);
    assert_eq!(
        render(m.drain(60 * S, false)),
        ["trace_total_count=1 @60000000000 {data_type=tracing,source=ddtrace,stage=ingest}"]
    );
}

#[test]
fn all_drains_every_window_in_ascending_order() {
    let mut m = Builtin::new(Duration::from_secs(10));
    m.on_ingest(&trace(95 * S), false, 0, all(DataType::Tracing));
    m.on_ingest(&trace(S), false, 0, all(DataType::Tracing));
    m.on_ingest(&trace(42 * S), false, 0, all(DataType::Tracing));
    assert_eq!(
        render(m.drain(0, true)),
        [
            "trace_total_count=1 @10000000000 {data_type=tracing,source=ddtrace,stage=ingest}",
            "trace_total_count=1 @50000000000 {data_type=tracing,source=ddtrace,stage=ingest}",
            "trace_total_count=1 @100000000000 {data_type=tracing,source=ddtrace,stage=ingest}",
        ]
    );
    assert!(m.is_empty());
}

#[test]
fn only_due_windows_are_removed() {
    let mut m = Builtin::new(Duration::from_secs(10));
    m.on_ingest(&trace(S), false, 0, all(DataType::Tracing));
    m.on_ingest(&trace(15 * S), false, 0, all(DataType::Tracing));
    assert_eq!(
        render(m.drain(12 * S, false)),
        ["trace_total_count=1 @10000000000 {data_type=tracing,source=ddtrace,stage=ingest}"]
    );
    m.on_ingest(&trace(16 * S), false, 0, all(DataType::Tracing));
    assert_eq!(
        render(m.drain(20 * S, false)),
        ["trace_total_count=2 @20000000000 {data_type=tracing,source=ddtrace,stage=ingest}"]
    );
}

#[test]
fn logging_tags_group_key_and_omits_empty_source() {
    let mut m = Builtin::new(Duration::from_secs(30));
    let s = sample(DataType::Logging, "", "service", 3 * S);
    m.on_ingest(&s, true, 5, all(DataType::Logging));
    m.on_ingest(&s, true, 2, all(DataType::Logging));
    m.on_ingest(&s, false, 2, all(DataType::Logging));
    m.on_decision(
        &s,
        true,
        "keep-errors",
        Some(9 * MS),
        all(DataType::Logging),
    );
    m.on_decision(&s, false, "no_match", None, all(DataType::Logging));
    assert_eq!(
        render(m.drain(30 * S, false)),
        [
            "logging_dropped_count=1 @30000000000 \
             {data_type=logging,decision=dropped,group_key=service,pipeline=no_match,stage=decision}",
            "logging_error_count=2 @30000000000 {data_type=logging,group_key=service,stage=ingest}",
            "logging_kept_count=1 @30000000000 \
             {data_type=logging,decision=kept,group_key=service,pipeline=keep-errors,stage=decision}",
            "logging_total_count=3 @30000000000 {data_type=logging,group_key=service,stage=ingest}",
        ]
    );
}

#[test]
fn rum_counts_packets_and_decisions() {
    let mut m = Builtin::new(Duration::from_secs(30));
    let s = sample(DataType::Rum, "rum", "session_id", 31 * S);
    m.on_ingest(&s, true, 10, all(DataType::Rum));
    m.on_decision(&s, false, "early", Some(5 * MS), all(DataType::Rum));
    m.on_decision(&s, true, "sample", None, all(DataType::Rum));
    assert_eq!(
        render(m.drain(60 * S, false)),
        [
            "rum_dropped_count=1 @60000000000 \
             {data_type=rum,decision=dropped,group_key=session_id,pipeline=early,source=rum,stage=decision}",
            "rum_kept_count=1 @60000000000 \
             {data_type=rum,decision=kept,group_key=session_id,pipeline=sample,source=rum,stage=decision}",
            "rum_total_count=1 @60000000000 {data_type=rum,group_key=session_id,source=rum,stage=ingest}",
        ]
    );
}

#[test]
fn trace_duration_histogram_is_cumulative_with_inclusive_bounds() {
    let mut m = Builtin::new(Duration::from_secs(30));
    let enabled = all(DataType::Tracing);
    let durations = [500_000, MS, 10 * MS, 10 * MS + 1, 5000 * MS, 6000 * MS];
    for d in durations {
        m.on_decision(&trace(2 * S), true, "keep-slow", Some(d), enabled);
    }
    // Not observed: no duration, zero, negative.
    m.on_decision(&trace(2 * S), false, "no_match", None, enabled);
    m.on_decision(&trace(2 * S), false, "no_match", Some(0), enabled);
    m.on_decision(&trace(2 * S), false, "no_match", Some(-MS), enabled);
    let sum: f64 = durations.iter().map(|&d| d as f64 / 1e6).sum();
    let bucket = |le: &str, n: u32| {
        format!(
            "trace_duration_bucket={n} @30000000000 \
             {{data_type=tracing,le={le},source=ddtrace,stage=pre_decision}}"
        )
    };
    let mut expected = vec!["trace_dropped_count=3 @30000000000 \
         {data_type=tracing,decision=dropped,pipeline=no_match,source=ddtrace,stage=decision}"
        .to_owned()];
    expected.extend([
        bucket("1", 2),
        bucket("10", 3),
        bucket("20", 4),
        bucket("50", 4),
        bucket("100", 4),
        bucket("200", 4),
        bucket("500", 4),
        bucket("1000", 4),
        bucket("2000", 4),
        bucket("5000", 5),
        bucket("+Inf", 6),
        "trace_duration_count=6 @30000000000 {data_type=tracing,source=ddtrace,stage=pre_decision}"
            .to_owned(),
        format!(
            "trace_duration_sum={sum} @30000000000 \
             {{data_type=tracing,source=ddtrace,stage=pre_decision}}"
        ),
        "trace_kept_count=6 @30000000000 \
         {data_type=tracing,decision=kept,pipeline=keep-slow,source=ddtrace,stage=decision}"
            .to_owned(),
    ]);
    assert_eq!(render(m.drain(30 * S, false)), expected);
    assert_eq!(sum, 11021.500001);
}

#[test]
fn duration_of_non_trace_groups_is_ignored() {
    let mut m = Builtin::new(Duration::from_secs(30));
    let s = sample(DataType::Logging, "", "service", S);
    m.on_decision(&s, true, "p", Some(10 * MS), all(DataType::Logging));
    assert_eq!(
        render(m.drain(30 * S, false)),
        ["logging_kept_count=1 @30000000000 \
          {data_type=logging,decision=kept,group_key=service,pipeline=p,stage=decision}"]
    );
}

#[test]
fn identical_series_are_summed_and_different_tags_are_separate() {
    let mut m = Builtin::new(Duration::from_secs(30));
    let enabled = all(DataType::Tracing);
    m.on_decision(&trace(S), true, "a", None, enabled);
    m.on_decision(&trace(2 * S), true, "a", None, enabled);
    m.on_decision(&trace(3 * S), true, "b", None, enabled);
    let other = sample(DataType::Tracing, "opentelemetry", "", 4 * S);
    m.on_decision(&other, true, "a", None, enabled);
    m.on_ingest(&other, false, 2, enabled);
    m.on_ingest(&trace(5 * S), false, 1, enabled);
    m.on_ingest(&trace(6 * S), false, 1, enabled);
    let kept = "{data_type=tracing,decision=kept,pipeline";
    assert_eq!(
        render(m.drain(30 * S, false)),
        [
            "span_total_count=2 @30000000000 {data_type=tracing,source=ddtrace,stage=ingest}"
                .to_owned(),
            "span_total_count=2 @30000000000 {data_type=tracing,source=opentelemetry,stage=ingest}"
                .to_owned(),
            format!("trace_kept_count=2 @30000000000 {kept}=a,source=ddtrace,stage=decision}}"),
            format!(
                "trace_kept_count=1 @30000000000 {kept}=a,source=opentelemetry,stage=decision}}"
            ),
            format!("trace_kept_count=1 @30000000000 {kept}=b,source=ddtrace,stage=decision}}"),
            "trace_total_count=2 @30000000000 {data_type=tracing,source=ddtrace,stage=ingest}"
                .to_owned(),
            "trace_total_count=1 @30000000000 {data_type=tracing,source=opentelemetry,stage=ingest}"
                .to_owned(),
        ]
    );
}

#[test]
fn disabled_metrics_are_not_recorded() {
    let config = Config::from_json(
        br#"{"version": 1, "trace": {"pipelines": [], "builtin_metrics": [
            {"name": "trace_error_count", "enabled": false},
            {"name": "trace_duration", "enabled": false},
            {"name": "trace_dropped_count", "enabled": false}]}}"#,
    )
    .expect("valid config")
    .config;
    let enabled = config
        .section(DataType::Tracing)
        .expect("trace section")
        .builtin_metrics;
    assert!(!enabled.enabled(BuiltinMetric::TraceErrorCount));
    let mut m = Builtin::new(Duration::from_secs(30));
    m.on_ingest(&trace(S), true, 2, enabled);
    m.on_decision(&trace(S), true, "p", Some(3 * MS), enabled);
    m.on_decision(&trace(S), false, "q", Some(3 * MS), enabled);
    assert_eq!(
        render(m.drain(30 * S, false)),
        [
            "span_total_count=2 @30000000000 {data_type=tracing,source=ddtrace,stage=ingest}",
            "trace_kept_count=1 @30000000000 \
             {data_type=tracing,decision=kept,pipeline=p,source=ddtrace,stage=decision}",
            "trace_total_count=1 @30000000000 {data_type=tracing,source=ddtrace,stage=ingest}",
        ]
    );

    // Nothing enabled for this data type: no window is even opened.
    m.on_ingest(&trace(S), true, 2, all(DataType::Logging));
    m.on_decision(&trace(S), true, "p", Some(MS), all(DataType::Rum));
    assert!(m.is_empty());
    assert_eq!(m.drain(i64::MAX, true), None);
}

#[test]
fn negative_times_align_to_windows_below_zero() {
    let mut m = Builtin::new(Duration::from_secs(10));
    m.on_ingest(&trace(-1), false, 0, all(DataType::Tracing));
    m.on_ingest(&trace(-10 * S), false, 0, all(DataType::Tracing));
    m.on_ingest(&trace(-10 * S - 1), false, 0, all(DataType::Tracing));
    assert_eq!(
        render(m.drain(-10 * S, false)),
        ["trace_total_count=2 @-10000000000 {data_type=tracing,source=ddtrace,stage=ingest}"]
    );
    assert_eq!(
        render(m.drain(0, false)),
        ["trace_total_count=1 @0 {data_type=tracing,source=ddtrace,stage=ingest}"]
    );
    assert!(m.is_empty());
}

#[test]
fn zero_window_means_thirty_seconds() {
    let mut m = Builtin::new(Duration::ZERO);
    m.on_ingest(&trace(S), false, 0, all(DataType::Tracing));
    assert_eq!(
        render(m.drain(30 * S, false)),
        ["trace_total_count=1 @30000000000 {data_type=tracing,source=ddtrace,stage=ingest}"]
    );
}

#[test]
fn unrepresentable_windows_are_rejected_and_counted() {
    let mut m = Builtin::new(Duration::from_secs(30));
    m.on_ingest(&trace(i64::MAX), true, 3, all(DataType::Tracing));
    m.on_decision(
        &trace(i64::MIN),
        true,
        "p",
        Some(MS),
        all(DataType::Tracing),
    );
    assert!(m.is_empty());
    assert_eq!(m.rejected(), 5);
}

#[test]
fn series_are_capped_and_the_cap_frees_on_drain() {
    let mut m = Builtin::new(Duration::from_secs(30));
    let enabled = all(DataType::Rum);
    let sources: Vec<String> = (0..=MAX_SERIES).map(|i| format!("s{i}")).collect();
    for source in &sources {
        m.on_ingest(&sample(DataType::Rum, source, "", S), false, 0, enabled);
    }
    assert_eq!(m.rejected(), 1);
    // Existing series still count; new ones (also in new windows) are refused.
    m.on_ingest(&sample(DataType::Rum, "s0", "", S), false, 0, enabled);
    m.on_ingest(&sample(DataType::Rum, "s0", "", 31 * S), false, 0, enabled);
    m.on_decision(
        &sample(DataType::Rum, "s0", "", S),
        true,
        "p",
        None,
        enabled,
    );
    assert_eq!(m.rejected(), 3);
    let lines = render(m.drain(30 * S, false));
    assert_eq!(lines.len(), MAX_SERIES);
    assert!(lines.contains(
        &"rum_total_count=2 @30000000000 {data_type=rum,source=s0,stage=ingest}".to_owned()
    ));
    assert!(m.is_empty());

    m.on_ingest(&sample(DataType::Rum, "new", "", 31 * S), false, 0, enabled);
    assert_eq!(
        render(m.drain(60 * S, false)),
        ["rum_total_count=1 @60000000000 {data_type=rum,source=new,stage=ingest}"]
    );
    assert_eq!(m.rejected(), 3);
}

#[test]
fn builtin_is_send() {
    fn assert_send<T: Send>() {}
    assert_send::<Builtin>();
}
