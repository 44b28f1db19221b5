//! The `tailsampling` command line as a library: [`run`] executes one command (`demo`, `check`,
//! `gen`, `replay`, `version`, `help`) on the streams it is given and returns the exit code.
//! The `tailsampling` binary and the Python package's `python -m tailsampling` both call
//! [`main`], so the two behave identically.
//!
//! The crate also holds what only tools need, kept out of the core library (and so out of
//! `libtailsampling.a` and the wheel's engine): [`workload`] (generated multi-tenant traffic),
//! [`pack`] (owned points → `DataPacket`s, as Datakit builds them) and [`capture`] (the capture
//! file format of `gen` and `replay`).
//!
//! Exit codes: 0 clean (warnings allowed unless `--deny-warnings`), 1 the config has errors (or
//! a run broke the conservation identity), 2 usage or I/O error. Failed writes of text output
//! (a closed pipe) are ignored; a failed write of a capture file is an I/O error.

#![warn(missing_docs)]

use std::io::{IsTerminal, Read, Write};

use tailsampling::config::Diagnostic;

pub mod capture;
pub mod pack;
pub mod workload;

mod check;
mod gen;
mod replay;
mod sim;

/// Exit code: success.
const SUCCESS: u8 = 0;
/// Exit code: the config has errors, or a run broke the conservation identity.
const FAILURE: u8 = 1;
/// Exit code: usage or I/O error.
const USAGE_ERROR: u8 = 2;

/// Writes a line of text output to `io.stdout`; a failed write is ignored (see the module doc).
macro_rules! outln {
    ($io:expr, $($arg:tt)*) => {{
        let _ = writeln!($io.stdout, $($arg)*);
    }};
}

/// Writes a line to `io.stderr`; a failed write is ignored.
macro_rules! errln {
    ($io:expr, $($arg:tt)*) => {{
        let _ = writeln!($io.stderr, $($arg)*);
    }};
}

pub(crate) use {errln, outln};

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
  gen [--seed N] [--tenants N] [--traces N] [--log-groups N] [--rum-sessions N]
      [--zstd-share F] [--out FILE]
        write a capture file (format: tailsampling_cli::capture) of generated
        multi-tenant traces, logs and RUM sessions, deterministic from the seed, with
        the share F (0 to 1, default 0.5) of payloads zstd-compressed;
        FILE may be - for standard output (the default when it is not a terminal)
  version
        print the version
";

/// The streams a command reads and writes, and what the process's streams are connected to.
pub struct Io<'a> {
    /// Standard input (`check -`).
    pub stdin: &'a mut dyn Read,
    /// Standard output: reports, and the capture of `gen --out -`.
    pub stdout: &'a mut dyn Write,
    /// Standard error: errors, usage, and the summary of `gen --out -`.
    pub stderr: &'a mut dyn Write,
    /// Standard output is a terminal: `gen` without `--out` refuses to write a binary capture.
    pub stdout_is_terminal: bool,
    /// Draw progress bars for `demo` and `replay` (on the process's standard error).
    pub progress: bool,
}

/// Runs the command in `args` (without the program name) on `io`; returns the exit code.
pub fn run(args: &[String], io: &mut Io<'_>) -> u8 {
    match args.first().map(String::as_str) {
        Some("check") => check::check(&args[1..], io),
        Some("gen") => gen::gen(&args[1..], io),
        Some("demo") => replay::demo(&args[1..], io),
        Some("replay") => replay::replay(&args[1..], io),
        Some("version" | "--version" | "-V") => {
            outln!(io, "tailsampling {}", tailsampling::VERSION);
            SUCCESS
        }
        Some("help" | "--help" | "-h") => {
            let _ = write!(io.stdout, "{USAGE}");
            SUCCESS
        }
        _ => usage_error(io, "missing or unknown command"),
    }
}

/// Runs the command in `args` (without the program name) on the process's standard streams;
/// returns the exit code. Standard output is flushed before returning.
pub fn main(args: &[String]) -> u8 {
    let (stdin, stdout, stderr) = (std::io::stdin(), std::io::stdout(), std::io::stderr());
    let (stdout_is_terminal, progress) = (stdout.is_terminal(), stderr.is_terminal());
    let (mut stdin, mut stdout, mut stderr) = (stdin.lock(), stdout.lock(), stderr.lock());
    let mut io = Io {
        stdin: &mut stdin,
        stdout: &mut stdout,
        stderr: &mut stderr,
        stdout_is_terminal,
        progress,
    };
    let code = run(args, &mut io);
    let _ = io.stdout.flush();
    code
}

/// Prints `msg` and the usage on standard error; returns the usage exit code.
fn usage_error(io: &mut Io<'_>, msg: &str) -> u8 {
    errln!(io, "tailsampling: {msg}\n\n{USAGE}");
    USAGE_ERROR
}

/// Prints one finding of `file` the way `check` does.
/// One finding, compiler style: `error: FILE: PATH[:LINE:COLUMN]: message`, then the
/// pipeline it is in and the hint, each on its own `  = ` line.
fn print_diagnostic(io: &mut Io<'_>, file: &str, d: &Diagnostic) {
    outln!(
        io,
        "{}: {file}: {}: {}",
        d.severity.as_str(),
        d.location(),
        d.message
    );
    if let Some(pipeline) = &d.pipeline {
        outln!(io, "  = pipeline: {pipeline:?}");
    }
    if let Some(hint) = &d.hint {
        outln!(io, "  = hint: {hint}");
    }
}

/// A progress bar of `len` steps, drawn when `io.progress` is set; hidden otherwise.
fn progress(io: &Io<'_>, len: u64) -> indicatif::ProgressBar {
    if io.progress {
        indicatif::ProgressBar::new(len)
    } else {
        indicatif::ProgressBar::hidden()
    }
}
