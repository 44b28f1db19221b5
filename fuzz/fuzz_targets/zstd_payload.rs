//! zstd payloads: `wire::decompress_capped` with a small cap (0..=65535 bytes) never panics,
//! returns at most `cap` bytes, holds at most `cap + 1` bytes of Rust heap (a counting global
//! allocator measures it), agrees with zstd's own streaming decoder, and round-trips what
//! `wire::compress` makes; `wire::payload_bytes` routes by `payload_compression`.
//!
//! Input: one mode byte (bit 0: compress the frame bytes first; bits 1..: the level), the cap
//! as two little-endian bytes, then the frame bytes.
#![no_main]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::io::Read;

use libfuzzer_sys::fuzz_target;
use tailsampling::wire::{compress, decompress_capped, payload_bytes, PacketRef, WireError};
use tailsampling_fuzz::Cursor;

struct Counting;

thread_local! {
    static LIVE: Cell<usize> = const { Cell::new(0) };
    static PEAK: Cell<usize> = const { Cell::new(0) };
}

fn grow(size: usize) {
    let _ = LIVE.try_with(|live| {
        live.set(live.get() + size);
        let _ = PEAK.try_with(|peak| peak.set(peak.get().max(live.get())));
    });
}

fn shrink(size: usize) {
    let _ = LIVE.try_with(|live| live.set(live.get().saturating_sub(size)));
}

// SAFETY: every call is forwarded unchanged to the system allocator; the bookkeeping touches
// only const-initialised thread-locals, which never allocate.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        grow(layout.size());
        // SAFETY: the caller upholds `GlobalAlloc::alloc`'s contract, which `System` shares.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        shrink(layout.size());
        // SAFETY: `ptr` was allocated by `System` with `layout`.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // Both blocks may be live while the contents move.
        grow(new_size);
        shrink(layout.size());
        // SAFETY: the caller upholds `GlobalAlloc::realloc`'s contract, which `System` shares.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// `decompress_capped(frame, cap)` and the peak of live Rust heap bytes it added.
fn measured(frame: &[u8], cap: usize) -> (Result<Vec<u8>, WireError>, usize) {
    let base = LIVE.with(Cell::get);
    PEAK.with(|p| p.set(base));
    let out = decompress_capped(frame, cap);
    (out, PEAK.with(Cell::get) - base)
}

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

    let (out, peak) = measured(frame, cap);
    // The output's buffer is at most `cap + 1` bytes (one byte over tells the cap is exceeded);
    // while it grows, the old buffer (at most half of that) may still be live.
    assert!(
        peak <= (cap + 1) + (cap + 1) / 2,
        "{peak} bytes of heap for a cap of {cap}"
    );
    match &out {
        Ok(bytes) => {
            assert!(bytes.len() <= cap);
            assert_eq!(
                reference(frame, cap).as_ref(),
                Some(bytes),
                "zstd disagrees"
            );
        }
        Err(WireError::TooLarge { .. }) => {
            assert!(reference(frame, cap).is_none_or(|r| r.len() > cap))
        }
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
        (1, got) => assert_eq!(got.map(|b| b.into_owned()), out),
        (_, got) => assert_eq!(got, Err(WireError::UnsupportedCompression(compression))),
    }
});
