package tailsampling_test

import (
	"errors"
	"fmt"
	"time"

	ts "github.com/tailsampling/tailsampling-go"
	"github.com/tailsampling/tailsampling-go/internal/pbtest"
)

// A Dataway's life in miniature, on a manual clock: the first packet of a tenant is pending
// (HTTP 412) until its config arrives, the group is decided when its TTL elapses, and the kept
// data comes back as bodies to POST upstream.
func Example() {
	p, err := ts.New(ts.Options{Clock: ts.ClockManual})
	if err != nil {
		panic(err)
	}
	defer p.Close()
	start := time.Unix(1795219200, 0)
	_ = p.SetTime(start)

	// One DataPacket per request body, as Datakit POSTs them to /v1/tail_sampling?token=tkn_a.
	st, _ := p.Ingest("tkn_a", pbtest.Trace("", "trace-1", "error"))
	fmt.Println("first packet:", st, st.StatusHTTP())

	config := []byte(`{"version": 1, "trace": {"data_ttl": "30s", "pipelines": [
	  {"name": "keep-errors", "type": "condition", "condition": "{ status = \"error\" }", "action": "keep"}]}}`)
	applied, _ := p.SetConfig("tkn_a", config)
	fmt.Println("config applied:", applied)
	st, _ = p.Ingest("tkn_a", pbtest.Trace("", "trace-2", "ok"))
	fmt.Println("second packet:", st, st.StatusHTTP())

	_ = p.SetTime(start.Add(30 * time.Second)) // a host polls every second on the system clock
	kept, _ := p.PollKept()
	for _, d := range kept {
		fmt.Printf("POST %s?token=%s (%s): %d point(s)\n", d.Path, d.Token, d.ContentType, d.Points)
	}
	// Output:
	// first packet: pending 412
	// config applied: true
	// second packet: ok 200
	// POST /v1/write/tracing?token=tkn_a (application/protobuf; proto=com.guance.Point): 1 point(s)
}

// Errors carry the status and the library's message; errors.Is compares statuses.
func ExampleError() {
	p, _ := ts.New(ts.Options{})
	defer p.Close()
	st, err := p.Ingest("tkn_a", []byte("not a DataPacket"))
	fmt.Println(st.StatusHTTP(), errors.Is(err, ts.ErrDecode))

	var e *ts.Error
	if errors.As(err, &e) {
		fmt.Println(e.Code)
	}
	// Output:
	// 400 true
	// decode_error
}

// SetConfig reports whether a config replaced the one in force: Datakit re-sends the same
// version every minute, which changes nothing.
func ExampleProcessor_SetConfig() {
	p, _ := ts.New(ts.Options{})
	defer p.Close()
	config := []byte(`{"version": 7, "trace": {"pipelines": [{"name": "all", "type": "probabilistic", "rate": 1}]}}`)
	first, _ := p.SetConfig("tkn_a", config)
	again, _ := p.SetConfig("tkn_a", config)
	_, err := p.SetConfig("tkn_a", []byte(`{"version": 8, "trace": {"pipelines": 3}}`))
	fmt.Println(first, again, errors.Is(err, ts.ErrConfig))
	// Output: true false true
}

// ValidateConfig checks a config before it is deployed, here against a declared schema in
// which http_status_code is a string tag: comparing it with a number never matches.
func ExampleValidateConfig() {
	config := []byte(`{"version": 1, "trace": {"pipelines": [
	  {"name": "keep-5xx", "type": "condition", "condition": "{ http_status_code = 500 }", "action": "keep"}]}}`)
	schema := []byte(`{"tracing": {"http_status_code": "tag", "status": "tag"}}`)
	report, err := ts.ValidateConfig(config, schema)
	if err != nil {
		panic(err)
	}
	fmt.Println("ok:", report.OK)
	for _, f := range report.Findings {
		fmt.Printf("%s: %s (pipeline %s)\nhint: %s\n", f.Severity, f.Path, f.Pipeline, f.Hint)
	}
	// Output:
	// ok: false
	// error: trace.pipelines[0].condition (pipeline keep-5xx)
	// hint: write `http_status_code = "500"`
}

// Stats account for every accepted packet.
func ExampleProcessor_Stats() {
	p, _ := ts.New(ts.Options{})
	defer p.Close()
	_, _ = p.Ingest("tkn_a", pbtest.Trace("", "trace-1", "ok"))
	s, _ := p.Stats()
	fmt.Println(s.Total.Accepted, s.Total.Pending.Packets, s.Total.Conserved())
	// Output: 1 1 true
}
