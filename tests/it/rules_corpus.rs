//! The rule-checking corpus: every `tests/rules/*.json` case is a config (mostly broken) with
//! the exact findings `validate_config` must report, in order.
//!
//! A case is `{"about", "schema", "config" | "config_text", "expect": [finding]}` where
//! `schema` is null, a file of `tests/rules/schemas/` or an inline JSON schema, and each
//! expected finding gives `severity`, `path`, `pipeline`, `line` and `column` exactly (null
//! for none), and fragments of `message` and `hint` (a null hint means no hint).

use std::path::{Path, PathBuf};

use serde_json::Value;
use tailsampling::config::{Diagnostic, Severity};

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("rules")
}

fn cases() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(corpus_dir())
        .expect("tests/rules")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    files
}

fn schema_bytes(case: &Value) -> Option<Vec<u8>> {
    match &case["schema"] {
        Value::Null => None,
        Value::String(file) => {
            Some(std::fs::read(corpus_dir().join("schemas").join(file)).expect("schema file"))
        }
        inline => Some(inline.to_string().into_bytes()),
    }
}

fn config_bytes(case: &Value) -> Vec<u8> {
    match &case["config_text"] {
        Value::String(text) => text.clone().into_bytes(),
        _ => case["config"].to_string().into_bytes(),
    }
}

fn show(findings: &[Diagnostic]) -> String {
    findings
        .iter()
        .map(|d| format!("  {d} [pipeline {:?}]\n", d.pipeline))
        .collect()
}

/// Checks one finding against its expectation; `Err` says what differs.
fn matches(d: &Diagnostic, want: &Value) -> Result<(), String> {
    let severity = match want["severity"].as_str() {
        Some("error") => Severity::Error,
        Some("warning") => Severity::Warning,
        other => return Err(format!("bad expected severity {other:?}")),
    };
    let usize_of = |v: &Value| v.as_u64().map(|n| n as usize);
    let checks = [
        (d.severity == severity, "severity"),
        (Some(d.path.as_str()) == want["path"].as_str(), "path"),
        (
            d.pipeline.as_deref() == want["pipeline"].as_str(),
            "pipeline",
        ),
        (d.line == usize_of(&want["line"]), "line"),
        (d.column == usize_of(&want["column"]), "column"),
        (
            want["message"]
                .as_str()
                .is_some_and(|m| d.message.contains(m)),
            "message",
        ),
        (
            match (&d.hint, want["hint"].as_str()) {
                (None, None) => true,
                (Some(hint), Some(fragment)) => hint.contains(fragment),
                _ => false,
            },
            "hint",
        ),
    ];
    match checks.iter().find(|(ok, _)| !ok) {
        Some((_, what)) => Err(format!("{what} differs: got {d} ({d:?}), want {want}")),
        None => Ok(()),
    }
}

#[test]
fn corpus_findings_are_exact() {
    let files = cases();
    assert!(files.len() >= 45, "the corpus has {} cases", files.len());
    let mut failures = Vec::new();
    let mut broken = 0;
    for file in &files {
        let name = file.file_name().and_then(|n| n.to_str()).unwrap_or("?");
        let case: Value = serde_json::from_slice(&std::fs::read(file).expect("read case"))
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(case["about"].is_string(), "{name}: no about");
        let expect = case["expect"].as_array().expect("expect is a list");
        broken += usize::from(!expect.is_empty());
        let report =
            tailsampling::validate_config(&config_bytes(&case), schema_bytes(&case).as_deref())
                .unwrap_or_else(|e| panic!("{name}: schema error {e}"));
        let has_error = expect.iter().any(|w| w["severity"] == "error");
        if report.ok == has_error {
            failures.push(format!("{name}: ok = {}", report.ok));
        }
        if report.findings.len() != expect.len() {
            failures.push(format!(
                "{name}: {} findings, want {}:\n{}",
                report.findings.len(),
                expect.len(),
                show(&report.findings)
            ));
            continue;
        }
        for (i, (d, want)) in report.findings.iter().zip(expect).enumerate() {
            if let Err(e) = matches(d, want) {
                failures.push(format!("{name}: finding {i}: {e}"));
            }
        }
    }
    assert!(broken >= 30, "only {broken} broken configs");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
