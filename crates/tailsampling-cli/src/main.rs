//! The `tailsampling` command line: a thin wrapper over the `tailsampling_cli` library, which holds the
//! commands (`demo`, `check`, `gen`, `replay`) so that the Python package runs the same code.

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    ExitCode::from(tailsampling_cli::main(&args))
}
