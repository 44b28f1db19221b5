//go:build tailsampling_testpanic

package tailsampling

// Only with a library built with the cargo feature `test-panic` (as `make go-test` stages it).

/*
#include "tailsampling.h"

ts_status ts__test_panic(const ts_processor *p, ts_error **err);
*/
import "C"

// testPanic makes the library panic inside a call on p, poisoning it (panic_test.go).
func (p *Processor) testPanic() error {
	h, err := p.acquire("testPanic")
	if err != nil {
		return err
	}
	var cerr *C.ts_error
	st := C.ts__test_panic(h, &cerr)
	p.release()
	return check(st, cerr)
}
