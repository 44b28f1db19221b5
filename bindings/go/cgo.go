package tailsampling

// Every #cgo line of the package is in this file.
//
// Default: link the static library in the package's own library directory, lib/ (put there by
// `make`: the release build), plus the system libraries rustc reports for it (its
// `native-static-libs`; header_test.go checks they still match). With the build tag
// tailsampling_testpanic (the tests, `make go-test`), lib/testpanic instead: a dev build with
// the test-only ts__test_panic.
//
// Build tag tailsampling_pkgconfig: take the flags from `pkg-config tailsampling` instead, for a
// library installed with `make install PREFIX=...` (set PKG_CONFIG_PATH to PREFIX/lib/pkgconfig).
//
// noescape and nocallback hold for every function: inputs are borrowed for the call only and
// the library calls nothing back. They let Ingest pass its arguments without heap allocations.

/*
#cgo !tailsampling_pkgconfig,!tailsampling_testpanic LDFLAGS: -L${SRCDIR}/lib -ltailsampling
#cgo !tailsampling_pkgconfig,tailsampling_testpanic LDFLAGS: -L${SRCDIR}/lib/testpanic -ltailsampling
#cgo !tailsampling_pkgconfig,linux LDFLAGS: -lgcc_s -lutil -lrt -lpthread -lm -ldl -lc
#cgo tailsampling_pkgconfig pkg-config: tailsampling

#cgo noescape ts_version
#cgo nocallback ts_version
#cgo noescape ts_abi_version
#cgo nocallback ts_abi_version
#cgo noescape ts_status_str
#cgo nocallback ts_status_str
#cgo noescape ts_status_http
#cgo nocallback ts_status_http
#cgo noescape ts_error_message
#cgo nocallback ts_error_message
#cgo noescape ts_error_free
#cgo nocallback ts_error_free
#cgo noescape ts_processor_new
#cgo nocallback ts_processor_new
#cgo noescape ts_processor_free
#cgo nocallback ts_processor_free
#cgo noescape ts_apply_config
#cgo nocallback ts_apply_config
#cgo noescape ts_ingest
#cgo nocallback ts_ingest
#cgo noescape ts_poll_kept
#cgo nocallback ts_poll_kept
#cgo noescape ts_poll_metrics
#cgo nocallback ts_poll_metrics
#cgo noescape ts_deliveries_free
#cgo nocallback ts_deliveries_free
#cgo noescape ts_set_time
#cgo nocallback ts_set_time
#cgo noescape ts_flush
#cgo nocallback ts_flush
#cgo noescape ts_stats_json
#cgo nocallback ts_stats_json
#cgo noescape ts_ack
#cgo nocallback ts_ack
#cgo noescape ts_record_send
#cgo nocallback ts_record_send
#cgo noescape ts_buf_free
#cgo nocallback ts_buf_free
#cgo noescape ts_validate_config
#cgo nocallback ts_validate_config
#cgo noescape ts_peek_packet
#cgo nocallback ts_peek_packet

#include "tailsampling.h"
*/
import "C"

import "unsafe"

// cText passes a Go string to C as a (pointer, length) pair, without a copy: the library only
// borrows its inputs for the call. An empty string is (NULL, 0).
func cText(s string) (*C.char, C.size_t) {
	if len(s) == 0 {
		return nil, 0
	}
	return (*C.char)(unsafe.Pointer(unsafe.StringData(s))), C.size_t(len(s))
}

// cChars passes bytes as a C char array without a copy; empty is (NULL, 0).
func cChars(b []byte) (*C.char, C.size_t) {
	if len(b) == 0 {
		return nil, 0
	}
	return (*C.char)(unsafe.Pointer(&b[0])), C.size_t(len(b))
}

// cBytes passes bytes as a C uint8_t array without a copy; empty is (NULL, 0).
func cBytes(b []byte) (*C.uint8_t, C.size_t) {
	if len(b) == 0 {
		return nil, 0
	}
	return (*C.uint8_t)(unsafe.Pointer(&b[0])), C.size_t(len(b))
}

// goBytes copies n bytes at p out of C memory (empty for n == 0).
func goBytes(p *C.uint8_t, n C.size_t) []byte {
	if n == 0 {
		return []byte{}
	}
	return append([]byte(nil), unsafe.Slice((*byte)(unsafe.Pointer(p)), int(n))...)
}

// linkedLibrary identifies the libtailsampling.a this package was linked with: the Makefile
// sets it (-ldflags -X) to a checksum of the library, because Go does not track files outside
// the module and would otherwise reuse a binary linked against an older library. Not read.
var linkedLibrary string
