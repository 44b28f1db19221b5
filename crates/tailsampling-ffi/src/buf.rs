//! The two frozen output layouts: `ts_buf` (bytes) and `ts_deliveries` (a list of
//! `ts_delivery`). Both point into memory Rust owns through their `_owner` field until their
//! `_free`, which zeroes the struct, so freeing twice (or freeing a zeroed struct) is a no-op.

use std::ffi::{c_char, c_void, CStr};
use std::ptr;

use tailsampling::Delivery;

/// Bytes owned by the library: `data[0..len]`, followed by a NUL byte not counted in `len`
/// (so JSON text can be used as a C string). `_owner` is private to the library.
///
/// Valid until `ts_buf_free`; a zeroed `ts_buf` (`{NULL, 0, NULL}`) is empty.
#[repr(C)]
pub struct ts_buf {
    /// The bytes; NULL only when the struct is zeroed.
    pub data: *const u8,
    /// Number of bytes at `data`, not counting the trailing NUL.
    pub len: usize,
    /// Private: the allocation `ts_buf_free` releases.
    pub _owner: *mut c_void,
}

impl ts_buf {
    const EMPTY: ts_buf = ts_buf {
        data: ptr::null(),
        len: 0,
        _owner: ptr::null_mut(),
    };

    /// A buffer holding `text` and a trailing NUL.
    pub(crate) fn from_text(text: String) -> ts_buf {
        let mut v = text.into_bytes();
        let len = v.len();
        v.push(0);
        let owner = Box::new(v);
        ts_buf {
            data: owner.as_ptr(),
            len,
            _owner: Box::into_raw(owner).cast(),
        }
    }
}

/// Frees the bytes of `b` and zeroes it.
///
/// NULL, a zeroed `ts_buf` and an already freed one are no-ops. Not thread-safe with other
/// uses of the same `b`.
///
/// # Safety
/// `b` is NULL or points to a `ts_buf` that is zeroed or was filled by this library.
#[no_mangle]
pub unsafe extern "C" fn ts_buf_free(b: Option<&mut ts_buf>) {
    boundary!(ts_buf_free, on_panic = (), || {
        let Some(b) = b else { return };
        let owner = std::mem::replace(b, ts_buf::EMPTY)._owner;
        if !owner.is_null() {
            // SAFETY: `_owner` was made by `from_text` and is released once (the struct is
            // zeroed).
            drop(unsafe { Box::from_raw(owner.cast::<Vec<u8>>()) });
        }
    })
}

/// One body to write upstream: `POST <path>?token=<token>` with header
/// `Content-Type: <content_type>`.
///
/// Every pointer is valid until the `ts_deliveries` holding this item is freed.
#[repr(C)]
pub struct ts_delivery {
    /// The delivery's number, unique within its processor (1, 2, … in the order the polls
    /// hand deliveries out): pass it to `ts_ack` once the body is written upstream. (New in
    /// ABI version 2, which put it first.)
    pub id: u64,
    /// The token (tenant) to write with: `token[0..token_len]`, UTF-8, also followed by a
    /// NUL byte (so it can be used as a C string when it has no interior NUL).
    pub token: *const c_char,
    /// Bytes at `token`, not counting the trailing NUL.
    pub token_len: usize,
    /// `"tracing"`, `"logging"`, `"rum"` or `"metric"`: static, NUL-terminated.
    pub data_type: *const c_char,
    /// `"/v1/write/tracing"`, … `"/v1/write/metric"`: static, NUL-terminated.
    pub path: *const c_char,
    /// `"application/protobuf; proto=com.guance.Point"`: static, NUL-terminated.
    pub content_type: *const c_char,
    /// A serialized `point.PBPoints` (never compressed): `body[0..body_len]`.
    pub body: *const u8,
    /// Bytes at `body`.
    pub body_len: usize,
    /// Points in `body`.
    pub points: u64,
}

/// The deliveries of one poll: `items[0..len]`, in order. `_owner` is private to the
/// library.
///
/// Valid until `ts_deliveries_free`; a zeroed `ts_deliveries` (`{NULL, 0, NULL}`) is empty,
/// and an empty poll returns one.
#[repr(C)]
pub struct ts_deliveries {
    /// The deliveries; NULL when `len` is 0.
    pub items: *const ts_delivery,
    /// Number of deliveries.
    pub len: usize,
    /// Private: the allocation `ts_deliveries_free` releases.
    pub _owner: *mut c_void,
}

/// What a `ts_deliveries` points into.
struct Owner {
    items: Box<[ts_delivery]>,
    /// Tokens (with a NUL pushed) and bodies the items point into.
    _deliveries: Vec<Delivery>,
}

/// The static C strings of a delivery: data type and path. Total over what the engine
/// produces (tested); an unknown data type would get empty strings.
fn kind(data_type: &str) -> (&'static CStr, &'static CStr) {
    match data_type {
        "tracing" => (c"tracing", c"/v1/write/tracing"),
        "logging" => (c"logging", c"/v1/write/logging"),
        "rum" => (c"rum", c"/v1/write/rum"),
        "metric" => (c"metric", c"/v1/write/metric"),
        _ => (c"", c""),
    }
}

const CONTENT_TYPE_C: &CStr = c"application/protobuf; proto=com.guance.Point";

impl ts_deliveries {
    const EMPTY: ts_deliveries = ts_deliveries {
        items: ptr::null(),
        len: 0,
        _owner: ptr::null_mut(),
    };

    pub(crate) fn new(mut deliveries: Vec<Delivery>) -> ts_deliveries {
        if deliveries.is_empty() {
            return ts_deliveries::EMPTY;
        }
        let items: Box<[ts_delivery]> = deliveries
            .iter_mut()
            .map(|d| {
                let token_len = d.token.len();
                d.token.push('\0');
                let (data_type, path) = kind(d.data_type);
                ts_delivery {
                    id: d.id,
                    token: d.token.as_ptr().cast(),
                    token_len,
                    data_type: data_type.as_ptr(),
                    path: path.as_ptr(),
                    content_type: CONTENT_TYPE_C.as_ptr(),
                    body: d.body.as_ptr(),
                    body_len: d.body.len(),
                    points: d.points,
                }
            })
            .collect();
        // Moving the `Vec`s and `String`s into the owner does not move their heap buffers.
        let owner = Box::new(Owner {
            items,
            _deliveries: deliveries,
        });
        ts_deliveries {
            items: owner.items.as_ptr(),
            len: owner.items.len(),
            _owner: Box::into_raw(owner).cast(),
        }
    }
}

/// Frees the deliveries `d` (every pointer of every item) and zeroes it.
///
/// NULL, a zeroed `ts_deliveries` and an already freed one are no-ops. Not thread-safe with
/// other uses of the same `d`.
///
/// # Safety
/// `d` is NULL or points to a `ts_deliveries` that is zeroed or was filled by this library.
#[no_mangle]
pub unsafe extern "C" fn ts_deliveries_free(d: Option<&mut ts_deliveries>) {
    boundary!(ts_deliveries_free, on_panic = (), || {
        let Some(d) = d else { return };
        let owner = std::mem::replace(d, ts_deliveries::EMPTY)._owner;
        if !owner.is_null() {
            // SAFETY: `_owner` was made by `ts_deliveries::new` and is released once.
            drop(unsafe { Box::from_raw(owner.cast::<Owner>()) });
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use tailsampling::engine::CONTENT_TYPE;
    use tailsampling::wire::DataType;

    #[test]
    fn every_delivery_kind_has_static_strings() {
        let mut all: Vec<Delivery> = DataType::ALL
            .into_iter()
            .map(|dt| Delivery::data("t", dt, vec![1], 1))
            .collect();
        all.push(Delivery::metric("t", vec![2], 1));
        for d in &all {
            let (data_type, path) = kind(d.data_type);
            assert_eq!(data_type.to_str(), Ok(d.data_type));
            assert_eq!(path.to_str(), Ok(d.path));
            assert_eq!(CONTENT_TYPE_C.to_str(), Ok(d.content_type));
        }
        assert_eq!(CONTENT_TYPE_C.to_str(), Ok(CONTENT_TYPE));
    }

    #[test]
    fn deliveries_point_into_their_owner() {
        let mut d = ts_deliveries::new(vec![
            Delivery::data("tkn_a", DataType::Tracing, vec![1, 2, 3], 2),
            Delivery::metric("tkn_b", vec![], 0),
        ]);
        assert_eq!(d.len, 2);
        let items = unsafe { std::slice::from_raw_parts(d.items, d.len) };
        let token = unsafe { CStr::from_ptr(items[0].token) };
        assert_eq!((token.to_str(), items[0].token_len), (Ok("tkn_a"), 5));
        let body = unsafe { std::slice::from_raw_parts(items[0].body, items[0].body_len) };
        assert_eq!((body, items[0].points), (&[1u8, 2, 3][..], 2));
        assert_eq!(
            unsafe { CStr::from_ptr(items[1].path) }.to_str(),
            Ok("/v1/write/metric")
        );
        assert_eq!(items[1].body_len, 0);
        unsafe { ts_deliveries_free(Some(&mut d)) };
        assert!(d.items.is_null() && d.len == 0 && d._owner.is_null());
        unsafe { ts_deliveries_free(Some(&mut d)) };
        unsafe { ts_deliveries_free(None) };
        let e = ts_deliveries::new(Vec::new());
        assert!(e.items.is_null() && e._owner.is_null());
    }

    #[test]
    fn bufs_are_nul_terminated_and_freed_once() {
        let mut b = ts_buf::from_text("{}".to_string());
        assert_eq!(b.len, 2);
        assert_eq!(unsafe { CStr::from_ptr(b.data.cast()) }.to_str(), Ok("{}"));
        unsafe { ts_buf_free(Some(&mut b)) };
        assert!(b.data.is_null() && b.len == 0 && b._owner.is_null());
        unsafe { ts_buf_free(Some(&mut b)) };
        unsafe { ts_buf_free(None) };
    }
}
