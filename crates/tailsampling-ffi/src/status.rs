//! Statuses, their names and HTTP codes, and the library and ABI versions. The statuses are
//! the core's status table (`tailsampling::for_each_status!`): the static C names are
//! generated from it; the `TS_*` constants are written out, because cbindgen copies literal
//! constants only, and a unit test checks them against the table.

use std::ffi::{c_char, CStr};

use tailsampling::Status;

/// The outcome of a call. `TS_OK` and `TS_PENDING` are successes; every other value is a
/// failure, with details in the call's `ts_error` when `err` is not NULL. Values are never
/// renumbered.
pub type ts_status = u32;

// One constant per row of the core's status table, in its order, named `TS_` + the upper-case
// name, each documented with its HTTP status (`the_constants_are_the_status_table` checks).
/// Success (HTTP 200).
pub const TS_OK: ts_status = 0;
/// Accepted into the pending cache: no config yet for the packet's token and data type
/// (HTTP 412, the client falls back to direct writes).
pub const TS_PENDING: ts_status = 1;
/// Not accepted: a memory or pending limit is reached; nothing was stored (HTTP 503).
pub const TS_BUSY: ts_status = 2;
/// A bad argument: NULL pointer, `(NULL, n > 0)`, bad UTF-8, unknown option (HTTP 400).
pub const TS_INVALID_ARGUMENT: ts_status = 3;
/// The packet cannot be decoded (HTTP 400).
pub const TS_DECODE_ERROR: ts_status = 4;
/// The config is invalid (HTTP 400).
pub const TS_CONFIG_ERROR: ts_status = 5;
/// The packet is over `max_packet_bytes` (HTTP 413).
pub const TS_TOO_LARGE: ts_status = 6;
/// Unknown data type or payload compression (HTTP 415).
pub const TS_UNSUPPORTED: ts_status = 7;
/// The packet's own token differs from the authenticated one (HTTP 403).
pub const TS_TOKEN_MISMATCH: ts_status = 8;
/// A panic was caught inside the library; the processor is poisoned (HTTP 500).
pub const TS_PANIC: ts_status = 98;
/// The processor was poisoned by an earlier panic: free it and make a new one (HTTP 500).
pub const TS_POISONED: ts_status = 99;

/// `ts_record_send` result: written upstream.
pub const TS_SEND_SUCCESS: u32 = 0;
/// `ts_record_send` result: the upstream write failed.
pub const TS_SEND_FAILURE: u32 = 1;
/// `ts_record_send` result: dropped without a write.
pub const TS_SEND_DROP: u32 = 2;

/// The ABI version: bumped on any incompatible change of this header. Compare with
/// `ts_abi_version()` at startup to detect a header/library mismatch. Version 2 added
/// `ts_delivery.id` (its first field, so the struct's layout changed) and `ts_ack`.
pub const TS_ABI_VERSION: u32 = 2;
/// The library version's major part (`ts_version()` is `"MAJOR.MINOR.PATCH"`).
pub const TS_VERSION_MAJOR: u32 = 0;
/// The library version's minor part.
pub const TS_VERSION_MINOR: u32 = 1;
/// The library version's patch part.
pub const TS_VERSION_PATCH: u32 = 0;

// cbindgen copies literals only; these make a version bump in Cargo.toml without updating
// the constants (and the header) a build error.
const fn parse_u32(s: &str) -> u32 {
    let b = s.as_bytes();
    let mut n = 0u32;
    let mut i = 0;
    while i < b.len() {
        n = n * 10 + (b[i] - b'0') as u32;
        i += 1;
    }
    n
}
const _: () = {
    assert!(TS_VERSION_MAJOR == parse_u32(env!("CARGO_PKG_VERSION_MAJOR")));
    assert!(TS_VERSION_MINOR == parse_u32(env!("CARGO_PKG_VERSION_MINOR")));
    assert!(TS_VERSION_PATCH == parse_u32(env!("CARGO_PKG_VERSION_PATCH")));
};

/// `VERSION` as a C string.
const VERSION: &CStr = c_str(concat!(env!("CARGO_PKG_VERSION"), "\0"));

/// Generates `status_name` from the rows of `tailsampling::for_each_status!`.
macro_rules! status_names {
    ($($variant:ident = $value:literal, $name:literal, $http:literal, $desc:literal;)*) => {
        /// The C name of a status: `Status::as_str` as a static C string.
        pub(crate) const fn status_name(s: Status) -> &'static CStr {
            match s {
                $(Status::$variant => const { c_str(concat!($name, "\0")) },)*
            }
        }
    };
}
tailsampling::for_each_status!(status_names);

/// `s`, which ends in its only NUL byte, as a C string. Only evaluated at compile time, so
/// that a failure is a build error.
#[allow(clippy::panic)] // Evaluated at compile time: a failure is a build error.
const fn c_str(s: &'static str) -> &'static CStr {
    match CStr::from_bytes_with_nul(s.as_bytes()) {
        Ok(c) => c,
        Err(_) => panic!("a C string constant has a NUL byte before its end"),
    }
}

/// The library version, `"MAJOR.MINOR.PATCH"` (static, NUL-terminated; do not free).
/// Thread-safe.
#[no_mangle]
pub extern "C" fn ts_version() -> *const c_char {
    boundary!(ts_version, on_panic = VERSION.as_ptr(), || VERSION.as_ptr())
}

/// The library's ABI version; equal to `TS_ABI_VERSION` when the header matches the library.
/// Thread-safe.
#[no_mangle]
pub extern "C" fn ts_abi_version() -> u32 {
    boundary!(ts_abi_version, on_panic = TS_ABI_VERSION, || TS_ABI_VERSION)
}

/// The stable lower-case name of `status` (`"ok"`, `"pending"`, `"busy"`,
/// `"invalid_argument"`, …), or `"unknown"` for a value that is not a status.
///
/// Static, NUL-terminated; do not free. Thread-safe.
#[no_mangle]
pub extern "C" fn ts_status_str(status: u32) -> *const c_char {
    boundary!(ts_status_str, on_panic = c"unknown".as_ptr(), || {
        Status::try_from(status)
            .map_or(c"unknown", status_name)
            .as_ptr()
    })
}

/// The HTTP status a Dataway answers with for `status`: 200 (`TS_OK`), 412 (`TS_PENDING`),
/// 503 (`TS_BUSY`), 400, 413, 415, 403, 500 (`TS_PANIC`, `TS_POISONED`); 0 for a value that
/// is not a status. Thread-safe.
#[no_mangle]
pub extern "C" fn ts_status_http(status: u32) -> u32 {
    boundary!(ts_status_http, on_panic = 500, || {
        Status::try_from(status).map_or(0, |s| u32::from(s.http_status()))
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn str_of(p: *const c_char) -> &'static str {
        unsafe { CStr::from_ptr(p) }.to_str().unwrap()
    }

    #[test]
    fn names_are_the_engines() {
        for s in Status::ALL {
            assert_eq!(str_of(ts_status_str(s as u32)), s.as_str());
            assert_eq!(ts_status_http(s as u32), u32::from(s.http_status()));
        }
        assert_eq!(str_of(ts_status_str(9)), "unknown");
        assert_eq!(str_of(ts_status_str(u32::MAX)), "unknown");
        assert_eq!(ts_status_http(100), 0);
    }

    /// cbindgen copies literal constants only, so the `TS_*` statuses are written out above;
    /// here they are read back from this file and checked against the status table: the same
    /// statuses in the same order, named `TS_` + the upper-case name, with the same values,
    /// and a doc comment ending in the same HTTP status.
    #[test]
    fn the_constants_are_the_status_table() {
        let src = include_str!("status.rs");
        let mut doc = String::new();
        let mut consts = Vec::new();
        for line in src.lines() {
            if let Some(d) = line.strip_prefix("///") {
                doc.push_str(d);
                continue;
            }
            if let Some(rest) = line.strip_prefix("pub const TS_") {
                if let Some((name, value)) = rest.split_once(": ts_status = ") {
                    let value: u32 = value.trim_end_matches(';').parse().unwrap();
                    consts.push((name.to_owned(), value, doc.clone()));
                }
            }
            doc.clear();
        }
        assert_eq!(consts.len(), Status::ALL.len(), "{consts:?}");
        for ((name, value, doc), s) in consts.into_iter().zip(Status::ALL) {
            assert_eq!(name, s.as_str().to_ascii_uppercase());
            assert_eq!(value, s as u32, "TS_{name}");
            let http = format!("(HTTP {}", s.http_status());
            assert!(doc.contains(&http), "TS_{name}'s doc lacks {http:?}: {doc}");
        }
    }

    #[test]
    fn versions() {
        assert_eq!(str_of(ts_version()), tailsampling::VERSION);
        assert_eq!(
            tailsampling::VERSION,
            format!("{TS_VERSION_MAJOR}.{TS_VERSION_MINOR}.{TS_VERSION_PATCH}")
        );
        assert_eq!(ts_abi_version(), TS_ABI_VERSION);
    }
}
