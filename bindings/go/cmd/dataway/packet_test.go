package main

import (
	"testing"

	"github.com/tailsampling/tailsampling-go/internal/pbtest"
)

// Vectors of src/wire/hash.rs (the engine's, checked against the reference).
func TestXXH64(t *testing.T) {
	for s, want := range map[string]uint64{
		"":    0xef46db3751d8e999,
		"a":   0xd24ec4f1a98c6e5b,
		"abc": 0x44bc2cf5ad770999,
		"The quick brown fox jumps over the lazy dog": 0x0b242d361fda71bc,
		"tkn_0123456789abcdef":                        0x8655236c58c874cd,
	} {
		if got := xxh64([]byte(s)); got != want {
			t.Errorf("xxh64(%q) = %#x, want %#x", s, got, want)
		}
	}
}

func TestPickKey(t *testing.T) {
	const token = "tkn_0123456789abcdef"
	trace := pbtest.Packet{DataType: "tracing", RawGroupID: "4bf92f3577b34da6a3ce929d0e0e4736"}
	logging := pbtest.Packet{DataType: "logging", GroupKey: "service", RawGroupID: "checkout"}
	rum := pbtest.Packet{Token: token, DataType: "rum", GroupKey: "session_id", RawGroupID: "s-1"}
	for _, c := range []struct {
		p    pbtest.Packet
		want uint64
	}{
		{trace, 0xb878f5fd59bc5892},
		{logging, 0xdf147025a449e51d},
		{rum, 0x72f2a71cf5f3db62},
	} {
		h, err := readHeader(c.p.Encode())
		if err != nil {
			t.Fatal(err)
		}
		if got := h.pickKey(token); got != c.want {
			t.Errorf("%s: pick key %#x, want %#x", c.p.DataType, got, c.want)
		}
	}
	if got := hashCombine(1, 2); got != 0x31bb37fb737b0818 {
		t.Errorf("hashCombine(1, 2) = %#x", got)
	}
}

func TestReadHeader(t *testing.T) {
	p := pbtest.Packet{Token: "tkn", DataType: "logging", GroupKey: "service", RawGroupID: "web",
		Points: []pbtest.Point{pbtest.Span("x", "ok")}, Compression: 1}
	h, err := readHeader(p.Encode())
	if err != nil || string(h.token) != "tkn" || string(h.dataType) != "logging" ||
		string(h.groupKey) != "service" || h.compression != 1 || h.groupIDHash != p.GroupIDHash() {
		t.Fatalf("%+v %v", h, err)
	}
	for _, bad := range [][]byte{{0x0a, 0xff}, {0x0a}, {0x08}, {0x0b}, {0x09, 1, 2}} {
		if _, err := readHeader(bad); err == nil {
			t.Errorf("readHeader(%x): no error", bad)
		}
	}
}
