//! zstd payloads: round trips, the cap (declared and streamed decompression bombs), truncated,
//! corrupt and trailing input, and `payload_bytes` for every compression value.

use std::borrow::Cow;
use std::io::Read;

use crate::common::rle_frame;
use proptest::prelude::*;
use tailsampling::wire::{
    compress, decompress_capped, payload_bytes, ErrorKind, PacketRef, WireError, COMPRESSION_NONE,
    COMPRESSION_ZSTD, DEFAULT_MAX_DECOMPRESSED,
};

const GIB: usize = 1 << 30;
const BLOCK: u32 = 128 << 10;

fn text(len: usize) -> Vec<u8> {
    (0..len)
        .map(|i| b"span status=ok service=api "[i % 27])
        .collect()
}

#[test]
fn round_trips() {
    for len in [0, 1, 100, 100_000, 3 << 20] {
        let data = text(len);
        for level in [1, 3, 19] {
            let frame = compress(&data, level);
            assert_eq!(decompress_capped(&frame, len).unwrap(), data);
            assert_eq!(
                decompress_capped(&frame, DEFAULT_MAX_DECOMPRESSED).unwrap(),
                data
            );
        }
        // A streamed frame, which does not declare its size.
        let streamed = zstd::stream::encode_all(&data[..], 3).unwrap();
        assert_eq!(decompress_capped(&streamed, len).unwrap(), data);
    }
}

#[test]
fn hand_written_frames_decode() {
    let frame = rle_frame(b'z', 1000, 3, Some(3000));
    assert_eq!(decompress_capped(&frame, 3000).unwrap(), vec![b'z'; 3000]);
    let frame = rle_frame(0, BLOCK, 2, None);
    assert_eq!(
        decompress_capped(&frame, 1 << 20).unwrap(),
        vec![0; 2 * BLOCK as usize]
    );
}

#[test]
fn exactly_the_cap_is_allowed_one_more_byte_is_not() {
    let data = text(10_000);
    for frame in [
        compress(&data, 3),
        zstd::stream::encode_all(&data[..], 3).unwrap(),
    ] {
        assert_eq!(decompress_capped(&frame, 10_000).unwrap().len(), 10_000);
        let err = decompress_capped(&frame, 9_999).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::TooLarge);
    }
}

#[test]
fn declared_bomb_is_refused_before_decoding() {
    let frame = rle_frame(0, BLOCK, GIB / BLOCK as usize, Some(GIB as u64));
    assert_eq!(
        decompress_capped(&frame, 1 << 20),
        Err(WireError::TooLarge {
            cap: 1 << 20,
            declared: Some(GIB as u64)
        })
    );
    // Even a header alone (no blocks) is enough to refuse it.
    assert_eq!(
        decompress_capped(&frame[..14], 1 << 20).unwrap_err().kind(),
        ErrorKind::TooLarge
    );
}

#[test]
fn streamed_bomb_stops_at_the_cap() {
    // 1 GiB of zeros that does not declare its size: decoding stops just past 1 MiB.
    let frame = rle_frame(0, BLOCK, GIB / BLOCK as usize, None);
    assert!(frame.len() < 40 << 10);
    assert_eq!(
        decompress_capped(&frame, 1 << 20),
        Err(WireError::TooLarge {
            cap: 1 << 20,
            declared: None
        })
    );
    // The same from the real compressor: 256 MiB of zeros, streamed.
    let zeros = std::io::repeat(0).take(256 << 20);
    let frame = zstd::stream::encode_all(zeros, 1).unwrap();
    assert_eq!(
        decompress_capped(&frame, 64 << 10).unwrap_err().kind(),
        ErrorKind::TooLarge
    );
}

#[test]
fn truncated_frames_are_malformed() {
    let data = text(50_000);
    for frame in [
        compress(&data, 3),
        zstd::stream::encode_all(&data[..], 3).unwrap(),
        rle_frame(b'x', 1000, 4, None),
    ] {
        for len in 0..frame.len() {
            let err = decompress_capped(&frame[..len], 1 << 20).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Malformed, "prefix {len}: {err}");
        }
    }
}

#[test]
fn garbage_and_trailing_bytes_are_malformed() {
    let err = decompress_capped(b"definitely not zstd", 1 << 20).unwrap_err();
    assert!(matches!(err, WireError::Zstd { offset: 0, .. }), "{err}");

    let data = text(1000);
    let frame = compress(&data, 3);
    let mut trailing = frame.clone();
    trailing.push(0);
    assert_eq!(
        decompress_capped(&trailing, 1 << 20),
        Err(WireError::Zstd {
            offset: frame.len(),
            reason: "unexpected bytes after the end of the zstd frame"
        })
    );
    // Two frames are not one frame.
    let mut two = frame.clone();
    two.extend(&frame);
    assert_eq!(
        decompress_capped(&two, 1 << 20).unwrap_err().kind(),
        ErrorKind::Malformed
    );
    // A corrupted block.
    let mut corrupt = frame.clone();
    let middle = corrupt.len() / 2;
    corrupt[middle] ^= 0xff;
    corrupt[middle + 1] ^= 0x55;
    let _ = decompress_capped(&corrupt, 1 << 20); // must not panic; may or may not detect it
}

#[test]
fn payload_bytes_by_compression() {
    let data = text(5000);
    let raw = PacketRef {
        points_payload: &data,
        payload_compression: COMPRESSION_NONE,
        ..PacketRef::default()
    };
    assert!(matches!(payload_bytes(&raw, 10), Ok(Cow::Borrowed(b)) if b == data.as_slice()));

    let frame = compress(&data, 3);
    let zstd = PacketRef {
        points_payload: &frame,
        payload_compression: COMPRESSION_ZSTD,
        ..PacketRef::default()
    };
    assert!(matches!(zstd.payload(5000), Ok(Cow::Owned(b)) if b == data));
    assert_eq!(zstd.payload(4999).unwrap_err().kind(), ErrorKind::TooLarge);

    let empty = PacketRef {
        payload_compression: COMPRESSION_ZSTD,
        ..PacketRef::default()
    };
    assert!(matches!(empty.payload(0), Ok(Cow::Borrowed([]))));

    for compression in [2, -1, i32::MAX] {
        let other = PacketRef {
            payload_compression: compression,
            ..zstd
        };
        let err = other.payload(1 << 20).unwrap_err();
        assert_eq!(err, WireError::UnsupportedCompression(compression));
        assert_eq!(err.kind(), ErrorKind::UnsupportedCompression);
    }
}

proptest! {
    #[test]
    fn arbitrary_data_round_trips(data in proptest::collection::vec(any::<u8>(), 0..4000), level in 1..6i32) {
        let frame = compress(&data, level);
        prop_assert_eq!(decompress_capped(&frame, data.len()).unwrap(), data);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
        let mut framed = vec![0x28, 0xb5, 0x2f, 0xfd];
        framed.extend(&bytes);
        for input in [&bytes, &framed] {
            if let Ok(out) = decompress_capped(input, 1 << 16) {
                prop_assert!(out.len() <= 1 << 16);
            }
        }
    }
}
