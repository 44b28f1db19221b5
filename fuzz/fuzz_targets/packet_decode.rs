//! `DataPacket` and `DataBatch` decoding: `PacketRef::decode` and `BatchRef::decode` never panic,
//! accept exactly what prost accepts (except groups, refused on purpose) and decode the same
//! values; an accepted packet re-encodes to bytes that decode to the same packet; error offsets
//! stay inside the input.
#![no_main]

use libfuzzer_sys::fuzz_target;
use prost::Message;
use tailsampling::wire::proto::aggregate::{DataBatch, DataPacket};
use tailsampling::wire::{BatchRef, PacketRef, Problem, WireError};

/// Groups (wire types 3 and 4): prost skips them, this decoder refuses them.
fn is_group(e: &WireError) -> bool {
    matches!(
        e,
        WireError::Decode {
            problem: Problem::Group(_),
            ..
        }
    )
}

fn check_offset(e: &WireError, len: usize) {
    if let WireError::Decode { offset, .. } = e {
        assert!(*offset <= len, "{e}: offset past the {len} input bytes");
    }
}

fuzz_target!(|data: &[u8]| {
    let ours = PacketRef::decode(data);
    match (&ours, DataPacket::decode(data)) {
        (Ok(p), Ok(q)) => {
            assert_eq!(p.to_proto(), q);
            let again = p.encode_to_vec();
            assert_eq!(PacketRef::decode(&again).as_ref(), Ok(p));
        }
        (Err(e), Ok(_)) => assert!(is_group(e), "refused what prost accepts: {e}"),
        (Ok(p), Err(e)) => panic!("accepted what prost refuses ({e}): {p:?}"),
        (Err(e), Err(_)) => check_offset(e, data.len()),
    }

    let ours = BatchRef::decode(data).and_then(|b| b.to_proto());
    match (&ours, DataBatch::decode(data)) {
        (Ok(b), Ok(c)) => assert_eq!(b, &c),
        (Err(e), Ok(_)) => assert!(is_group(e), "refused a batch prost accepts: {e}"),
        (Ok(b), Err(e)) => panic!("accepted a batch prost refuses ({e}): {b:?}"),
        (Err(e), Err(_)) => check_offset(e, data.len()),
    }
});
