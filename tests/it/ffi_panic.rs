//! A panic inside the C boundary: `TS_PANIC` with the function's name, then `TS_POISONED` for
//! every later call on that processor, which can still be freed; other processors, used from
//! other threads at the same moment, keep working. Needs the `test-panic` feature (`make test`
//! enables it), which exports `ts__test_panic`.

use std::ffi::CStr;
use std::ptr::{self, NonNull};

use crate::common::*;
use tailsampling_ffi::*;

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

/// A processor made through the C ABI: manual clock, `tkn` keeping everything.
fn new_processor() -> NonNull<ts_processor> {
    let options = r#"{"clock": "manual"}"#;
    let config = r#"{"version": 1, "trace": {"data_ttl": "1s", "pipelines": [
        {"name": "all", "type": "probabilistic", "rate": 1}]}}"#;
    let mut p = ptr::null_mut();
    unsafe {
        let st = ts_processor_new(options.as_ptr().cast(), options.len(), Some(&mut p), None);
        assert_eq!(st, TS_OK);
        let proc_ = p.as_ref();
        assert_eq!(ts_set_time(proc_, T0, None), TS_OK);
        let st = ts_set_config(
            proc_,
            c"tkn".as_ptr(),
            3,
            config.as_ptr().cast(),
            config.len(),
            None,
        );
        assert_eq!(st, TS_OK);
    }
    NonNull::new(p).expect("a processor")
}

fn ingest(p: &ts_processor, id: &str) -> ts_status {
    let body = trace("tkn", id, &[span(id, "ok", vec![])]);
    unsafe { ts_ingest(Some(p), ptr::null(), 0, body.as_ptr(), body.len(), None) }
}

/// Flushes and polls `p`: the points delivered.
fn drain(p: &ts_processor) -> u64 {
    let mut d = ts_deliveries {
        items: ptr::null(),
        len: 0,
        _owner: ptr::null_mut(),
    };
    unsafe {
        assert_eq!(ts_flush(Some(p), None), TS_OK);
        assert_eq!(ts_poll_kept(Some(p), Some(&mut d), None), TS_OK);
        let points = (0..d.len).map(|i| (*d.items.add(i)).points).sum();
        ts_deliveries_free(Some(&mut d));
        points
    }
}

#[test]
fn a_panic_poisons_only_its_processor() {
    let (a, b) = (new_processor(), new_processor());
    let (a_ref, b_ref) = unsafe { (a.as_ref(), b.as_ref()) };
    // Threads keep using B while A panics; B never notices.
    let delivered = std::thread::scope(|s| {
        let workers: Vec<_> = (0..4)
            .map(|w| {
                s.spawn(move || {
                    let mut points = 0;
                    for i in 0..200 {
                        assert_eq!(ingest(b_ref, &format!("w{w}-{i}")), TS_OK);
                        if i % 50 == 49 {
                            points += drain(b_ref);
                        }
                    }
                    points
                })
            })
            .collect();
        assert_eq!(ingest(a_ref, "before"), TS_OK);
        assert_eq!(unsafe { ts__test_panic(Some(a_ref), None) }, TS_PANIC);
        assert_eq!(ingest(a_ref, "after"), TS_POISONED);
        workers
            .into_iter()
            .map(|h| h.join().expect("worker"))
            .sum::<u64>()
    });
    assert_eq!(delivered + drain(b_ref), 800, "B delivered every point");
    // A refuses every call: its group will never be delivered.
    unsafe {
        assert_eq!(ts_flush(Some(a_ref), None), TS_POISONED);
        assert_eq!(ts_set_time(Some(a_ref), T0 + SEC, None), TS_POISONED);
        assert_eq!(ts_poll_kept(Some(a_ref), None, None), TS_POISONED);
    }
    // A is freed like any other; a processor made afterwards works.
    unsafe { ts_processor_free(Some(a)) };
    let c = new_processor();
    let c_ref = unsafe { c.as_ref() };
    assert_eq!(ingest(c_ref, "c"), TS_OK);
    assert_eq!(drain(c_ref), 1);
    unsafe {
        ts_processor_free(Some(b));
        ts_processor_free(Some(c));
    }
}
