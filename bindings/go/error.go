package tailsampling

// #include "tailsampling.h"
import "C"

// Error is a failed call: the status and the library's message, which names the function,
// argument, option, JSON path or byte offset at fault. Compare with the sentinels through
// errors.Is, which matches on Code alone:
//
//	if errors.Is(err, tailsampling.ErrBusy) { ... }
type Error struct {
	// Code is the failure status (never StatusOK or StatusPending).
	Code Status
	// Msg is the library's message; empty in the sentinels.
	Msg string
}

// Error formats the error as "tailsampling: <status name>: <message>".
func (e *Error) Error() string {
	if e.Msg == "" {
		return "tailsampling: " + e.Code.String()
	}
	return "tailsampling: " + e.Code.String() + ": " + e.Msg
}

// Is reports whether target is an *Error with the same Code, so that errors.Is(err, ErrBusy)
// holds for every busy error whatever its message.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code
}

// Sentinels for errors.Is, one per failure status.
var (
	// ErrBusy matches StatusBusy errors.
	ErrBusy = &Error{Code: StatusBusy}
	// ErrInvalidArgument matches StatusInvalidArgument errors.
	ErrInvalidArgument = &Error{Code: StatusInvalidArgument}
	// ErrDecode matches StatusDecodeError errors.
	ErrDecode = &Error{Code: StatusDecodeError}
	// ErrConfig matches StatusConfigError errors.
	ErrConfig = &Error{Code: StatusConfigError}
	// ErrTooLarge matches StatusTooLarge errors.
	ErrTooLarge = &Error{Code: StatusTooLarge}
	// ErrUnsupported matches StatusUnsupported errors.
	ErrUnsupported = &Error{Code: StatusUnsupported}
	// ErrTokenMismatch matches StatusTokenMismatch errors.
	ErrTokenMismatch = &Error{Code: StatusTokenMismatch}
	// ErrPanic matches StatusPanic errors.
	ErrPanic = &Error{Code: StatusPanic}
	// ErrPoisoned matches StatusPoisoned errors.
	ErrPoisoned = &Error{Code: StatusPoisoned}
	// ErrClosed matches the errors of calls on a closed Processor.
	ErrClosed = &Error{Code: StatusClosed}
)

// check turns a call's status and error out-parameter into a Go error (nil for StatusOK and
// StatusPending), taking the message and freeing cerr.
func check(st C.ts_status, cerr *C.ts_error) error {
	s := Status(st)
	if s == StatusOK || s == StatusPending {
		return nil
	}
	e := &Error{Code: s}
	if cerr != nil {
		e.Msg = C.GoString(C.ts_error_message(cerr))
		C.ts_error_free(cerr)
	}
	return e
}

// closedError is the error of operation op on a closed (or never created) Processor.
func closedError(op string) error {
	return &Error{Code: StatusClosed, Msg: op + ": the processor is closed"}
}
