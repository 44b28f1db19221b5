package tailsampling_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	ts "github.com/tailsampling/tailsampling-go"
	"github.com/tailsampling/tailsampling-go/internal/pbtest"
)

const traceConfig = `{"version": 1, "trace": {"data_ttl": "10s", "pipelines": [
  {"name": "keep-errors", "type": "condition", "condition": "{ status = \"error\" }", "action": "keep"}]}}`

var t0 = time.Unix(0, pbtest.T0)

// manual is a processor on a manual clock at t0, closed when the test ends.
func manual(t testing.TB, o ts.Options) *ts.Processor {
	t.Helper()
	o.Clock = ts.ClockManual
	p, err := ts.New(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	if err := p.SetTime(t0); err != nil {
		t.Fatal(err)
	}
	return p
}

func must[T any](t testing.TB) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

// wantErr checks that err is an *Error of code want (also through errors.Is with the
// sentinel) whose message contains needle.
func wantErr(t *testing.T, err error, sentinel *ts.Error, needle string) {
	t.Helper()
	var e *ts.Error
	if !errors.As(err, &e) || !errors.Is(err, sentinel) || e.Code != sentinel.Code {
		t.Fatalf("error %v, want %v", err, sentinel)
	}
	if !strings.Contains(e.Msg, needle) {
		t.Fatalf("error %q does not contain %q", e.Msg, needle)
	}
}

func TestStatuses(t *testing.T) {
	for _, c := range []struct {
		s    ts.Status
		name string
		http int
	}{
		{ts.StatusOK, "ok", 200},
		{ts.StatusPending, "pending", 412},
		{ts.StatusBusy, "busy", 503},
		{ts.StatusInvalidArgument, "invalid_argument", 400},
		{ts.StatusDecodeError, "decode_error", 400},
		{ts.StatusConfigError, "config_error", 400},
		{ts.StatusTooLarge, "too_large", 413},
		{ts.StatusUnsupported, "unsupported", 415},
		{ts.StatusTokenMismatch, "token_mismatch", 403},
		{ts.StatusPanic, "panic", 500},
		{ts.StatusPoisoned, "poisoned", 500},
		{ts.StatusClosed, "closed", 503},
		{ts.Status(9), "unknown", 0},
	} {
		if c.s.String() != c.name || c.s.StatusHTTP() != c.http {
			t.Errorf("status %d: %q %d, want %q %d", uint32(c.s), c.s, c.s.StatusHTTP(), c.name, c.http)
		}
	}
	if v := ts.Version(); !strings.Contains(v, ".") {
		t.Errorf("Version() = %q", v)
	}
}

func TestErrors(t *testing.T) {
	err := fmt.Errorf("wrapped: %w", &ts.Error{Code: ts.StatusBusy, Msg: "pending cache full"})
	if !errors.Is(err, ts.ErrBusy) || errors.Is(err, ts.ErrDecode) || errors.Is(err, ts.ErrClosed) {
		t.Fatal("errors.Is does not compare codes")
	}
	if got := err.Error(); got != "wrapped: tailsampling: busy: pending cache full" {
		t.Fatal(got)
	}
	if got := ts.ErrClosed.Error(); got != "tailsampling: closed" {
		t.Fatal(got)
	}
}

func TestOptions(t *testing.T) {
	all := ts.Options{
		Clock: ts.ClockManual, Shards: 4, PendingMaxPackets: 10, PendingMaxBytes: 1 << 20,
		PendingMaxAge: time.Minute, MemoryLimitBytes: 1 << 26, TokenMemoryShare: 0.5,
		MaxPacketBytes: 1 << 20, MaxGroupBytes: 1 << 21, MaxDecompressedBytes: 1 << 22,
		MaxBatchBytes: 1 << 19, DecisionCacheSize: 100, DecisionCacheTTL: 90 * time.Second,
		LateData: ts.LateDataNewGroup, DefaultTTL: 1500 * time.Millisecond,
		MetricsWindow: 10 * time.Second, DefaultToken: "tkn_dw",
	}
	p, err := ts.New(all)
	if err != nil {
		t.Fatal(err)
	}
	p.Close()
	p, err = ts.New(ts.Options{})
	if err != nil {
		t.Fatal(err)
	}
	wantErr(t, p.SetTime(t0), ts.ErrInvalidArgument, "manual") // the default clock is the system's
	p.Close()

	for _, c := range []struct {
		o      ts.Options
		needle string
	}{
		{ts.Options{Shards: 5000}, "shards"},
		{ts.Options{Clock: "sundial"}, "clock"},
		{ts.Options{PendingMaxAge: -time.Second}, "pending_max_age"},
		{ts.Options{TokenMemoryShare: 2}, "token_memory_share"},
		{ts.Options{LateData: "never"}, "late_data"},
	} {
		_, err := ts.New(c.o)
		wantErr(t, err, ts.ErrInvalidArgument, c.needle)
	}
}

// The main path: 412, config (applied, then ignored, then rejected), 200, decision at the
// TTL, the delivery's shape, the stats and the metrics.
func TestSession(t *testing.T) {
	p := manual(t, ts.Options{})
	bad, good := pbtest.Trace("", "t-err", "error"), pbtest.Trace("", "t-ok", "ok")

	if st, err := p.Ingest("tkn", bad); st != ts.StatusPending || err != nil {
		t.Fatalf("no config yet: %v %v, want pending", st, err)
	}
	if applied := must[bool](t)(p.SetConfig("tkn", []byte(traceConfig))); !applied {
		t.Fatal("first config not applied")
	}
	if applied := must[bool](t)(p.SetConfig("tkn", []byte(traceConfig))); applied {
		t.Fatal("same version applied again")
	}
	_, err := p.SetConfig("tkn", []byte(`{"version": 2, "trace": {"pipelines": 3}}`))
	wantErr(t, err, ts.ErrConfig, "trace.pipelines")
	// Another text of the same version is ignored too; a new version is applied, and the
	// first one again as well.
	other := strings.Replace(traceConfig, `"10s"`, `"20s"`, 1)
	if applied := must[bool](t)(p.SetConfig("tkn", []byte(other))); applied {
		t.Fatal("another text of version 1 applied")
	}
	v2 := strings.Replace(traceConfig, `"version": 1`, `"version": 2`, 1)
	for i, c := range []struct {
		cfg     string
		applied bool
	}{{v2, true}, {traceConfig, true}, {traceConfig, false}} {
		if applied := must[bool](t)(p.SetConfig("tkn", []byte(c.cfg))); applied != c.applied {
			t.Fatalf("config %d: applied %v, want %v", i, applied, c.applied)
		}
	}
	_, err = p.SetConfig("", []byte(traceConfig))
	wantErr(t, err, ts.ErrInvalidArgument, "token")
	if st, err := p.Ingest("tkn", good); st != ts.StatusOK || err != nil {
		t.Fatalf("with a config: %v %v", st, err)
	}

	if ds := must[[]ts.Delivery](t)(p.PollKept()); len(ds) != 0 {
		t.Fatalf("%d deliveries before the TTL", len(ds))
	}
	if err := p.SetTime(t0.Add(10 * time.Second)); err != nil {
		t.Fatal(err)
	}
	ds := must[[]ts.Delivery](t)(p.PollKept())
	if len(ds) != 1 {
		t.Fatalf("%d deliveries, want 1", len(ds))
	}
	d := ds[0]
	if d.Token != "tkn" || d.DataType != "tracing" || d.Path != "/v1/write/tracing" ||
		d.ContentType != "application/protobuf; proto=com.guance.Point" || d.Points != 1 {
		t.Fatalf("delivery %+v", d)
	}
	pts := must[[]pbtest.Point](t)(pbtest.DecodePoints(d.Body))
	if len(pts) != 1 || pts[0].Tag("trace_id") != "t-err" || pts[0].Name != "ddtrace" {
		t.Fatalf("delivered points %+v", pts)
	}

	s := must[*ts.Stats](t)(p.Stats())
	tok := s.Tokens["tkn"]
	if tok.Accepted != 2 || tok.Kept.Packets != 1 || tok.Dropped.Packets != 1 ||
		tok.Configs.Applied != 3 || tok.Configs.Ignored != 3 || tok.Configs.Rejected != 1 ||
		tok.Config == nil || tok.Config.Version != 1 || tok.Decisions["tracing"]["keep-errors"].Kept != 1 {
		t.Fatalf("stats %+v", tok)
	}
	if !s.Total.Conserved() || !tok.Conserved() || s.Total.Accepted != 2 {
		t.Fatalf("not conserved: %+v", s.Total)
	}
	if js := must[[]byte](t)(p.StatsJSON()); !bytes.HasPrefix(js, []byte("{")) {
		t.Fatalf("StatsJSON: %s", js)
	}

	if err := p.Flush(); err != nil {
		t.Fatal(err)
	}
	ms := must[[]ts.Delivery](t)(p.PollMetrics())
	if len(ms) != 1 || ms[0].Token != "tkn" || ms[0].Path != "/v1/write/metric" || ms[0].Points == 0 {
		t.Fatalf("metrics %+v", ms)
	}
	// One numbering across both polls, from 1; acknowledging is accepted (memory-only engine).
	if d.ID != 1 || ms[0].ID != 2 {
		t.Fatalf("delivery ids %d, %d, want 1, 2", d.ID, ms[0].ID)
	}
	if err := p.Ack(d.ID, ms[0].ID); err != nil {
		t.Fatal(err)
	}
	if err := p.Ack(); err != nil {
		t.Fatal(err)
	}
	for _, pt := range must[[]pbtest.Point](t)(pbtest.DecodePoints(ms[0].Body)) {
		if pt.Name != "tail_sampling" || pt.Tag("data_type") != "tracing" {
			t.Fatalf("metric point %+v", pt)
		}
	}
}

// Every refusal: its status, its sentinel, its HTTP code, and nothing accepted.
// TestStatsCoverEveryField decodes the engine's stats JSON into Stats refusing unknown fields:
// the Go types miss nothing the engine reports (the config's warnings are the findings of
// ValidateConfig, so Finding is covered too). The session fills every optional part: a config
// warning, drift, decisions, pending packets.
func TestStatsCoverEveryField(t *testing.T) {
	p := manual(t, ts.Options{})
	if st, err := p.Ingest("late", pbtest.Trace("", "t-p", "ok")); st != ts.StatusPending || err != nil {
		t.Fatalf("%v %v", st, err)
	}
	cfg := `{"version": 1, "trace": {"data_ttl": "1s", "pipelines": [
		{"name": "k", "type": "condition", "condition": "{ sttaus != re(\"^e\") }", "action": "keep"}]}}`
	if !must[bool](t)(p.SetConfig("tkn", []byte(cfg))) {
		t.Fatal("not applied")
	}
	for _, id := range []string{"a", "b"} {
		if st, err := p.Ingest("tkn", pbtest.Trace("", id, "ok")); st != ts.StatusOK || err != nil {
			t.Fatalf("%v %v", st, err)
		}
	}
	if err := p.SetTime(t0.Add(2 * time.Second)); err != nil {
		t.Fatal(err)
	}
	must[[]ts.Delivery](t)(p.PollKept())

	strict := func(js []byte, v any) {
		t.Helper()
		dec := json.NewDecoder(bytes.NewReader(js))
		dec.DisallowUnknownFields()
		if err := dec.Decode(v); err != nil {
			t.Fatalf("%v in %s", err, js)
		}
	}
	var s ts.Stats
	strict(must[[]byte](t)(p.StatsJSON()), &s)
	tok := s.Tokens["tkn"]
	if tok.Config == nil || len(tok.Config.Warnings) == 0 || tok.Config.Warnings[0].Reference == "" {
		t.Fatalf("config %+v", tok.Config)
	}
	if d := tok.Drift["tracing"]; d.ObservedGroups != 2 || len(d.Pipelines["trace.pipelines[0]"].NeverObserved) != 1 {
		t.Fatalf("drift %+v", tok.Drift)
	}
	if s.Tokens["late"].Pending.Packets != 1 || !s.Total.Conserved() {
		t.Fatalf("stats %+v", s)
	}
}

func TestRefusals(t *testing.T) {
	p := manual(t, ts.Options{MaxPacketBytes: 300, PendingMaxPackets: 1})
	body := pbtest.Trace("tkn", "t", "ok")
	var spans []pbtest.Point
	for range 10 {
		spans = append(spans, pbtest.Span("t-big-with-a-long-trace-id", "ok"))
	}
	big := pbtest.Packet{Token: "tkn", DataType: "tracing", RawGroupID: "t-big", Points: spans}.Encode()
	metric := pbtest.Packet{Token: "tkn", DataType: "metric", RawGroupID: "t",
		Points: []pbtest.Point{pbtest.Span("t", "ok")}}.Encode()
	lz4 := pbtest.Packet{Token: "tkn", DataType: "tracing", RawGroupID: "t",
		Points: []pbtest.Point{pbtest.Span("t", "ok")}, Compression: 2}.Encode()

	for _, c := range []struct {
		token    string
		body     []byte
		sentinel *ts.Error
		needle   string
		http     int
	}{
		{"", []byte{0x0a, 0xff, 0xff}, ts.ErrDecode, "", 400},
		{"", nil, ts.ErrInvalidArgument, "no token", 400},
		{"", pbtest.Trace("", "t", "ok"), ts.ErrInvalidArgument, "no token", 400},
		{"other", body, ts.ErrTokenMismatch, "token", 403},
		{"tkn\xff", body, ts.ErrInvalidArgument, "UTF-8", 400},
		{"", big, ts.ErrTooLarge, "max_packet_bytes", 413},
		{"", metric, ts.ErrUnsupported, "data_type", 415},
		{"", lz4, ts.ErrUnsupported, "payload_compression", 415},
	} {
		st, err := p.Ingest(c.token, c.body)
		wantErr(t, err, c.sentinel, c.needle)
		if st != c.sentinel.Code || st.StatusHTTP() != c.http {
			t.Errorf("status %v (HTTP %d), want %v (HTTP %d)", st, st.StatusHTTP(), c.sentinel.Code, c.http)
		}
	}
	// The pending cache holds one packet: the next is refused as busy (HTTP 503).
	if st, err := p.Ingest("", body); st != ts.StatusPending || err != nil {
		t.Fatal(st, err)
	}
	st, err := p.Ingest("tkn", body)
	wantErr(t, err, ts.ErrBusy, "pending")
	if st.StatusHTTP() != 503 {
		t.Fatal(st)
	}
	s := must[*ts.Stats](t)(p.Stats())
	if s.Total.Accepted != 1 || s.Total.RefusedBusy != 1 || s.Total.Pending.Packets != 1 || !s.Total.Conserved() {
		t.Fatalf("stats %+v", s.Total)
	}
}

// A zstd payload (payload_compression 1) is accepted and delivered decompressed.
func TestZstdPayload(t *testing.T) {
	p := manual(t, ts.Options{})
	must[bool](t)(p.SetConfig("tkn", []byte(traceConfig)))
	pk := pbtest.Packet{DataType: "tracing", RawGroupID: "t-z", Compression: 1,
		Points: []pbtest.Point{pbtest.Span("t-z", "error"), pbtest.Span("t-z", "ok")}}
	if st, err := p.Ingest("tkn", pk.Encode()); st != ts.StatusOK {
		t.Fatal(st, err)
	}
	must[struct{}](t)(struct{}{}, p.Flush())
	ds := must[[]ts.Delivery](t)(p.PollKept())
	if len(ds) != 1 || ds[0].Points != 2 || !bytes.Equal(ds[0].Body, pbtest.Points(pk.Points...)) {
		t.Fatalf("deliveries %+v", ds)
	}
}

// PeekPacket: the pick keys Datakit sends (vectors of crates/tailsampling/src/wire/hash.rs), the payload
// compression, and Ingest's header checks.
func TestPeekPacket(t *testing.T) {
	const token = "tkn_0123456789abcdef"
	for _, c := range []struct {
		p    pbtest.Packet
		want uint64
	}{
		{pbtest.Packet{DataType: "tracing", RawGroupID: "4bf92f3577b34da6a3ce929d0e0e4736"}, 0xb878f5fd59bc5892},
		{pbtest.Packet{DataType: "logging", GroupKey: "service", RawGroupID: "checkout"}, 0xdf147025a449e51d},
		{pbtest.Packet{Token: token, DataType: "rum", GroupKey: "session_id", RawGroupID: "s-1", Compression: 1}, 0x72f2a71cf5f3db62},
	} {
		info, err := ts.PeekPacket(token, c.p.Encode())
		if err != nil || info.PickKey != c.want || info.Zstd() != (c.p.Compression == 1) {
			t.Errorf("%s: %+v %v, want pick key %#x", c.p.DataType, info, err, c.want)
		}
	}
	_, err := ts.PeekPacket("", []byte{0x0a, 0xff, 0xff})
	wantErr(t, err, ts.ErrDecode, "")
	_, err = ts.PeekPacket("other", pbtest.Trace(token, "t", "ok"))
	wantErr(t, err, ts.ErrTokenMismatch, "token")
	_, err = ts.PeekPacket("", pbtest.Trace("", "t", "ok"))
	wantErr(t, err, ts.ErrInvalidArgument, "no token")
}

func TestRecordSend(t *testing.T) {
	p := manual(t, ts.Options{DefaultToken: "tkn_dw"})
	for _, r := range []ts.SendResult{ts.SendSuccess, ts.SendFailure, ts.SendDrop} {
		if err := p.RecordSend("tkn", "tracing", r, 2); err != nil {
			t.Fatal(err)
		}
	}
	wantErr(t, p.RecordSend("tkn", "", ts.SendDrop, 1), ts.ErrInvalidArgument, "data_type")
	wantErr(t, p.RecordSend("tkn", "tracing", ts.SendResult(7), 1), ts.ErrInvalidArgument, "TS_SEND_")
	if err := p.SetTime(t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	ms := must[[]ts.Delivery](t)(p.PollMetrics())
	if len(ms) != 1 || ms[0].Token != "tkn_dw" {
		t.Fatalf("metrics %+v", ms)
	}
	results := map[string]bool{}
	for _, pt := range must[[]pbtest.Point](t)(pbtest.DecodePoints(ms[0].Body)) {
		if pt.Name != "dataway_aggregate" || pt.Tag("token") != "tkn" {
			t.Fatalf("runtime point %+v", pt)
		}
		results[pt.Tag("result")] = true
	}
	if !results["success"] || !results["failure"] || !results["drop"] {
		t.Fatalf("results %v", results)
	}
}

func TestValidateConfig(t *testing.T) {
	r := must[*ts.Report](t)(ts.ValidateConfig([]byte(traceConfig), nil))
	if !r.OK || r.Errors != 0 || len(r.ReferencedFields["trace.pipelines[0]"]) != 1 {
		t.Fatalf("report %+v", r)
	}
	r = must[*ts.Report](t)(ts.ValidateConfig([]byte(`{"version": 1, "trace": {"pipelines": 3}}`), nil))
	if r.OK || r.Errors == 0 || r.Findings[0].Severity != "error" || r.Findings[0].Path != "trace.pipelines" {
		t.Fatalf("report %+v", r)
	}
	cfg := `{"trace": {"pipelines": [{"name": "5xx", "type": "condition",
	  "condition": "{ http_status_code = 500 }", "action": "keep"}]}}`
	schema := `{"tracing": {"http_status_code": "tag"}}`
	r = must[*ts.Report](t)(ts.ValidateConfig([]byte(cfg), []byte(schema)))
	f := r.Findings[0]
	if r.OK || f.Pipeline != "5xx" || f.Line != 1 || f.Column == 0 || f.Hint == "" ||
		r.FieldTypes["trace.pipelines[0]"]["http_status_code"] != "tag" {
		t.Fatalf("report %+v", r)
	}
	_, err := ts.ValidateConfig([]byte(cfg), []byte("{}"))
	wantErr(t, err, ts.ErrInvalidArgument, "schema: line 1")
}

func TestClosed(t *testing.T) {
	p := manual(t, ts.Options{})
	p.Close()
	p.Close() // idempotent
	var nilp *ts.Processor
	nilp.Close()
	for _, q := range []*ts.Processor{p, nilp, new(ts.Processor)} {
		st, err := q.Ingest("tkn", pbtest.Trace("", "t", "ok"))
		wantErr(t, err, ts.ErrClosed, "Ingest")
		if st != ts.StatusClosed || st.StatusHTTP() != 503 {
			t.Fatal(st)
		}
		_, err = q.SetConfig("tkn", []byte(traceConfig))
		wantErr(t, err, ts.ErrClosed, "SetConfig")
		_, err = q.PollKept()
		wantErr(t, err, ts.ErrClosed, "PollKept")
		_, err = q.PollMetrics()
		wantErr(t, err, ts.ErrClosed, "PollMetrics")
		wantErr(t, q.SetTime(t0), ts.ErrClosed, "SetTime")
		wantErr(t, q.Flush(), ts.ErrClosed, "Flush")
		wantErr(t, q.RecordSend("t", "rum", ts.SendDrop, 1), ts.ErrClosed, "RecordSend")
		wantErr(t, q.Ack(1), ts.ErrClosed, "Ack")
		_, err = q.Stats()
		wantErr(t, err, ts.ErrClosed, "StatsJSON")
	}
}

// Ingest ∥ PollKept ∥ PollMetrics ∥ SetConfig ∥ Stats ∥ SetTime from many goroutines, then
// drain: every accepted packet is accounted for, kept packets are delivered exactly once, and
// SetConfig's applied results agree with the engine's counters.
func TestConcurrency(t *testing.T) {
	p := manual(t, ts.Options{Shards: 4})
	const (
		tokens   = 3
		writers  = 8
		perTrace = 3
		traces   = 150 // per writer
	)
	var (
		wg          sync.WaitGroup
		stop        = make(chan struct{})
		delivered   atomic.Uint64
		applied     [tokens]atomic.Uint64
		keptSpans   sync.Map // trace id -> *atomic.Int64
		configCalls atomic.Int64
	)
	poll := func() {
		ds, err := p.PollKept()
		if err != nil {
			t.Error(err)
			return
		}
		for _, d := range ds {
			delivered.Add(d.Points)
			pts, err := pbtest.DecodePoints(d.Body)
			if err != nil {
				t.Error(err)
			}
			for _, pt := range pts {
				n, _ := keptSpans.LoadOrStore(d.Token+"/"+pt.Tag("trace_id"), new(atomic.Int64))
				n.(*atomic.Int64).Add(1)
			}
		}
	}
	background := func(f func(i int)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
					f(i)
				}
			}
		}()
	}
	background(func(int) { poll() })
	background(func(int) {
		if _, err := p.PollMetrics(); err != nil {
			t.Error(err)
		}
	})
	background(func(i int) {
		s, err := p.Stats()
		if err != nil || s.Total.Accepted < s.Total.Kept.Packets {
			t.Error(err, s)
		}
	})
	background(func(i int) {
		tok := i % tokens
		cfg := strings.Replace(traceConfig, `"version": 1`, fmt.Sprintf(`"version": %d`, 1+i/(2*tokens)%2), 1)
		ok, err := p.SetConfig(fmt.Sprintf("tkn%d", tok), []byte(cfg))
		if err != nil {
			t.Error(err)
		}
		if ok {
			applied[tok].Add(1)
		}
		configCalls.Add(1)
	})
	background(func(i int) {
		if err := p.SetTime(t0.Add(time.Duration(i) * time.Second)); err != nil {
			t.Error(err)
		}
		time.Sleep(100 * time.Microsecond)
	})

	var writersWG sync.WaitGroup
	for w := range writers {
		writersWG.Add(1)
		go func() {
			defer writersWG.Done()
			for i := range traces * perTrace {
				id := fmt.Sprintf("w%d-t%d", w, i/perTrace)
				status := "ok"
				if i/perTrace%5 == 0 {
					status = "error"
				}
				st, err := p.Ingest(fmt.Sprintf("tkn%d", w%tokens), pbtest.Trace("", id, status))
				if err != nil || (st != ts.StatusOK && st != ts.StatusPending) {
					t.Error(st, err)
				}
			}
		}()
	}
	writersWG.Wait()
	for configCalls.Load() < 60 { // enough config changes to interleave with the traffic
		time.Sleep(time.Millisecond)
	}
	close(stop)
	wg.Wait()

	if err := p.Flush(); err != nil {
		t.Fatal(err)
	}
	poll()
	s := must[*ts.Stats](t)(p.Stats())
	if s.Total.Accepted != writers*traces*perTrace || !s.Total.Conserved() {
		t.Fatalf("not conserved: %+v", s.Total)
	}
	t.Logf("accepted %d, kept %d, dropped %d, late %+v, applied %v", s.Total.Accepted, s.Total.Kept.Packets, s.Total.Dropped.Packets, s.Total.Late, s.Total.Configs)
	if s.Total.Kept.Packets != delivered.Load() {
		t.Fatalf("kept %d packets, delivered %d points", s.Total.Kept.Packets, delivered.Load())
	}
	keptSpans.Range(func(k, v any) bool {
		if n := v.(*atomic.Int64).Load(); n > perTrace {
			t.Errorf("trace %v delivered %d spans, sent %d", k, n, perTrace)
		}
		return true
	})
	for tok := range tokens {
		got := s.Tokens[fmt.Sprintf("tkn%d", tok)].Configs.Applied
		if got != applied[tok].Load() {
			t.Errorf("tkn%d: %d configs applied, SetConfig said %d", tok, got, applied[tok].Load())
		}
	}
}

// Close while many goroutines call in: every call either completes or returns ErrClosed.
func TestCloseUnderLoad(t *testing.T) {
	p := manual(t, ts.Options{})
	must[bool](t)(p.SetConfig("tkn", []byte(traceConfig)))
	body := pbtest.Trace("", "t", "error")
	var wg sync.WaitGroup
	start := make(chan struct{})
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			for {
				var err error
				switch g % 4 {
				case 0, 1:
					_, err = p.Ingest("tkn", body)
				case 2:
					_, err = p.PollKept()
				case 3:
					_, err = p.Stats()
				}
				if errors.Is(err, ts.ErrClosed) {
					return
				}
				if err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	close(start)
	time.Sleep(20 * time.Millisecond)
	p.Close()
	wg.Wait()
}
