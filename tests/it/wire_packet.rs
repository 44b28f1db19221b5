//! `PacketRef` and `BatchRef` against prost: round trips of arbitrary packets, and agreement on
//! accepting or rejecting arbitrary, truncated and mutated bytes (without panicking).

use proptest::prelude::*;
use prost::Message;
use tailsampling::wire::proto::aggregate::{DataBatch, DataPacket};
use tailsampling::wire::{encode_batch, BatchRef, PacketRef, PacketValue, Problem, WireError};

/// An arbitrary DataPacket: every field [`PacketRef::fields`] lists (field `n` is the `n`-th,
/// so a field added to the table is covered here too), with an arbitrary value of its type,
/// encoded by hand and decoded by prost.
fn packet() -> impl Strategy<Value = DataPacket> {
    let fields: Vec<BoxedStrategy<Vec<u8>>> = (1u32..)
        .zip(PacketRef::default().fields())
        .map(|(number, (_, kind))| field(number, kind))
        .collect();
    fields.prop_map(|encoded| {
        DataPacket::decode(encoded.concat().as_slice()).expect("a valid DataPacket")
    })
}

/// Field `number` with an arbitrary value of `kind`'s type, encoded.
fn field(number: u32, kind: PacketValue<'_>) -> BoxedStrategy<Vec<u8>> {
    use prost::encoding::{encode_key, encode_varint, WireType};
    let varint = move |v: u64| {
        let mut out = Vec::new();
        encode_key(number, WireType::Varint, &mut out);
        encode_varint(v, &mut out);
        out
    };
    let len = move |v: &[u8]| {
        let mut out = Vec::new();
        encode_key(number, WireType::LengthDelimited, &mut out);
        encode_varint(v.len() as u64, &mut out);
        out.extend_from_slice(v);
        out
    };
    match kind {
        PacketValue::U64(_) => any::<u64>().prop_map(varint).boxed(),
        PacketValue::I64(_) => any::<i64>().prop_map(move |v| varint(v as u64)).boxed(),
        // int32 is sign-extended on the wire; 0 and 1 are the compressions.
        PacketValue::I32(_) => prop_oneof![Just(0), Just(1), any::<i32>()]
            .prop_map(move |v| varint(i64::from(v) as u64))
            .boxed(),
        PacketValue::Bool(_) => any::<bool>()
            .prop_map(move |v| varint(u64::from(v)))
            .boxed(),
        PacketValue::Str(_) => prop_oneof![
            Just("tracing".to_string()),
            Just("logging".to_string()),
            ".{0,40}"
        ]
        .prop_map(move |s| len(s.as_bytes()))
        .boxed(),
        PacketValue::Bytes(_) => proptest::collection::vec(any::<u8>(), 0..200)
            .prop_map(move |v| len(&v))
            .boxed(),
    }
}

/// Groups are the one construct prost skips and this decoder refuses, on purpose.
fn is_group(err: &WireError) -> bool {
    matches!(
        err,
        WireError::Decode {
            problem: Problem::Group(_),
            ..
        }
    )
}

/// Our decoder and prost accept the same inputs and, when they do, decode the same packet.
fn agrees_with_prost(bytes: &[u8]) -> Result<(), TestCaseError> {
    let ours = PacketRef::decode(bytes);
    let theirs = DataPacket::decode(bytes);
    match (&ours, &theirs) {
        (Ok(p), Ok(q)) => prop_assert_eq!(&p.to_proto(), q),
        (Err(e), Ok(_)) if is_group(e) => {}
        _ => prop_assert_eq!(ours.is_ok(), theirs.is_ok(), "ours {:?}", ours),
    }
    Ok(())
}

proptest! {
    #[test]
    fn round_trips_through_prost(p in packet()) {
        let bytes = p.encode_to_vec();
        let decoded = PacketRef::decode(&bytes).unwrap();
        prop_assert_eq!(decoded.to_proto(), p.clone());
        prop_assert_eq!(decoded, PacketRef::from(&p));
        prop_assert_eq!(decoded.encode_to_vec(), bytes);
    }

    #[test]
    fn arbitrary_bytes_agree_with_prost(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        agrees_with_prost(&bytes)?;
    }

    #[test]
    fn truncations_agree_with_prost(p in packet()) {
        let bytes = p.encode_to_vec();
        for len in 0..bytes.len() {
            agrees_with_prost(&bytes[..len])?;
        }
    }

    #[test]
    fn mutations_agree_with_prost(p in packet(), at in any::<proptest::sample::Index>(), byte in any::<u8>()) {
        let mut bytes = p.encode_to_vec();
        prop_assume!(!bytes.is_empty());
        let i = at.index(bytes.len());
        bytes[i] = byte;
        agrees_with_prost(&bytes)?;
    }

    #[test]
    fn last_occurrence_wins_like_prost(a in packet(), b in packet()) {
        // Concatenated messages merge: every scalar and string of `b` that is set wins.
        let mut bytes = a.encode_to_vec();
        bytes.extend(b.encode_to_vec());
        agrees_with_prost(&bytes)?;
    }

    #[test]
    fn batches_round_trip(collector in ".{0,16}", packets in proptest::collection::vec(packet(), 0..4)) {
        let refs: Vec<PacketRef> = packets.iter().map(PacketRef::from).collect();
        let bytes = encode_batch(&collector, &refs);
        let expected = DataBatch { collector_id: collector.clone(), packets: packets.clone() };
        prop_assert_eq!(DataBatch::decode(bytes.as_slice()).unwrap(), expected.clone());
        let batch = BatchRef::decode(&bytes).unwrap();
        prop_assert_eq!(batch.collector_id(), collector.as_str());
        prop_assert_eq!(batch.to_proto().unwrap(), expected);
    }

    #[test]
    fn arbitrary_batch_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        let ours = BatchRef::decode(&bytes).and_then(|b| b.to_proto());
        let theirs = DataBatch::decode(bytes.as_slice());
        match (&ours, &theirs) {
            (Ok(p), Ok(q)) => prop_assert_eq!(p, q),
            (Err(e), Ok(_)) if is_group(e) => {}
            _ => prop_assert_eq!(ours.is_ok(), theirs.is_ok(), "ours {:?}", ours),
        }
    }
}

#[test]
fn a_datakit_like_packet() {
    let p = DataPacket {
        group_id_hash: tailsampling::wire::fnv1a64(b"4bf92f3577b34da6a3ce929d0e0e4736"),
        raw_group_id: "4bf92f3577b34da6a3ce929d0e0e4736".into(),
        token: "tkn_0123".into(),
        source: "ddtrace".into(),
        data_type: "tracing".into(),
        config_version: 2,
        has_error: true,
        point_count: 3,
        points_payload: vec![0x0a, 0x00],
        ..DataPacket::default()
    };
    let bytes = p.encode_to_vec();
    let decoded = PacketRef::decode(&bytes).unwrap();
    assert_eq!(decoded.raw_group_id, "4bf92f3577b34da6a3ce929d0e0e4736");
    assert_eq!(decoded.pick_key(), p.group_id_hash);
    assert_eq!(
        decoded.group_key_hash(),
        tailsampling::wire::group_key_hash("tracing", "tkn_0123", "", p.group_id_hash)
    );
    assert_eq!(decoded.points_payload, &[0x0a, 0x00]);
    assert_eq!(PacketRef::decode(&[]), Ok(PacketRef::default()));
}
