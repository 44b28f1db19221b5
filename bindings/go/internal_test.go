package tailsampling

import (
	"runtime"
	"testing"
	"time"
)

// Close waits for the calls in flight: here one held open by hand.
func TestCloseWaitsForCallsInFlight(t *testing.T) {
	p, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.acquire("test"); err != nil {
		t.Fatal(err)
	}
	closed := make(chan struct{})
	go func() {
		p.Close()
		close(closed)
	}()
	select {
	case <-closed:
		t.Fatal("Close returned while a call was in flight")
	case <-time.After(50 * time.Millisecond):
	}
	p.release()
	<-closed
	if _, err := p.acquire("test"); err == nil {
		t.Fatal("acquire after Close")
	}
}

// A processor dropped without Close is freed by its cleanup.
func TestCleanupFreesForgottenProcessor(t *testing.T) {
	before := forgotten.Load()
	func() {
		if _, err := New(Options{}); err != nil {
			t.Fatal(err)
		}
	}()
	deadline := time.Now().Add(10 * time.Second)
	for forgotten.Load() == before {
		if time.Now().After(deadline) {
			t.Fatal("the cleanup did not run")
		}
		runtime.GC()
		time.Sleep(time.Millisecond)
	}
	// A closed processor's cleanup is cancelled: Close already freed it.
	func() {
		p, err := New(Options{})
		if err != nil {
			t.Fatal(err)
		}
		p.Close()
	}()
	n := forgotten.Load()
	for range 5 {
		runtime.GC()
		time.Sleep(time.Millisecond)
	}
	if forgotten.Load() != n {
		t.Fatal("the cleanup ran for a closed processor")
	}
}
