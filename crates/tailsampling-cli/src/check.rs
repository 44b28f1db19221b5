//! `tailsampling check CONFIG [--schema FILE] [--format text|json] [--deny-warnings]`: checks
//! a sampling config with [`validate_config`](tailsampling::validate_config), against a schema if
//! given, and prints its findings like a compiler (or as JSON).

use super::{outln, print_diagnostic, usage_error, Io, FAILURE, SUCCESS, USAGE_ERROR};

/// Runs `check` with `args` (after the command name).
pub(super) fn check(args: &[String], io: &mut Io<'_>) -> u8 {
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
                _ => return usage_error(io, "--format takes text or json"),
            },
            "--schema" => match it.next() {
                Some(file) => schema_path = Some(file.clone()),
                None => return usage_error(io, "--schema takes a FILE"),
            },
            "--deny-warnings" => deny_warnings = true,
            a if a.starts_with("--") => return usage_error(io, &format!("unknown option {a}")),
            a if path.is_none() => path = Some(a.to_string()),
            a => return usage_error(io, &format!("unexpected argument {a}")),
        }
    }
    let Some(path) = path else {
        return usage_error(io, "check needs a CONFIG file");
    };
    if path == "-" && schema_path.as_deref() == Some("-") {
        return usage_error(io, "CONFIG and --schema cannot both be standard input");
    }
    let Some(input) = read_input(io, &path) else {
        return USAGE_ERROR;
    };
    let schema = match &schema_path {
        Some(file) => match read_input(io, file) {
            Some(bytes) => Some(bytes),
            None => return USAGE_ERROR,
        },
        None => None,
    };
    let report = match tailsampling::validate_config(&input, schema.as_deref()) {
        Ok(report) => report,
        Err(e) => {
            let file = schema_path.as_deref().unwrap_or_default();
            let column = e.column.map(|c| format!(":{c}")).unwrap_or_default();
            super::errln!(
                io,
                "tailsampling: schema {file}:{}{column}: {}",
                e.line,
                e.message
            );
            if let Some(hint) = &e.hint {
                super::errln!(io, "  = hint: {hint}");
            }
            return USAGE_ERROR;
        }
    };
    if json {
        outln!(io, "{}", report.to_json());
    } else {
        for d in &report.findings {
            print_diagnostic(io, &path, d);
        }
        outln!(
            io,
            "{path}: {} error(s), {} warning(s)",
            report.errors(),
            report.warnings()
        );
    }
    if !report.ok || (deny_warnings && report.warnings() > 0) {
        FAILURE
    } else {
        SUCCESS
    }
}

/// The bytes of `path` (`-`: standard input); `None` after reporting an I/O error.
fn read_input(io: &mut Io<'_>, path: &str) -> Option<Vec<u8>> {
    let input = if path == "-" {
        let mut buf = Vec::new();
        io.stdin.read_to_end(&mut buf).map(|_| buf)
    } else {
        std::fs::read(path)
    };
    match input {
        Ok(bytes) => Some(bytes),
        Err(e) => {
            super::errln!(io, "tailsampling: cannot read {path}: {e}");
            None
        }
    }
}
