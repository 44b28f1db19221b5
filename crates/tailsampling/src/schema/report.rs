//! The validation [`Report`] shared by `tailsampling check`, `ts_validate_config`, Go
//! `ValidateConfig` and Python `validate_config` (one implementation, one JSON shape), and
//! the pass that builds it: the config parser's diagnostics, then the rule checks of the
//! pipelines of the parser's outline (one parse of the config), merged in document order.

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use super::lint;
use super::types::{FieldType, Schema};
use crate::config::{Config, Diagnostic, Severity};

/// The outcome of validating a config: every finding and, per pipeline, the fields its
/// condition references (lineage) with their declared types.
#[derive(Clone, Debug, PartialEq)]
pub struct Report {
    /// True when there is no error finding. Without a schema this is exactly "the engine
    /// accepts the config, and warns of no construct that can never work" (a
    /// [`defect`](crate::config::Diagnostic::defect), which the checker reports as an error);
    /// with one, schema errors count too.
    pub ok: bool,
    /// Errors and warnings, in document order (by JSON path, then position in the
    /// condition).
    pub findings: Vec<Diagnostic>,
    /// JSON path of each pipeline the engine would run (`trace.pipelines[0]`) → the fields
    /// its condition references, in order of first use. Pipelines removed (rate <= 0) or of
    /// an unknown type, and conditions that do not compile, have no entry.
    pub referenced_fields: BTreeMap<String, Vec<String>>,
    /// With a schema: for each pipeline of `referenced_fields` whose data type the schema
    /// declares, each referenced field → its declared type (`None`: not declared).
    pub field_types: BTreeMap<String, BTreeMap<String, Option<FieldType>>>,
}

impl Report {
    /// The report as JSON (documented in docs/checking-rules.md, "JSON output"):
    ///
    /// ```text
    /// {"ok": bool, "errors": int, "warnings": int,
    ///  "findings": [{"severity": "error"|"warning", "path": str, "pipeline": str|null,
    ///                "line": int|null, "column": int|null, "message": str, "hint": str|null,
    ///                "reference": str|null, "ours": str|null}],
    ///  "referenced_fields": {"trace.pipelines[0]": ["status"]},
    ///  "field_types": {"trace.pipelines[0]": {"status": "tag"}}}
    /// ```
    pub fn to_json(&self) -> Value {
        let findings: Vec<Value> = self.findings.iter().map(Diagnostic::to_json).collect();
        let field_types: Map<String, Value> = self
            .field_types
            .iter()
            .map(|(path, types)| {
                let types: Map<String, Value> = types
                    .iter()
                    .map(|(field, ty)| (field.clone(), json!(ty.map(FieldType::as_str))))
                    .collect();
                (path.clone(), Value::Object(types))
            })
            .collect();
        json!({
            "ok": self.ok,
            "errors": self.errors(),
            "warnings": self.warnings(),
            "findings": findings,
            "referenced_fields": self.referenced_fields,
            "field_types": field_types,
        })
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

/// Validates `config` (against `schema`, if given).
pub(crate) fn check(config: &[u8], schema: Option<&Schema>) -> Report {
    let (parsed, outline) = Config::parse_with_outline(config);
    let mut findings = match parsed {
        Ok(parsed) => parsed.warnings,
        Err(e) => e.diagnostics,
    };
    // What the engine accepts (as the reference does) but can never work is an error here.
    for d in &mut findings {
        if d.defect {
            d.severity = Severity::Error;
        }
    }
    let mut report = Report {
        ok: false,
        findings,
        referenced_fields: BTreeMap::new(),
        field_types: BTreeMap::new(),
    };
    for dim in &outline.dimensions {
        let table = schema.and_then(|s| s.fields(dim.data_type));
        lint::dimension(dim, table, &mut report);
    }
    if let Some(schema) = schema {
        for dt in crate::wire::DataType::ALL {
            let unchecked = schema.fields(dt).is_none()
                && outline
                    .dimensions
                    .iter()
                    .filter(|d| d.data_type == dt)
                    .flat_map(|d| &d.pipelines)
                    .any(|site| {
                        report
                            .referenced_fields
                            .get(&site.path)
                            .is_some_and(|fields| !fields.is_empty())
                    });
            if unchecked {
                report.findings.push(
                    Diagnostic::warning(
                        dt.section_key(),
                        format!(
                            "the schema declares no {} table: these conditions are not checked against it",
                            dt.as_str()
                        ),
                        )
                    .with_hint(format!("add a {} table to the schema", dt.as_str())),
                );
            }
        }
    }

    for d in &mut report.findings {
        if d.pipeline.is_none() {
            d.pipeline = outline
                .site_of(&d.path)
                .filter(|site| !site.name.is_empty())
                .map(|site| site.name.clone());
        }
    }
    report
        .findings
        .sort_by_key(|d| (outline.rank(&d.path), d.line, d.column));
    report.ok = report.errors() == 0;
    report
}
