// Package tailsampling embeds the tailsampling engine — tail sampling for traces, logs and RUM
// sessions, wire-compatible with Guance Dataway's tail-sampling APIs — through its C ABI
// (include/tailsampling.h in the repository; a copy ships in this module).
//
// A host such as a Dataway creates one Processor, feeds it the DataPacket bodies Datakit
// POSTs (Ingest, with the ?token= it authenticated), installs each token's config
// (SetConfig), and every second polls the kept data and the metrics to write upstream
// (PollKept, PollMetrics). Ingest's Status maps to the HTTP answer (Status.StatusHTTP): 200,
// 412 (the token has no config yet: the client pushes it), 503 (busy: the client writes
// directly), 400, 413, 415, 403. Before exiting, Flush decides every buffered group so the
// last polls drain it. The package's Example shows the whole cycle; cmd/dataway is a complete
// host.
//
// # Concurrency and lifetime
//
// Every Processor method may be called from many goroutines at once. Close waits for the calls
// in flight, frees the engine, and makes later calls fail with ErrClosed; it is idempotent. A
// Processor dropped without Close is freed by a cleanup, but what it buffered is lost.
//
// Ingest passes the body to the engine without copying it on the Go side (the engine copies
// what it keeps) and without allocating. Deliveries are copied into Go memory before the
// library's are freed.
//
// # Errors
//
// Failures are *Error values carrying the Status and the library's message; errors.Is compares
// them with the sentinels (ErrBusy, ErrDecode, ErrConfig, …) by status. A panic inside the
// library never crosses into Go: it is ErrPanic, and the processor is poisoned (every later
// call is ErrPoisoned: Close it and create another).
//
// # Linking
//
// The package links the static library libtailsampling.a. By default it takes it from its own
// library directory, lib/, where `make` (at the repository's root) puts the release build, so
// `go build ./cmd/dataway` works after `make`; the tests (build tag tailsampling_testpanic)
// link lib/testpanic, which `make go-test` fills with a dev build. With the build tag
// tailsampling_pkgconfig it asks pkg-config instead, for a library installed with
// `make install PREFIX=...` (set PKG_CONFIG_PATH to PREFIX/lib/pkgconfig); use a release build
// there for production. New fails if the library's ABI version differs from the header's.
package tailsampling
