//! A panic inside the C boundary: `TS_PANIC` with the function's name, then `TS_POISONED` for
//! every later call on that processor, which can still be freed. Needs the `test-panic`
//! feature (`make test` enables it), which exports `ts__test_panic`.
#![cfg(feature = "test-panic")]

use std::ffi::CStr;
use std::ptr::{self, NonNull};

use tailsampling::ffi::*;

#[test]
fn a_panic_poisons_the_processor() {
    let mut p = ptr::null_mut();
    assert_eq!(
        unsafe { ts_processor_new(ptr::null(), 0, Some(&mut p), None) },
        TS_OK
    );
    let proc_ = unsafe { p.as_ref() };
    let mut err = ptr::null_mut();
    assert_eq!(unsafe { ts__test_panic(proc_, Some(&mut err)) }, TS_PANIC);
    let msg = unsafe { CStr::from_ptr(ts_error_message(err.as_ref())) };
    assert_eq!(
        msg.to_str(),
        Ok("ts__test_panic: panic: forced by the test-panic feature")
    );
    unsafe { ts_error_free(NonNull::new(err)) };
    let mut err = ptr::null_mut();
    assert_eq!(unsafe { ts_flush(proc_, Some(&mut err)) }, TS_POISONED);
    let msg = unsafe { CStr::from_ptr(ts_error_message(err.as_ref())) };
    assert_eq!(
        msg.to_str(),
        Ok("ts_flush: the processor was poisoned by an earlier panic")
    );
    unsafe { ts_error_free(NonNull::new(err)) };
    let mut b = ts_buf {
        data: ptr::null(),
        len: 0,
        _owner: ptr::null_mut(),
    };
    assert_eq!(
        unsafe { ts_stats_json(proc_, Some(&mut b), None) },
        TS_POISONED
    );
    assert!(b.data.is_null(), "no output");
    assert_eq!(unsafe { ts__test_panic(proc_, None) }, TS_POISONED);
    unsafe { ts_processor_free(NonNull::new(p)) };
}
