//! The validation report shared by `tailsampling check`, `ts_validate_config`, Go
//! `ValidateConfig` and Python `validate_config`: one implementation, one JSON shape.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::diag::{Diagnostic, Severity};
use super::types::{Config, DataType, Rule};

/// The outcome of validating a config: every finding and, per pipeline, the fields its
/// condition references (lineage).
#[derive(Clone, Debug, PartialEq)]
pub struct Report {
    /// True when the config would be accepted (no error findings).
    pub ok: bool,
    /// Errors and warnings, in document order.
    pub findings: Vec<Diagnostic>,
    /// JSON path of each pipeline (`trace.pipelines[0]`) → the fields its condition references.
    pub referenced_fields: BTreeMap<String, Vec<String>>,
}

impl Report {
    /// The report as JSON: `{"ok", "findings": [{"severity", "path", "message", "hint"}],
    /// "referenced_fields": {"trace.pipelines[0]": ["status"]}}`.
    pub fn to_json(&self) -> Value {
        let findings: Vec<Value> = self
            .findings
            .iter()
            .map(|d| json!({"severity": d.severity.as_str(), "path": d.path, "message": d.message, "hint": d.hint}))
            .collect();
        json!({"ok": self.ok, "findings": findings, "referenced_fields": self.referenced_fields})
    }

    /// Error findings.
    pub fn errors(&self) -> usize {
        self.findings
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .count()
    }

    /// Warning findings.
    pub fn warnings(&self) -> usize {
        self.findings.len() - self.errors()
    }
}

/// Validates a config document without installing it.
pub fn validate(config_json: &[u8]) -> Report {
    match Config::from_json(config_json) {
        Ok(parsed) => Report {
            ok: true,
            findings: parsed.warnings,
            referenced_fields: lineage(&parsed.config),
        },
        Err(e) => Report {
            ok: false,
            findings: e.diagnostics,
            referenced_fields: BTreeMap::new(),
        },
    }
}

fn lineage(config: &Config) -> BTreeMap<String, Vec<String>> {
    let mut out = BTreeMap::new();
    for dt in DataType::ALL {
        let Some(section) = config.section(dt) else {
            continue;
        };
        for dim in &section.dimensions {
            for p in &dim.pipelines {
                let fields = match &p.rule {
                    Rule::Condition { condition, .. } => condition.referenced_fields(),
                    Rule::Probabilistic { condition, .. } => condition
                        .as_ref()
                        .map(|c| c.referenced_fields())
                        .unwrap_or_default(),
                };
                out.insert(p.path.clone(), fields);
            }
        }
    }
    out
}
