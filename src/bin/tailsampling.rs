//! The `tailsampling` command line: `check` a sampling config before deploying it.
//!
//! Exit codes: 0 clean (warnings allowed unless `--deny-warnings`), 1 the config has errors,
//! 2 usage or I/O error.

use std::process::ExitCode;

use tailsampling::config::{Config, Diagnostic, Severity};

const USAGE: &str = "\
usage: tailsampling <command> [args]

commands:
  check CONFIG [--format text|json] [--deny-warnings]
        validate a sampling config (JSON, as posted to /v1/tail_sampling_config);
        CONFIG may be - for standard input
  version
        print the version
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("check") => check(&args[1..]),
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
