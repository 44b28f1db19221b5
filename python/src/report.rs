//! `tailsampling.validate_config` and its `Report` and `Finding`: the same
//! [`tailsampling::validate_config`] the `check` command prints.

use std::collections::BTreeMap;

use pyo3::prelude::*;
use tailsampling::config::Diagnostic;

use crate::convert::{repr, JsonDoc};
use crate::errors::invalid;

/// One problem found in a config.
#[pyclass(frozen, module = "tailsampling", name = "Finding")]
pub struct PyFinding(Diagnostic);

#[pymethods]
impl PyFinding {
    /// ``"error"`` (the config is rejected) or ``"warning"`` (accepted, but probably not
    /// what the author meant).
    #[getter]
    fn severity(&self) -> &'static str {
        self.0.severity.as_str()
    }

    /// The JSON path of the offending value, e.g. ``trace.pipelines[2].condition`` (empty
    /// for the whole document).
    #[getter]
    fn path(&self) -> &str {
        &self.0.path
    }

    /// What is wrong.
    #[getter]
    fn message(&self) -> &str {
        &self.0.message
    }

    /// How to fix it, or None when no fix is known.
    #[getter]
    fn hint(&self) -> Option<&str> {
        self.0.hint.as_deref()
    }

    /// The name of the pipeline the finding is in, or None.
    #[getter]
    fn pipeline(&self) -> Option<&str> {
        self.0.pipeline.as_deref()
    }

    /// The 1-based line of the finding inside the pipeline's condition, or None.
    #[getter]
    fn line(&self) -> Option<usize> {
        self.0.line
    }

    /// The 1-based column of the finding inside the pipeline's condition, or None.
    #[getter]
    fn column(&self) -> Option<usize> {
        self.0.column
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let d = &self.0;
        Ok(format!(
            "Finding(severity={}, path={}, pipeline={}, line={}, column={}, message={}, hint={})",
            repr(py, d.severity.as_str())?,
            repr(py, &d.path)?,
            repr(py, &d.pipeline)?,
            repr(py, d.line)?,
            repr(py, d.column)?,
            repr(py, &d.message)?,
            repr(py, &d.hint)?
        ))
    }

    fn __str__(&self) -> String {
        self.0.to_string()
    }
}

/// The outcome of ``validate_config``: whether the config would be accepted, every finding,
/// and the fields each pipeline's condition references.
#[pyclass(frozen, module = "tailsampling", name = "Report")]
pub struct PyReport {
    /// True when the config would be accepted (no error findings; warnings allowed).
    #[pyo3(get)]
    ok: bool,
    /// Errors and warnings, in document order.
    #[pyo3(get)]
    findings: Vec<Py<PyFinding>>,
    /// The JSON path of each pipeline (``trace.pipelines[0]``) → the fields its condition
    /// references, in order of first reference.
    #[pyo3(get)]
    referenced_fields: BTreeMap<String, Vec<String>>,
    /// With a schema: the JSON path of each pipeline → each referenced field's declared type
    /// (``"tag"``, ``"string"``, ``"int"``, …), or None for a field the schema lacks. Empty
    /// without a schema.
    #[pyo3(get)]
    field_types: BTreeMap<String, BTreeMap<String, Option<&'static str>>>,
    json: String,
}

#[pymethods]
impl PyReport {
    /// The report as the JSON text ``tailsampling check --format json`` prints:
    /// ``{"ok", "errors", "warnings", "findings": [{"severity", "path", "pipeline", "line",
    /// "column", "message", "hint"}], "referenced_fields", "field_types"}``.
    fn to_json(&self) -> &str {
        &self.json
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "Report(ok={}, findings={}, referenced_fields={})",
            repr(py, self.ok)?,
            repr(py, &self.findings)?,
            repr(py, &self.referenced_fields)?
        ))
    }
}

/// Validates a sampling config without installing it (the same code as ``tailsampling
/// check``): ``config`` is the JSON as ``str``, bytes or ``dict``. Never raises for a bad
/// config: the findings say what is wrong, each with its JSON path, pipeline, position in the
/// condition and a hint.
///
/// ``schema`` declares the fields of the data, so that conditions referencing unknown fields
/// or comparing values that can never match under strict typing are found: JSON (``str``,
/// bytes or ``dict``: ``{"tracing": {"status": "tag", "duration": "int"}, "logging": {...},
/// "rum": {...}}``) or SQL ``CREATE TABLE`` statements (``str``). A schema that does not
/// parse raises ``InvalidArgument`` naming its line.
#[pyfunction]
#[pyo3(signature = (config, schema = None))]
pub fn validate_config(
    py: Python<'_>,
    config: &Bound<'_, PyAny>,
    schema: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyReport> {
    let config = JsonDoc::of(config, "config")?;
    let schema = schema.map(|s| JsonDoc::of(s, "schema")).transpose()?;
    let report = py
        .detach(|| {
            tailsampling::validate_config(config.as_bytes(), schema.as_ref().map(JsonDoc::as_bytes))
        })
        .map_err(|e| invalid(format!("schema: {e}")))?;
    let json = report.to_json().to_string();
    let field_types = report
        .field_types
        .into_iter()
        .map(|(path, types)| {
            (
                path,
                types
                    .into_iter()
                    .map(|(f, t)| (f, t.map(|t| t.as_str())))
                    .collect(),
            )
        })
        .collect();
    let findings = report
        .findings
        .into_iter()
        .map(|d| Py::new(py, PyFinding(d)))
        .collect::<PyResult<_>>()?;
    Ok(PyReport {
        ok: report.ok,
        findings,
        referenced_fields: report.referenced_fields,
        field_types,
        json,
    })
}
