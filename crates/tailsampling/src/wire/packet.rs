//! [`PacketRef`]: a `DataPacket` (docs/protocol.md, "Wire format") decoded without allocating, its
//! strings and payload borrowed from the request body; conversion to and from the prost type, and
//! encoding. DataPacket's fields are listed once, in the `data_packet!` table, and everything
//! that needs them is generated from it.

use std::borrow::Cow;

use prost::Message;

use super::error::WireError;
use super::hash;
use super::pb::{self, Cursor, Schema, Source, Walk, WireType};
use super::proto::aggregate::DataPacket;

/// `payload_compression` value: `points_payload` is the raw PBPoints bytes.
pub const COMPRESSION_NONE: i32 = 0;
/// `payload_compression` value: `points_payload` is one zstd frame over the PBPoints bytes.
pub const COMPRESSION_ZSTD: i32 = 1;

/// DataPacket's fields, written once: `number name: type`, with the field's doc. Everything that
/// lists the fields is generated from this table: the [`PacketRef`] struct, its schema, its
/// decoder ([`PacketWalk`]), its conversions to and from the prost type and
/// [`PacketRef::fields`] (which tools such as the Python binding read). Field `n` must be the
/// `n`-th entry.
macro_rules! data_packet {
    ($($(#[$doc:meta])* $number:literal $name:ident: $ty:ty,)*) => {
        /// A decoded `aggregate.v1.DataPacket`, borrowing its strings and payload from the encoded
        /// bytes.
        ///
        /// Fields 15–21 are client hints only; decisions walk the points.
        #[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
        pub struct PacketRef<'a> {
            $($(#[$doc])* pub $name: $ty,)*
        }

        impl<'a> PacketRef<'a> {
            /// The name and wire type of each field, in number order (for [`DATA_PACKET`]).
            const SCHEMA_FIELDS: &'static [(&'static str, WireType)] =
                &[$((stringify!($name), <$ty as PacketField<'a>>::WIRE),)*];

            /// Every field as `(name, value)`, in field-number order.
            pub fn fields(&self) -> impl Iterator<Item = (&'static str, PacketValue<'a>)> {
                [$((stringify!($name), self.$name.value()),)*].into_iter()
            }

            /// An owned copy as the prost type.
            pub fn to_proto(&self) -> DataPacket {
                DataPacket {
                    $($name: self.$name.to_owned_value(),)*
                }
            }
        }

        impl<'a> From<&'a DataPacket> for PacketRef<'a> {
            fn from(p: &'a DataPacket) -> Self {
                PacketRef {
                    $($name: PacketField::borrow(&p.$name),)*
                }
            }
        }

        impl<'a> Walk<'a> for PacketWalk {
            type Output = PacketRef<'a>;

            /// Protobuf semantics: the last occurrence of a field wins, unknown fields are
            /// skipped.
            #[inline]
            fn walk<S: Source<'a>>(&mut self, src: &mut S) -> Result<PacketRef<'a>, S::Error> {
                let mut p = PacketRef::default();
                while let Some(tag) = src.field()? {
                    match tag.number {
                        $($number => p.$name = PacketField::read(src)?,)*
                        _ => src.skip(tag)?,
                    }
                }
                Ok(p)
            }
        }
    };
}

data_packet! {
    /// 1: FNV-1a 64 of `raw_group_id`.
    1 group_id_hash: u64,
    /// 2: the trace id, or the group value (e.g. the service name).
    2 raw_group_id: &'a str,
    /// 3: the workspace token (tenant).
    3 token: &'a str,
    /// 4: the Datakit input name, e.g. `ddtrace`.
    4 source: &'a str,
    /// 5: `tracing`, `logging` or `rum`.
    5 data_type: &'a str,
    /// 6: the client's config `version`.
    6 config_version: i64,
    /// 7: some point has tag `status` == `"error"`.
    7 has_error: bool,
    /// 8: `""` for traces; the dimension key (e.g. `service`) for logging/rum.
    8 group_key: &'a str,
    /// 9: the number of points in the payload.
    9 point_count: i32,
    /// 10: the earliest span start, unix ns.
    10 trace_start_time_unix_nano: i64,
    /// 11: the latest span end, unix ns.
    11 trace_end_time_unix_nano: i64,
    /// 12: a serialized `point.PBPoints`, compressed as `payload_compression` says.
    12 points_payload: &'a [u8],
    /// 13: the latest point time, unix ns.
    13 max_point_time_unix_nano: i64,
    /// 14: [`COMPRESSION_NONE`] or [`COMPRESSION_ZSTD`]; anything else is refused when the
    /// payload is read.
    14 payload_compression: i32,
    /// 15: hint: some span has `status="error"`.
    15 pred_error: bool,
    /// 16: hint: some span's `http_status_code` is 4xx or 5xx.
    16 pred_http_error: bool,
    /// 17: hint: some span's `body_code` is not "0" or "200".
    17 pred_biz_error: bool,
    /// 18: hint: some span has bool `trace_keep` = true.
    18 pred_trace_keep: bool,
    /// 19: hint: the longest span, µs.
    19 max_span_duration_us: i64,
    /// 20: hint: the root span duration, µs.
    20 root_duration_us: i64,
    /// 21: hint: the longest non-root span, µs.
    21 max_nonroot_duration_us: i64,
}

pub(crate) static DATA_PACKET: Schema =
    Schema::new("DataPacket", PacketRef::<'static>::SCHEMA_FIELDS);

/// The value of one field of a [`PacketRef`], by its protobuf type (see [`PacketRef::fields`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PacketValue<'a> {
    /// A `uint64`.
    U64(u64),
    /// An `int64`.
    I64(i64),
    /// An `int32`.
    I32(i32),
    /// A `bool`.
    Bool(bool),
    /// A `string`.
    Str(&'a str),
    /// A `bytes`.
    Bytes(&'a [u8]),
}

/// A Rust type of a [`PacketRef`] field, by its protobuf type: how it is read from a
/// [`Source`], converted to and from the prost type, and listed by [`PacketRef::fields`].
trait PacketField<'a>: Sized {
    /// The wire type of the protobuf type.
    const WIRE: WireType;
    /// The prost type's representation.
    type Owned;
    fn read<S: Source<'a>>(src: &mut S) -> Result<Self, S::Error>;
    fn to_owned_value(self) -> Self::Owned;
    fn borrow(owned: &'a Self::Owned) -> Self;
    fn value(self) -> PacketValue<'a>;
}

/// The scalar (varint) protobuf types, converted from the varint as prost does.
macro_rules! varint_field {
    ($($ty:ty => $variant:ident, |$v:ident| $from_varint:expr;)*) => {$(
        impl<'a> PacketField<'a> for $ty {
            const WIRE: WireType = WireType::Varint;
            type Owned = $ty;
            #[inline(always)]
            fn read<S: Source<'a>>(src: &mut S) -> Result<Self, S::Error> {
                let $v = src.varint()?;
                Ok($from_varint)
            }
            fn to_owned_value(self) -> $ty {
                self
            }
            fn borrow(owned: &$ty) -> Self {
                *owned
            }
            fn value(self) -> PacketValue<'a> {
                PacketValue::$variant(self)
            }
        }
    )*};
}

varint_field! {
    u64 => U64, |v| v;
    i64 => I64, |v| v as i64;
    i32 => I32, |v| v as i32;
    bool => Bool, |v| v != 0;
}

impl<'a> PacketField<'a> for &'a str {
    const WIRE: WireType = WireType::Len;
    type Owned = String;
    #[inline(always)]
    fn read<S: Source<'a>>(src: &mut S) -> Result<Self, S::Error> {
        src.str()
    }
    fn to_owned_value(self) -> String {
        self.to_owned()
    }
    fn borrow(owned: &'a String) -> Self {
        owned
    }
    fn value(self) -> PacketValue<'a> {
        PacketValue::Str(self)
    }
}

impl<'a> PacketField<'a> for &'a [u8] {
    const WIRE: WireType = WireType::Len;
    type Owned = Vec<u8>;
    #[inline(always)]
    fn read<S: Source<'a>>(src: &mut S) -> Result<Self, S::Error> {
        src.bytes()
    }
    fn to_owned_value(self) -> Vec<u8> {
        self.to_vec()
    }
    fn borrow(owned: &'a Vec<u8>) -> Self {
        owned
    }
    fn value(self) -> PacketValue<'a> {
        PacketValue::Bytes(self)
    }
}

/// The decoding of a `DataPacket` (its body is generated from the field table).
pub(crate) struct PacketWalk;

impl<'a> PacketRef<'a> {
    /// Decodes a `DataPacket` with protobuf semantics: the last occurrence of a field wins,
    /// unknown fields are skipped, a known field with the wrong wire type is an error, and
    /// strings must be UTF-8. Never allocates.
    pub fn decode(bytes: &'a [u8]) -> Result<Self, WireError> {
        pb::decode(&mut Cursor::new(bytes, 0), &DATA_PACKET, &mut PacketWalk)
    }

    /// The PBPoints bytes of the payload: borrowed when raw, decompressed (at most `cap` bytes)
    /// when zstd. See [`payload_bytes`](super::payload_bytes).
    pub fn payload(&self, cap: usize) -> Result<Cow<'a, [u8]>, WireError> {
        super::payload_bytes(self, cap)
    }

    /// The key of this packet's group in the engine's map ([`hash::group_key_hash`]).
    pub fn group_key_hash(&self) -> u64 {
        hash::group_key_hash(
            self.data_type,
            self.token,
            self.group_key,
            self.group_id_hash,
        )
    }

    /// The proxy routing key of this packet ([`hash::pick_key`]).
    pub fn pick_key(&self) -> u64 {
        hash::pick_key(
            self.data_type,
            self.token,
            self.group_key,
            self.group_id_hash,
        )
    }

    /// The protobuf encoding (by prost: fields in number order, defaults omitted).
    pub fn encode_to_vec(&self) -> Vec<u8> {
        self.to_proto().encode_to_vec()
    }
}

impl From<PacketRef<'_>> for DataPacket {
    fn from(p: PacketRef<'_>) -> Self {
        p.to_proto()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn last_occurrence_wins_and_unknown_fields_are_skipped() {
        let bytes = [
            0x12, 0x01, b'a', // raw_group_id = "a"
            0xb0, 0x06, 0x2a, // field 102: unknown varint
            0x12, 0x01, b'b', // raw_group_id = "b"
            0x48, 0xff, 0xff, 0xff, 0xff, 0x0f, // point_count = 0xffffffff → -1
            0x38, 0x02, // has_error = 2 → true
        ];
        let p = PacketRef::decode(&bytes).unwrap();
        assert_eq!(p.raw_group_id, "b");
        assert_eq!(p.point_count, -1);
        assert!(p.has_error);
    }

    #[test]
    fn errors_name_the_field() {
        let err = PacketRef::decode(&[0x08, 0x01, 0x62, 0xe8, 0x07, 0, 0]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "DataPacket.points_payload (field 12) at byte 5: length 1000 exceeds the 2 bytes left"
        );
        let err = PacketRef::decode(&[0x1a, 0x02, b'x', 0xc0]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "DataPacket.token (field 3) at byte 3: string is not valid UTF-8"
        );
        let err = PacketRef::decode(&[0x2a, 0x00, 0x61, 0x00]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "DataPacket.points_payload (field 12) at byte 2: wire type 1 (fixed 64-bit), expected 2 (length-delimited)"
        );
    }

    /// Every field of DataPacket set (from its schema: varint `n` = n, length-delimited `n` =
    /// "f{n}"), then field 15 again and an unknown two-byte field.
    fn full_packet() -> Vec<u8> {
        use prost::encoding::encode_varint;
        let mut bytes = Vec::new();
        for (n, (_, wire_type)) in (1u64..).zip(DATA_PACKET.fields) {
            encode_varint(n << 3 | *wire_type as u64, &mut bytes);
            match wire_type {
                WireType::Varint => encode_varint(n, &mut bytes),
                _ => {
                    let value = format!("f{n}");
                    encode_varint(value.len() as u64, &mut bytes);
                    bytes.extend(value.as_bytes());
                }
            }
        }
        bytes.extend([0x78, 0x01, 0xb0, 0x06, 0x2a]); // field 15 again, unknown field 102
        bytes
    }

    fn quick_decode(bytes: &[u8]) -> Option<PacketRef<'_>> {
        PacketWalk
            .walk(&mut pb::Quick::new(Cursor::new(bytes, 0), &DATA_PACKET))
            .ok()
    }

    fn checked_decode(bytes: &[u8]) -> Result<PacketRef<'_>, WireError> {
        pb::checked(&mut Cursor::new(bytes, 0), &DATA_PACKET, &mut PacketWalk)
    }

    #[test]
    fn quick_decode_takes_every_field() {
        let bytes = full_packet();
        let quick = quick_decode(&bytes).expect("the fast path takes it");
        assert_eq!(Ok(quick), checked_decode(&bytes));
        assert_eq!(quick.max_nonroot_duration_us, 21);
        assert_eq!(quick.fields().count(), DATA_PACKET.fields.len());
        for (name, value) in quick.fields() {
            let default = PacketRef::default().fields().find(|(n, _)| *n == name);
            assert_ne!(Some((name, value)), default, "{name} is set");
        }
        assert_eq!(PacketRef::from(&quick.to_proto()), quick);
    }

    proptest::proptest! {
        /// The fast path accepts only what the checked path accepts, with the same result:
        /// every byte string, and mutations of a packet with every field set.
        #[test]
        fn quick_decode_agrees_with_checked_decode(
            bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..48),
            flips in proptest::collection::vec((0usize..128, proptest::prelude::any::<u8>()), 0..4),
        ) {
            for mut input in [bytes.clone(), full_packet()] {
                let len = input.len().max(1);
                for &(at, byte) in &flips {
                    if let Some(b) = input.get_mut(at % len) {
                        *b = byte;
                    }
                }
                if let Some(quick) = quick_decode(&input) {
                    proptest::prop_assert_eq!(Ok(quick), checked_decode(&input));
                }
            }
        }
    }
}
