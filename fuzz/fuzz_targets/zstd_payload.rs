//! zstd payloads: `wire::decompress_capped` with a small cap (0..=65535 bytes) never panics,
//! returns at most `cap` bytes, holds at most `cap + 1` bytes of Rust heap (the counting
//! global allocator of `tests/process/heap.rs` measures it), agrees with zstd's own streaming
//! decoder, and round-trips what `wire::compress` makes; `wire::payload_bytes` routes by
//! `payload_compression`.
//!
//! Input: one mode byte (bit 0: compress the frame bytes first; bits 1..: the level), the cap
//! as two little-endian bytes, then the frame bytes.
#![no_main]

use std::io::Read;

use libfuzzer_sys::fuzz_target;
use tailsampling::wire::{compress, decompress_capped, payload_bytes, PacketRef, WireError};
use tailsampling_fuzz::Cursor;

/// The counting allocator of the Rust tests (per thread; a realloc counts as free-then-alloc).
#[allow(dead_code)] // this target uses `measure` only
#[path = "../../tests/process/heap.rs"]
mod heap;

/// zstd's streaming decoder, with the engine's window limit, reading at most `cap + 1` bytes.
fn reference(frame: &[u8], cap: usize) -> Option<Vec<u8>> {
    let mut decoder = zstd::stream::read::Decoder::with_buffer(frame).ok()?;
    decoder.window_log_max(26).ok()?;
    let mut out = Vec::new();
    decoder
        .take(cap as u64 + 1)
        .read_to_end(&mut out)
        .ok()
        .map(|_| out)
}

fuzz_target!(|data: &[u8]| {
    let mut input = Cursor::new(data);
    let mode = input.u8();
    let cap = usize::from(input.u16());
    let rest = input.bytes(data.len());
    let compressed;
    let frame = if mode & 1 == 1 {
        compressed = compress(rest, i32::from(mode >> 1) % 4 + 1);
        compressed.as_slice()
    } else {
        rest
    };

    let (out, _, peak) = heap::measure(|| decompress_capped(frame, cap));
    // The output's buffer is at most `cap + 1` bytes (one byte over tells the cap is exceeded).
    assert!(peak <= cap + 1, "{peak} bytes of heap for a cap of {cap}");
    match &out {
        Ok(bytes) => {
            assert!(bytes.len() <= cap);
            assert_eq!(
                reference(frame, cap).as_ref(),
                Some(bytes),
                "zstd disagrees"
            );
        }
        // Refused on the size the frame declares (a frame may declare more than it holds), or
        // because it decodes past `cap`.
        Err(WireError::TooLarge { declared, .. }) => assert!(
            declared.is_some_and(|d| d > cap as u64)
                || reference(frame, cap).is_none_or(|r| r.len() > cap)
        ),
        Err(WireError::Zstd { offset, .. }) => {
            assert!(*offset <= frame.len());
            let single_frame =
                zstd::zstd_safe::find_frame_compressed_size(frame) == Ok(frame.len());
            if let Some(r) = reference(frame, cap) {
                assert!(
                    r.len() > cap || !single_frame,
                    "zstd decodes what was refused: {out:?}"
                );
            }
        }
        Err(e) => panic!("unexpected error {e}"),
    }
    if mode & 1 == 1 {
        match &out {
            Ok(bytes) => assert_eq!(bytes.as_slice(), rest),
            Err(e) => assert!(
                matches!(e, WireError::TooLarge { .. }) && rest.len() > cap,
                "{e}"
            ),
        }
    }

    // A packet's payload: raw payloads are borrowed, zstd ones decompressed, others refused.
    let compression = i32::from(mode >> 3) % 3;
    let packet = PacketRef {
        points_payload: frame,
        payload_compression: compression,
        ..PacketRef::default()
    };
    match (compression, payload_bytes(&packet, cap)) {
        (0, Ok(bytes)) => assert_eq!(&*bytes, frame),
        (1, Ok(bytes)) if frame.is_empty() => assert!(bytes.is_empty()),
        // The same verdict and bytes as the first call; the error reported for a malformed
        // frame may depend on what the thread's decoder saw before (see `decompress_capped`).
        (1, got) => assert_eq!(got.map(|b| b.into_owned()).ok(), out.ok()),
        (_, got) => assert_eq!(got, Err(WireError::UnsupportedCompression(compression))),
    }
});
