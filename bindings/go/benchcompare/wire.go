package main

// Reading the benchmark's input outside the timed regions: the capture file, DataPacket headers and
// PBPoints payloads (docs/protocol.md, "Wire format"), with protowire instead of generated code.

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"

	"github.com/klauspost/compress/zstd"
	"google.golang.org/protobuf/encoding/protowire"
)

// record is one capture record: a DataPacket body posted with a token.
type record struct {
	token  string
	packet []byte
}

// readCapture reads a capture file (crates/tailsampling-cli/src/capture.rs): "TSCAP1\n", then records of
// u32le token length, token, u32le packet length, packet.
func readCapture(path string) ([]record, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := bufio.NewReaderSize(f, 1<<20)
	magic := make([]byte, 7)
	if _, err := io.ReadFull(r, magic); err != nil || string(magic) != "TSCAP1\n" {
		return nil, fmt.Errorf("%s: not a capture file (no TSCAP1 magic)", path)
	}
	var out []record
	var n [4]byte
	readPart := func() ([]byte, error) {
		if _, err := io.ReadFull(r, n[:]); err != nil {
			return nil, err
		}
		b := make([]byte, binary.LittleEndian.Uint32(n[:]))
		_, err := io.ReadFull(r, b)
		return b, err
	}
	for {
		token, err := readPart()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: record %d: %w", path, len(out), err)
		}
		packet, err := readPart()
		if err != nil {
			return nil, fmt.Errorf("%s: record %d: %w", path, len(out), err)
		}
		out = append(out, record{token: string(token), packet: packet})
	}
}

// header is what the harness reads of a DataPacket.
type header struct {
	groupIDHash  uint64
	rawGroupID   string
	token        string
	dataType     string
	groupKey     string
	pointCount   int64
	traceEnd     int64
	maxPointTime int64
	payload      []byte
	compression  int64
}

// eachField calls fn for every field of a protobuf message: v holds varint and fixed64 values,
// s the bytes of length-delimited ones (aliasing b); other wire types are skipped.
func eachField(b []byte, fn func(num protowire.Number, v uint64, s []byte) error) error {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return protowire.ParseError(n)
		}
		b = b[n:]
		var v uint64
		var s []byte
		switch typ {
		case protowire.VarintType:
			v, n = protowire.ConsumeVarint(b)
		case protowire.Fixed64Type:
			v, n = protowire.ConsumeFixed64(b)
		case protowire.BytesType:
			s, n = protowire.ConsumeBytes(b)
		default:
			n = protowire.ConsumeFieldValue(num, typ, b)
		}
		if n < 0 {
			return protowire.ParseError(n)
		}
		b = b[n:]
		if err := fn(num, v, s); err != nil {
			return err
		}
	}
	return nil
}

// decodeHeader reads the DataPacket fields the harness needs; payload aliases b.
func decodeHeader(b []byte) (header, error) {
	var h header
	err := eachField(b, func(num protowire.Number, v uint64, s []byte) error {
		switch num {
		case 1:
			h.groupIDHash = v
		case 2:
			h.rawGroupID = string(s)
		case 3:
			h.token = string(s)
		case 5:
			h.dataType = string(s)
		case 8:
			h.groupKey = string(s)
		case 9:
			h.pointCount = int64(int32(v))
		case 11:
			h.traceEnd = int64(v)
		case 12:
			h.payload = s
		case 13:
			h.maxPointTime = int64(v)
		case 14:
			h.compression = int64(v)
		}
		return nil
	})
	return h, err
}

var zstdDecoder, _ = zstd.NewReader(nil, zstd.WithDecoderConcurrency(1))

// points returns the packet's PBPoints bytes, decompressing a zstd payload.
func (h *header) points() ([]byte, error) {
	switch h.compression {
	case 0:
		return h.payload, nil
	case 1:
		return zstdDecoder.DecodeAll(h.payload, nil)
	}
	return nil, fmt.Errorf("payload_compression %d", h.compression)
}

// Value kinds of a point field (the oneof of point.proto's Field).
const (
	kindNone = iota
	kindInt
	kindUint
	kindFloat
	kindBool
	kindBytes
	kindString
)

// field is one Field of a PBPoint; S holds string and bytes values.
type field struct {
	Key   string
	IsTag bool
	Kind  int
	I     int64
	U     uint64
	F     float64
	B     bool
	S     string
}

// point is a decoded PBPoint.
type point struct {
	Name   string
	Time   int64
	Fields []field
}

// get returns the first field with key, as the condition language looks keys up.
func (p *point) get(key string) (field, bool) {
	for _, f := range p.Fields {
		if f.Key == key {
			return f, true
		}
	}
	return field{}, false
}

// str returns the string value of the first field with key ("" if absent or not a string).
func (p *point) str(key string) string {
	if f, ok := p.get(key); ok && f.Kind == kindString {
		return f.S
	}
	return ""
}

// walkPoints decodes every PBPoint of a PBPoints body.
func walkPoints(b []byte, fn func(p *point)) error {
	var p point
	return eachField(b, func(num protowire.Number, _ uint64, msg []byte) error {
		if num != 1 {
			return nil
		}
		p = point{Fields: p.Fields[:0]}
		err := eachField(msg, func(num protowire.Number, v uint64, s []byte) error {
			switch num {
			case 1:
				p.Name = string(s)
			case 2:
				f, err := decodeField(s)
				if err != nil {
					return err
				}
				p.Fields = append(p.Fields, f)
			case 3:
				p.Time = int64(v)
			}
			return nil
		})
		if err == nil {
			fn(&p)
		}
		return err
	})
}

func decodeField(b []byte) (field, error) {
	var f field
	err := eachField(b, func(num protowire.Number, v uint64, s []byte) error {
		switch num {
		case 1:
			f.Key = string(s)
		case 2:
			f.Kind, f.I = kindInt, int64(v)
		case 3:
			f.Kind, f.U = kindUint, v
		case 4:
			f.Kind, f.F = kindFloat, math.Float64frombits(v)
		case 5:
			f.Kind, f.B = kindBool, v != 0
		case 6:
			f.Kind, f.S = kindBytes, string(s)
		case 8:
			f.IsTag = v != 0
		case 11:
			f.Kind, f.S = kindString, string(s)
		}
		return nil
	})
	return f, err
}
