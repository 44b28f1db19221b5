//! `tailsampling gen`: writes the capture of `workload::generate` and a one-line summary.

use std::io::Cursor;
use std::process::{Command, Output};

use tailsampling_cli::capture::CaptureReader;
use tailsampling_cli::workload::{generate, WorkloadSpec};

fn tailsampling(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tailsampling"))
        .args(args)
        .output()
        .expect("run tailsampling")
}

fn temp_path(name: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!(
        "tailsampling-gen-{}-{name}.tscap",
        std::process::id()
    ))
}

#[test]
fn gen_writes_the_generated_workload() {
    let path = temp_path("file");
    let p = path.to_str().expect("utf-8 temp path");
    let out = tailsampling(&[
        "gen",
        "--seed",
        "9",
        "--tenants",
        "2",
        "--traces",
        "40",
        "--out",
        p,
    ]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let stdout = String::from_utf8(out.stdout).expect("utf-8");
    let bytes = std::fs::read(&path).expect("capture written");
    std::fs::remove_file(&path).expect("remove temp file");

    let expected = generate(&WorkloadSpec {
        seed: 9,
        tenants: 2,
        traces: 40,
        ..WorkloadSpec::default()
    });
    let records: Vec<_> = CaptureReader::new(Cursor::new(&bytes))
        .expect("magic")
        .collect::<Result<_, _>>()
        .expect("reads");
    assert_eq!(records.len(), expected.len());
    for (r, e) in records.iter().zip(&expected) {
        assert_eq!(r.token.as_deref(), Some(e.token.as_str()));
        assert_eq!(r.packet, e.packet);
    }
    assert_eq!(stdout.lines().count(), 1, "{stdout}");
    assert!(
        stdout.starts_with(&format!(
            "wrote {} records ({} bytes) to {p}: ",
            expected.len(),
            bytes.len()
        )),
        "{stdout}"
    );
    assert!(stdout.contains("seed 9, 2 tenants"), "{stdout}");
}

#[test]
fn gen_to_stdout_puts_the_summary_on_stderr() {
    let out = tailsampling(&[
        "gen",
        "--traces",
        "3",
        "--log-groups",
        "1",
        "--rum-sessions",
        "0",
        "--out",
        "-",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let records = CaptureReader::new(Cursor::new(&out.stdout))
        .expect("magic")
        .count();
    let stderr = String::from_utf8(out.stderr).expect("utf-8");
    assert!(
        stderr.starts_with(&format!(
            "wrote {records} records ({} bytes) to -: ",
            out.stdout.len()
        )),
        "{stderr}"
    );
    assert!(stderr.contains(" 0 rum packets"), "{stderr}");
}

/// `--zstd-share` is the workload's share of zstd payloads (what bench-compare asks for).
#[test]
fn gen_zstd_share_sets_the_share_of_compressed_payloads() {
    for (share, all) in [("0", false), ("1", true)] {
        let out = tailsampling(&[
            "gen",
            "--traces",
            "20",
            "--log-groups",
            "2",
            "--rum-sessions",
            "0",
            "--zstd-share",
            share,
            "--out",
            "-",
        ]);
        assert_eq!(out.status.code(), Some(0), "{out:?}");
        let records = CaptureReader::new(Cursor::new(&out.stdout))
            .expect("magic")
            .count();
        assert!(records > 0);
        let stderr = String::from_utf8(out.stderr).expect("utf-8");
        let zstd = format!(" {} zstd,", if all { records } else { 0 });
        assert!(stderr.contains(&zstd), "--zstd-share {share}: {stderr}");
    }
    let expected = generate(&WorkloadSpec {
        traces: 20,
        zstd_share: 0.3,
        ..WorkloadSpec::default()
    });
    let out = tailsampling(&["gen", "--traces", "20", "--zstd-share", "0.3", "--out", "-"]);
    let records: Vec<_> = CaptureReader::new(Cursor::new(&out.stdout))
        .expect("magic")
        .collect::<Result<_, _>>()
        .expect("reads");
    assert_eq!(records.len(), expected.len());
    assert!(records
        .iter()
        .zip(&expected)
        .all(|(r, e)| r.packet == e.packet));
}

#[test]
fn gen_usage_errors() {
    for args in [
        &["gen", "--traces", "many"][..],
        &["gen", "--seed"],
        &["gen", "--out"],
        &["gen", "--frobnicate", "1"],
        &["gen", "extra"],
        &["gen", "--zstd-share", "1.5"],
        &["gen", "--zstd-share", "half"],
    ] {
        let out = tailsampling(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(out.stdout.is_empty(), "{args:?}");
    }
    let out = tailsampling(&["gen", "--traces", "1", "--out", "/nonexistent-dir/x.tscap"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).expect("utf-8");
    assert!(
        stderr.contains("cannot create /nonexistent-dir/x.tscap"),
        "{stderr}"
    );
}
