//! Rule checking (docs/architecture.md, "Rule checking"): declared schemas and the checks of a
//! config against them.
//!
//! A [`Schema`] declares, per data type, the fields points carry and their [`FieldType`]: as
//! JSON (`{"tracing": {"status": "tag", "duration": "int"}}`) or as SQL `CREATE TABLE`
//! statements (`sql.rs` has the type mapping). [`validate_config`] parses a config the way
//! the engine does and reports, with the JSON path, pipeline and position in the condition of
//! each problem and a fix where one is known:
//!
//! - everything the config parser reports (syntax errors in conditions, bad values, rate 0
//!   pipelines, empty condition pipelines, TTLs over the maximum, unknown keys);
//! - with a schema: keys the schema lacks (with the closest declared name) and comparisons
//!   strict typing makes never true (`http_status_code = 304` against a tag);
//! - without one too: paren-only blocks, unanchored regexes that look like whole-value
//!   patterns (`anchor.rs`), orderings against nil or booleans, literal-only blocks that are
//!   always false, pipelines unreachable after one that matches everything, duplicate names;
//! - per pipeline, the fields its condition references and their declared types (lineage).
//!
//! Pure: no clock, no locks, no I/O. Every input is user input: nothing here panics.

mod anchor;
mod json;
mod lint;
mod observed;
mod report;
mod sql;
mod suggest;
mod types;

pub use observed::{
    Drift, Observed, PipelineDrift, TypeMismatch, MAX_OBSERVED_KEYS, MAX_OBSERVED_KEY_LEN,
};
pub use report::Report;
pub use types::{FieldType, Schema, SchemaError};

/// Validates a sampling config without installing it, against a schema if one is given.
///
/// `schema` is JSON or SQL DDL (detected from its first non-blank character: `{` is JSON). A
/// schema that does not parse is an `Err` naming its line; `Some(b"")` is such an error (pass
/// `None` for no schema). Problems of the config, however broken, are findings of the
/// [`Report`], never an `Err`.
///
/// ```
/// let report = tailsampling::validate_config(
///     br#"{"trace": {"pipelines": [{"name": "keep-5xx", "type": "condition",
///          "condition": "{ http_status_code = 500 }", "action": "keep"}]}}"#,
///     Some(br#"{"tracing": {"http_status_code": "tag"}}"#),
/// )
/// .unwrap();
/// assert!(!report.ok);
/// assert_eq!(report.findings[0].hint.as_deref(), Some(r#"write `http_status_code = "500"`"#));
/// ```
pub fn validate_config(config: &[u8], schema: Option<&[u8]>) -> Result<Report, SchemaError> {
    let schema = schema.map(Schema::parse).transpose()?;
    Ok(report::check(config, schema.as_ref()))
}
