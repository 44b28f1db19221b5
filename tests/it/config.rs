//! Config parsing and validation: Datakit's and Guance's forms, defaults, every validation
//! rule with its JSON path.

use std::time::Duration;

use crate::common::REFERENCE_EXAMPLE;
use tailsampling::config::{
    sample_threshold, Action, BuiltinMetric, Config, ConfigError, DataType, Parsed, Rule, Severity,
    MAX_TTL,
};

fn parse(json: &str) -> Parsed {
    Config::from_json(json.as_bytes()).unwrap_or_else(|e| panic!("config rejected: {e:?}"))
}

fn reject(json: &str) -> ConfigError {
    match Config::from_json(json.as_bytes()) {
        Ok(p) => panic!("config accepted: {:?}", p.config),
        Err(e) => e,
    }
}

/// The (path, message fragment) of every error.
fn errors(e: &ConfigError) -> Vec<(String, String)> {
    e.errors()
        .map(|d| (d.path.clone(), d.message.clone()))
        .collect()
}

fn has_error(e: &ConfigError, path: &str, fragment: &str) -> bool {
    e.errors()
        .any(|d| d.path == path && d.message.contains(fragment))
}

fn has_warning(p: &Parsed, path: &str, fragment: &str) -> bool {
    p.warnings
        .iter()
        .any(|d| d.severity == Severity::Warning && d.path == path && d.message.contains(fragment))
}

#[test]
fn reference_example_parses() {
    let p = parse(REFERENCE_EXAMPLE);
    assert!(p.warnings.is_empty(), "{:?}", p.warnings);
    let c = &p.config;
    assert_eq!(c.version, 2);

    let trace = c.section(DataType::Tracing).expect("trace section");
    assert_eq!(trace.data_ttl, Some(Duration::from_secs(300)));
    let pipelines = trace
        .pipelines_for(DataType::Tracing, "")
        .expect("trace pipelines");
    assert_eq!(pipelines.len(), 2);
    assert_eq!(pipelines[0].name, "keep-errors");
    assert!(matches!(
        pipelines[0].rule,
        Rule::Condition {
            action: Action::Keep,
            ..
        }
    ));
    match &pipelines[1].rule {
        Rule::Probabilistic {
            condition,
            rate,
            threshold,
        } => {
            assert!(condition.is_none());
            assert_eq!(*rate, 0.1);
            assert_eq!(*threshold, 1000);
        }
        other => panic!("expected probabilistic, got {other:?}"),
    }
    assert!(pipelines[1].keeps(999));
    assert!(!pipelines[1].keeps(1000));
    assert!(pipelines[1].keeps(20_999));
    for m in BuiltinMetric::ALL
        .into_iter()
        .filter(|m| m.data_type() == DataType::Tracing)
    {
        assert!(trace.builtin_metrics.enabled(m), "{m:?}");
    }

    let logging = c.section(DataType::Logging).expect("logging section");
    assert_eq!(logging.data_ttl, Some(Duration::from_secs(60)));
    assert_eq!(
        logging
            .pipelines_for(DataType::Logging, "service")
            .map(<[_]>::len),
        Some(1)
    );
    assert!(logging.pipelines_for(DataType::Logging, "host").is_none());

    let rum = c.section(DataType::Rum).expect("rum section");
    let rum_p = rum
        .pipelines_for(DataType::Rum, "session_id")
        .expect("rum pipelines");
    assert!(matches!(
        rum_p[0].rule,
        Rule::Probabilistic { threshold: 500, .. }
    ));
}

/// What Datakit marshals from its Go structs: integer-nanosecond TTLs and nulls everywhere.
#[test]
fn datakit_output_parses() {
    let json = r#"{
      "version": 1732170000,
      "trace": {
        "data_ttl": 120000000000,
        "version": 3,
        "group_key": "",
        "pipelines": [
          {"name": "errors", "type": "condition", "condition": "{ status = \"error\" }", "action": "keep", "hash_keys": null},
          {"name": "sample", "type": "probabilistic", "rate": 0.25, "hash_keys": ["trace_id"]}
        ],
        "derived_metrics": null,
        "builtin_metrics": null
      },
      "logging": null,
      "rum": null
    }"#;
    let p = parse(json);
    assert!(p.warnings.is_empty(), "{:?}", p.warnings);
    assert_eq!(p.config.version, 1_732_170_000);
    let trace = p.config.section(DataType::Tracing).expect("trace");
    assert_eq!(trace.data_ttl, Some(Duration::from_secs(120)));
    assert_eq!(
        trace.pipelines_for(DataType::Tracing, "").map(<[_]>::len),
        Some(2)
    );
    assert!(p.config.section(DataType::Logging).is_none());
    assert!(p.config.section(DataType::Rum).is_none());
}

#[test]
fn empty_document_is_a_config_with_no_sections() {
    let p = parse("{}");
    assert_eq!(p.config.version, 0);
    for dt in DataType::ALL {
        assert!(p.config.section(dt).is_none());
    }
}

#[test]
fn data_ttl_forms() {
    let ttl = |v: &str| {
        let p = parse(&format!(r#"{{"trace": {{"data_ttl": {v}}}}}"#));
        p.config.section(DataType::Tracing).expect("trace").data_ttl
    };
    assert_eq!(ttl(r#""5m""#), Some(Duration::from_secs(300)));
    assert_eq!(ttl(r#""1m30s""#), Some(Duration::from_secs(90)));
    assert_eq!(ttl(r#""300ms""#), Some(Duration::from_millis(300)));
    assert_eq!(ttl("60000000000"), Some(Duration::from_secs(60)));
    assert_eq!(ttl(r#""""#), None);
    assert_eq!(ttl("0"), None);
    assert_eq!(ttl("null"), None);
    assert_eq!(ttl(r#""3599s""#), Some(MAX_TTL));
    let trace = parse(r#"{"trace": {}}"#).config;
    assert_eq!(
        trace
            .section(DataType::Tracing)
            .expect("trace")
            .ttl_or(DataType::Tracing.default_ttl()),
        Duration::from_secs(300)
    );
    assert_eq!(DataType::Logging.default_ttl(), Duration::from_secs(60));
    assert_eq!(DataType::Rum.default_ttl(), Duration::from_secs(60));
}

#[test]
fn data_ttl_over_an_hour_is_clamped_with_a_warning() {
    let p = parse(r#"{"logging": {"data_ttl": "2h"}}"#);
    assert_eq!(
        p.config
            .section(DataType::Logging)
            .expect("logging")
            .data_ttl,
        Some(MAX_TTL)
    );
    assert!(has_warning(&p, "logging.data_ttl", "clamped to 3599"));
    let p = parse(r#"{"rum": {"data_ttl": 3600000000000}}"#);
    assert_eq!(
        p.config.section(DataType::Rum).expect("rum").data_ttl,
        Some(MAX_TTL)
    );
}

#[test]
fn bad_data_ttl_is_an_error_naming_the_path() {
    for (v, fragment) in [
        (r#""-1s""#, "negative"),
        (r#""5 minutes""#, "unknown unit"),
        (r#""10""#, "missing unit"),
        ("1.5", "an integer of nanoseconds"),
        ("true", "found a bool"),
        ("[]", "found an array"),
    ] {
        let e = reject(&format!(r#"{{"trace": {{"data_ttl": {v}}}}}"#));
        assert!(
            has_error(&e, "trace.data_ttl", fragment),
            "{v}: {:?}",
            errors(&e)
        );
    }
}

/// The reference accepts a negative or sub-second `data_ttl` and then drops every packet;
/// both modes accept it with a warning; only `compat: "reference"` keeps the reference's TTL
/// (zero: dropped) and truncates fractions; the default uses the default TTL for a negative one
/// and keeps the fraction (the engine rounds it up).
#[test]
fn negative_and_fractional_data_ttl_are_accepted_with_a_warning() {
    use tailsampling::Compat;
    for (v, default, reference) in [
        ("-5", None, Some(Duration::ZERO)),
        (
            "500000000",
            Some(Duration::from_millis(500)),
            Some(Duration::ZERO),
        ),
        (
            "1500000000",
            Some(Duration::from_millis(1500)),
            Some(Duration::from_secs(1)),
        ),
    ] {
        let doc = format!(r#"{{"trace": {{"data_ttl": {v}}}}}"#);
        for (compat, want) in [(Compat::Default, default), (Compat::Reference, reference)] {
            let p = Config::from_json_with(doc.as_bytes(), compat).expect("accepted");
            let ttl = p.config.section(DataType::Tracing).unwrap().data_ttl;
            assert_eq!(ttl, want, "{v} under {compat}");
            let w = p.warnings.iter().find(|d| d.path == "trace.data_ttl");
            let w = w.unwrap_or_else(|| panic!("a warning for {v}"));
            assert!(w.reference.is_some() && w.ours.is_some(), "{w:?}");
        }
    }
}

#[test]
fn trace_group_key_must_be_trace_id() {
    parse(r#"{"trace": {"group_key": "trace_id"}}"#);
    parse(r#"{"trace": {"group_key": ""}}"#);
    let e = reject(r#"{"trace": {"group_key": "span_id"}}"#);
    assert!(
        has_error(&e, "trace.group_key", "grouped by trace_id"),
        "{:?}",
        errors(&e)
    );
    let d = e.errors().next().expect("an error");
    assert!(d.hint.as_deref().is_some_and(|h| h.contains("trace_id")));
}

#[test]
fn pipeline_type_and_action_are_validated() {
    let e = reject(r#"{"trace": {"pipelines": [{"name": "a"}]}}"#);
    assert!(has_error(&e, "trace.pipelines[0].type", "needs a type"));
    let e = reject(r#"{"trace": {"pipelines": [{"name": "a", "type": "tail"}]}}"#);
    assert!(has_error(
        &e,
        "trace.pipelines[0].type",
        "unknown pipeline type \"tail\""
    ));
    let e = reject(
        r#"{"trace": {"pipelines": [{"name": "a", "type": "condition", "condition": "{ a = 1 }"}]}}"#,
    );
    assert!(has_error(
        &e,
        "trace.pipelines[0].action",
        "needs an action"
    ));
    let e = reject(
        r#"{"trace": {"pipelines": [{"name": "a", "type": "condition", "condition": "{ a = 1 }", "action": "sample"}]}}"#,
    );
    assert!(has_error(
        &e,
        "trace.pipelines[0].action",
        "unknown action \"sample\""
    ));
    let p = parse(
        r#"{"trace": {"pipelines": [{"name": "d", "type": "condition", "condition": "{ a = 1 }", "action": "drop"}]}}"#,
    );
    let pl = &p
        .config
        .section(DataType::Tracing)
        .expect("trace")
        .dimensions[0]
        .pipelines[0];
    assert!(matches!(
        pl.rule,
        Rule::Condition {
            action: Action::Drop,
            ..
        }
    ));
    assert!(!pl.keeps(0));
}

#[test]
fn probabilistic_rates() {
    let p = parse(
        r#"{"trace": {"pipelines": [
            {"name": "zero", "type": "probabilistic", "rate": 0},
            {"name": "neg", "type": "probabilistic", "rate": -0.5},
            {"name": "none", "type": "probabilistic"},
            {"name": "all", "type": "probabilistic", "rate": 1}
        ]}}"#,
    );
    let pipelines = &p
        .config
        .section(DataType::Tracing)
        .expect("trace")
        .dimensions[0]
        .pipelines;
    assert_eq!(pipelines.len(), 1, "rate <= 0 pipelines are removed");
    assert_eq!(pipelines[0].name, "all");
    assert!(pipelines[0].keeps(9_999) && pipelines[0].keeps(u64::MAX));
    assert!(has_warning(&p, "trace.pipelines[0].rate", "is removed"));
    assert!(has_warning(&p, "trace.pipelines[1].rate", "is removed"));
    assert!(has_warning(&p, "trace.pipelines[2].rate", "is removed"));

    let e = reject(
        r#"{"trace": {"pipelines": [{"name": "x", "type": "probabilistic", "rate": 1.5}]}}"#,
    );
    assert!(has_error(&e, "trace.pipelines[0].rate", "over 1"));
    let e = reject(
        r#"{"trace": {"pipelines": [{"name": "x", "type": "probabilistic", "rate": "0.1"}]}}"#,
    );
    assert!(has_error(&e, "trace.pipelines[0].rate", "found a string"));
}

#[test]
fn sample_threshold_is_floor_of_rate_times_10000_in_f64() {
    // The same IEEE operations as Go's uint64(math.Floor(rate * float64(10000))).
    assert_eq!(sample_threshold(0.1), 1000);
    assert_eq!(sample_threshold(0.3), 3000);
    assert_eq!(sample_threshold(0.57), 5699); // 0.57 * 10000 = 5699.999999999999
    assert_eq!(sample_threshold(0.07), 700); // 700.0000000000001
    assert_eq!(sample_threshold(0.0001), 1);
    assert_eq!(sample_threshold(0.00005), 0);
    assert_eq!(sample_threshold(1.0), 10_000);
}

#[test]
fn derived_metrics_are_rejected_like_the_reference() {
    let e = reject(r#"{"trace": {"derived_metrics": [{"name": "m"}]}}"#);
    assert!(has_error(&e, "trace.derived_metrics", "not supported yet"));
    let e = reject(
        r#"{"logging": {"group_dimensions": [{"group_key": "service", "derived_metrics": [{}]}]}}"#,
    );
    assert!(has_error(
        &e,
        "logging.group_dimensions[0].derived_metrics",
        "not supported yet"
    ));
    parse(r#"{"trace": {"derived_metrics": []}, "logging": {"derived_metrics": null}}"#);
}

#[test]
fn builtin_metrics_selection() {
    let p = parse(
        r#"{"trace": {"builtin_metrics": [
            {"name": "trace_total_count", "enabled": false},
            {"name": "span_total_count", "enabled": true},
            {"name": "logging_total_count", "enabled": false},
            {"name": "no_such_metric"}
        ]}}"#,
    );
    let set = p
        .config
        .section(DataType::Tracing)
        .expect("trace")
        .builtin_metrics;
    assert!(!set.enabled(BuiltinMetric::TraceTotalCount));
    assert!(set.enabled(BuiltinMetric::SpanTotalCount));
    assert!(
        set.enabled(BuiltinMetric::TraceDuration),
        "missing default names stay enabled"
    );
    assert!(
        !set.enabled(BuiltinMetric::LoggingTotalCount),
        "not a trace metric"
    );
    assert!(has_warning(
        &p,
        "trace.builtin_metrics[2].name",
        "unknown built-in metric \"logging_total_count\""
    ));
    assert!(has_warning(
        &p,
        "trace.builtin_metrics[3].name",
        "unknown built-in metric"
    ));

    let p = parse(r#"{"rum": {"builtin_metrics": []}}"#);
    let set = p
        .config
        .section(DataType::Rum)
        .expect("rum")
        .builtin_metrics;
    for m in BuiltinMetric::ALL {
        assert_eq!(set.enabled(m), m.data_type() == DataType::Rum, "{m:?}");
    }
    let e = reject(r#"{"rum": {"builtin_metrics": [{"enabled": true}]}}"#);
    assert!(has_error(
        &e,
        "rum.builtin_metrics[0].name",
        "missing metric name"
    ));
    let e =
        reject(r#"{"rum": {"builtin_metrics": [{"name": "rum_total_count", "enabled": "no"}]}}"#);
    assert!(has_error(
        &e,
        "rum.builtin_metrics[0].enabled",
        "expected a bool"
    ));
}

#[test]
fn group_dimensions() {
    let e = reject(r#"{"logging": {"group_dimensions": [{"pipelines": []}]}}"#);
    assert!(has_error(
        &e,
        "logging.group_dimensions[0].group_key",
        "needs a group_key"
    ));
    let e = reject(r#"{"rum": {"group_dimensions": [{"group_key": ""}]}}"#);
    assert!(has_error(
        &e,
        "rum.group_dimensions[0].group_key",
        "needs a group_key"
    ));
    let p = parse(
        r#"{"logging": {"group_dimensions": [
            {"group_key": "service", "pipelines": [{"name": "a", "type": "probabilistic", "rate": 0.5}]},
            {"group_key": "host", "pipelines": null},
            {"group_key": "service", "pipelines": [{"name": "b", "type": "probabilistic", "rate": 0.1}]}
        ]}}"#,
    );
    assert!(has_warning(
        &p,
        "logging.group_dimensions[2].group_key",
        "duplicate group_key"
    ));
    let logging = p.config.section(DataType::Logging).expect("logging");
    let first = logging
        .pipelines_for(DataType::Logging, "service")
        .expect("service");
    assert_eq!(first[0].name, "a", "the first dimension with the key wins");
    assert_eq!(
        logging
            .pipelines_for(DataType::Logging, "host")
            .map(<[_]>::len),
        Some(0)
    );
    assert!(logging.pipelines_for(DataType::Logging, "").is_none());
}

#[test]
fn condition_errors_carry_the_pipeline_path_and_position() {
    let e = reject(
        r#"{"trace": {"pipelines": [
            {"name": "ok", "type": "condition", "condition": "{ a = 1 }", "action": "keep"},
            {"name": "bad", "type": "condition", "condition": "{ status == \"error\" }", "action": "keep"}
        ]}}"#,
    );
    let d = e.errors().next().expect("an error");
    assert_eq!(d.path, "trace.pipelines[1].condition");
    assert_eq!((d.line, d.column), (Some(1), Some(10)), "position of {d:?}");
    assert!(d.hint.is_some(), "a fix for ==");
    // The hint is printed once, after the message (it was printed twice).
    let shown = d.to_string();
    assert_eq!(shown.matches("(hint:").count(), 1, "{shown}");
    assert!(
        shown.starts_with("error: trace.pipelines[1].condition:1:10: "),
        "{shown}"
    );
}

#[test]
fn empty_conditions() {
    let p = parse(
        r#"{"trace": {"pipelines": [
            {"name": "never", "type": "condition", "condition": "", "action": "keep"},
            {"name": "never2", "type": "condition", "action": "drop"},
            {"name": "all", "type": "probabilistic", "rate": 0.5, "condition": "  "}
        ]}}"#,
    );
    assert!(has_warning(
        &p,
        "trace.pipelines[0].condition",
        "never matches"
    ));
    assert!(has_warning(
        &p,
        "trace.pipelines[1].condition",
        "never matches"
    ));
    let pipelines = &p
        .config
        .section(DataType::Tracing)
        .expect("trace")
        .dimensions[0]
        .pipelines;
    assert!(pipelines[0].never_matches() && pipelines[1].never_matches());
    assert!(!pipelines[2].never_matches());
    assert!(
        pipelines[2].condition().is_none(),
        "an empty probabilistic condition matches all"
    );
}

#[test]
fn every_error_is_collected_in_document_order() {
    let e = reject(
        r#"{"version": "two",
            "trace": {"group_key": "x", "pipelines": [{"type": "nope"}, {"type": "probabilistic", "rate": 7}]},
            "logging": {"group_dimensions": [{}]}}"#,
    );
    let paths: Vec<String> = errors(&e).into_iter().map(|(p, _)| p).collect();
    assert_eq!(
        paths,
        [
            "version",
            "trace.group_key",
            "trace.pipelines[0].type",
            "trace.pipelines[1].rate",
            "logging.group_dimensions[0].group_key"
        ]
    );
    let shown = e.to_string();
    assert!(
        shown.starts_with("error: version: expected an integer"),
        "{shown}"
    );
    assert!(shown.ends_with("(and 4 more errors)"), "{shown}");
}

#[test]
fn type_errors_name_the_path() {
    let e = reject(r#"{"trace": []}"#);
    assert!(has_error(&e, "trace", "expected an object, found an array"));
    let e = reject(r#"{"trace": {"pipelines": {}}}"#);
    assert!(has_error(&e, "trace.pipelines", "expected an array"));
    let e = reject(
        r#"{"trace": {"pipelines": [{"type": "condition", "action": "keep", "condition": 5}]}}"#,
    );
    assert!(has_error(
        &e,
        "trace.pipelines[0].condition",
        "expected a string"
    ));
    let e = reject(
        r#"{"trace": {"pipelines": [{"type": "probabilistic", "rate": 0.1, "hash_keys": [1]}]}}"#,
    );
    assert!(has_error(
        &e,
        "trace.pipelines[0].hash_keys[0]",
        "expected a string"
    ));
    let e = reject(r#"[1, 2]"#);
    assert!(has_error(&e, "", "expected an object"));
}

#[test]
fn invalid_json_names_line_and_column() {
    let e = reject("{\n  \"version\": 1,\n  \"trace\": {,}\n}");
    let d = e.errors().next().expect("an error");
    assert!(d.message.contains("line 3 column"), "{}", d.message);
}

#[test]
fn unknown_keys_are_warnings() {
    let p = parse(
        r#"{"version": 1, "tarce": {}, "trace": {"pipline": [], "pipelines": [
            {"name": "x", "type": "probabilistic", "rate": 0.2, "action": "keep", "weight": 3}]}}"#,
    );
    assert!(has_warning(&p, "tarce", "unknown key"));
    assert!(has_warning(&p, "trace.pipline", "unknown key"));
    assert!(has_warning(&p, "trace.pipelines[0].weight", "unknown key"));
    assert!(has_warning(
        &p,
        "trace.pipelines[0].action",
        "ignored by probabilistic"
    ));
}

#[test]
fn data_type_names() {
    for dt in DataType::ALL {
        assert_eq!(DataType::from_wire(dt.as_str()), Some(dt));
    }
    assert_eq!(DataType::from_wire("trace"), None);
    assert_eq!(DataType::from_wire("metric"), None);
    assert_eq!(DataType::Tracing.section_key(), "trace");
}

#[test]
fn validation_report_with_lineage() {
    let validate =
        |c: &[u8]| tailsampling::validate_config(c, None).expect("no schema, no schema error");
    let report = validate(
        br#"{"trace": {"pipelines": [
            {"name": "gone", "type": "probabilistic", "rate": 0},
            {"name": "slow", "type": "condition", "condition": "{ parent_id = \"0\" AND duration > 1000 }", "action": "keep"}]},
            "logging": {"group_dimensions": [{"group_key": "service", "pipelines": [
            {"name": "s", "type": "probabilistic", "rate": 0.5, "condition": "{ `http.method` = \"GET\" }"}]}]}}"#,
    );
    assert!(report.ok);
    assert_eq!(report.warnings(), 1);
    // Paths are the pipelines' own places in the document, even after a removal.
    assert_eq!(
        report.referenced_fields["trace.pipelines[1]"],
        ["parent_id", "duration"]
    );
    assert_eq!(
        report.referenced_fields["logging.group_dimensions[0].pipelines[0]"],
        ["http.method"]
    );
    assert!(!report.referenced_fields.contains_key("trace.pipelines[0]"));
    let json = report.to_json();
    assert_eq!(json["ok"], true);
    assert_eq!(json["findings"][0]["path"], "trace.pipelines[0].rate");
    assert_eq!(
        json["referenced_fields"]["trace.pipelines[1]"][1],
        "duration"
    );

    let bad = validate(b"{\"trace\": 3}");
    assert!(!bad.ok);
    assert_eq!(bad.errors(), 1);
    assert_eq!(bad.to_json()["findings"][0]["severity"], "error");
}
