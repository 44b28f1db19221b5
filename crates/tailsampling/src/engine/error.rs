//! Statuses and errors of the engine's operations. The numeric values are the C ABI's
//! `ts_status` (docs/architecture.md, "The C ABI") and are never renumbered.

use std::fmt;

use crate::wire::{ErrorKind, WireError};

/// The outcome kind of an operation. `Ok` and `Pending` are successes; every other value is
/// carried by an [`Error`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u32)]
pub enum Status {
    /// Accepted (HTTP 200).
    Ok = 0,
    /// Accepted into the pending cache: no config yet for this token and data type (HTTP 412).
    Pending = 1,
    /// Not accepted: a memory or pending limit is reached; the client writes directly (503).
    Busy = 2,
    /// A bad argument: NULL pointer, bad UTF-8, unknown option (400).
    InvalidArgument = 3,
    /// The packet cannot be decoded (400).
    DecodeError = 4,
    /// The config is invalid (400).
    ConfigError = 5,
    /// The packet is over `max_packet_bytes` (413).
    TooLarge = 6,
    /// Unknown data type or payload compression (415).
    Unsupported = 7,
    /// The packet's token differs from the authenticated one (403).
    TokenMismatch = 8,
    /// A panic was caught at the C boundary; the processor is poisoned.
    Panic = 98,
    /// The processor was poisoned by an earlier panic.
    Poisoned = 99,
}

impl Status {
    /// Every status, in numeric order.
    pub const ALL: [Status; 11] = [
        Status::Ok,
        Status::Pending,
        Status::Busy,
        Status::InvalidArgument,
        Status::DecodeError,
        Status::ConfigError,
        Status::TooLarge,
        Status::Unsupported,
        Status::TokenMismatch,
        Status::Panic,
        Status::Poisoned,
    ];

    /// The stable lower-case name (`"ok"`, `"pending"`, `"busy"`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Pending => "pending",
            Status::Busy => "busy",
            Status::InvalidArgument => "invalid_argument",
            Status::DecodeError => "decode_error",
            Status::ConfigError => "config_error",
            Status::TooLarge => "too_large",
            Status::Unsupported => "unsupported",
            Status::TokenMismatch => "token_mismatch",
            Status::Panic => "panic",
            Status::Poisoned => "poisoned",
        }
    }

    /// The HTTP status a Dataway answers with.
    pub fn http_status(self) -> u16 {
        match self {
            Status::Ok => 200,
            Status::Pending => 412,
            Status::Busy => 503,
            Status::InvalidArgument | Status::DecodeError | Status::ConfigError => 400,
            Status::TooLarge => 413,
            Status::Unsupported => 415,
            Status::TokenMismatch => 403,
            Status::Panic | Status::Poisoned => 500,
        }
    }
}

impl TryFrom<u32> for Status {
    type Error = u32;

    /// Checked conversion from a C `ts_status`; unknown values are returned as the error.
    fn try_from(v: u32) -> Result<Self, u32> {
        Status::ALL.into_iter().find(|s| *s as u32 == v).ok_or(v)
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A failed operation: the status kind and a message naming the field, option or byte offset.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    status: Status,
    message: String,
}

impl Error {
    /// An error of kind `status`.
    pub fn new(status: Status, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
        }
    }

    /// The status kind (never `Ok` or `Pending`).
    pub fn status(&self) -> Status {
        self.status
    }

    /// The human-readable message.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.status, self.message)
    }
}

impl std::error::Error for Error {}

impl From<WireError> for Error {
    /// A wire error as the status the engine answers it with: a malformed encoding is
    /// `DecodeError`, an unknown payload compression `Unsupported`, a payload that decompresses
    /// past the limit `TooLarge`; the message is the wire error's (field and byte offset).
    fn from(e: WireError) -> Self {
        let status = match e.kind() {
            ErrorKind::Malformed => Status::DecodeError,
            ErrorKind::UnsupportedCompression => Status::Unsupported,
            ErrorKind::TooLarge => Status::TooLarge,
        };
        Error::new(status, e.to_string())
    }
}
