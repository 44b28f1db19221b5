//! Statuses and errors of the engine's operations. [`for_each_status!`](crate::for_each_status)
//! is the status table,
//! the one place the statuses are written: [`Status`] and its methods are generated from it.
//! The numeric values are the C ABI's `ts_status` (docs/architecture.md, "The C ABI") and are
//! never renumbered.

use std::fmt;

use crate::wire::{ErrorKind, WireError};

/// The status table: one row per status, `Variant = value, "name", http, "description";`
/// (the [`Status`] variant, its numeric value, which is the C ABI's `ts_status`, its stable
/// lower-case name, the HTTP status a Dataway answers with, and a description).
///
/// `for_each_status!(m)` expands to `m! { rows }`, so that a binding needing one item per
/// status (such as a static C string for each name) generates it from the table; everything
/// that can work at run time uses [`Status::ALL`] and the methods instead. Where a language
/// needs literal constants (the C header, Go), a test of that language checks them against
/// this table.
// rustfmt would re-indent the descriptions' continuation lines.
#[rustfmt::skip]
#[macro_export]
macro_rules! for_each_status {
    ($m:ident) => {
        $m! {
            Ok = 0, "ok", 200,
                "Accepted";
            Pending = 1, "pending", 412,
                "Accepted into the pending cache: no config yet for the packet's token and \
                 data type; the client pushes its config and writes directly meanwhile";
            Busy = 2, "busy", 503,
                "Not accepted: a memory or pending limit is reached and nothing was stored; \
                 the client writes directly";
            InvalidArgument = 3, "invalid_argument", 400,
                "A bad argument: an unknown or invalid option, a value out of range, a \
                 missing, empty, oversized or malformed input, or no token at all";
            DecodeError = 4, "decode_error", 400,
                "The bytes are not a valid DataPacket, PBPoints payload or zstd frame; the \
                 message names the field and byte offset";
            ConfigError = 5, "config_error", 400,
                "The sampling config is invalid and the one in force stays; the message names \
                 the JSON path of the first error";
            TooLarge = 6, "too_large", 413,
                "The packet is over the max_packet_bytes option, or a payload decompresses to \
                 more than allowed";
            Unsupported = 7, "unsupported", 415,
                "The data type is not tracing, logging or rum, or the payload compression is \
                 unknown";
            TokenMismatch = 8, "token_mismatch", 403,
                "The packet's own token differs from the authenticated one";
            Panic = 98, "panic", 500,
                "The engine panicked during the call (a bug); the processor is poisoned";
            Poisoned = 99, "poisoned", 500,
                "The processor was poisoned by an earlier panic; make a new one";
        }
    };
}

/// Defines [`Status`] and its table-driven methods from the rows of [`for_each_status!`].
macro_rules! define_status {
    ($($variant:ident = $value:literal, $name:literal, $http:literal, $desc:literal;)*) => {
        /// The outcome kind of an operation. `Ok` and `Pending` are successes; every other
        /// value is carried by an [`Error`].
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[repr(u32)]
        pub enum Status {
            $(
                #[doc = concat!($desc, " (HTTP ", $http, ").")]
                $variant = $value,
            )*
        }

        impl Status {
            /// Every status, in numeric order.
            pub const ALL: [Status; [$(Status::$variant),*].len()] = [$(Status::$variant),*];

            /// The stable lower-case name (`"ok"`, `"pending"`, `"busy"`, …).
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(Status::$variant => $name,)*
                }
            }

            /// The HTTP status a Dataway answers with.
            pub const fn http_status(self) -> u16 {
                match self {
                    $(Status::$variant => $http,)*
                }
            }

            /// What the status means, ending with its HTTP status: the variant's doc
            /// comment (`"Accepted (HTTP 200)."`).
            pub const fn description(self) -> &'static str {
                match self {
                    $(Status::$variant => concat!($desc, " (HTTP ", $http, ")."),)*
                }
            }
        }
    };
}

for_each_status!(define_status);

impl Status {
    /// True for the successes, `Ok` and `Pending`; every other status is an error's.
    pub const fn is_success(self) -> bool {
        matches!(self, Status::Ok | Status::Pending)
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
