//! The Python extension module `tailsampling._tailsampling` (PyO3, abi3 for Python ≥ 3.9).
//! It binds the Rust API of the `tailsampling` crate directly, not its C ABI (which is the
//! `tailsampling-ffi` crate, not a dependency), so the module carries none of the `ts_*`
//! symbols. It is typed by `python/tailsampling/_tailsampling.pyi`, the package's only stub;
//! the package `tailsampling` (`python/tailsampling/__init__.py`) re-exports its public
//! names.
//!
//! One module per job: [`errors`] (`Status` and the exception hierarchy), [`convert`] (bytes
//! and JSON at the boundary), [`processor`] (`Processor`, `Delivery`), [`report`]
//! (`validate_config`), [`wire`] (`pack`, `decode_points`, `decode_packet`).

use pyo3::prelude::*;

mod convert;
mod errors;
mod processor;
mod report;
mod wire;

/// Runs the ``tailsampling`` command line with ``args`` (without the program name) on the
/// process's standard streams, with the GIL released; returns the exit code. Used by
/// ``python -m tailsampling``.
#[pyfunction]
fn _run_cli(py: Python<'_>, args: Vec<String>) -> u8 {
    py.detach(|| tailsampling_cli::main(&args))
}

#[pymodule]
fn _tailsampling(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", tailsampling::VERSION)?;
    errors::register(m)?;
    m.add_class::<processor::PyProcessor>()?;
    m.add_class::<processor::PyDelivery>()?;
    m.add_class::<report::PyReport>()?;
    m.add_class::<report::PyFinding>()?;
    m.add_function(wrap_pyfunction!(report::validate_config, m)?)?;
    m.add_function(wrap_pyfunction!(wire::pack, m)?)?;
    m.add_function(wrap_pyfunction!(wire::decode_points, m)?)?;
    m.add_function(wrap_pyfunction!(wire::decode_packet, m)?)?;
    m.add_function(wrap_pyfunction!(wire::peek_packet, m)?)?;
    m.add_function(wrap_pyfunction!(_run_cli, m)?)?;
    Ok(())
}
