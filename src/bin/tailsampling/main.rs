//! The `tailsampling` command line: a thin wrapper over [`tailsampling::cli`], which holds the
//! commands (`demo`, `check`, `gen`, `replay`) so that the Python package runs the same code.

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    ExitCode::from(tailsampling::cli::main(&args))
}
