//! Schemas: JSON and SQL DDL parsing, the SQL type mapping, errors with line and column, and
//! the report's lineage with declared types.

use tailsampling::config::DataType;
use tailsampling::schema::{FieldType, Schema, SchemaError};

fn parse(schema: &str) -> Schema {
    Schema::parse(schema.as_bytes()).unwrap_or_else(|e| panic!("{schema:?}: {e}"))
}

fn error(schema: &[u8]) -> SchemaError {
    match Schema::parse(schema) {
        Ok(s) => panic!("{:?} parsed: {s:?}", String::from_utf8_lossy(schema)),
        Err(e) => e,
    }
}

/// `(schema, line, column, part of the message)`.
fn assert_errors(cases: &[(&str, usize, Option<usize>, &str)]) {
    for &(schema, line, column, message) in cases {
        let e = error(schema.as_bytes());
        assert_eq!((e.line, e.column), (line, column), "{schema:?}: {e}");
        assert!(e.message.contains(message), "{schema:?}: {e}");
    }
}

#[test]
fn json_schema_declares_every_type_and_table_alias() {
    let s = parse(
        r#"{"traces": {"status": "tag", "resource": "string", "duration": "int",
            "span_count": "uint", "error_rate": "float", "trace_keep": "bool", "payload": "bytes"},
            "logs": {"level": "tag"}}"#,
    );
    let expected = [
        ("status", FieldType::Tag),
        ("resource", FieldType::String),
        ("duration", FieldType::Int),
        ("span_count", FieldType::Uint),
        ("error_rate", FieldType::Float),
        ("trace_keep", FieldType::Bool),
        ("payload", FieldType::Bytes),
    ];
    for (name, ty) in expected {
        assert_eq!(s.field(DataType::Tracing, name), Some(ty), "{name}");
        assert_eq!(FieldType::from_name(ty.as_str()), Some(ty));
    }
    assert_eq!(s.fields(DataType::Tracing).map(|f| f.len()), Some(7));
    assert_eq!(s.field(DataType::Logging, "level"), Some(FieldType::Tag));
    assert_eq!(s.field(DataType::Tracing, "level"), None);
    assert!(s.fields(DataType::Rum).is_none());
    // A UTF-8 byte order mark and leading blank lines are fine.
    let s = parse("\u{feff}\n\n{\"rum\": {}}");
    assert_eq!(s.fields(DataType::Rum).map(|f| f.len()), Some(0));
}

#[test]
fn json_schema_errors_name_line_and_column() {
    assert_errors(&[
        (
            "{\n  \"tracing\": {\n    \"duration\": \"integer\"\n  }\n}",
            3,
            Some(25),
            "unknown field type `integer`: use tag, string, int, uint, float, bool or bytes",
        ),
        (
            "{\n  \"tracng\": {}\n}",
            2,
            Some(10),
            "unknown table `tracng`: the tables are tracing (or traces, trace, spans), logging (or logs), rum",
        ),
        (
            r#"{"tracing": {}, "spans": {}}"#,
            1,
            Some(23),
            "table `spans` declares tracing a second time (first as `tracing`)",
        ),
        (
            "{\"tracing\": {\n  \"a\": \"int\",\n  \"a\": \"tag\"}}",
            3,
            Some(13),
            "field `a` is declared twice in `tracing`",
        ),
        (
            r#"{"tracing": []}"#,
            1,
            Some(12),
            "invalid type: sequence, expected an object of fields",
        ),
        (
            r#"{"tracing": {"a": 3}}"#,
            1,
            Some(19),
            "invalid type: integer `3`, expected a field type",
        ),
        ("{\"tracing\": {\"a\": \"int\",}}", 1, Some(25), "trailing comma"),
        ("{} x", 1, Some(4), "trailing characters"),
        (
            "{}",
            1,
            None,
            "the schema declares no table for tracing, logging or rum",
        ),
        ("  \n ", 1, None, "the schema is empty"),
    ]);
    let e = error(b"{\"tracing\":\n{\"a\": \"\xff\"}}");
    assert_eq!(
        (e.line, e.message.as_str()),
        (2, "the schema is not valid UTF-8")
    );
    assert_eq!(
        error(b"").to_string(),
        "line 1: the schema is empty (hint: give a JSON object such as {\"tracing\": {\"status\": \"tag\"}} or CREATE TABLE statements)"
    );
}

#[test]
fn sql_types_map_to_field_types() {
    let s = parse(
        "-- a warehouse dump\n\
         CREATE TABLE IF NOT EXISTS public.spans (\n\
           a VARCHAR(10), b TEXT, c CHAR(2), d UUID, e STRING,\n\
           f INT, g INTEGER, h BIGINT, i SMALLINT, j TINYINT,\n\
           k INT UNSIGNED, l BIGINT UNSIGNED, m UInt64,\n\
           n REAL, o FLOAT, p DOUBLE, q DOUBLE PRECISION, r NUMERIC(10, 2), s DECIMAL,\n\
           t BOOL, u BOOLEAN, v BYTEA, w BLOB, x VARBINARY(16),\n\
           y TAG, z Nullable(UInt32), \"Mixed.Case\" LowCardinality(String),\n\
           ts TIMESTAMP, day DATE, PRIMARY KEY (y)\n\
         );\n\
         CREATE INDEX spans_y ON spans (y);\n\
         CREATE TABLE logs (level TAG, message TEXT);\n\
         CREATE TABLE rum (session_id TAG);",
    );
    let t = |name| s.field(DataType::Tracing, name);
    use FieldType::*;
    for (names, ty) in [
        (&["a", "b", "c", "d", "e", "Mixed.Case"][..], String),
        (&["f", "g", "h", "i", "j"][..], Int),
        (&["k", "l", "m", "z"][..], Uint),
        (&["n", "o", "p", "q", "r", "s"][..], Float),
        (&["t", "u"][..], Bool),
        (&["v", "w", "x"][..], Bytes),
        (&["y"][..], Tag),
    ] {
        for name in names {
            assert_eq!(t(name), Some(ty), "{name}");
        }
    }
    // Dates and times are not keys.
    assert_eq!(t("ts"), None);
    assert_eq!(t("day"), None);
    assert_eq!(s.fields(DataType::Tracing).map(|f| f.len()), Some(27));
    assert_eq!(s.field(DataType::Logging, "message"), Some(String));
    assert_eq!(s.field(DataType::Rum, "session_id"), Some(Tag));
}

#[test]
fn sql_schema_errors_name_line_and_column() {
    assert_errors(&[
        (
            "CREATE TABLE spans (\n  a INT,\n  payload JSONB\n)",
            3,
            Some(3),
            "column `payload` has SQL type `JSONB`, which maps to no field type",
        ),
        (
            "CREATE TABLE spans (a INT);\nCREATE TABLE metrics (a INT)",
            2,
            Some(14),
            "unknown table `metrics`",
        ),
        (
            "CREATE TABLE spans (a INT);\n CREATE TABLE traces (b INT)",
            2,
            Some(15),
            "table `traces` declares tracing a second time (first as `spans`)",
        ),
        (
            "CREATE TABLE spans (a INT, a TEXT)",
            1,
            Some(28),
            "field `a` is declared twice in `spans`",
        ),
        (
            "CREATE TABLE spans (\n  a INT,,\n)",
            2,
            Some(9),
            "invalid SQL: Expected: column name or constraint definition, found: ,",
        ),
        (
            "CREATE TABLE spans (a)",
            1,
            Some(22),
            "invalid SQL: Expected: a data type name",
        ),
        (
            "SELECT 1;",
            1,
            None,
            "the schema declares no table for tracing, logging or rum",
        ),
    ]);
    let e = error(b"CREATE TABLE metrics (a INT)");
    assert_eq!(
        e.hint.as_deref(),
        Some("name the table tracing (or traces, trace, spans), logging (or logs), rum, or remove the statement")
    );
    assert!(error(b"CREATE TABLE spans (a JSON)")
        .hint
        .is_some_and(|h| h.contains("VARCHAR or TAG (string)")));
}

#[test]
fn hostile_schemas_are_errors_not_crashes() {
    let deep_default = format!(
        "CREATE TABLE spans (a INT DEFAULT {}1{})",
        "(".repeat(100_000),
        ")".repeat(100_000)
    );
    assert_eq!(
        error(deep_default.as_bytes()).message,
        "invalid SQL: recursion limit exceeded"
    );
    let deep_type = format!(
        "CREATE TABLE spans (a {}INT{})",
        "Nullable(".repeat(100_000),
        ")".repeat(100_000)
    );
    assert_eq!(
        error(deep_type.as_bytes()).message,
        "invalid SQL: recursion limit exceeded"
    );
    let deep_json = format!("{}{}", "{\"tracing\": ".repeat(1000), "}".repeat(1000));
    assert!(error(deep_json.as_bytes())
        .message
        .contains("expected a field type"));
    let nested_json = format!(
        "{{\"tracing\": {{\"a\": {}{}}}}}",
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    assert!(error(nested_json.as_bytes())
        .message
        .contains("invalid type"));
}

#[test]
fn validate_config_rejects_bad_schemas_and_reports_types() {
    let config = br#"{"trace": {"pipelines": [
        {"name": "keep", "type": "condition", "condition": "{ status = \"error\", retries > 2 }", "action": "keep"},
        {"name": "rest", "type": "probabilistic", "rate": 0.1}]}}"#;
    let e = tailsampling::validate_config(config, Some(b"CREATE TABLE spans (a JSONB)"))
        .expect_err("bad schema");
    assert_eq!((e.line, e.column), (1, Some(21)));
    assert!(tailsampling::validate_config(config, Some(b"")).is_err());

    let report = tailsampling::validate_config(
        config,
        Some(br#"{"tracing": {"status": "tag", "retries": "int"}}"#),
    )
    .expect("schema");
    assert!(report.ok, "{:?}", report.findings);
    assert_eq!(report.findings, []);
    assert_eq!(
        report.referenced_fields["trace.pipelines[0]"],
        ["status", "retries"]
    );
    let types = &report.field_types["trace.pipelines[0]"];
    assert_eq!(types["status"], Some(FieldType::Tag));
    assert_eq!(types["retries"], Some(FieldType::Int));
    assert_eq!(report.field_types["trace.pipelines[1]"].len(), 0);

    let json = report.to_json();
    assert_eq!(json["field_types"]["trace.pipelines[0]"]["retries"], "int");
    assert_eq!(
        json["referenced_fields"]["trace.pipelines[1]"],
        serde_json::json!([])
    );

    // Without a schema: the same lineage, no types.
    let plain = tailsampling::validate_config(config, None).expect("no schema");
    assert_eq!(plain.referenced_fields, report.referenced_fields);
    assert!(plain.field_types.is_empty());

    // An undeclared field has no type.
    let report = tailsampling::validate_config(config, Some(br#"{"tracing": {"status": "tag"}}"#))
        .expect("schema");
    assert!(!report.ok);
    assert_eq!(report.field_types["trace.pipelines[0]"]["retries"], None);
    assert_eq!(
        report.to_json()["field_types"]["trace.pipelines[0]"]["retries"],
        serde_json::Value::Null
    );
}
