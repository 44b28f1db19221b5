//! [`PacketRef`]: a `DataPacket` (docs/protocol.md, "Wire format") decoded without allocating, its
//! strings and payload borrowed from the request body; conversion to and from the prost type, and
//! encoding.

use std::borrow::Cow;

use prost::Message;

use super::error::WireError;
use super::hash;
use super::pb::{Quick, Reader, Schema, Wire, WireType};
use super::proto::aggregate::DataPacket;

/// `payload_compression` value: `points_payload` is the raw PBPoints bytes.
pub const COMPRESSION_NONE: i32 = 0;
/// `payload_compression` value: `points_payload` is one zstd frame over the PBPoints bytes.
pub const COMPRESSION_ZSTD: i32 = 1;

pub(crate) static DATA_PACKET: Schema = Schema::new(
    "DataPacket",
    &[
        ("group_id_hash", WireType::Varint),
        ("raw_group_id", WireType::Len),
        ("token", WireType::Len),
        ("source", WireType::Len),
        ("data_type", WireType::Len),
        ("config_version", WireType::Varint),
        ("has_error", WireType::Varint),
        ("group_key", WireType::Len),
        ("point_count", WireType::Varint),
        ("trace_start_time_unix_nano", WireType::Varint),
        ("trace_end_time_unix_nano", WireType::Varint),
        ("points_payload", WireType::Len),
        ("max_point_time_unix_nano", WireType::Varint),
        ("payload_compression", WireType::Varint),
        ("pred_error", WireType::Varint),
        ("pred_http_error", WireType::Varint),
        ("pred_biz_error", WireType::Varint),
        ("pred_trace_keep", WireType::Varint),
        ("max_span_duration_us", WireType::Varint),
        ("root_duration_us", WireType::Varint),
        ("max_nonroot_duration_us", WireType::Varint),
    ],
);

/// A decoded `aggregate.v1.DataPacket`, borrowing its strings and payload from the encoded bytes.
///
/// Fields 15–21 are client hints only; decisions walk the points.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PacketRef<'a> {
    /// 1: FNV-1a 64 of `raw_group_id`.
    pub group_id_hash: u64,
    /// 2: the trace id, or the group value (e.g. the service name).
    pub raw_group_id: &'a str,
    /// 3: the workspace token (tenant).
    pub token: &'a str,
    /// 4: the Datakit input name, e.g. `ddtrace`.
    pub source: &'a str,
    /// 5: `tracing`, `logging` or `rum`.
    pub data_type: &'a str,
    /// 6: the client's config `version`.
    pub config_version: i64,
    /// 7: some point has tag `status` == `"error"`.
    pub has_error: bool,
    /// 8: `""` for traces; the dimension key (e.g. `service`) for logging/rum.
    pub group_key: &'a str,
    /// 9: the number of points in the payload.
    pub point_count: i32,
    /// 10: the earliest span start, unix ns.
    pub trace_start_time_unix_nano: i64,
    /// 11: the latest span end, unix ns.
    pub trace_end_time_unix_nano: i64,
    /// 12: a serialized `point.PBPoints`, compressed as `payload_compression` says.
    pub points_payload: &'a [u8],
    /// 13: the latest point time, unix ns.
    pub max_point_time_unix_nano: i64,
    /// 14: [`COMPRESSION_NONE`] or [`COMPRESSION_ZSTD`]; anything else is refused when the
    /// payload is read.
    pub payload_compression: i32,
    /// 15: hint: some span has `status="error"`.
    pub pred_error: bool,
    /// 16: hint: some span's `http_status_code` is 4xx or 5xx.
    pub pred_http_error: bool,
    /// 17: hint: some span's `body_code` is not "0" or "200".
    pub pred_biz_error: bool,
    /// 18: hint: some span has bool `trace_keep` = true.
    pub pred_trace_keep: bool,
    /// 19: hint: the longest span, µs.
    pub max_span_duration_us: i64,
    /// 20: hint: the root span duration, µs.
    pub root_duration_us: i64,
    /// 21: hint: the longest non-root span, µs.
    pub max_nonroot_duration_us: i64,
}

impl<'a> PacketRef<'a> {
    /// Decodes a `DataPacket` with protobuf semantics: the last occurrence of a field wins,
    /// unknown fields are skipped, a known field with the wrong wire type is an error, and
    /// strings must be UTF-8. Never allocates.
    pub fn decode(bytes: &'a [u8]) -> Result<Self, WireError> {
        Self::decode_at(bytes, 0)
    }

    /// [`decode`](Self::decode) of a packet found at absolute `offset` (errors report it).
    pub(crate) fn decode_at(bytes: &'a [u8], offset: usize) -> Result<Self, WireError> {
        match Self::quick_decode(bytes) {
            Some(p) => Ok(p),
            None => Self::checked_decode(bytes, offset),
        }
    }

    /// [`decode_at`](Self::decode_at) on the fast path ([`Quick`]); `None` sends the packet
    /// to [`checked_decode`](Self::checked_decode), which accepts it too or reports the error.
    fn quick_decode(bytes: &'a [u8]) -> Option<Self> {
        let mut p = PacketRef::default();
        let mut q = Quick::new(bytes);
        let string = |q: &mut Quick<'a>| std::str::from_utf8(q.bytes()?).ok();
        while !q.rest.is_empty() {
            match q.wide_tag(&DATA_PACKET)? {
                (1, _) => p.group_id_hash = q.varint()?,
                (2, _) => p.raw_group_id = string(&mut q)?,
                (3, _) => p.token = string(&mut q)?,
                (4, _) => p.source = string(&mut q)?,
                (5, _) => p.data_type = string(&mut q)?,
                (6, _) => p.config_version = q.varint()? as i64,
                (7, _) => p.has_error = q.varint()? != 0,
                (8, _) => p.group_key = string(&mut q)?,
                (9, _) => p.point_count = q.varint()? as i32,
                (10, _) => p.trace_start_time_unix_nano = q.varint()? as i64,
                (11, _) => p.trace_end_time_unix_nano = q.varint()? as i64,
                (12, _) => p.points_payload = q.bytes()?,
                (13, _) => p.max_point_time_unix_nano = q.varint()? as i64,
                (14, _) => p.payload_compression = q.varint()? as i32,
                (15, _) => p.pred_error = q.varint()? != 0,
                (16, _) => p.pred_http_error = q.varint()? != 0,
                (17, _) => p.pred_biz_error = q.varint()? != 0,
                (18, _) => p.pred_trace_keep = q.varint()? != 0,
                (19, _) => p.max_span_duration_us = q.varint()? as i64,
                (20, _) => p.root_duration_us = q.varint()? as i64,
                (21, _) => p.max_nonroot_duration_us = q.varint()? as i64,
                (_, wire_type) => q.skip(wire_type)?,
            }
        }
        Some(p)
    }

    /// [`decode_at`](Self::decode_at) with the checked [`Reader`], which names the field and
    /// byte offset of an error.
    fn checked_decode(bytes: &'a [u8], offset: usize) -> Result<Self, WireError> {
        let mut p = PacketRef::default();
        for entry in Reader::new(bytes, offset, &DATA_PACKET) {
            let entry = entry?;
            // Known fields carry their declared wire type; anything else is unknown: skipped.
            match (entry.number, entry.value) {
                (1, Wire::Varint(v)) => p.group_id_hash = v,
                (2, Wire::Len(b)) => p.raw_group_id = entry.str(b)?,
                (3, Wire::Len(b)) => p.token = entry.str(b)?,
                (4, Wire::Len(b)) => p.source = entry.str(b)?,
                (5, Wire::Len(b)) => p.data_type = entry.str(b)?,
                (6, Wire::Varint(v)) => p.config_version = v as i64,
                (7, Wire::Varint(v)) => p.has_error = v != 0,
                (8, Wire::Len(b)) => p.group_key = entry.str(b)?,
                (9, Wire::Varint(v)) => p.point_count = v as i32,
                (10, Wire::Varint(v)) => p.trace_start_time_unix_nano = v as i64,
                (11, Wire::Varint(v)) => p.trace_end_time_unix_nano = v as i64,
                (12, Wire::Len(b)) => p.points_payload = b,
                (13, Wire::Varint(v)) => p.max_point_time_unix_nano = v as i64,
                (14, Wire::Varint(v)) => p.payload_compression = v as i32,
                (15, Wire::Varint(v)) => p.pred_error = v != 0,
                (16, Wire::Varint(v)) => p.pred_http_error = v != 0,
                (17, Wire::Varint(v)) => p.pred_biz_error = v != 0,
                (18, Wire::Varint(v)) => p.pred_trace_keep = v != 0,
                (19, Wire::Varint(v)) => p.max_span_duration_us = v as i64,
                (20, Wire::Varint(v)) => p.root_duration_us = v as i64,
                (21, Wire::Varint(v)) => p.max_nonroot_duration_us = v as i64,
                _ => {}
            }
        }
        Ok(p)
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

    /// An owned copy as the prost type.
    pub fn to_proto(&self) -> DataPacket {
        DataPacket {
            group_id_hash: self.group_id_hash,
            raw_group_id: self.raw_group_id.to_owned(),
            token: self.token.to_owned(),
            source: self.source.to_owned(),
            data_type: self.data_type.to_owned(),
            config_version: self.config_version,
            has_error: self.has_error,
            group_key: self.group_key.to_owned(),
            point_count: self.point_count,
            trace_start_time_unix_nano: self.trace_start_time_unix_nano,
            trace_end_time_unix_nano: self.trace_end_time_unix_nano,
            points_payload: self.points_payload.to_vec(),
            max_point_time_unix_nano: self.max_point_time_unix_nano,
            payload_compression: self.payload_compression,
            pred_error: self.pred_error,
            pred_http_error: self.pred_http_error,
            pred_biz_error: self.pred_biz_error,
            pred_trace_keep: self.pred_trace_keep,
            max_span_duration_us: self.max_span_duration_us,
            root_duration_us: self.root_duration_us,
            max_nonroot_duration_us: self.max_nonroot_duration_us,
        }
    }

    /// The protobuf encoding (by prost: fields in number order, defaults omitted).
    pub fn encode_to_vec(&self) -> Vec<u8> {
        self.to_proto().encode_to_vec()
    }
}

impl<'a> From<&'a DataPacket> for PacketRef<'a> {
    fn from(p: &'a DataPacket) -> Self {
        PacketRef {
            group_id_hash: p.group_id_hash,
            raw_group_id: &p.raw_group_id,
            token: &p.token,
            source: &p.source,
            data_type: &p.data_type,
            config_version: p.config_version,
            has_error: p.has_error,
            group_key: &p.group_key,
            point_count: p.point_count,
            trace_start_time_unix_nano: p.trace_start_time_unix_nano,
            trace_end_time_unix_nano: p.trace_end_time_unix_nano,
            points_payload: &p.points_payload,
            max_point_time_unix_nano: p.max_point_time_unix_nano,
            payload_compression: p.payload_compression,
            pred_error: p.pred_error,
            pred_http_error: p.pred_http_error,
            pred_biz_error: p.pred_biz_error,
            pred_trace_keep: p.pred_trace_keep,
            max_span_duration_us: p.max_span_duration_us,
            root_duration_us: p.root_duration_us,
            max_nonroot_duration_us: p.max_nonroot_duration_us,
        }
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

    /// Every field of DataPacket set, then an unknown one-byte and an unknown two-byte field.
    fn full_packet() -> Vec<u8> {
        let mut bytes = PacketRef {
            group_id_hash: 300,
            raw_group_id: "trace-1",
            token: "tkn",
            source: "ddtrace",
            data_type: "tracing",
            config_version: 2,
            has_error: true,
            group_key: "trace_id",
            point_count: 3,
            trace_start_time_unix_nano: 1,
            trace_end_time_unix_nano: 2,
            points_payload: b"\x0a\x00",
            max_point_time_unix_nano: 3,
            payload_compression: 1,
            pred_error: true,
            pred_http_error: true,
            pred_biz_error: true,
            pred_trace_keep: true,
            max_span_duration_us: 4,
            root_duration_us: 5,
            max_nonroot_duration_us: 6,
        }
        .encode_to_vec();
        bytes.extend([0x78, 0x01, 0xb0, 0x06, 0x2a]); // field 15 again, unknown field 102
        bytes
    }

    #[test]
    fn quick_decode_takes_every_field() {
        let bytes = full_packet();
        let quick = PacketRef::quick_decode(&bytes).expect("the fast path takes it");
        assert_eq!(Ok(quick), PacketRef::checked_decode(&bytes, 0));
        assert_eq!(quick.max_nonroot_duration_us, 6);
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
                if let Some(quick) = PacketRef::quick_decode(&input) {
                    proptest::prop_assert_eq!(Ok(quick), PacketRef::checked_decode(&input, 0));
                }
            }
        }
    }
}
