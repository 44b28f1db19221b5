//! The `tailsampling` command line: run the `demo`, `check` a sampling config before deploying
//! it, `gen`erate a capture file of synthetic traffic, `replay` a capture through the engine.
//!
//! Exit codes: 0 clean (warnings allowed unless `--deny-warnings`), 1 the config has errors,
//! 2 usage or I/O error.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use tailsampling::config::{Config, DataType, Diagnostic};
use tailsampling::wire::{CaptureError, CaptureWriter, PacketRef, COMPRESSION_ZSTD};
use tailsampling::workload::{generate, WorkloadSpec};

mod sim;

/// The config the demo pushes to every tenant (also `examples/config.json`).
const DEMO_CONFIG: &[u8] = include_bytes!("../../../examples/config.json");

const USAGE: &str = "\
usage: tailsampling <command> [args]

commands:
  demo [--seed N] [--tenants N] [--traces N]
        run generated multi-tenant traffic (traces, logs, RUM; errors, slow traces,
        zstd, late data, a 412 before each tenant's config) through the engine on a
        simulated clock at full speed, and print a report
  replay --config CONFIG --input FILE
        run a capture file (see gen) through the engine with CONFIG pushed to every
        token after its first 412, and print the same report
  check CONFIG [--schema FILE] [--format text|json] [--deny-warnings]
        validate a sampling config (JSON, as posted to /v1/tail_sampling_config),
        against a schema of the data if given (JSON or SQL CREATE TABLE statements);
        CONFIG or FILE may be - for standard input
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
        Some("demo") => demo(&args[1..]),
        Some("replay") => replay(&args[1..]),
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
    let mut schema_path = None;
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
            "--schema" => match it.next() {
                Some(file) => schema_path = Some(file.clone()),
                None => return usage_error("--schema takes a FILE"),
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
    if path == "-" && schema_path.as_deref() == Some("-") {
        return usage_error("CONFIG and --schema cannot both be standard input");
    }
    let Some(input) = read_input(&path) else {
        return ExitCode::from(2);
    };
    let schema = match &schema_path {
        Some(file) => match read_input(file) {
            Some(bytes) => Some(bytes),
            None => return ExitCode::from(2),
        },
        None => None,
    };
    let report = match tailsampling::validate_config(&input, schema.as_deref()) {
        Ok(report) => report,
        Err(e) => {
            let file = schema_path.as_deref().unwrap_or_default();
            let column = e.column.map(|c| format!(":{c}")).unwrap_or_default();
            eprintln!(
                "tailsampling: schema {file}:{}{column}: {}",
                e.line, e.message
            );
            if let Some(hint) = &e.hint {
                eprintln!("  = hint: {hint}");
            }
            return ExitCode::from(2);
        }
    };
    if json {
        println!("{}", report.to_json());
    } else {
        for d in &report.findings {
            print_diagnostic(&path, d);
        }
        println!(
            "{path}: {} error(s), {} warning(s)",
            report.errors(),
            report.warnings()
        );
    }
    if !report.ok || (deny_warnings && report.warnings() > 0) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// The bytes of `path` (`-`: standard input); `None` after reporting an I/O error.
fn read_input(path: &str) -> Option<Vec<u8>> {
    let input = if path == "-" {
        let mut buf = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin(), &mut buf).map(|_| buf)
    } else {
        std::fs::read(path)
    };
    match input {
        Ok(bytes) => Some(bytes),
        Err(e) => {
            eprintln!("tailsampling: cannot read {path}: {e}");
            None
        }
    }
}

/// One finding, compiler style: `error: FILE: PATH[:LINE:COLUMN]: message`, then the
/// pipeline it is in and the hint, each on its own `  = ` line.
fn print_diagnostic(file: &str, d: &Diagnostic) {
    println!(
        "{}: {file}: {}: {}",
        d.severity.as_str(),
        d.location(),
        d.message
    );
    if let Some(pipeline) = &d.pipeline {
        println!("  = pipeline: {pipeline:?}");
    }
    if let Some(hint) = &d.hint {
        println!("  = hint: {hint}");
    }
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

/// A progress bar on standard error when it is a terminal; hidden otherwise.
fn progress(len: u64) -> indicatif::ProgressBar {
    if std::io::stderr().is_terminal() {
        indicatif::ProgressBar::new(len)
    } else {
        indicatif::ProgressBar::hidden()
    }
}

/// Prints the report; exit code 1 if the conservation identity does not hold.
fn finish_run(mut sim: sim::Sim, title: &str, first_ns: i64) -> ExitCode {
    let stats = sim.finish();
    let simulated =
        std::time::Duration::from_nanos(u64::try_from(sim.now() - first_ns).unwrap_or(0));
    let report = sim::report(title, &sim.tally, &stats, simulated);
    print!("{report}");
    if report.contains("MISMATCH") {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

fn demo(args: &[String]) -> ExitCode {
    let mut spec = WorkloadSpec {
        tenants: 4,
        traces: 3000,
        log_groups: 60,
        rum_sessions: 120,
        ..WorkloadSpec::default()
    };
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let value = it.next().map(|v| v.parse::<u64>());
        let Some(Ok(n)) = value else {
            return usage_error(&format!("{arg} takes a number"));
        };
        match arg.as_str() {
            "--seed" => spec.seed = n,
            "--tenants" => spec.tenants = n as usize,
            "--traces" => spec.traces = n as usize,
            a => return usage_error(&format!("unknown demo option {a}")),
        }
    }
    let events = generate(&spec);
    let first = events.first().map_or(0, |e| e.at_ns);
    let mut sim = sim::Sim::new(DEMO_CONFIG.to_vec(), first);
    let bar = progress(events.len() as u64);
    for e in &events {
        sim.feed(e.at_ns, Some(&e.token), &e.packet);
        bar.inc(1);
    }
    bar.finish_and_clear();
    let title = format!(
        "tailsampling demo: {} tenants, {} traces, {} log groups, {} RUM sessions (seed {}), config examples/config.json",
        spec.tenants, spec.traces, spec.log_groups, spec.rum_sessions, spec.seed
    );
    finish_run(sim, &title, first)
}

fn replay(args: &[String]) -> ExitCode {
    let (mut config, mut input) = (None, None);
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match (arg.as_str(), it.next()) {
            ("--config", Some(v)) => config = Some(v.clone()),
            ("--input", Some(v)) => input = Some(v.clone()),
            (a, _) => return usage_error(&format!("replay: unexpected {a}")),
        }
    }
    let (Some(config), Some(input)) = (config, input) else {
        return usage_error("replay needs --config CONFIG and --input FILE");
    };
    let cfg = match std::fs::read(&config) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("tailsampling: cannot read {config}: {e}");
            return ExitCode::from(2);
        }
    };
    if let Err(e) = Config::from_json(&cfg) {
        for d in &e.diagnostics {
            print_diagnostic(&config, d);
        }
        return ExitCode::from(1);
    }
    let file = match std::fs::File::open(&input) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("tailsampling: cannot open {input}: {e}");
            return ExitCode::from(2);
        }
    };
    let bar = progress(file.metadata().map_or(0, |m| m.len()));
    let reader = match tailsampling::wire::CaptureReader::new(std::io::BufReader::new(file)) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("tailsampling: {input}: {e}");
            return ExitCode::from(2);
        }
    };
    let mut sim: Option<sim::Sim> = None;
    let mut first = 0;
    for record in reader {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                eprintln!("tailsampling: {input}: {e}");
                return ExitCode::from(2);
            }
        };
        // Captures carry no arrival time: packets arrive at their own latest point time.
        let at = PacketRef::decode(&record.packet)
            .map(|p| p.max_point_time_unix_nano.max(p.trace_end_time_unix_nano))
            .unwrap_or(0);
        let sim = sim.get_or_insert_with(|| {
            first = at;
            sim::Sim::new(cfg.clone(), at)
        });
        sim.feed(at, record.token.as_deref(), &record.packet);
        bar.inc(record.packet.len() as u64 + 8);
    }
    bar.finish_and_clear();
    let Some(sim) = sim else {
        eprintln!("tailsampling: {input}: no records");
        return ExitCode::from(2);
    };
    finish_run(
        sim,
        &format!("tailsampling replay of {input} with {config}"),
        first,
    )
}
