package main

// OpenTelemetry Collector contrib's tailsamplingprocessor on the same spans: each tracing
// packet becomes one ptrace.Traces (what a receiver hands the processor for one request), with
// policies equivalent to the config: status_code ERROR, then probabilistic at the same rate.
// The processor decides on its own wall-clock ticker (decision_wait after a trace's first
// span); Shutdown decides whatever is still buffered, so every span is decided in the run.

import (
	"context"
	"encoding/hex"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/open-telemetry/opentelemetry-collector-contrib/processor/tailsamplingprocessor"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/processor"
	"go.opentelemetry.io/collector/processor/processortest"
)

// otelDecisionWait is how long the processor waits after a trace's first span. It is small
// next to a run (seconds) but longer than the time between a trace's packets at replay speed.
const otelDecisionWait = 2 * time.Second

// Span fields that become the span itself rather than attributes.
var spanOwnKeys = map[string]bool{
	"trace_id": true, "span_id": true, "parent_id": true, "operation": true, "status": true,
	"start": true, "duration": true, "service": true, "host": true, "env": true, "version": true,
}

// toTraces converts a tracing packet's spans: one ResourceSpans per (service, host, env,
// version), the other tags and fields as attributes, status "error" as STATUS_CODE_ERROR.
func toTraces(p *packet) (ptrace.Traces, error) {
	td := ptrace.NewTraces()
	body, err := p.h.points()
	if err != nil {
		return td, err
	}
	scopes := map[[4]string]ptrace.SpanSlice{}
	err = walkPoints(body, func(pt *point) {
		if err != nil {
			return
		}
		res := [4]string{pt.str("service"), pt.str("host"), pt.str("env"), pt.str("version")}
		spans, ok := scopes[res]
		if !ok {
			rs := td.ResourceSpans().AppendEmpty()
			a := rs.Resource().Attributes()
			a.PutStr("service.name", res[0])
			a.PutStr("host.name", res[1])
			a.PutStr("deployment.environment", res[2])
			a.PutStr("service.version", res[3])
			a.PutStr("guance.token", p.token)
			ss := rs.ScopeSpans().AppendEmpty()
			ss.Scope().SetName("ddtrace")
			spans = ss.Spans()
			scopes[res] = spans
		}
		err = fillSpan(spans.AppendEmpty(), pt)
	})
	return td, err
}

func fillSpan(s ptrace.Span, pt *point) error {
	var tid pcommon.TraceID
	var sid, parent pcommon.SpanID
	if _, err := hex.Decode(tid[:], []byte(pt.str("trace_id"))); err != nil {
		return fmt.Errorf("trace_id: %w", err)
	}
	if _, err := hex.Decode(sid[:], []byte(pt.str("span_id"))); err != nil {
		return fmt.Errorf("span_id: %w", err)
	}
	s.SetTraceID(tid)
	s.SetSpanID(sid)
	if pid := pt.str("parent_id"); pid != "0" && pid != "" {
		if _, err := hex.Decode(parent[:], []byte(pid)); err != nil {
			return fmt.Errorf("parent_id: %w", err)
		}
		s.SetParentSpanID(parent)
	}
	s.SetName(pt.str("operation"))
	switch pt.str("span_type") {
	case "entry":
		s.SetKind(ptrace.SpanKindServer)
	case "exit":
		s.SetKind(ptrace.SpanKindClient)
	default:
		s.SetKind(ptrace.SpanKindInternal)
	}
	start := pt.Time
	var duration int64
	if f, ok := pt.get("duration"); ok {
		duration = f.I * 1000
	}
	s.SetStartTimestamp(pcommon.Timestamp(start))
	s.SetEndTimestamp(pcommon.Timestamp(start + duration))
	if pt.str("status") == "error" {
		s.Status().SetCode(ptrace.StatusCodeError)
	}
	a := s.Attributes()
	for _, f := range pt.Fields {
		if spanOwnKeys[f.Key] {
			continue
		}
		switch f.Kind {
		case kindString, kindBytes:
			a.PutStr(f.Key, f.S)
		case kindInt:
			a.PutInt(f.Key, f.I)
		case kindUint:
			a.PutInt(f.Key, int64(f.U))
		case kindFloat:
			a.PutDouble(f.Key, f.F)
		case kindBool:
			a.PutBool(f.Key, f.B)
		}
	}
	return nil
}

// otelSink is the next consumer: it counts the sampled spans (and names them when verifying).
type otelSink struct {
	spans  atomic.Int64
	verify bool
	mu     sync.Mutex
	keys   []uint64
}

func (s *otelSink) consume(_ context.Context, td ptrace.Traces) error {
	n := td.SpanCount()
	s.spans.Add(int64(n))
	if !s.verify {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, rs := range td.ResourceSpans().All() {
		for _, ss := range rs.ScopeSpans().All() {
			for _, sp := range ss.Spans().All() {
				s.keys = append(s.keys, spanKey(sp.TraceID().String(), sp.SpanID().String()))
			}
		}
	}
	return nil
}

func newOTel(cfg *samplingConfig, shards int, wait time.Duration, sink *otelSink) (processor.Traces, error) {
	f := tailsamplingprocessor.NewFactory()
	pc := f.CreateDefaultConfig()
	err := confmap.NewFromStringMap(map[string]any{
		"decision_wait": wait.String(),
		"num_shards":    shards,
		// Tuned as its documentation advises: room for every trace (no forced early
		// decisions), batches sized for the traffic, and the first sampling policy decides
		// (the same outcome as evaluating both: kept iff error or sampled).
		"num_traces":                  1_000_000,
		"expected_new_traces_per_sec": 10_000,
		"sample_on_first_match":       true,
		// Only for the retention probe, which never waits for decisions.
		"drop_pending_traces_on_shutdown": wait > time.Minute,
		"policies": []any{
			map[string]any{"name": "keep-errors", "type": "status_code",
				"status_code": map[string]any{"status_codes": []any{"ERROR"}}},
			map[string]any{"name": "sample-rest", "type": "probabilistic",
				"probabilistic": map[string]any{"sampling_percentage": cfg.rate["tracing"] * 100}},
		},
	}).Unmarshal(pc)
	if err != nil {
		return nil, err
	}
	next, err := consumer.NewTraces(sink.consume)
	if err != nil {
		return nil, err
	}
	p, err := f.CreateTraces(context.Background(), processortest.NewNopSettings(f.Type()), pc, next)
	if err != nil {
		return nil, err
	}
	return p, p.Start(context.Background(), componenttest.NewNopHost())
}

// runOTel is one child run of the OpenTelemetry processor. With otlp, the input is each
// request's OTLP protobuf bytes, unmarshalled inside the timed region (as a receiver does);
// without, the already-built ptrace.Traces.
func runOTel(w *workload, cfg *samplingConfig, mode string, workers int, otlp bool, res *result) error {
	if mode == "retain" {
		return retainOTel(w, cfg, res)
	}
	type input struct {
		td  ptrace.Traces
		pb  []byte
		key int
	}
	parts := make([][]input, workers)
	var marshal ptrace.ProtoMarshaler
	for i := range w.packets {
		p := &w.packets[i]
		td, err := toTraces(p)
		if err != nil {
			return fmt.Errorf("otel: packet %d: %w", i, err)
		}
		in := input{td: td}
		if otlp {
			if in.pb, err = marshal.MarshalTraces(td); err != nil {
				return err
			}
			in.td = ptrace.Traces{}
		}
		k := worker(p, workers)
		parts[k] = append(parts[k], in)
	}
	sink := &otelSink{verify: mode == "verify"}
	proc, err := newOTel(cfg, workers, otelDecisionWait, sink)
	if err != nil {
		return err
	}
	ctx := context.Background()
	errs := make([]error, workers)
	m := begin()
	var wg sync.WaitGroup
	for k := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var unmarshal ptrace.ProtoUnmarshaler
			for _, in := range parts[k] {
				td := in.td
				if otlp {
					if td, errs[k] = unmarshal.UnmarshalTraces(in.pb); errs[k] != nil {
						return
					}
				}
				if errs[k] = proc.ConsumeTraces(ctx, td); errs[k] != nil {
					return
				}
			}
		}()
	}
	wg.Wait()
	err = proc.Shutdown(ctx)
	m.end(res)
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	if err != nil {
		return err
	}
	res.KeptPoints = sink.spans.Load()
	res.keys = sink.keys
	return nil
}

// retainOTel feeds every span with a decision wait longer than the run (nothing is decided)
// and records the heap the processor holds: the live heap after ingest, with the input
// released, minus the live heap before the input was built.
func retainOTel(w *workload, cfg *samplingConfig, res *result) error {
	base := settledHeap()
	tds := make([]ptrace.Traces, len(w.packets))
	for i := range w.packets {
		td, err := toTraces(&w.packets[i])
		if err != nil {
			return err
		}
		tds[i] = td
	}
	sink := &otelSink{}
	proc, err := newOTel(cfg, 1, time.Hour, sink)
	if err != nil {
		return err
	}
	for i := range tds {
		if err := proc.ConsumeTraces(context.Background(), tds[i]); err != nil {
			return err
		}
		tds[i] = ptrace.Traces{}
	}
	// ConsumeTraces hands batches to the processor's goroutine through a small queue: give it
	// time to drain before measuring.
	time.Sleep(500 * time.Millisecond)
	res.RetainedHeapBytes = sub(settledHeap(), base)
	return proc.Shutdown(context.Background())
}
