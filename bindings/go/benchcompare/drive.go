package main

// Driving an engine with a clock of its own (ours on the manual clock; the reference's time
// wheel) through the workload, the way a Dataway does: packets are ingested as they arrive,
// and once per simulated second the clock moves, the expired groups are decided and delivered,
// and the metrics are polled. With several workers, each ingests the groups hashed to it and
// takes a share of each second's decisions; the seconds are kept in step by barriers.

import (
	"sync"
)

// clocked is an engine the harness drives second by second.
type clocked interface {
	// ingest offers one packet, from worker.
	ingest(worker int, p *packet) error
	// advance moves the clock to sec (worker 0 only, once per second).
	advance(sec int64) error
	// decide decides and delivers worker's share of what expired (every worker, after advance).
	decide(worker int) error
	// metrics polls the metrics at sec (worker 0 only, after every worker decided).
	metrics(sec int64) error
	// flush decides everything still buffered (worker 0 only, at the end; the last decide and
	// metrics follow).
	flush() error
}

// barrier is a reusable rendezvous of n goroutines.
type barrier struct {
	n, waiting, gen int
	mu              sync.Mutex
	cond            *sync.Cond
}

func newBarrier(n int) *barrier {
	b := &barrier{n: n}
	b.cond = sync.NewCond(&b.mu)
	return b
}

func (b *barrier) wait() {
	if b.n == 1 {
		return
	}
	b.mu.Lock()
	gen := b.gen
	b.waiting++
	if b.waiting == b.n {
		b.waiting = 0
		b.gen++
		b.cond.Broadcast()
	} else {
		for gen == b.gen {
			b.cond.Wait()
		}
	}
	b.mu.Unlock()
}

// drive runs w through e with workers goroutines; tail is how many seconds the clock runs on
// after the last packet before the final flush.
func drive(w *workload, e clocked, workers int, tail int64) error {
	epochs := w.epochs(workers)
	if len(epochs) == 0 {
		return nil
	}
	b := newBarrier(workers)
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for k := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[k] = runWorker(k, epochs, e, b, tail)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

func runWorker(k int, epochs []epoch, e clocked, b *barrier, tail int64) error {
	// Every worker runs the same sequence of barriers even after an error, so none waits
	// forever; the first error is returned at the end.
	var first error
	note := func(err error) {
		if first == nil && err != nil {
			first = err
		}
	}
	second := func(sec int64) {
		b.wait()
		if k == 0 {
			note(e.advance(sec))
		}
		b.wait()
		note(e.decide(k))
		b.wait()
		if k == 0 {
			note(e.metrics(sec))
		}
	}
	now := epochs[0].sec
	for _, ep := range epochs {
		for ; now < ep.sec; now++ {
			second(now + 1)
		}
		for _, p := range ep.parts[k] {
			if first == nil {
				note(e.ingest(k, p))
			}
		}
	}
	for end := now + tail; now < end; now++ {
		second(now + 1)
	}
	b.wait()
	if k == 0 {
		note(e.flush())
	}
	b.wait()
	note(e.decide(k))
	b.wait()
	if k == 0 {
		note(e.metrics(now))
	}
	return first
}
