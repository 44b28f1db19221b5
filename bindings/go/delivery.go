package tailsampling

// #include <string.h>
// #include "tailsampling.h"
import "C"

import "unsafe"

// Delivery is one body to write upstream: POST <Path>?token=<Token> with header
// Content-Type: <ContentType>. Its fields are Go memory, copied out of the library's.
type Delivery struct {
	// ID is the delivery's number, unique within its Processor (1, 2, … in the order the
	// polls hand deliveries out): pass it to Processor.Ack once Body is written upstream.
	ID uint64
	// Token is the tenant to write with.
	Token string
	// DataType is "tracing", "logging", "rum" or "metric".
	DataType string
	// Path is "/v1/write/<DataType>".
	Path string
	// ContentType is "application/protobuf; proto=com.guance.Point".
	ContentType string
	// Body is a serialized point.PBPoints (never compressed).
	Body []byte
	// Points is the number of points in Body.
	Points uint64
}

// takeDeliveries copies the deliveries of one poll into Go memory and frees them.
func takeDeliveries(out *C.ts_deliveries) []Delivery {
	defer C.ts_deliveries_free(out)
	if out.len == 0 {
		return nil
	}
	items := unsafe.Slice(out.items, int(out.len))
	ds := make([]Delivery, len(items))
	for i := range items {
		it := &items[i]
		ds[i] = Delivery{
			ID:          uint64(it.id),
			Token:       C.GoStringN(it.token, C.int(it.token_len)),
			DataType:    staticString(it.data_type),
			Path:        staticString(it.path),
			ContentType: staticString(it.content_type),
			Body:        goBytes(it.body, it.body_len),
			Points:      uint64(it.points),
		}
	}
	return ds
}

// staticString converts one of the library's static strings, sharing the Go string of the
// known values instead of allocating one per delivery.
func staticString(s *C.char) string {
	v := unsafe.String((*byte)(unsafe.Pointer(s)), C.strlen(s))
	for _, known := range [...]string{
		"tracing", "logging", "rum", "metric",
		"/v1/write/tracing", "/v1/write/logging", "/v1/write/rum", "/v1/write/metric",
		"application/protobuf; proto=com.guance.Point",
	} {
		if v == known {
			return known
		}
	}
	return C.GoString(s)
}
