//! [`WireError`]: every way wire input can be refused, each naming where (message, field, byte
//! offset) and what, plus the [`ErrorKind`] the engine maps to a status.

use std::fmt;

/// The class of a [`WireError`], which decides the status the host answers with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// The bytes are not a valid encoding (protobuf or zstd): a decode error (HTTP 400).
    Malformed,
    /// `payload_compression` names a compression this engine does not know (HTTP 415).
    UnsupportedCompression,
    /// The payload decompresses to more than the allowed size (HTTP 413).
    TooLarge,
}

/// Why wire input was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum WireError {
    /// The protobuf encoding is invalid.
    #[error("{site} at byte {offset}: {problem}")]
    Decode {
        /// The message and field being read.
        site: Site,
        /// Absolute byte offset in the decoded buffer where the problem starts.
        offset: usize,
        /// What is wrong there.
        problem: Problem,
    },
    /// The zstd frame of a compressed payload is corrupt, truncated or followed by other bytes.
    #[error("zstd payload at byte {offset} of the compressed payload: {reason}")]
    Zstd {
        /// Byte offset in the compressed payload where decoding stopped.
        offset: usize,
        /// The decoder's description of the problem.
        reason: &'static str,
    },
    /// `payload_compression` is neither 0 (raw) nor 1 (zstd).
    #[error("DataPacket.payload_compression (field 14): unsupported value {0}, expected 0 (raw) or 1 (zstd)")]
    UnsupportedCompression(i32),
    /// The payload decompresses to more bytes than allowed.
    #[error("decompressed payload exceeds the limit of {cap} bytes{}", declared_note(.declared))]
    TooLarge {
        /// The limit.
        cap: usize,
        /// The content size declared by the zstd frame header, if it declares one.
        declared: Option<u64>,
    },
}

impl WireError {
    /// The class of this error, for mapping to a status.
    pub fn kind(&self) -> ErrorKind {
        match self {
            WireError::Decode { .. } | WireError::Zstd { .. } => ErrorKind::Malformed,
            WireError::UnsupportedCompression(_) => ErrorKind::UnsupportedCompression,
            WireError::TooLarge { .. } => ErrorKind::TooLarge,
        }
    }
}

fn declared_note(declared: &Option<u64>) -> String {
    declared.map_or_else(String::new, |n| {
        format!(" (the zstd frame header declares {n} bytes)")
    })
}

/// Where in the protobuf schema a decode error happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Site {
    /// The message being read, e.g. `DataPacket`.
    pub message: &'static str,
    /// The field number, when the problem is inside one field (`None` for a bad tag).
    pub field: Option<u32>,
    /// The field name, when the field is known to the schema.
    pub name: Option<&'static str>,
}

impl fmt::Display for Site {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.field, self.name) {
            (Some(number), Some(name)) => write!(f, "{}.{name} (field {number})", self.message),
            (Some(number), None) => write!(f, "{} field {number}", self.message),
            (None, _) => f.write_str(self.message),
        }
    }
}

/// What is wrong with a protobuf encoding.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Problem {
    /// The input ends inside a varint.
    #[error("varint runs past the end of the input")]
    VarintTruncated,
    /// A varint is longer than 10 bytes.
    #[error("varint is longer than 10 bytes")]
    VarintTooLong,
    /// A 10-byte varint encodes more than 64 bits.
    #[error("varint overflows 64 bits")]
    VarintOverflow,
    /// A fixed-width value needs more bytes than are left.
    #[error("fixed {width}-byte value needs more than the {left} bytes left")]
    FixedTruncated {
        /// 4 or 8.
        width: usize,
        /// Bytes left in the message.
        left: usize,
    },
    /// A length-delimited value is longer than what is left of its message.
    #[error("length {len} exceeds the {left} bytes left")]
    LengthOverrun {
        /// The declared length.
        len: u64,
        /// Bytes left in the message after the length prefix.
        left: usize,
    },
    /// A field key is not a valid tag (field number 0, or larger than 32 bits).
    #[error("invalid field key {0}")]
    InvalidKey(u64),
    /// A group (wire type 3 or 4): deprecated in protobuf, never used by this schema.
    #[error("wire type {0} (group) is not supported")]
    Group(u8),
    /// Wire type 6 or 7, which do not exist.
    #[error("invalid wire type {0}")]
    InvalidWireType(u8),
    /// A known field encoded with the wrong wire type.
    #[error("wire type {} ({}), expected {} ({})", .found, wire_type_name(*.found), .expected, wire_type_name(*.expected))]
    WrongWireType {
        /// The wire type on the wire.
        found: u8,
        /// The wire type of the field's declared type.
        expected: u8,
    },
    /// A `string` field that is not valid UTF-8; the offset is that of the first invalid byte.
    #[error("string is not valid UTF-8")]
    Utf8,
}

fn wire_type_name(wire_type: u8) -> &'static str {
    match wire_type {
        0 => "varint",
        1 => "fixed 64-bit",
        2 => "length-delimited",
        5 => "fixed 32-bit",
        3 | 4 => "group",
        _ => "invalid",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_field_and_offset() {
        let err = WireError::Decode {
            site: Site {
                message: "DataPacket",
                field: Some(12),
                name: Some("points_payload"),
            },
            offset: 17,
            problem: Problem::LengthOverrun {
                len: 1000,
                left: 12,
            },
        };
        assert_eq!(
            err.to_string(),
            "DataPacket.points_payload (field 12) at byte 17: length 1000 exceeds the 12 bytes left"
        );
        assert_eq!(err.kind(), ErrorKind::Malformed);

        let err = WireError::Decode {
            site: Site {
                message: "DataPacket",
                field: Some(2),
                name: Some("raw_group_id"),
            },
            offset: 0,
            problem: Problem::WrongWireType {
                found: 0,
                expected: 2,
            },
        };
        assert_eq!(
            err.to_string(),
            "DataPacket.raw_group_id (field 2) at byte 0: wire type 0 (varint), expected 2 (length-delimited)"
        );
    }

    #[test]
    fn kinds() {
        let too_large = WireError::TooLarge {
            cap: 10,
            declared: Some(11),
        };
        assert_eq!(too_large.kind(), ErrorKind::TooLarge);
        assert_eq!(
            too_large.to_string(),
            "decompressed payload exceeds the limit of 10 bytes (the zstd frame header declares 11 bytes)"
        );
        assert_eq!(
            WireError::UnsupportedCompression(2).kind(),
            ErrorKind::UnsupportedCompression
        );
    }
}
