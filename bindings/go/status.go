package tailsampling

// #include "tailsampling.h"
import "C"

// Status is the outcome of a call: the C ABI's ts_status, plus StatusClosed. StatusOK and
// StatusPending are successes; every other value comes with an *Error of that Code.
type Status uint32

// The statuses of the C ABI (values never change) and StatusClosed.
const (
	// StatusOK: success (HTTP 200).
	StatusOK Status = C.TS_OK
	// StatusPending: accepted into the pending cache because the token has no config for the
	// packet's data type yet (HTTP 412: the client pushes its config).
	StatusPending Status = C.TS_PENDING
	// StatusBusy: not accepted, a memory or pending limit is reached; nothing was stored
	// (HTTP 503: the client writes the data directly).
	StatusBusy Status = C.TS_BUSY
	// StatusInvalidArgument: a bad argument or option (HTTP 400).
	StatusInvalidArgument Status = C.TS_INVALID_ARGUMENT
	// StatusDecodeError: the packet cannot be decoded (HTTP 400).
	StatusDecodeError Status = C.TS_DECODE_ERROR
	// StatusConfigError: the config is invalid; the previous one stays in force (HTTP 400).
	StatusConfigError Status = C.TS_CONFIG_ERROR
	// StatusTooLarge: the packet is over Options.MaxPacketBytes (HTTP 413).
	StatusTooLarge Status = C.TS_TOO_LARGE
	// StatusUnsupported: unknown data type or payload compression (HTTP 415).
	StatusUnsupported Status = C.TS_UNSUPPORTED
	// StatusTokenMismatch: the packet's own token differs from the authenticated one (HTTP 403).
	StatusTokenMismatch Status = C.TS_TOKEN_MISMATCH
	// StatusPanic: a panic was caught inside the library; the processor is now poisoned
	// (HTTP 500).
	StatusPanic Status = C.TS_PANIC
	// StatusPoisoned: an earlier panic poisoned the processor; close it and make a new one
	// (HTTP 500).
	StatusPoisoned Status = C.TS_POISONED
	// StatusClosed is not a C status: the Go binding returns it for a call on a closed
	// Processor (HTTP 503, like any host that is shutting down).
	StatusClosed Status = 1000
)

// String returns the status's stable lower-case name ("ok", "pending", "busy",
// "invalid_argument", …, "closed"), or "unknown".
func (s Status) String() string {
	if s == StatusClosed {
		return "closed"
	}
	return C.GoString(C.ts_status_str(C.uint32_t(s)))
}

// StatusHTTP returns the HTTP status a Dataway answers with: 200 (StatusOK), 412
// (StatusPending), 503 (StatusBusy, StatusClosed), 400, 413, 415, 403, 500 (StatusPanic,
// StatusPoisoned); 0 for a value that is not a status.
func (s Status) StatusHTTP() int {
	if s == StatusClosed {
		return 503
	}
	return int(C.ts_status_http(C.uint32_t(s)))
}

// SendResult is the outcome of one delivery attempt, for Processor.RecordSend.
type SendResult uint32

// The outcomes counted by Processor.RecordSend (the `result` tag of
// dataway_http_tail_sampling_packet_send_total).
const (
	// SendSuccess: written upstream.
	SendSuccess SendResult = C.TS_SEND_SUCCESS
	// SendFailure: the upstream write failed.
	SendFailure SendResult = C.TS_SEND_FAILURE
	// SendDrop: dropped without a write.
	SendDrop SendResult = C.TS_SEND_DROP
)

// Version returns the library's version, "MAJOR.MINOR.PATCH".
func Version() string {
	return C.GoString(C.ts_version())
}
