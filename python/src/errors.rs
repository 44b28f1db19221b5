//! `tailsampling.Status` and the exception hierarchy rooted at `tailsampling.Error`: one
//! subclass per error status of the engine, each with the class attributes `status` and
//! `http_status`, both taken from [`tailsampling::Status`] so they cannot drift from the core.

use pyo3::create_exception;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;
use pyo3::types::PyType;
use pyo3::PyTypeInfo;
use tailsampling::wire::WireError;

/// The outcome of an operation. ``ingest`` returns ``OK`` (HTTP 200) or ``PENDING`` (HTTP 412:
/// no config yet for this token and data type; push one with ``set_config``). The other
/// members are the ``status`` of the exceptions. The values are the C ABI's ``ts_status``.
#[pyclass(eq, eq_int, frozen, hash, module = "tailsampling", name = "Status")]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PyStatus {
    /// Accepted (HTTP 200).
    #[pyo3(name = "OK")]
    Ok = 0,
    /// Accepted into the pending cache: no config yet for this token and data type (HTTP 412).
    #[pyo3(name = "PENDING")]
    Pending = 1,
    /// Not accepted: a memory or pending limit is reached (HTTP 503).
    #[pyo3(name = "BUSY")]
    Busy = 2,
    /// A bad argument, such as an unknown option (HTTP 400).
    #[pyo3(name = "INVALID_ARGUMENT")]
    InvalidArgument = 3,
    /// The packet cannot be decoded (HTTP 400).
    #[pyo3(name = "DECODE_ERROR")]
    DecodeError = 4,
    /// The config is invalid (HTTP 400).
    #[pyo3(name = "CONFIG_ERROR")]
    ConfigError = 5,
    /// The packet is over ``max_packet_bytes`` (HTTP 413).
    #[pyo3(name = "TOO_LARGE")]
    TooLarge = 6,
    /// Unknown data type or payload compression (HTTP 415).
    #[pyo3(name = "UNSUPPORTED")]
    Unsupported = 7,
    /// The packet's token differs from the authenticated one (HTTP 403).
    #[pyo3(name = "TOKEN_MISMATCH")]
    TokenMismatch = 8,
    /// The engine panicked during a call; the processor is poisoned (HTTP 500).
    #[pyo3(name = "PANIC")]
    Panic = 98,
    /// The processor was poisoned by an earlier panic (HTTP 500).
    #[pyo3(name = "POISONED")]
    Poisoned = 99,
}

impl From<tailsampling::Status> for PyStatus {
    fn from(s: tailsampling::Status) -> Self {
        use tailsampling::Status as S;
        match s {
            S::Ok => PyStatus::Ok,
            S::Pending => PyStatus::Pending,
            S::Busy => PyStatus::Busy,
            S::InvalidArgument => PyStatus::InvalidArgument,
            S::DecodeError => PyStatus::DecodeError,
            S::ConfigError => PyStatus::ConfigError,
            S::TooLarge => PyStatus::TooLarge,
            S::Unsupported => PyStatus::Unsupported,
            S::TokenMismatch => PyStatus::TokenMismatch,
            S::Panic => PyStatus::Panic,
            S::Poisoned => PyStatus::Poisoned,
        }
    }
}

impl From<PyStatus> for tailsampling::Status {
    fn from(s: PyStatus) -> Self {
        use tailsampling::Status as S;
        match s {
            PyStatus::Ok => S::Ok,
            PyStatus::Pending => S::Pending,
            PyStatus::Busy => S::Busy,
            PyStatus::InvalidArgument => S::InvalidArgument,
            PyStatus::DecodeError => S::DecodeError,
            PyStatus::ConfigError => S::ConfigError,
            PyStatus::TooLarge => S::TooLarge,
            PyStatus::Unsupported => S::Unsupported,
            PyStatus::TokenMismatch => S::TokenMismatch,
            PyStatus::Panic => S::Panic,
            PyStatus::Poisoned => S::Poisoned,
        }
    }
}

// `int(Status.X)` is the discriminant above: it must be the core's (the C ABI's) value.
const _: () = {
    use tailsampling::Status as S;
    let pairs = [
        (PyStatus::Ok as u32, S::Ok as u32),
        (PyStatus::Pending as u32, S::Pending as u32),
        (PyStatus::Busy as u32, S::Busy as u32),
        (PyStatus::InvalidArgument as u32, S::InvalidArgument as u32),
        (PyStatus::DecodeError as u32, S::DecodeError as u32),
        (PyStatus::ConfigError as u32, S::ConfigError as u32),
        (PyStatus::TooLarge as u32, S::TooLarge as u32),
        (PyStatus::Unsupported as u32, S::Unsupported as u32),
        (PyStatus::TokenMismatch as u32, S::TokenMismatch as u32),
        (PyStatus::Panic as u32, S::Panic as u32),
        (PyStatus::Poisoned as u32, S::Poisoned as u32),
    ];
    let mut i = 0;
    while i < pairs.len() {
        assert!(
            pairs[i].0 == pairs[i].1,
            "Status values differ from the core"
        );
        i += 1;
    }
};

#[pymethods]
impl PyStatus {
    /// The member name, e.g. ``"PENDING"``.
    #[getter]
    fn name(&self) -> String {
        tailsampling::Status::from(*self)
            .as_str()
            .to_ascii_uppercase()
    }

    /// The numeric value (the C ABI's ``ts_status``).
    #[getter]
    fn value(&self) -> u32 {
        tailsampling::Status::from(*self) as u32
    }

    /// The HTTP status a Dataway answers with: 200, 412, 503, 400, 413, 415, 403 or 500.
    #[getter]
    fn http_status(&self) -> u16 {
        tailsampling::Status::from(*self).http_status()
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
create_exception!(
    tailsampling,
    Busy,
    Error,
    "A memory or pending limit is reached; nothing was stored (HTTP 503: the client\n\
     writes directly)."
);
create_exception!(
    tailsampling,
    InvalidArgument,
    Error,
    "A bad argument: an unknown or invalid option, an empty token, a missing token, a\n\
     value of the right type but out of range, or a call on a closed processor (HTTP 400)."
);
create_exception!(
    tailsampling,
    DecodeError,
    Error,
    "The bytes are not a valid DataPacket, PBPoints payload or zstd frame; the message\n\
     names the field and byte offset (HTTP 400)."
);
create_exception!(
    tailsampling,
    ConfigError,
    Error,
    "The sampling config is invalid; the old config stays in force. The message is the\n\
     first error; ``validate_config`` lists every finding (HTTP 400)."
);
create_exception!(
    tailsampling,
    TooLarge,
    Error,
    "The packet is over ``max_packet_bytes``, or a payload decompresses to more than\n\
     allowed (HTTP 413)."
);
create_exception!(
    tailsampling,
    Unsupported,
    Error,
    "The data type is not tracing, logging or rum, or the payload compression is\n\
     unknown (HTTP 415)."
);
create_exception!(
    tailsampling,
    TokenMismatch,
    Error,
    "The packet's own token differs from the authenticated token passed to ``ingest``\n\
     (HTTP 403)."
);
create_exception!(
    tailsampling,
    Panic,
    Error,
    "The engine panicked during this call (a bug); the processor is poisoned (HTTP 500)."
);
create_exception!(
    tailsampling,
    Poisoned,
    Error,
    "The processor was poisoned by an earlier panic; create a new one (HTTP 500)."
);

/// The exception class of `status` (the base `Error` for `Ok` and `Pending`, which are not errors).
fn exception_type(py: Python<'_>, status: tailsampling::Status) -> Bound<'_, PyType> {
    use tailsampling::Status as S;
    match status {
        S::Ok | S::Pending => Error::type_object(py),
        S::Busy => Busy::type_object(py),
        S::InvalidArgument => InvalidArgument::type_object(py),
        S::DecodeError => DecodeError::type_object(py),
        S::ConfigError => ConfigError::type_object(py),
        S::TooLarge => TooLarge::type_object(py),
        S::Unsupported => Unsupported::type_object(py),
        S::TokenMismatch => TokenMismatch::type_object(py),
        S::Panic => Panic::type_object(py),
        S::Poisoned => Poisoned::type_object(py),
    }
}

/// An engine error as the Python exception of its status.
pub fn to_py_err(e: tailsampling::Error) -> PyErr {
    use tailsampling::Status as S;
    let msg = e.message().to_owned();
    match e.status() {
        S::Ok | S::Pending => Error::new_err(msg),
        S::Busy => Busy::new_err(msg),
        S::InvalidArgument => InvalidArgument::new_err(msg),
        S::DecodeError => DecodeError::new_err(msg),
        S::ConfigError => ConfigError::new_err(msg),
        S::TooLarge => TooLarge::new_err(msg),
        S::Unsupported => Unsupported::new_err(msg),
        S::TokenMismatch => TokenMismatch::new_err(msg),
        S::Panic => Panic::new_err(msg),
        S::Poisoned => Poisoned::new_err(msg),
    }
}

/// A wire error as the exception of the status the engine would answer with.
pub fn wire_err(e: WireError) -> PyErr {
    to_py_err(e.into())
}

/// An `InvalidArgument` error with `message`.
pub fn invalid(message: impl Into<String>) -> PyErr {
    InvalidArgument::new_err(message.into())
}

/// Adds `Status` and the exception classes to the module, giving each exception its
/// `status` and `http_status` class attributes.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add_class::<PyStatus>()?;
    m.add("Error", Error::type_object(py))?;
    for status in tailsampling::Status::ALL {
        if matches!(
            status,
            tailsampling::Status::Ok | tailsampling::Status::Pending
        ) {
            continue;
        }
        let class = exception_type(py, status);
        class.setattr("status", PyStatus::from(status))?;
        class.setattr("http_status", status.http_status())?;
        let name: String = class.getattr("__name__")?.extract()?;
        m.add(name, class)?;
    }
    Ok(())
}
