//! zstd payloads (`payload_compression = 1`): capped, streaming decompression of exactly one
//! frame, [`payload_bytes`] to get a packet's PBPoints bytes whatever its compression, and
//! [`compress`] for tools and tests.

use std::borrow::Cow;
use std::cell::RefCell;

use ::zstd::zstd_safe::{self, DCtx, DParameter, InBuffer, OutBuffer, ResetDirective};

use super::error::WireError;
use super::packet::{PacketRef, COMPRESSION_NONE, COMPRESSION_ZSTD};

/// The default limit on a decompressed payload: 64 MiB.
pub const DEFAULT_MAX_DECOMPRESSED: usize = 64 << 20;

/// The largest window accepted, 2^26 = 64 MiB, as the reference decoder
/// (`zstdDecoderMaxWindowBytes`); it bounds the decoder's own memory.
const WINDOW_LOG_MAX: u32 = 26;

/// The first output allocation is at most this (or `4 × input`, if larger), whatever the frame
/// header declares; the output then doubles as needed, never past the cap.
const INITIAL_OUTPUT: usize = 64 << 10;

/// Decompresses `src`, which must be exactly one zstd frame, into at most `cap` bytes.
///
/// A frame whose header declares a content size over `cap` is refused before decoding;
/// otherwise the output grows as decoding proceeds and decoding stops with
/// [`WireError::TooLarge`] as soon as it would exceed `cap`. A truncated or corrupt frame, or
/// bytes after the frame, is [`WireError::Zstd`].
///
/// Whether a frame is accepted, and its bytes, never depend on what was decoded before; the
/// error reported for a malformed frame may (zstd's decoder takes another path once its
/// buffers were sized by a frame with a large window).
pub fn decompress_capped(src: &[u8], cap: usize) -> Result<Vec<u8>, WireError> {
    let declared = zstd_safe::get_frame_content_size(src)
        .map_err(|_| zstd_error(0, "not a zstd frame, or its header is truncated or corrupt"))?;
    let too_large = WireError::TooLarge { cap, declared };
    if declared.is_some_and(|n| n > cap as u64) {
        return Err(too_large);
    }

    DECODER.with(|cell| match cell.try_borrow_mut() {
        Ok(mut cached) => {
            if cached.is_none() {
                *cached = Some(new_decoder()?);
            }
            let result = match cached.as_mut() {
                Some(dctx) => decode(dctx, src, cap, declared),
                None => Err(zstd_error(0, "cannot allocate a zstd decoder")),
            };
            // A frame that failed (a bomb stopped at the cap, a corrupt frame) may have sized
            // the decoder's buffers up to its window (64 MiB): give them back now rather than
            // keep them for the thread's next frames.
            if result.is_err() {
                *cached = None;
            }
            result
        }
        // Only reachable if decoding re-entered itself on this thread; stay correct anyway.
        Err(_) => decode(&mut new_decoder()?, src, cap, declared),
    })
}

thread_local! {
    /// One decoder per thread, reset between frames: creating one costs a ~100 KiB workspace.
    static DECODER: RefCell<Option<DCtx<'static>>> = const { RefCell::new(None) };
}

fn new_decoder() -> Result<DCtx<'static>, WireError> {
    let mut dctx = DCtx::try_create().ok_or(zstd_error(0, "cannot allocate a zstd decoder"))?;
    dctx.set_parameter(DParameter::WindowLogMax(WINDOW_LOG_MAX))
        .map_err(|code| zstd_error(0, zstd_safe::get_error_name(code)))?;
    Ok(dctx)
}

/// Decodes one frame with `dctx`, whose session is reset first (its parameters are kept).
fn decode(
    dctx: &mut DCtx<'static>,
    src: &[u8],
    cap: usize,
    declared: Option<u64>,
) -> Result<Vec<u8>, WireError> {
    let too_large = WireError::TooLarge { cap, declared };
    dctx.reset(ResetDirective::SessionOnly)
        .map_err(|code| zstd_error(0, zstd_safe::get_error_name(code)))?;
    // One byte over the cap is enough to know the cap is exceeded.
    let limit = cap.saturating_add(1);
    let initial = INITIAL_OUTPUT
        .max(src.len().saturating_mul(4))
        .min(declared.map_or(usize::MAX, |n| n as usize).max(1))
        .min(limit);
    let mut out = Vec::with_capacity(initial);
    let mut input = InBuffer::around(src);
    loop {
        if out.len() == out.capacity() {
            if out.len() >= limit {
                return Err(too_large);
            }
            let grow = out.capacity().max(INITIAL_OUTPUT).min(limit - out.len());
            out.reserve_exact(grow);
        }
        let written = out.len();
        let mut output = OutBuffer::around_pos(&mut out, written);
        let remaining = dctx
            .decompress_stream(&mut output, &mut input)
            .map_err(|code| zstd_error(input.pos(), zstd_safe::get_error_name(code)))?;
        if out.len() > cap {
            return Err(too_large);
        }
        if remaining == 0 {
            break;
        }
        if input.pos() == src.len() && out.len() < out.capacity() {
            return Err(zstd_error(src.len(), "the zstd frame is truncated"));
        }
    }
    if input.pos() < src.len() {
        return Err(zstd_error(
            input.pos(),
            "unexpected bytes after the end of the zstd frame",
        ));
    }
    Ok(out)
}

fn zstd_error(offset: usize, reason: &'static str) -> WireError {
    WireError::Zstd { offset, reason }
}

/// Compresses `src` into one zstd frame (with its content size) at `level` (1..=22; 0 means
/// zstd's default, 3). For tools and tests: the engine never re-compresses.
///
/// # Panics
///
/// Only if zstd cannot allocate its compression context (out of memory).
pub fn compress(src: &[u8], level: i32) -> Vec<u8> {
    let mut out = Vec::with_capacity(zstd_safe::compress_bound(src.len()));
    // The output is `compress_bound` large, so only an allocation failure inside zstd can fail.
    if let Err(code) = zstd_safe::compress(&mut out, src, level) {
        panic!(
            "zstd compression failed: {}",
            zstd_safe::get_error_name(code)
        );
    }
    out
}

impl PacketRef<'_> {
    /// Whether this packet's payload is a zstd frame to decompress: `payload_compression` is
    /// [`COMPRESSION_ZSTD`] and `points_payload` is not empty.
    ///
    /// The empty-zstd rule, as the reference decides it: an empty (or absent) payload is an
    /// empty PBPoints, whatever `payload_compression` says; it is never a frame to decode, so
    /// it is neither an error nor a decompression. [`payload_bytes`] and the engine's buffered
    /// segments both follow this one rule.
    pub fn payload_is_zstd_frame(&self) -> bool {
        self.payload_compression == COMPRESSION_ZSTD && !self.points_payload.is_empty()
    }
}

/// The PBPoints bytes of `packet`'s payload: borrowed when `payload_compression` is 0,
/// decompressed to at most `cap` bytes when it is 1 (an empty payload stays empty: see
/// [`PacketRef::payload_is_zstd_frame`]), and [`WireError::UnsupportedCompression`] for any
/// other value.
pub fn payload_bytes<'a>(packet: &PacketRef<'a>, cap: usize) -> Result<Cow<'a, [u8]>, WireError> {
    if packet.payload_is_zstd_frame() {
        return decompress_capped(packet.points_payload, cap).map(Cow::Owned);
    }
    match packet.payload_compression {
        COMPRESSION_NONE | COMPRESSION_ZSTD => Ok(Cow::Borrowed(packet.points_payload)),
        other => Err(WireError::UnsupportedCompression(other)),
    }
}
