//! Schema parsers (JSON and SQL DDL) and the rule checker: `validate_config(config, schema)`
//! never panics; a report that is `ok` is a config the engine accepts (a config the engine
//! refuses is never `ok`); lineage is consistent (every pipeline with field types has the
//! same fields in `referenced_fields`); the report renders as JSON.
//!
//! Input: the config JSON, then a NUL byte and the schema (JSON or SQL); no NUL: no schema.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tailsampling::config::Config;
use tailsampling::validate_config;

fuzz_target!(|data: &[u8]| {
    let (config, schema) = match data.iter().position(|&b| b == 0) {
        Some(at) => (&data[..at], Some(&data[at + 1..])),
        None => (data, None),
    };
    let Ok(report) = validate_config(config, schema) else {
        assert!(schema.is_some(), "a schema error without a schema");
        return;
    };
    let accepted = Config::from_json(config).is_ok();
    assert!(
        !report.ok || accepted,
        "ok, but the engine refuses the config"
    );
    if schema.is_none() {
        assert_eq!(report.ok, accepted);
    }
    for (pipeline, types) in &report.field_types {
        let fields = report
            .referenced_fields
            .get(pipeline)
            .unwrap_or_else(|| panic!("{pipeline}: field types without lineage"));
        let mut declared: Vec<&String> = types.keys().collect();
        let mut referenced: Vec<&String> = fields.iter().collect();
        declared.sort();
        referenced.sort();
        referenced.dedup();
        assert_eq!(declared, referenced, "{pipeline}");
    }
    let _ = report.to_json().to_string();
});
