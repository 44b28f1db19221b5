//! Allocation audit of the hot path, with a counting global allocator: decoding a packet
//! header and walking its points allocate nothing, and a decompression bomb never holds more
//! than the cap (plus one growth step) in Rust-allocated memory.
//!
//! The allocator is the only `unsafe` in the wire tests: implementing `GlobalAlloc` requires it.
//! Counters are per thread, so tests running in parallel do not disturb each other.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use prost::Message;
use tailsampling::wire::proto::aggregate::DataPacket;
use tailsampling::wire::proto::point::{field::Val, Field, PbPoint, PbPoints};
use tailsampling::wire::{
    count_points, decompress_capped, encode_batch, BatchRef, ErrorKind, PacketRef, Points, Value,
};

struct Counting;

thread_local! {
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
    static LIVE: Cell<usize> = const { Cell::new(0) };
    static PEAK: Cell<usize> = const { Cell::new(0) };
}

fn on_alloc(size: usize) {
    let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
    let _ = LIVE.try_with(|live| {
        live.set(live.get() + size);
        let _ = PEAK.try_with(|peak| peak.set(peak.get().max(live.get())));
    });
}

fn on_dealloc(size: usize) {
    let _ = LIVE.try_with(|live| live.set(live.get().saturating_sub(size)));
}

// SAFETY: every call is forwarded unchanged to the system allocator; the bookkeeping touches
// only const-initialised thread-locals, which never allocate.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        on_alloc(layout.size());
        // SAFETY: the caller upholds `GlobalAlloc::alloc`'s contract, which `System` shares.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        on_dealloc(layout.size());
        // SAFETY: `ptr` was allocated by `System` with `layout` (see `alloc`/`realloc`).
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        on_dealloc(layout.size());
        on_alloc(new_size);
        // SAFETY: the caller upholds `GlobalAlloc::realloc`'s contract, which `System` shares.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Runs `f` and returns its result with the number of allocations and the peak of live bytes
/// (above the level at the start) on this thread.
fn measure<T>(f: impl FnOnce() -> T) -> (T, usize, usize) {
    let allocations = ALLOCATIONS.with(Cell::get);
    let live = LIVE.with(Cell::get);
    PEAK.with(|peak| peak.set(live));
    let result = f();
    let count = ALLOCATIONS.with(Cell::get) - allocations;
    let peak = PEAK.with(Cell::get) - live;
    (result, count, peak)
}

fn body() -> Vec<u8> {
    let span = |i: i64| PbPoint {
        name: "ddtrace".into(),
        time: 1_700_000_000_000_000_000 + i,
        fields: vec![
            Field {
                key: "status".into(),
                is_tag: true,
                val: Some(Val::S(if i == 3 { "error" } else { "ok" }.into())),
                ..Field::default()
            },
            Field {
                key: "duration".into(),
                val: Some(Val::I(100 * i)),
                ..Field::default()
            },
            Field {
                key: "resource".into(),
                val: Some(Val::S("GET /api".into())),
                ..Field::default()
            },
        ],
        ..PbPoint::default()
    };
    DataPacket {
        raw_group_id: "4bf92f3577b34da6a3ce929d0e0e4736".into(),
        token: "tkn_0123".into(),
        data_type: "tracing".into(),
        point_count: 5,
        points_payload: PbPoints {
            arr: (0..5).map(span).collect(),
        }
        .encode_to_vec(),
        ..DataPacket::default()
    }
    .encode_to_vec()
}

#[test]
fn decoding_and_walking_allocate_nothing() {
    let (_, allocations, _) = measure(|| std::hint::black_box(Vec::<u8>::with_capacity(8)));
    assert_eq!(allocations, 1, "the counting allocator counts");

    let body = body();
    let batch = encode_batch("dk", [&PacketRef::decode(&body).unwrap()]);

    let (errors, allocations, _) = measure(|| {
        let packet = PacketRef::decode(&body).unwrap();
        let payload = packet.payload(1 << 20).unwrap();
        let mut errors = 0;
        for point in Points::new(&payload) {
            for field in point.unwrap().fields() {
                let field = field.unwrap();
                if field.key == b"status" && field.value == Some(Value::Tag(b"error")) {
                    errors += 1;
                }
            }
        }
        assert_eq!(count_points(&payload), Ok(5));
        assert_ne!(packet.pick_key() ^ packet.group_key_hash(), 0);
        for packet in BatchRef::decode(&batch).unwrap().packets() {
            assert_eq!(packet.unwrap().token, "tkn_0123");
        }
        errors
    });
    assert_eq!(errors, 1);
    assert_eq!(allocations, 0);
}

#[test]
fn a_bomb_never_holds_more_than_the_cap() {
    // 1 GiB of zeros as 8192 RLE blocks of 128 KiB, in a frame that does not declare its size.
    let mut frame = vec![0x28, 0xb5, 0x2f, 0xfd, 0x00, 7 << 3];
    for i in 0..8192u32 {
        let header = u32::from(i == 8191) | (1 << 1) | ((128 << 10) << 3);
        frame.extend(&header.to_le_bytes()[..3]);
        frame.push(0);
    }
    let cap = 1 << 20;
    let (result, _, peak) = measure(|| decompress_capped(&frame, cap));
    assert_eq!(result.unwrap_err().kind(), ErrorKind::TooLarge);
    // The output never grows past cap + 1 bytes; zstd's own state is allocated by C.
    assert!(peak <= cap + 1, "peak {peak}");
}
