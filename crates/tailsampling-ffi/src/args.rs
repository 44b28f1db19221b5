//! Inputs from C: `(pointer, length)` pairs borrowed for the call. `(NULL, 0)` is empty,
//! `(NULL, n > 0)` and lengths over `isize::MAX` are `TS_INVALID_ARGUMENT`; text must be UTF-8.

use std::ffi::c_char;

use tailsampling::{Error, Status};

/// A `TS_INVALID_ARGUMENT` error.
pub(crate) fn invalid(msg: impl Into<String>) -> Error {
    Error::new(Status::InvalidArgument, msg)
}

/// The bytes `(ptr, len)` of argument `what`.
///
/// # Safety
/// As for [`slice`].
pub(crate) unsafe fn bytes<'a>(what: &str, ptr: *const u8, len: usize) -> Result<&'a [u8], Error> {
    // SAFETY: forwarded to the caller.
    unsafe { slice(what, ptr, len) }
}

/// The array `(ptr, len)` of `len` items of argument `what`.
///
/// # Safety
/// A non-NULL `ptr` must be aligned and valid for reads of `len` items that nothing writes
/// for `'a`.
pub(crate) unsafe fn slice<'a, T>(what: &str, ptr: *const T, len: usize) -> Result<&'a [T], Error> {
    if ptr.is_null() {
        return match len {
            0 => Ok(&[]),
            n => Err(invalid(format!("{what}: NULL with length {n}"))),
        };
    }
    if len
        .checked_mul(size_of::<T>())
        .is_none_or(|n| n > isize::MAX as usize)
    {
        return Err(invalid(format!(
            "{what}: length {len} is over SSIZE_MAX bytes"
        )));
    }
    // SAFETY: non-NULL, length checked, alignment and validity promised by the caller.
    Ok(unsafe { std::slice::from_raw_parts(ptr, len) })
}

/// The UTF-8 text `(ptr, len)` of argument `what`.
///
/// # Safety
/// As for [`bytes`].
pub(crate) unsafe fn text<'a>(
    what: &str,
    ptr: *const c_char,
    len: usize,
) -> Result<&'a str, Error> {
    // SAFETY: forwarded to the caller.
    let b = unsafe { bytes(what, ptr.cast(), len) }?;
    std::str::from_utf8(b).map_err(|e| {
        invalid(format!(
            "{what}: not UTF-8 (invalid byte at offset {})",
            e.valid_up_to()
        ))
    })
}

/// Like [`text`], but empty text is an invalid argument.
///
/// # Safety
/// As for [`bytes`].
pub(crate) unsafe fn nonempty_text<'a>(
    what: &str,
    ptr: *const c_char,
    len: usize,
) -> Result<&'a str, Error> {
    // SAFETY: forwarded to the caller.
    match unsafe { text(what, ptr, len) }? {
        "" => Err(invalid(format!("{what}: empty"))),
        t => Ok(t),
    }
}

/// A required output pointer.
pub(crate) fn required<T>(what: &str, out: Option<T>) -> Result<T, Error> {
    out.ok_or_else(|| invalid(format!("{what}: NULL")))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::panic)]
mod tests {
    use std::ptr;

    use super::*;

    #[test]
    fn null_and_lengths() {
        assert_eq!(unsafe { bytes("b", ptr::null(), 0) }, Ok(&[][..]));
        let e = unsafe { bytes("b", ptr::null(), 3) }.unwrap_err();
        assert_eq!(e.status(), Status::InvalidArgument);
        assert_eq!(e.message(), "b: NULL with length 3");
        let x = [1u8];
        let e = unsafe { bytes("b", x.as_ptr(), usize::MAX) }.unwrap_err();
        assert_eq!(e.status(), Status::InvalidArgument);
        assert_eq!(unsafe { bytes("b", x.as_ptr(), 0) }, Ok(&[][..]));
    }

    #[test]
    fn utf8() {
        let bad = b"ab\xffc";
        let e = unsafe { text("token", bad.as_ptr().cast(), bad.len()) }.unwrap_err();
        assert_eq!(e.message(), "token: not UTF-8 (invalid byte at offset 2)");
        let e = unsafe { nonempty_text("token", ptr::null(), 0) }.unwrap_err();
        assert_eq!(e.message(), "token: empty");
        let ok = "tkn_α";
        assert_eq!(unsafe { text("t", ok.as_ptr().cast(), ok.len()) }, Ok(ok));
    }
}
