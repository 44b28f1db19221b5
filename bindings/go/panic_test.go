//go:build tailsampling_testpanic

package tailsampling

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
)

// A panic inside the library is ErrPanic and poisons the processor: every later call is
// ErrPoisoned, and Close still frees it.
func TestPanicPoisons(t *testing.T) {
	p, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	fmt.Fprintln(os.Stderr, "TestPanicPoisons: a panic message from the library follows, on purpose:")
	if err := p.testPanic(); !errors.Is(err, ErrPanic) || !strings.Contains(err.Error(), "forced") {
		t.Fatalf("got %v, want ErrPanic", err)
	}
	if st, err := p.Ingest("tkn", []byte{0x0a}); st != StatusPoisoned || !errors.Is(err, ErrPoisoned) {
		t.Fatalf("got %v %v, want ErrPoisoned", st, err)
	}
	if err := p.Flush(); !errors.Is(err, ErrPoisoned) || StatusPoisoned.StatusHTTP() != 500 {
		t.Fatalf("got %v, want ErrPoisoned", err)
	}
	if _, err := p.Stats(); !errors.Is(err, ErrPoisoned) {
		t.Fatalf("got %v, want ErrPoisoned", err)
	}
}
