//! The `tailsampling` binary, run as a user runs it (exit codes, output, files), one module per
//! command. These tests live with the binary because only its own package can name it
//! (`CARGO_BIN_EXE_tailsampling`); every other integration test is in `tests/it`.

mod check;
mod gen;
mod run;
