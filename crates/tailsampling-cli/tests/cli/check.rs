//! `tailsampling check --schema`: text and JSON output, exit codes, schema errors.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn tailsampling(args: &[&str], stdin: &[u8]) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_tailsampling"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run tailsampling");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin)
        .expect("write stdin");
    let out = child.wait_with_output().expect("wait");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// A file in the temp directory, removed on drop.
struct Temp(PathBuf);

impl Temp {
    fn new(name: &str, contents: &str) -> Temp {
        let path = std::env::temp_dir().join(format!(
            "tailsampling-rules-cli-{}-{name}",
            std::process::id()
        ));
        std::fs::write(&path, contents).expect("write temp file");
        Temp(path)
    }

    fn path(&self) -> &str {
        self.0.to_str().expect("utf-8 temp path")
    }
}

impl Drop for Temp {
    fn drop(&mut self) {
        std::fs::remove_file(&self.0).ok();
    }
}

const CONFIG: &str = r#"{"version": 1, "trace": {"pipelines": [
  {"name": "keep-304", "type": "condition", "condition": "{ http_status_code = 304 }", "action": "keep"},
  {"name": "keep-eu", "type": "condition", "condition": "{ status = \"error\",\n  tenant_region = \"eu\" }", "action": "keep"},
  {"name": "rest", "type": "probabilistic", "rate": 0.1}]}}"#;

const SCHEMA: &str =
    r#"{"tracing": {"status": "tag", "http_status_code": "tag", "region_tag": "tag"}}"#;

#[test]
fn text_output_is_compiler_style() {
    let config = Temp::new("text.json", CONFIG);
    let schema = Temp::new("text-schema.json", SCHEMA);
    let run = tailsampling(&["check", config.path(), "--schema", schema.path()], b"");
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    let file = config.path();
    let expected = format!(
        "error: {file}: trace.pipelines[0].condition:1:22: `http_status_code = 304` is never true: \
         `http_status_code` is a tag field and `304` is an int literal; under strict typing a tag \
         compares only with a string literal\n\
         \x20 = pipeline: \"keep-304\"\n\
         \x20 = hint: write `http_status_code = \"304\"`\n\
         error: {file}: trace.pipelines[1].condition:2:3: the tracing schema has no field `tenant_region`\n\
         \x20 = pipeline: \"keep-eu\"\n\
         \x20 = hint: did you mean `region_tag`?\n\
         {file}: 2 error(s), 0 warning(s)\n"
    );
    assert_eq!(run.stdout, expected);
    assert_eq!(run.stderr, "");
}

#[test]
fn json_output_has_the_documented_shape() {
    let config = Temp::new("json.json", CONFIG);
    let schema = Temp::new("json-schema.json", SCHEMA);
    let run = tailsampling(
        &[
            "check",
            config.path(),
            "--schema",
            schema.path(),
            "--format",
            "json",
        ],
        b"",
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).expect("json report");
    let keys: Vec<&str> = report
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "ok",
            "errors",
            "warnings",
            "findings",
            "referenced_fields",
            "field_types"
        ]
    );
    assert_eq!(report["ok"], false);
    assert_eq!(report["errors"], 2);
    assert_eq!(report["warnings"], 0);
    let first = &report["findings"][0];
    let keys: Vec<&str> = first
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "severity",
            "path",
            "pipeline",
            "line",
            "column",
            "message",
            "hint",
            "reference",
            "ours"
        ]
    );
    assert_eq!(
        report["findings"][1],
        serde_json::json!({
            "severity": "error",
            "path": "trace.pipelines[1].condition",
            "pipeline": "keep-eu",
            "line": 2,
            "column": 3,
            "message": "the tracing schema has no field `tenant_region`",
            "hint": "did you mean `region_tag`?",
            "reference": null,
            "ours": null,
        })
    );
    assert_eq!(
        report["referenced_fields"],
        serde_json::json!({
            "trace.pipelines[0]": ["http_status_code"],
            "trace.pipelines[1]": ["status", "tenant_region"],
            "trace.pipelines[2]": [],
        })
    );
    assert_eq!(
        report["field_types"],
        serde_json::json!({
            "trace.pipelines[0]": {"http_status_code": "tag"},
            "trace.pipelines[1]": {"status": "tag", "tenant_region": null},
            "trace.pipelines[2]": {},
        })
    );

    // Without a schema, the same shape: no type findings, no field types.
    let run = tailsampling(&["check", config.path(), "--format", "json"], b"");
    assert_eq!(run.code, 0, "{}", run.stdout);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).expect("json report");
    assert_eq!(report["ok"], true);
    assert_eq!(report["findings"], serde_json::json!([]));
    assert_eq!(report["field_types"], serde_json::json!({}));
    assert_eq!(
        report["referenced_fields"]["trace.pipelines[0]"][0],
        "http_status_code"
    );
}

#[test]
fn sql_schema_and_standard_input() {
    let schema = Temp::new(
        "schema.sql",
        "CREATE TABLE spans (\n  status TAG,\n  http_status_code VARCHAR(3),\n  region_tag TEXT\n);",
    );
    let run = tailsampling(
        &["check", "-", "--schema", schema.path()],
        CONFIG.as_bytes(),
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stdout.contains("error: -: trace.pipelines[0].condition:1:22: `http_status_code = 304` is never true: `http_status_code` is a string field"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.ends_with("-: 2 error(s), 0 warning(s)\n"),
        "{}",
        run.stdout
    );

    // The schema from standard input.
    let config = Temp::new("stdin-config.json", CONFIG);
    let run = tailsampling(
        &["check", config.path(), "--schema", "-"],
        SCHEMA.as_bytes(),
    );
    assert_eq!(run.code, 1);
    assert!(run.stdout.contains("2 error(s)"), "{}", run.stdout);
}

#[test]
fn warnings_pass_unless_denied() {
    let config = Temp::new(
        "warn.json",
        r#"{"trace": {"pipelines": [
            {"name": "keep-5xx", "type": "condition", "condition": "{ http_status_code MATCH [\"5..\"] }", "action": "keep"}]}}"#,
    );
    let schema = Temp::new("warn-schema.json", SCHEMA);
    let run = tailsampling(&["check", config.path(), "--schema", schema.path()], b"");
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(
        run.stdout
            .contains("trace.pipelines[0].condition:1:27: regex `5..` is not anchored"),
        "{}",
        run.stdout
    );
    assert!(run
        .stdout
        .contains("  = hint: to match the whole value, anchor it: `^5..$`\n"));
    assert!(run.stdout.contains("0 error(s), 1 warning(s)"));
    let run = tailsampling(
        &[
            "check",
            config.path(),
            "--schema",
            schema.path(),
            "--deny-warnings",
        ],
        b"",
    );
    assert_eq!(run.code, 1);

    let clean = Temp::new(
        "clean.json",
        r#"{"trace": {"pipelines": [{"name": "k", "type": "condition", "condition": "{ status = \"error\" }", "action": "keep"}]}}"#,
    );
    let run = tailsampling(
        &[
            "check",
            clean.path(),
            "--schema",
            schema.path(),
            "--deny-warnings",
        ],
        b"",
    );
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(run.stdout.ends_with("0 error(s), 0 warning(s)\n"));
}

#[test]
fn schema_and_usage_errors_exit_2() {
    let config = Temp::new("usage.json", CONFIG);
    let bad = Temp::new(
        "bad-schema.json",
        "{\n  \"tracing\": {\n    \"duration\": \"integer\"\n  }\n}",
    );
    let run = tailsampling(&["check", config.path(), "--schema", bad.path()], b"");
    assert_eq!(run.code, 2);
    assert_eq!(run.stdout, "");
    assert_eq!(
        run.stderr,
        format!(
            "tailsampling: schema {}:3:25: unknown field type `integer`: use tag, string, int, uint, float, bool or bytes\n",
            bad.path()
        )
    );

    let bad_sql = Temp::new(
        "bad-schema.sql",
        "CREATE TABLE spans (\n  a INT,\n  b JSONB\n);",
    );
    let run = tailsampling(&["check", config.path(), "--schema", bad_sql.path()], b"");
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.starts_with(&format!(
            "tailsampling: schema {}:3:3: column `b` has SQL type `JSONB`",
            bad_sql.path()
        )),
        "{}",
        run.stderr
    );
    assert!(run
        .stderr
        .contains("\n  = hint: use VARCHAR or TAG (string)"));

    let run = tailsampling(
        &[
            "check",
            config.path(),
            "--schema",
            "/nonexistent/schema.json",
        ],
        b"",
    );
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("cannot read /nonexistent/schema.json"));
    assert_eq!(
        tailsampling(&["check", config.path(), "--schema"], b"").code,
        2
    );
    assert_eq!(tailsampling(&["check", "-", "--schema", "-"], b"").code, 2);
    assert_eq!(
        tailsampling(
            &[
                "check",
                config.path(),
                "--schema",
                bad.path(),
                "--format",
                "json"
            ],
            b""
        )
        .code,
        2
    );
}
