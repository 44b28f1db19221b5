//! `ts_validate_config`: the rule-checking report of a config (optionally against a schema),
//! as `tailsampling check --format json` prints it.

use std::ffi::c_char;

use super::args::{bytes, invalid, required};
use super::buf::ts_buf;
use super::error::ts_error;
use super::status::ts_status;
use tailsampling::Status;

/// Checks the sampling config `config_json[0..len]` without a processor, against the
/// declared schema `schema[0..schema_len]` if one is given (JSON
/// `{"tracing": {"status": "tag", "duration": "int"}, ...}` or SQL `CREATE TABLE` DDL; `(NULL, 0)`
/// or an empty schema means none), and reports every problem found with its JSON path, the
/// pipeline, the position in the condition and a fix where one is known — the report of
/// `tailsampling check --format json`:
/// `{"ok": bool, "errors": n, "warnings": n, "findings": [{"severity": "error"|"warning",
/// "path": "trace.pipelines[0].condition", "pipeline": "name"|null, "line": n|null,
/// "column": n|null, "message": "...", "hint": "..."|null}], "referenced_fields": {...},
/// "field_types": {...}}`.
///
/// A config with errors is still a successful check: the call returns `TS_OK` and the report
/// says `"ok": false`. A schema that does not parse is `TS_INVALID_ARGUMENT`, with the line in
/// the error message.
///
/// On success `*report_json` receives the report (NUL-terminated JSON), which the caller owns
/// and frees with `ts_buf_free`; it is overwritten without being freed. `report_json` must
/// not be NULL. Inputs are only borrowed for the call.
///
/// Returns `TS_OK`, `TS_INVALID_ARGUMENT` (NULL `report_json`, `(NULL, n > 0)`, a schema that
/// does not parse), `TS_PANIC`. Thread-safe.
///
/// # Safety
/// `config_json` and `schema` are NULL or valid for reads of their lengths; `report_json` and
/// `err` are NULL or valid for a write.
#[no_mangle]
pub unsafe extern "C" fn ts_validate_config(
    config_json: *const c_char,
    len: usize,
    schema: *const c_char,
    schema_len: usize,
    report_json: Option<&mut ts_buf>,
    err: Option<&mut *mut ts_error>,
) -> ts_status {
    boundary!(ts_validate_config, err, || {
        let slot = required("report_json", report_json)?;
        // SAFETY: the caller's promise.
        let config = unsafe { bytes("config_json", config_json.cast(), len) }?;
        // SAFETY: the caller's promise.
        let schema = unsafe { bytes("schema", schema.cast(), schema_len) }?;
        let schema = (!schema.is_empty()).then_some(schema);
        let report = tailsampling::validate_config(config, schema)
            .map_err(|e| invalid(format!("schema: {e}")))?;
        *slot = ts_buf::from_text(report.to_json().to_string());
        Ok(Status::Ok)
    })
}
