//! `ts_peek_packet`: what a host reads of a packet before (or instead of) ingesting it, so
//! a proxy routes by the same pick key and an API refuses the same payloads as the engine.

use std::ffi::c_char;

use super::args::{bytes, required, text};
use super::error::ts_error;
use super::status::ts_status;
use tailsampling::Status;

/// What `ts_peek_packet` reads of a `DataPacket`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct ts_packet_info {
    /// The `Guance-Pick-Key` Datakit sends with the packet: `group_id_hash` for traces, the
    /// group's key (token, data type, group key and id) for logging and RUM. A proxy routes
    /// the packet to `backends[pick_key % n]` so every packet of a group meets on one backend.
    pub pick_key: u64,
    /// `DataPacket.payload_compression`: 0 raw, 1 zstd.
    pub payload_compression: i32,
}

/// Reads the routing facts of one `DataPacket`, `body[0..body_len]`, without a processor:
/// the pick key (for a proxy whose request carries no `Guance-Pick-Key` header) and the
/// payload compression (`/v1/tail_sampling` answers 415 to zstd so Datakit falls back to
/// `/v1/tail_sampling_v2`). `token[0..token_len]` is the request's token, as for `ts_ingest`.
///
/// Makes the same header checks as `ts_ingest`, with the same statuses, and reads only the
/// header: the payload is neither decompressed nor walked. On success `*out` is written.
///
/// Returns `TS_OK`, `TS_DECODE_ERROR`, `TS_UNSUPPORTED` (data type or compression),
/// `TS_TOKEN_MISMATCH`, `TS_INVALID_ARGUMENT` (NULL `out`, bad UTF-8 token, `(NULL, n > 0)`,
/// no token at all, a token, `source` or `group_key` over 1024 bytes), `TS_PANIC`.
/// Thread-safe.
///
/// # Safety
/// `token` and `body` are NULL or valid for reads of their lengths; `out` and `err` are NULL
/// or valid for a write.
#[no_mangle]
pub unsafe extern "C" fn ts_peek_packet(
    token: *const c_char,
    token_len: usize,
    body: *const u8,
    body_len: usize,
    out: Option<&mut ts_packet_info>,
    err: Option<&mut *mut ts_error>,
) -> ts_status {
    boundary!(ts_peek_packet, err, || {
        let out = required("out", out)?;
        // SAFETY: the caller's promise.
        let token = unsafe { text("token", token, token_len) }?;
        // SAFETY: the caller's promise.
        let body = unsafe { bytes("body", body, body_len) }?;
        let info = tailsampling::peek_packet(Some(token), body)?;
        *out = ts_packet_info {
            pick_key: info.pick_key,
            payload_compression: info.payload_compression,
        };
        Ok(Status::Ok)
    })
}
