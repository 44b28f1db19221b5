package tailsampling

/*
#include "tailsampling.h"
*/
import "C"

// PacketInfo is what PeekPacket reads of a DataPacket.
type PacketInfo struct {
	// PickKey is the Guance-Pick-Key Datakit sends with the packet: group_id_hash for traces,
	// the group's key (token, data type, group key and id) for logging and RUM. A proxy routes
	// the packet to backends[PickKey % n], so every packet of a group meets on one backend.
	PickKey uint64
	// PayloadCompression is DataPacket.payload_compression: 0 raw, 1 zstd.
	PayloadCompression int32
}

// Zstd reports whether the packet's payload is zstd-compressed (the raw-only
// /v1/tail_sampling answers 415 to it so Datakit falls back to /v1/tail_sampling_v2).
func (i PacketInfo) Zstd() bool { return i.PayloadCompression == 1 }

// PeekPacket reads the routing facts of one DataPacket without a processor: the pick key
// (for a proxy whose request has no Guance-Pick-Key header) and the payload compression.
// token is the request's token, as for Ingest. It makes the same header checks as Ingest,
// with the same errors (ErrDecode, ErrUnsupported, ErrTokenMismatch, ErrInvalidArgument),
// and reads only the header, without a copy: the payload is neither decompressed nor walked.
func PeekPacket(token string, body []byte) (PacketInfo, error) {
	tp, tn := cText(token)
	bp, bn := cBytes(body)
	var out C.ts_packet_info
	var cerr *C.ts_error
	if err := check(C.ts_peek_packet(tp, tn, bp, bn, &out, &cerr), cerr); err != nil {
		return PacketInfo{}, err
	}
	return PacketInfo{PickKey: uint64(out.pick_key), PayloadCompression: int32(out.payload_compression)}, nil
}
