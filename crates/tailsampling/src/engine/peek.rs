//! The header checks every packet passes before anything is stored ([`header`], shared by
//! [`Processor::ingest`](super::Processor::ingest)), and [`peek_packet`]: what a host reads of
//! a packet to route it or to refuse its payload compression, without a processor.

use super::check_name_len;
use super::error::{Error, Status};
use crate::wire::DataType;
use crate::wire::{pick_key, PacketRef, COMPRESSION_NONE, COMPRESSION_ZSTD};

/// What [`peek_packet`] reads of a `DataPacket`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PacketInfo {
    /// The `Guance-Pick-Key` Datakit sends with the packet (docs/protocol.md, "Wire format"):
    /// `group_id_hash` for traces, the group's map key for logging and RUM. A proxy routes to
    /// `backends[pick_key % n]`, so every packet of a group meets on one backend.
    pub pick_key: u64,
    /// `payload_compression`: 0 raw, 1 zstd (an API that takes only raw payloads, such as
    /// `/v1/tail_sampling`, answers 415 to zstd so Datakit falls back).
    pub payload_compression: i32,
}

/// A decoded packet header that passed every check [`header`] makes.
pub(super) struct Header<'a> {
    pub packet: PacketRef<'a>,
    /// The token the packet is accounted to: the given one, else the packet's own.
    pub token: &'a str,
    pub data_type: DataType,
}

/// Decodes the header of `body` and checks it as ingest does: the token (`token` is the one
/// the host authenticated; an empty or missing one means the packet's own), the lengths of the
/// token, source and group key, the data type and the payload compression. Errors:
/// `DecodeError`, `TokenMismatch`, `InvalidArgument` (no token at all, a name over
/// `MAX_NAME_LEN`), `Unsupported`.
pub(super) fn header<'a>(token: Option<&'a str>, body: &'a [u8]) -> Result<Header<'a>, Error> {
    let p = PacketRef::decode(body)?;
    let token = match (token.filter(|t| !t.is_empty()), p.token) {
        (Some(given), own) if !own.is_empty() && own != given => {
            return Err(Error::new(
                Status::TokenMismatch,
                "DataPacket.token differs from the authenticated token",
            ))
        }
        (Some(given), _) => given,
        (None, own) if !own.is_empty() => own,
        (None, _) => {
            return Err(Error::new(
                Status::InvalidArgument,
                "no token: pass the authenticated token or set DataPacket.token",
            ))
        }
    };
    check_name_len("token", token)?;
    check_name_len("DataPacket.source", p.source)?;
    check_name_len("DataPacket.group_key", p.group_key)?;
    let data_type = DataType::from_wire(p.data_type).ok_or_else(|| {
        Error::new(
            Status::Unsupported,
            format!(
                "DataPacket.data_type {:?} is not tracing, logging or rum",
                p.data_type
            ),
        )
    })?;
    if !matches!(p.payload_compression, COMPRESSION_NONE | COMPRESSION_ZSTD) {
        return Err(Error::new(
            Status::Unsupported,
            format!(
                "DataPacket.payload_compression {} is not 0 (none) or 1 (zstd)",
                p.payload_compression
            ),
        ));
    }
    Ok(Header {
        packet: p,
        token,
        data_type,
    })
}

/// Reads the routing facts of one `DataPacket` without ingesting it: the pick key a proxy
/// routes on (when the request has no `Guance-Pick-Key` header) and the payload compression.
/// Makes the same header checks as [`Processor::ingest`](super::Processor::ingest), with the
/// same errors, so a packet that peeks cleanly is refused by ingest only for its size, its
/// payload or the engine's state. Does not allocate on success; never reads the payload.
pub fn peek_packet(token: Option<&str>, body: &[u8]) -> Result<PacketInfo, Error> {
    let h = header(token, body)?;
    let p = &h.packet;
    Ok(PacketInfo {
        pick_key: pick_key(p.data_type, h.token, p.group_key, p.group_id_hash),
        payload_compression: p.payload_compression,
    })
}
