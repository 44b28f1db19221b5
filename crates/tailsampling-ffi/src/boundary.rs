//! The panic boundary every export runs behind: the core's (`tailsampling::engine::guard`),
//! with the C ABI's wording. A panic never crosses into C: it becomes `TS_PANIC` with the
//! export's name and the panic message, and a processor it happened in is poisoned, so that
//! every later call on it returns `TS_POISONED` instead of touching state the panic may have
//! left half-updated.

use super::error::ts_error;
use super::processor::ts_processor;
use super::status::ts_status;
use tailsampling::engine::guard::{catch, Fault};
use tailsampling::{Error, Processor, Status};

/// Runs the body of export `$name` behind the panic boundary. Three forms:
///
/// - `boundary!(name, err, || body)`: `body` returns `Result<Status, Error>`; the export
///   returns the status, or the error's code after storing a `ts_error` in `err`;
/// - `boundary!(name, err, processor p, |p| body)`: the same on a processor handle, which
///   is checked for NULL and poisoning first and poisoned if `body` panics;
/// - `boundary!(name, on_panic = value, || body)`: `body` returns the export's value
///   directly (exports without a status), `value` is returned if it panics.
macro_rules! boundary {
    ($name:ident, $err:expr, processor $p:expr, |$proc:ident| $body:expr) => {
        $crate::boundary::with_processor(stringify!($name), $p, $err, |$proc| $body)
    };
    ($name:ident, on_panic = $value:expr, || $body:expr) => {
        $crate::boundary::value($value, || $body)
    };
    ($name:ident, $err:expr, || $body:expr) => {
        $crate::boundary::call(stringify!($name), $err, || $body)
    };
}

/// The `boundary!(name, err, || body)` form.
pub(crate) fn call(
    name: &'static str,
    err: Option<&mut *mut ts_error>,
    body: impl FnOnce() -> Result<Status, Error>,
) -> ts_status {
    let result = catch(body).unwrap_or_else(|fault| Err(fault_error(name, fault)));
    match result {
        Ok(status) => status as ts_status,
        Err(e) => {
            let code = e.status() as ts_status;
            if let Some(slot) = err {
                *slot = ts_error::from_error(&e);
            }
            code
        }
    }
}

/// The `boundary!(name, err, processor p, |p| body)` form.
pub(crate) fn with_processor(
    name: &'static str,
    p: Option<&ts_processor>,
    err: Option<&mut *mut ts_error>,
    body: impl FnOnce(&Processor) -> Result<Status, Error>,
) -> ts_status {
    call(name, err, || {
        let p =
            p.ok_or_else(|| Error::new(Status::InvalidArgument, format!("{name}: p is NULL")))?;
        p.inner
            .call(name, body)
            .unwrap_or_else(|fault| Err(fault_error(name, fault)))
    })
}

/// The `boundary!(name, on_panic = value, || body)` form.
pub(crate) fn value<T>(on_panic: T, body: impl FnOnce() -> T) -> T {
    catch(body).unwrap_or(on_panic)
}

/// The error of export `name` for a fault: `TS_PANIC` with the panic message, or
/// `TS_POISONED`.
fn fault_error(name: &'static str, fault: Fault) -> Error {
    let message = match &fault {
        Fault::Panicked(msg) => format!(
            "{name}: panic: {}",
            msg.as_deref().unwrap_or("(no message)")
        ),
        Fault::Poisoned(_) => format!("{name}: the processor was poisoned by an earlier panic"),
    };
    Error::new(fault.status(), message)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::panic)]
mod tests {
    use std::ptr;

    use super::*;
    use crate::{ts_error_code, ts_error_free, ts_error_message};
    use tailsampling::engine::guard::Guarded;

    #[test]
    fn a_panic_becomes_ts_panic_with_the_name() {
        let mut err = ptr::null_mut();
        let st = call("ts_demo", Some(&mut err), || panic!("boom"));
        assert_eq!(st, Status::Panic as u32);
        let msg = unsafe { std::ffi::CStr::from_ptr(ts_error_message(err.as_ref())) };
        assert_eq!(msg.to_str(), Ok("ts_demo: panic: boom"));
        assert_eq!(ts_error_code(unsafe { err.as_ref() }), Status::Panic as u32);
        unsafe { ts_error_free(ptr::NonNull::new(err)) };
    }

    #[test]
    fn a_panic_poisons_the_processor() {
        let p = ts_processor {
            inner: Guarded::new(Processor::new(tailsampling::Options::default())),
        };
        let st = with_processor("ts_demo", Some(&p), None, |_| panic!("boom"));
        assert_eq!(st, Status::Panic as u32);
        let st = with_processor("ts_demo", Some(&p), None, |_| Ok(Status::Ok));
        assert_eq!(st, Status::Poisoned as u32);
        let st = with_processor("ts_demo", None, None, |_| Ok(Status::Ok));
        assert_eq!(st, Status::InvalidArgument as u32);
    }

    #[test]
    fn errors_are_reported_only_through_err() {
        let st = call("ts_demo", None, || Err(Error::new(Status::Busy, "full")));
        assert_eq!(st, Status::Busy as u32);
        let st = value(7, || 1);
        assert_eq!(st, 1);
        let st = value(7, || panic!("boom"));
        assert_eq!(st, 7);
    }
}
