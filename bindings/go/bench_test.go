package tailsampling_test

import (
	"fmt"
	"testing"
	"time"

	ts "github.com/tailsampling/tailsampling-go"
	"github.com/tailsampling/tailsampling-go/internal/pbtest"
)

// packets encodes n one-span trace packets, one in five with an error.
func packets(n, spans int) [][]byte {
	out := make([][]byte, n)
	for i := range out {
		status := "ok"
		if i%5 == 0 {
			status = "error"
		}
		id := fmt.Sprintf("%032x", i)
		pts := make([]pbtest.Point, spans)
		for j := range pts {
			pts[j] = pbtest.Span(id, status)
		}
		out[i] = pbtest.Packet{DataType: "tracing", RawGroupID: id, Points: pts, HasError: status == "error"}.Encode()
	}
	return out
}

// drain decides everything buffered (outside the timer) so memory stays flat.
func drain(b *testing.B, p *ts.Processor, now *time.Time) {
	b.StopTimer()
	*now = now.Add(11 * time.Second)
	if err := p.SetTime(*now); err != nil {
		b.Fatal(err)
	}
	if _, err := p.PollKept(); err != nil {
		b.Fatal(err)
	}
	b.StartTimer()
}

// Ingest of one one-span packet: the cost of the call through cgo and the engine's ingest.
func BenchmarkIngest(b *testing.B) {
	p := manual(b, ts.Options{})
	must[bool](b)(p.SetConfig("tkn", []byte(traceConfig)))
	pkts := packets(4096, 1)
	b.SetBytes(int64(len(pkts[0])))
	b.ReportAllocs()
	now := t0
	b.ResetTimer()
	for i := range b.N {
		if i%len(pkts) == 0 && i > 0 {
			drain(b, p, &now)
		}
		if st, err := p.Ingest("tkn", pkts[i%len(pkts)]); st != ts.StatusOK {
			b.Fatal(st, err)
		}
	}
}

// Ingest from every P at once while a poller decides and delivers, as in a host: the read
// lock around each call under contention, and the engine's own.
func BenchmarkIngestParallel(b *testing.B) {
	p := manual(b, ts.Options{})
	must[bool](b)(p.SetConfig("tkn", []byte(traceConfig)))
	pkts := packets(1<<16, 1)
	b.SetBytes(int64(len(pkts[0])))
	b.ReportAllocs()
	stop, stopped := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(stopped)
		for now := t0; ; now = now.Add(11 * time.Second) {
			select {
			case <-stop:
				return
			case <-time.After(time.Millisecond):
			}
			if err := p.SetTime(now); err != nil {
				b.Error(err)
			}
			if _, err := p.PollKept(); err != nil {
				b.Error(err)
			}
		}
	}()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for i := 0; pb.Next(); i++ {
			if st, err := p.Ingest("tkn", pkts[i%len(pkts)]); st != ts.StatusOK {
				b.Error(st, err)
				return
			}
		}
	})
	b.StopTimer()
	close(stop)
	<-stopped
}

// End to end: 10-span packets, two per trace, ingested, decided at the TTL and delivered into
// Go memory by PollKept, with a PollMetrics per second of engine time. Reports spans/s.
func BenchmarkEndToEnd(b *testing.B) {
	const spans = 10
	p := manual(b, ts.Options{})
	must[bool](b)(p.SetConfig("tkn", []byte(traceConfig)))
	pkts := packets(2048, spans)
	b.ReportAllocs()
	now := t0
	var delivered uint64
	start := time.Now()
	b.ResetTimer()
	for i := range b.N {
		if st, err := p.Ingest("tkn", pkts[i/2%len(pkts)]); st != ts.StatusOK {
			b.Fatal(st, err)
		}
		if i%1024 == 1023 {
			now = now.Add(time.Second)
			must[struct{}](b)(struct{}{}, p.SetTime(now))
			for _, d := range must[[]ts.Delivery](b)(p.PollKept()) {
				delivered += d.Points
			}
			must[[]ts.Delivery](b)(p.PollMetrics())
		}
	}
	must[struct{}](b)(struct{}{}, p.Flush())
	for _, d := range must[[]ts.Delivery](b)(p.PollKept()) {
		delivered += d.Points
	}
	b.ReportMetric(float64(b.N*spans)/time.Since(start).Seconds(), "spans/s")
	b.ReportMetric(float64(delivered)/float64(b.N*spans), "kept-ratio")
}
