//! The `tailsampling` command line: `check` a sampling config before deploying it; `gen`erate
//! a capture file of synthetic traffic.
//!
//! Exit codes: 0 clean (warnings allowed unless `--deny-warnings`), 1 the config has errors,
//! 2 usage or I/O error.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use tailsampling::config::{Config, DataType, Diagnostic, Severity};
use tailsampling::wire::{CaptureError, CaptureWriter, PacketRef, COMPRESSION_ZSTD};
use tailsampling::workload::{generate, WorkloadSpec};

const USAGE: &str = "\
usage: tailsampling <command> [args]

commands:
  check CONFIG [--format text|json] [--deny-warnings]
        validate a sampling config (JSON, as posted to /v1/tail_sampling_config);
        CONFIG may be - for standard input
  gen [--seed N] [--tenants N] [--traces N] [--log-groups N] [--rum-sessions N] [--out FILE]
        write a capture file (format: tailsampling::wire::capture) of generated
        multi-tenant traces, logs and RUM sessions, deterministic from the seed;
        FILE may be - for standard output (the default when it is not a terminal)
  version
        print the version
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("check") => check(&args[1..]),
        Some("gen") => gen(&args[1..]),
        Some("version" | "--version" | "-V") => {
            println!("tailsampling {}", tailsampling::VERSION);
            ExitCode::SUCCESS
        }
        Some("help" | "--help" | "-h") => {
            print!("{USAGE}");
            ExitCode::SUCCESS
        }
        _ => usage_error("missing or unknown command"),
    }
}

fn usage_error(msg: &str) -> ExitCode {
    eprintln!("tailsampling: {msg}\n\n{USAGE}");
    ExitCode::from(2)
}

fn check(args: &[String]) -> ExitCode {
    let mut path = None;
    let mut json = false;
    let mut deny_warnings = false;
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--format" => match it.next().map(String::as_str) {
                Some("text") => json = false,
                Some("json") => json = true,
                _ => return usage_error("--format takes text or json"),
            },
            "--deny-warnings" => deny_warnings = true,
            a if a.starts_with("--") => return usage_error(&format!("unknown option {a}")),
            a if path.is_none() => path = Some(a.to_string()),
            a => return usage_error(&format!("unexpected argument {a}")),
        }
    }
    let Some(path) = path else {
        return usage_error("check needs a CONFIG file");
    };
    let input = if path == "-" {
        let mut buf = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin(), &mut buf).map(|_| buf)
    } else {
        std::fs::read(&path)
    };
    let input = match input {
        Ok(b) => b,
        Err(e) => {
            eprintln!("tailsampling: cannot read {path}: {e}");
            return ExitCode::from(2);
        }
    };
    let diagnostics = match Config::from_json(&input) {
        Ok(parsed) => parsed.warnings,
        Err(e) => e.diagnostics,
    };
    let errors = diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count();
    let warnings = diagnostics.len() - errors;
    if json {
        println!("{}", report_json(&diagnostics, errors == 0));
    } else {
        for d in &diagnostics {
            print_diagnostic(&path, d);
        }
        println!("{path}: {errors} error(s), {warnings} warning(s)");
    }
    if errors > 0 || (deny_warnings && warnings > 0) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

fn print_diagnostic(file: &str, d: &Diagnostic) {
    let path = if d.path.is_empty() {
        "<config>"
    } else {
        &d.path
    };
    println!("{}: {file}: {path}: {}", d.severity.as_str(), d.message);
    if let Some(hint) = &d.hint {
        println!("  = hint: {hint}");
    }
}

fn report_json(diagnostics: &[Diagnostic], ok: bool) -> serde_json::Value {
    let findings: Vec<_> = diagnostics
        .iter()
        .map(|d| {
            serde_json::json!({
                "severity": d.severity.as_str(),
                "path": d.path,
                "message": d.message,
                "hint": d.hint,
            })
        })
        .collect();
    serde_json::json!({ "ok": ok, "findings": findings })
}

fn gen(args: &[String]) -> ExitCode {
    let mut spec = WorkloadSpec::default();
    let mut out: Option<String> = None;
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let arg = arg.as_str();
        if arg == "--out" {
            match it.next() {
                Some(path) => out = Some(path.clone()),
                None => return usage_error("--out takes a FILE"),
            }
            continue;
        }
        let target = match arg {
            "--tenants" => &mut spec.tenants,
            "--traces" => &mut spec.traces,
            "--log-groups" => &mut spec.log_groups,
            "--rum-sessions" => &mut spec.rum_sessions,
            "--seed" => match it.next().map(|v| v.parse()) {
                Some(Ok(seed)) => {
                    spec.seed = seed;
                    continue;
                }
                _ => return usage_error("--seed takes an unsigned integer"),
            },
            a if a.starts_with("--") => return usage_error(&format!("unknown option {a}")),
            a => return usage_error(&format!("unexpected argument {a}")),
        };
        match it.next().map(|v| v.parse()) {
            Some(Ok(n)) => *target = n,
            _ => return usage_error(&format!("{arg} takes a count")),
        }
    }
    let to_stdout = match out.as_deref() {
        Some("-") => true,
        Some(_) => false,
        None if std::io::stdout().is_terminal() => {
            return usage_error("refusing to write a binary capture to a terminal; use --out FILE")
        }
        None => true,
    };
    let path = out.unwrap_or_else(|| "-".to_owned());

    let events = generate(&spec);
    let written = if to_stdout {
        write_capture(std::io::stdout().lock(), &events)
    } else {
        match std::fs::File::create(&path) {
            Ok(file) => write_capture(std::io::BufWriter::new(file), &events),
            Err(e) => {
                eprintln!("tailsampling: cannot create {path}: {e}");
                return ExitCode::from(2);
            }
        }
    };
    let (records, bytes) = match written {
        Ok(n) => n,
        Err(e) => {
            eprintln!("tailsampling: cannot write {path}: {e}");
            return ExitCode::from(2);
        }
    };

    let count = |t: DataType| events.iter().filter(|e| e.data_type == t).count();
    let late = events.iter().filter(|e| e.late).count();
    let zstd = events
        .iter()
        .filter(|e| {
            PacketRef::decode(&e.packet).is_ok_and(|p| p.payload_compression == COMPRESSION_ZSTD)
        })
        .count();
    let summary = format!(
        "wrote {records} records ({bytes} bytes) to {path}: {} tracing, {} logging, {} rum packets, \
         {zstd} zstd, {late} late; seed {}, {} tenants",
        count(DataType::Tracing),
        count(DataType::Logging),
        count(DataType::Rum),
        spec.seed,
        spec.tenants,
    );
    // With the capture on standard output, the summary goes to standard error.
    if to_stdout {
        eprintln!("{summary}");
    } else {
        println!("{summary}");
    }
    ExitCode::SUCCESS
}

/// Writes `events` as a capture file; returns the records and bytes written.
fn write_capture<W: Write>(
    out: W,
    events: &[tailsampling::workload::Event],
) -> Result<(u64, u64), CaptureError> {
    let mut writer = CaptureWriter::new(out)?;
    for event in events {
        writer.write(Some(&event.token), &event.packet)?;
    }
    let (records, bytes) = (writer.records(), writer.bytes());
    writer.finish()?;
    Ok((records, bytes))
}
