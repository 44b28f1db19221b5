//! `ts_error`: a status code and a NUL-terminated UTF-8 message, handed to C through the
//! optional `ts_error **err` out-parameter of a failing call. Each error is its own heap
//! object (no thread-local "last error": Go moves goroutines between threads). When even the
//! error cannot be allocated, a static error of the same code is handed out instead, which
//! `ts_error_free` recognises and leaves alone.

use std::alloc::{alloc, Layout};
use std::ffi::{c_char, CStr, CString};
use std::ptr::{self, NonNull};

use super::status::ts_status;
use tailsampling::{Error, Status};

/// An error: a `ts_status` code and a NUL-terminated UTF-8 message. Opaque; read it with
/// `ts_error_code` and `ts_error_message`, free it with `ts_error_free`.
pub struct ts_error {
    code: ts_status,
    message: Message,
}

enum Message {
    /// Allocated for this error.
    Owned(CString),
    /// The static fallback errors' message: the error lives in a `static`.
    Static(&'static CStr),
}

const FALLBACK_MESSAGE: &CStr = c"out of memory while reporting this error";

impl ts_error {
    const fn fallback(status: Status) -> ts_error {
        ts_error {
            code: status as ts_status,
            message: Message::Static(FALLBACK_MESSAGE),
        }
    }

    /// A new error for C to own, or the static error of the same code if allocating fails.
    pub(crate) fn from_error(e: &Error) -> *mut ts_error {
        match allocate(e) {
            Some(p) => p.as_ptr(),
            // C never writes through a `ts_error *`, and `ts_error_free` leaves statics alone.
            None => ptr::from_ref(fallback(e.status())).cast_mut(),
        }
    }
}

/// Generates `fallback` from the rows of `tailsampling::for_each_status!`.
macro_rules! fallbacks {
    ($($variant:ident = $value:literal, $name:literal, $http:literal, $desc:literal;)*) => {
        /// The static error of each status.
        fn fallback(status: Status) -> &'static ts_error {
            match status {
                $(Status::$variant => {
                    static E: ts_error = ts_error::fallback(Status::$variant);
                    &E
                })*
            }
        }
    };
}
tailsampling::for_each_status!(fallbacks);

/// Allocates an error without aborting when memory is short. Interior NUL bytes of the
/// message become `?`.
fn allocate(e: &Error) -> Option<NonNull<ts_error>> {
    let msg = e.message().as_bytes();
    let mut v = Vec::new();
    v.try_reserve_exact(msg.len() + 1).ok()?;
    v.extend(msg.iter().map(|&b| if b == 0 { b'?' } else { b }));
    v.push(0);
    let message = Message::Owned(CString::from_vec_with_nul(v).ok()?);
    let layout = Layout::new::<ts_error>();
    // SAFETY: `ts_error` is not zero-sized.
    let p = NonNull::new(unsafe { alloc(layout) }.cast::<ts_error>())?;
    // SAFETY: freshly allocated for a `ts_error`; `ts_error_free` turns it back into a `Box`,
    // which the global allocator and `Layout::new::<ts_error>()` allow.
    unsafe {
        p.as_ptr().write(ts_error {
            code: e.status() as ts_status,
            message,
        })
    };
    Some(p)
}

/// The status code of error `e`.
///
/// `e` is borrowed for the call and may be NULL: the result is then `TS_OK`. Thread-safe: an
/// error is immutable until `ts_error_free`.
#[no_mangle]
pub extern "C" fn ts_error_code(e: Option<&ts_error>) -> ts_status {
    boundary!(ts_error_code, on_panic = Status::Panic as ts_status, || {
        e.map_or(Status::Ok as ts_status, |e| e.code)
    })
}

/// The message of error `e`: NUL-terminated UTF-8 naming the function, argument, option,
/// JSON path or byte offset at fault.
///
/// Borrowed from `e`: valid until `ts_error_free(e)`; do not free it. `e` may be NULL: the
/// result is then the empty string (static). Thread-safe.
#[no_mangle]
pub extern "C" fn ts_error_message(e: Option<&ts_error>) -> *const c_char {
    boundary!(ts_error_message, on_panic = c"".as_ptr(), || match e {
        None => c"".as_ptr(),
        Some(ts_error {
            message: Message::Owned(m),
            ..
        }) => m.as_ptr(),
        Some(ts_error {
            message: Message::Static(m),
            ..
        }) => m.as_ptr(),
    })
}

/// Frees error `e`, received from a failing call's `err` out-parameter (the caller owns it
/// until then; its message dies with it).
///
/// NULL is a no-op. Freeing the same error twice is undefined behaviour (set your pointer to
/// NULL after freeing). Not thread-safe with other uses of the same `e`.
///
/// # Safety
/// `e` is NULL or an error received from this library and not yet freed.
#[no_mangle]
pub unsafe extern "C" fn ts_error_free(e: Option<NonNull<ts_error>>) {
    boundary!(ts_error_free, on_panic = (), || {
        let Some(e) = e else { return };
        // SAFETY: `e` is a live error of this library (caller's promise).
        if let Message::Owned(_) = unsafe { &e.as_ref().message } {
            // SAFETY: owned errors are allocated by `allocate` for exactly this.
            drop(unsafe { Box::from_raw(e.as_ptr()) });
        }
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn message(e: *mut ts_error) -> String {
        let m = ts_error_message(unsafe { e.as_ref() });
        unsafe { CStr::from_ptr(m) }.to_str().unwrap().to_string()
    }

    #[test]
    fn owned_errors() {
        let e = ts_error::from_error(&Error::new(Status::Busy, "nul\0inside"));
        assert_eq!(ts_error_code(unsafe { e.as_ref() }), Status::Busy as u32);
        assert_eq!(message(e), "nul?inside");
        unsafe { ts_error_free(NonNull::new(e)) };
    }

    #[test]
    fn static_fallbacks_have_their_code_and_are_never_freed() {
        for s in Status::ALL {
            let e = ptr::from_ref(fallback(s)).cast_mut();
            assert_eq!(ts_error_code(unsafe { e.as_ref() }), s as u32);
            assert_eq!(message(e), "out of memory while reporting this error");
            unsafe { ts_error_free(NonNull::new(e)) };
            assert_eq!(ts_error_code(unsafe { e.as_ref() }), s as u32);
        }
    }

    #[test]
    fn null_errors() {
        assert_eq!(ts_error_code(None), Status::Ok as u32);
        assert_eq!(message(ptr::null_mut()), "");
        unsafe { ts_error_free(None) };
    }
}
