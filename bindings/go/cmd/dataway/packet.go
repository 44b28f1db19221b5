package main

import (
	"encoding/binary"
	"errors"
	"math/bits"
)

// packetHeader is what the host reads of a DataPacket (REFERENCE.md §1) to route it and to
// check its payload compression, without decoding the payload. The byte slices alias the
// body.
type packetHeader struct {
	groupIDHash uint64 // field 1
	token       []byte // field 3
	dataType    []byte // field 5
	groupKey    []byte // field 8
	compression uint64 // field 14: 0 raw, 1 zstd
}

var errBadPacket = errors.New("not a DataPacket: truncated or malformed protobuf")

// readHeader walks the top-level fields of a DataPacket.
func readHeader(b []byte) (packetHeader, error) {
	var h packetHeader
	for len(b) > 0 {
		key, n := binary.Uvarint(b)
		if n <= 0 {
			return h, errBadPacket
		}
		b = b[n:]
		switch key & 7 {
		case 0: // varint
			v, n := binary.Uvarint(b)
			if n <= 0 {
				return h, errBadPacket
			}
			b = b[n:]
			switch key >> 3 {
			case 1:
				h.groupIDHash = v
			case 14:
				h.compression = v
			}
		case 1, 5: // fixed 64 and 32 bits
			w := 8
			if key&7 == 5 {
				w = 4
			}
			if len(b) < w {
				return h, errBadPacket
			}
			b = b[w:]
		case 2: // length-delimited
			l, n := binary.Uvarint(b)
			if n <= 0 || l > uint64(len(b)-n) {
				return h, errBadPacket
			}
			v := b[n : n+int(l)]
			b = b[n+int(l):]
			switch key >> 3 {
			case 3:
				h.token = v
			case 5:
				h.dataType = v
			case 8:
				h.groupKey = v
			}
		default:
			return h, errBadPacket
		}
	}
	return h, nil
}

// pickKey is the Guance-Pick-Key of the packet (REFERENCE.md §1): group_id_hash for traces;
// for logging and RUM HashCombine(HashCombine(HashToken(token, group_id_hash),
// xxh64(data_type)), xxh64(group_key)). token is the packet's own, or the request's when the
// packet has none.
func (h packetHeader) pickKey(token string) uint64 {
	if string(h.dataType) == "tracing" {
		return h.groupIDHash
	}
	t := h.token
	if len(t) == 0 {
		t = []byte(token)
	}
	k := hashCombine(h.groupIDHash, xxh64(t))
	k = hashCombine(k, xxh64(h.dataType))
	return hashCombine(k, xxh64(h.groupKey))
}

// hashCombine is the reference's HashCombine: ((seed + 0x9e3779b9) ^ h) * 0x517cc1b727220a95.
func hashCombine(seed, h uint64) uint64 {
	return ((seed + 0x9e3779b9) ^ h) * 0x517cc1b727220a95
}

// XXH64 with seed 0 (the algorithm of github.com/Cyan4973/xxHash, as Go's cespare/xxhash).
const (
	prime1 uint64 = 11400714785074694791
	prime2 uint64 = 14029467366897019727
	prime3 uint64 = 1609587929392839161
	prime4 uint64 = 9650029242287828579
	prime5 uint64 = 2870177450012600261
)

func xxh64(b []byte) uint64 {
	n := uint64(len(b))
	var h uint64
	if len(b) >= 32 {
		var v1, v2, v3, v4 uint64 = prime1, prime2, 0, 0
		v1 += prime2 // wrapping: the reference's seed + prime1 + prime2
		v4 -= prime1
		for ; len(b) >= 32; b = b[32:] {
			v1 = xxRound(v1, binary.LittleEndian.Uint64(b))
			v2 = xxRound(v2, binary.LittleEndian.Uint64(b[8:]))
			v3 = xxRound(v3, binary.LittleEndian.Uint64(b[16:]))
			v4 = xxRound(v4, binary.LittleEndian.Uint64(b[24:]))
		}
		h = bits.RotateLeft64(v1, 1) + bits.RotateLeft64(v2, 7) +
			bits.RotateLeft64(v3, 12) + bits.RotateLeft64(v4, 18)
		for _, v := range [...]uint64{v1, v2, v3, v4} {
			h = (h^xxRound(0, v))*prime1 + prime4
		}
	} else {
		h = prime5
	}
	h += n
	for ; len(b) >= 8; b = b[8:] {
		h ^= xxRound(0, binary.LittleEndian.Uint64(b))
		h = bits.RotateLeft64(h, 27)*prime1 + prime4
	}
	if len(b) >= 4 {
		h ^= uint64(binary.LittleEndian.Uint32(b)) * prime1
		h = bits.RotateLeft64(h, 23)*prime2 + prime3
		b = b[4:]
	}
	for _, c := range b {
		h ^= uint64(c) * prime5
		h = bits.RotateLeft64(h, 11) * prime1
	}
	h ^= h >> 33
	h *= prime2
	h ^= h >> 29
	h *= prime3
	h ^= h >> 32
	return h
}

func xxRound(acc, v uint64) uint64 {
	return bits.RotateLeft64(acc+v*prime2, 31) * prime1
}
