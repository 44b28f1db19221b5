//! `tailsampling.Status` and the exception hierarchy rooted at `tailsampling.Error`, both built
//! when the module is imported from the core's status table ([`tailsampling::Status::ALL`]),
//! so that neither can drift from the core: a `Status` member per status (its upper-case
//! name), and an `Error` subclass per error status, named after the status (`token_mismatch`
//! → `TokenMismatch`), with the status's description as its docstring and the class
//! attributes `status` and `http_status`. The stub (`tailsampling/_tailsampling.pyi`) has to
//! write them out for the type checkers; a test of the package checks it against them.

use std::ffi::CString;

use pyo3::create_exception;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;
use pyo3::pyclass::CompareOp;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyType};
use pyo3::PyTypeInfo;
use tailsampling::wire::WireError;
use tailsampling::Status;

/// The outcome of an operation. ``ingest`` returns ``OK`` (HTTP 200) or ``PENDING`` (HTTP 412:
/// no config yet for this token and data type; push one with ``set_config``). The other
/// members are the ``status`` of the exceptions. The values are the C ABI's ``ts_status``.
#[pyclass(frozen, module = "tailsampling", name = "Status")]
#[derive(Clone, Copy)]
pub struct PyStatus(pub Status);

#[pymethods]
impl PyStatus {
    /// The member name, e.g. ``"PENDING"``.
    #[getter]
    fn name(&self) -> String {
        self.0.as_str().to_ascii_uppercase()
    }

    /// The numeric value (the C ABI's ``ts_status``).
    #[getter]
    fn value(&self) -> u32 {
        self.0 as u32
    }

    /// The HTTP status a Dataway answers with: 200, 412, 503, 400, 413, 415, 403 or 500.
    #[getter]
    fn http_status(&self) -> u16 {
        self.0.http_status()
    }

    fn __int__(&self) -> u32 {
        self.0 as u32
    }

    fn __repr__(&self) -> String {
        format!("Status.{}", self.name())
    }

    /// Equal to the same member and to its numeric value; not ordered.
    fn __richcmp__(
        &self,
        py: Python<'_>,
        other: &Bound<'_, PyAny>,
        op: CompareOp,
    ) -> PyResult<Py<PyAny>> {
        let other = match other.cast::<PyStatus>() {
            Ok(s) => Some(s.get().0 as u32),
            Err(_) => other.extract::<u32>().ok(),
        };
        let equal = match (other, op) {
            (Some(v), CompareOp::Eq) => v == self.0 as u32,
            (Some(v), CompareOp::Ne) => v != self.0 as u32,
            _ => return Ok(py.NotImplemented()),
        };
        Ok(PyBool::new(py, equal).to_owned().into_any().unbind())
    }

    /// The hash of the numeric value, which the member equals.
    fn __hash__(&self) -> u64 {
        u64::from(self.0 as u32)
    }
}

create_exception!(
    tailsampling,
    Error,
    PyException,
    "Base class of every error raised by tailsampling. Each subclass has the class\n\
     attributes ``status`` (a ``Status``) and ``http_status`` (the HTTP status a Dataway\n\
     answers with); ``str(error)`` names the field, option or byte offset at fault."
);

/// The exception class of each error status, made by [`register`].
static ERROR_TYPES: PyOnceLock<Vec<(Status, Py<PyType>)>> = PyOnceLock::new();

/// The Python name of a status's exception: its name in camel case (`"TokenMismatch"`).
fn exception_name(status: Status) -> String {
    status
        .as_str()
        .split('_')
        .flat_map(|word| {
            let mut chars = word.chars();
            chars
                .next()
                .map(|c| c.to_ascii_uppercase())
                .into_iter()
                .chain(chars)
        })
        .collect()
}

/// Makes the exception class of each error status.
fn make_error_types(py: Python<'_>) -> PyResult<Vec<(Status, Py<PyType>)>> {
    let base = Error::type_object(py);
    let mut out = Vec::new();
    for status in Status::ALL.into_iter().filter(|s| !s.is_success()) {
        let name = CString::new(format!("tailsampling.{}", exception_name(status)))?;
        let doc = CString::new(status.description())?;
        let class = PyErr::new_type(py, &name, Some(&doc), Some(&base), None)?;
        class.bind(py).setattr("status", PyStatus(status))?;
        class
            .bind(py)
            .setattr("http_status", status.http_status())?;
        out.push((status, class));
    }
    Ok(out)
}

/// The exception class of `status` (the base `Error` for `Ok` and `Pending`, which are not
/// errors).
fn exception_type(py: Python<'_>, status: Status) -> PyResult<Bound<'_, PyType>> {
    let types = ERROR_TYPES.get_or_try_init(py, || make_error_types(py))?;
    Ok(types.iter().find(|(s, _)| *s == status).map_or_else(
        || Error::type_object(py),
        |(_, class)| class.bind(py).clone(),
    ))
}

/// An engine error as the Python exception of its status.
pub fn to_py_err(e: tailsampling::Error) -> PyErr {
    Python::attach(|py| match exception_type(py, e.status()) {
        Ok(class) => PyErr::from_type(class, e.message().to_owned()),
        Err(err) => err,
    })
}

/// A wire error as the exception of the status the engine would answer with.
pub fn wire_err(e: WireError) -> PyErr {
    to_py_err(e.into())
}

/// An `InvalidArgument` error with `message`.
pub fn invalid(message: impl Into<String>) -> PyErr {
    to_py_err(tailsampling::Error::new(
        Status::InvalidArgument,
        message.into(),
    ))
}

/// Adds `Status`, with a class attribute per status, and the exception classes to the module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add_class::<PyStatus>()?;
    let status_type = PyStatus::type_object(py);
    for status in Status::ALL {
        status_type.setattr(status.as_str().to_ascii_uppercase(), PyStatus(status))?;
    }
    m.add("Error", Error::type_object(py))?;
    for status in Status::ALL.into_iter().filter(|s| !s.is_success()) {
        m.add(exception_name(status), exception_type(py, status)?)?;
    }
    Ok(())
}
