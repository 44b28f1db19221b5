//! The `tailsampling` binary: exit codes and output of `check`, `demo` and `replay`; and
//! `tailsampling_cli::run`, which the binary and the Python package share, on given streams.

use std::process::Command;

fn tailsampling(args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_tailsampling"))
        .args(args)
        .output()
        .expect("run tailsampling");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

fn temp_config(name: &str, json: &str) -> std::path::PathBuf {
    let path = std::env::temp_dir().join(format!(
        "tailsampling-cli-{}-{name}.json",
        std::process::id()
    ));
    std::fs::write(&path, json).expect("write temp config");
    path
}

#[test]
fn check_example_config_is_clean() {
    let example = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/config.json");
    let (code, out) = tailsampling(&["check", example]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("0 error(s), 0 warning(s)"), "{out}");
}

#[test]
fn check_reports_errors_with_exit_1_and_json() {
    let path = temp_config(
        "bad",
        r#"{"trace": {"pipelines": [{"name": "x", "type": "sample"}]}}"#,
    );
    let p = path.to_str().expect("utf-8 temp path");
    let (code, out) = tailsampling(&["check", p]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("trace.pipelines[0].type: unknown pipeline type"),
        "{out}"
    );
    assert!(
        out.contains("= hint: use \"condition\" or \"probabilistic\""),
        "{out}"
    );

    let (code, out) = tailsampling(&["check", p, "--format", "json"]);
    assert_eq!(code, 1);
    let report: serde_json::Value = serde_json::from_str(&out).expect("json report");
    assert_eq!(report["ok"], false);
    assert_eq!(report["findings"][0]["path"], "trace.pipelines[0].type");
    assert_eq!(report["findings"][0]["severity"], "error");
    std::fs::remove_file(path).ok();
}

#[test]
fn check_warnings_pass_unless_denied() {
    let path = temp_config(
        "warn",
        r#"{"trace": {"pipelines": [{"name": "z", "type": "probabilistic", "rate": 0}]}}"#,
    );
    let p = path.to_str().expect("utf-8 temp path");
    assert_eq!(tailsampling(&["check", p]).0, 0);
    assert_eq!(tailsampling(&["check", p, "--deny-warnings"]).0, 1);
    std::fs::remove_file(path).ok();
}

#[test]
fn usage_and_io_errors_exit_2() {
    assert_eq!(tailsampling(&[]).0, 2);
    assert_eq!(tailsampling(&["frobnicate"]).0, 2);
    assert_eq!(tailsampling(&["check"]).0, 2);
    assert_eq!(tailsampling(&["check", "/nonexistent/config.json"]).0, 2);
    assert_eq!(tailsampling(&["check", "x.json", "--format", "yaml"]).0, 2);
    assert_eq!(tailsampling(&["--version"]).0, 0);
}

#[test]
fn demo_reports_and_conserves() {
    let (code, out) = tailsampling(&["demo", "--tenants", "2", "--traces", "150", "--seed", "7"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("tenant tkn_tenant_01 (config v2)"), "{out}");
    assert!(out.contains("keep-errors"), "{out}");
    assert!(out.contains("metric points emitted: "), "{out}");
    let last = out.lines().last().unwrap_or_default();
    assert!(
        last.starts_with("conservation: accepted ") && last.ends_with('✓'),
        "{last}"
    );
}

#[test]
fn gen_then_replay() {
    let capture =
        std::env::temp_dir().join(format!("tailsampling-cli-{}.tscap", std::process::id()));
    let cap = capture.to_str().expect("utf-8 temp path");
    let (code, out) = tailsampling(&["gen", "--tenants", "2", "--traces", "80", "--out", cap]);
    assert_eq!(code, 0, "{out}");
    let example = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/config.json");
    let (code, out) = tailsampling(&["replay", "--config", example, "--input", cap]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("tailsampling replay of"), "{out}");
    assert!(
        out.lines().last().unwrap_or_default().ends_with('✓'),
        "{out}"
    );

    let bad = temp_config("replay-bad", r#"{"trace": {"pipelines": [{"type": "x"}]}}"#);
    let (code, out) = tailsampling(&[
        "replay",
        "--config",
        bad.to_str().expect("utf-8"),
        "--input",
        cap,
    ]);
    assert_eq!(
        code, 1,
        "an invalid config is reported, not replayed: {out}"
    );
    assert!(out.contains("trace.pipelines[0].type"), "{out}");
    assert_eq!(tailsampling(&["replay", "--config", example]).0, 2);
    assert_eq!(
        tailsampling(&["replay", "--config", example, "--input", "/nonexistent"]).0,
        2
    );
    std::fs::remove_file(capture).ok();
    std::fs::remove_file(bad).ok();
}

#[test]
fn run_uses_the_given_streams() {
    use tailsampling_cli::{run, Io};
    fn call(args: &[&str], stdin: &[u8], stdout_is_terminal: bool) -> (u8, String, String) {
        let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
        let (mut stdin, mut out, mut err) = (stdin, Vec::new(), Vec::new());
        let code = run(
            &args,
            &mut Io {
                stdin: &mut stdin,
                stdout: &mut out,
                stderr: &mut err,
                stdout_is_terminal,
                progress: false,
            },
        );
        let text = |b: Vec<u8>| String::from_utf8(b).expect("utf-8");
        (code, text(out), text(err))
    }
    let config = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/config.json"
    ))
    .expect("example config");
    let (code, out, err) = call(&["check", "-"], &config, false);
    assert_eq!(
        (code, out.as_str(), err.as_str()),
        (0, "-: 0 error(s), 0 warning(s)\n", "")
    );

    let (code, out, err) = call(&["gen", "--traces", "1"], b"", true);
    assert_eq!(code, 2);
    assert!(out.is_empty());
    assert!(
        err.contains("refusing to write a binary capture to a terminal"),
        "{err}"
    );

    let (code, out, _) = call(&["version"], b"", false);
    assert_eq!(
        (code, out),
        (0, format!("tailsampling {}\n", tailsampling::VERSION))
    );
}
