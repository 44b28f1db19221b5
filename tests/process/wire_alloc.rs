//! Allocation audit of the hot path, with a counting global allocator: decoding a packet
//! header and walking its points allocate nothing, and a decompression bomb never holds more
//! than the cap (plus one growth step) in Rust-allocated memory.
//!
//! The counting allocator is `tests/process/heap.rs` (per thread, so tests running in parallel
//! do not disturb each other).

use crate::common::rle_frame;
use crate::heap::measure;
use prost::Message;
use tailsampling::wire::proto::aggregate::DataPacket;
use tailsampling::wire::proto::point::{field::Val, Field, PbPoint, PbPoints};
use tailsampling::wire::{
    count_points, decompress_capped, encode_batch, BatchRef, ErrorKind, PacketRef, Points, Value,
};

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
    let _shared = crate::shared();
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
    let _shared = crate::shared();
    // 1 GiB of zeros as 8192 RLE blocks of 128 KiB, in a frame that does not declare its size.
    let frame = rle_frame(0, 128 << 10, 8192, None);
    let cap = 1 << 20;
    let (result, _, peak) = measure(|| decompress_capped(&frame, cap));
    assert_eq!(result.unwrap_err().kind(), ErrorKind::TooLarge);
    // The output never grows past cap + 1 bytes; zstd's own state is allocated by C.
    assert!(peak <= cap + 1, "peak {peak}");
}
