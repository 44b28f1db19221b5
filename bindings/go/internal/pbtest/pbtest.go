// Package pbtest builds and reads the protobuf messages of the Dataway tail-sampling protocol
// for the tests: DataPacket (proto/aggregate.proto) and PBPoints (proto/point.proto), written
// by hand so the module needs no protobuf dependency. Test support only.
package pbtest

import (
	"encoding/binary"
	"errors"
	"hash/fnv"
)

// T0 is a fixed point time (2026-11-19T00:00:00Z) in Unix nanoseconds.
const T0 int64 = 1795219200_000_000_000

// Tag is a tag of a point: a Field with is_tag set and a string value.
type Tag struct{ Key, Value string }

// Point is a PBPoint: a measurement name, tags and a time. (Other fields are not modelled.)
type Point struct {
	Name string
	Tags []Tag
	Time int64
}

// Tag returns the value of the point's tag key, or "".
func (p Point) Tag(key string) string {
	for _, t := range p.Tags {
		if t.Key == key {
			return t.Value
		}
	}
	return ""
}

// Span is a ddtrace span of trace traceID with tag status ("ok", "error").
func Span(traceID, status string) Point {
	return Point{Name: "ddtrace", Time: T0, Tags: []Tag{
		{"trace_id", traceID}, {"service", "web"}, {"status", status}}}
}

// Points serializes points as a PBPoints.
func Points(points ...Point) []byte {
	var out []byte
	for _, p := range points {
		var pt []byte
		pt = str(pt, 1, p.Name)
		for _, t := range p.Tags {
			var f []byte
			f = str(f, 1, t.Key)
			f = varintField(f, 8, 1)
			f = str(f, 11, t.Value)
			pt = bytesField(pt, 2, f)
		}
		pt = varintField(pt, 3, uint64(p.Time))
		out = bytesField(out, 1, pt)
	}
	return out
}

// Packet describes a DataPacket. GroupIDHash is computed: FNV-1a 64 of RawGroupID.
type Packet struct {
	Token      string
	DataType   string // "tracing", "logging", "rum"
	GroupKey   string // "" for traces
	RawGroupID string // the trace id, or the group value
	Points     []Point
	HasError   bool
	// Compression is DataPacket.payload_compression: 0 raw, 1 zstd (Encode compresses).
	Compression int32
}

// GroupIDHash is the packet's group_id_hash: FNV-1a 64 of its raw group id.
func (p Packet) GroupIDHash() uint64 {
	h := fnv.New64a()
	h.Write([]byte(p.RawGroupID))
	return h.Sum64()
}

// Encode serializes the packet as Datakit does.
func (p Packet) Encode() []byte {
	payload := Points(p.Points...)
	if p.Compression == 1 {
		payload = Zstd(payload)
	}
	var out []byte
	out = varintField(out, 1, p.GroupIDHash())
	out = str(out, 2, p.RawGroupID)
	out = str(out, 3, p.Token)
	out = str(out, 4, "ddtrace")
	out = str(out, 5, p.DataType)
	if p.HasError {
		out = varintField(out, 7, 1)
	}
	out = str(out, 8, p.GroupKey)
	out = varintField(out, 9, uint64(len(p.Points)))
	out = bytesField(out, 12, payload)
	out = varintField(out, 13, uint64(T0))
	if p.Compression != 0 {
		out = varintField(out, 14, uint64(p.Compression))
	}
	return out
}

// Trace is a one-span tracing packet of token (may be empty) for traceID with status.
func Trace(token, traceID, status string) []byte {
	return Packet{Token: token, DataType: "tracing", RawGroupID: traceID,
		Points: []Point{Span(traceID, status)}, HasError: status == "error"}.Encode()
}

// Zstd wraps b in one zstd frame of raw (stored) blocks: valid zstd, no compression.
func Zstd(b []byte) []byte {
	out := []byte{0x28, 0xb5, 0x2f, 0xfd, 0xa0} // magic; single segment, 4-byte content size
	out = binary.LittleEndian.AppendUint32(out, uint32(len(b)))
	const maxBlock = 128 << 10
	for first := true; first || len(b) > 0; first = false {
		n := min(len(b), maxBlock)
		hdr := uint32(n) << 3 // block type 0: raw
		if n == len(b) {
			hdr |= 1 // last block
		}
		out = append(out, byte(hdr), byte(hdr>>8), byte(hdr>>16))
		out = append(out, b[:n]...)
		b = b[n:]
	}
	return out
}

// DecodePoints reads a serialized PBPoints (names, string tags and times).
func DecodePoints(b []byte) ([]Point, error) {
	var pts []Point
	err := walk(b, func(num int, v uint64, data []byte) error {
		if num != 1 || data == nil {
			return nil
		}
		var p Point
		err := walk(data, func(num int, v uint64, data []byte) error {
			switch num {
			case 1:
				p.Name = string(data)
			case 3:
				p.Time = int64(v)
			case 2:
				var key, s string
				var isTag bool
				if err := walk(data, func(num int, v uint64, data []byte) error {
					switch num {
					case 1:
						key = string(data)
					case 8:
						isTag = v != 0
					case 11:
						s = string(data)
					}
					return nil
				}); err != nil {
					return err
				}
				if isTag {
					p.Tags = append(p.Tags, Tag{key, s})
				}
			}
			return nil
		})
		pts = append(pts, p)
		return err
	})
	return pts, err
}

var errTruncated = errors.New("pbtest: truncated protobuf")

// walk calls f for each field of message b: varint fields with v, length-delimited ones with
// data (non-nil); fixed-width fields are skipped.
func walk(b []byte, f func(num int, v uint64, data []byte) error) error {
	for len(b) > 0 {
		key, n := binary.Uvarint(b)
		if n <= 0 {
			return errTruncated
		}
		b = b[n:]
		num := int(key >> 3)
		switch key & 7 {
		case 0:
			v, n := binary.Uvarint(b)
			if n <= 0 {
				return errTruncated
			}
			b = b[n:]
			if err := f(num, v, nil); err != nil {
				return err
			}
		case 1, 5:
			w := 8
			if key&7 == 5 {
				w = 4
			}
			if len(b) < w {
				return errTruncated
			}
			b = b[w:]
		case 2:
			l, n := binary.Uvarint(b)
			if n <= 0 || uint64(len(b)-n) < l {
				return errTruncated
			}
			data := b[n : n+int(l) : n+int(l)] // slicing a non-nil slice: never nil
			b = b[n+int(l):]
			if err := f(num, 0, data); err != nil {
				return err
			}
		default:
			return errors.New("pbtest: unsupported wire type")
		}
	}
	return nil
}

func varintField(b []byte, num int, v uint64) []byte {
	b = binary.AppendUvarint(b, uint64(num)<<3)
	return binary.AppendUvarint(b, v)
}

func bytesField(b []byte, num int, data []byte) []byte {
	b = binary.AppendUvarint(b, uint64(num)<<3|2)
	b = binary.AppendUvarint(b, uint64(len(data)))
	return append(b, data...)
}

func str(b []byte, num int, s string) []byte {
	if s == "" {
		return b
	}
	return bytesField(b, num, []byte(s))
}
