package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tailsampling/tailsampling-go/internal/pbtest"
)

// traceConfig keeps the traces and the service log groups with an error.
const traceConfig = `{"version": 1,
 "trace": {"pipelines": [{"name": "keep-errors", "type": "condition", "condition": "{ status = \"error\" }", "action": "keep"}]},
 "logging": {"group_dimensions": [{"group_key": "service", "pipelines": [
   {"name": "keep-errors", "type": "condition", "condition": "{ status = \"error\" }", "action": "keep"}]}]}}`

// upstream is a fake write API recording every request; fail, if set, chooses an error status
// for a request (0: answer 200).
type upstream struct {
	*httptest.Server
	mu     sync.Mutex
	writes []write
	fail   func(r *http.Request) int
}

type write struct {
	path, token, contentType string
	body                     []byte
	code                     int
}

func newUpstream(t *testing.T) *upstream {
	u := &upstream{}
	u.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		u.mu.Lock()
		code := http.StatusOK
		if u.fail != nil {
			if c := u.fail(r); c != 0 {
				code = c
			}
		}
		u.writes = append(u.writes, write{r.URL.Path, r.URL.Query().Get("token"),
			r.Header.Get("Content-Type"), body, code})
		u.mu.Unlock()
		w.WriteHeader(code)
	}))
	t.Cleanup(u.Close)
	return u
}

// ok returns the successful writes.
func (u *upstream) ok() []write {
	u.mu.Lock()
	defer u.mu.Unlock()
	var ws []write
	for _, w := range u.writes {
		if w.code == http.StatusOK {
			ws = append(ws, w)
		}
	}
	return ws
}

// host is a dataway running on a loopback port until stop.
type host struct {
	url    string
	cancel context.CancelFunc
	done   chan error
}

func startHost(t *testing.T, args ...string) *host {
	t.Helper()
	args = append([]string{"--retry-backoff", "10ms", "--send-timeout", "5s",
		"--shutdown-timeout", "20s"}, args...)
	cfg, err := parseFlags(args, func(string) string { return "" }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	h := &host{url: "http://" + ln.Addr().String(), cancel: cancel, done: make(chan error, 1)}
	log := slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	go func() { h.done <- run(ctx, cfg, ln, log) }()
	t.Cleanup(func() { h.stop(t) })
	return h
}

// stop is the SIGTERM path: cancel run's context and wait for the drain.
func (h *host) stop(t *testing.T) {
	t.Helper()
	if h.cancel == nil {
		return
	}
	h.cancel()
	h.cancel = nil
	if err := <-h.done; err != nil {
		t.Errorf("run: %v", err)
	}
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(b []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(b)))
	return len(b), nil
}

// post sends a Datakit-shaped request and returns the status and body.
func post(t *testing.T, url string, body []byte, header ...string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-protobuf")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// points decodes the points of the writes to path, with the token of each write.
func points(t *testing.T, ws []write, path string) map[string][]pbtest.Point {
	t.Helper()
	out := map[string][]pbtest.Point{}
	for _, w := range ws {
		if !strings.HasSuffix(w.path, path) {
			continue
		}
		if w.contentType != "application/protobuf; proto=com.guance.Point" {
			t.Errorf("%s: content type %q", w.path, w.contentType)
		}
		pts, err := pbtest.DecodePoints(w.body)
		if err != nil {
			t.Fatal(err)
		}
		out[w.token] = append(out[w.token], pts...)
	}
	return out
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(15 * time.Second); !cond(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// Every answer of a standalone host, then the drain on shutdown.
func TestStandaloneStatuses(t *testing.T) {
	up := newUpstream(t)
	h := startHost(t, "--upstream", up.URL, "--token", "tkn_dw", "--pending-max-packets", "2",
		"--max-body-bytes", "4000")
	v1, v2, cfg := h.url+apiV1+"?token=tkn_a", h.url+apiV2+"?token=tkn_a", h.url+apiConfig+"?token=tkn_a"
	zstdErr := pbtest.Packet{DataType: "tracing", RawGroupID: "t-zstd", Compression: 1,
		Points: []pbtest.Point{pbtest.Span("t-zstd", "error")}}.Encode()
	var big []pbtest.Point
	for range 100 {
		big = append(big, pbtest.Span("t-big", "ok"))
	}

	for i, c := range []struct {
		url    string
		body   []byte
		header []string
		want   int
	}{
		{v1, pbtest.Trace("", "t-1", "error"), nil, 412}, // no config yet: pending
		{v1, pbtest.Trace("tkn_a", "t-2", "ok"), nil, 412},
		{v2, pbtest.Trace("", "t-3", "error"), nil, 503}, // the pending cache holds 2
		{cfg, []byte(traceConfig), nil, 200},
		{cfg, []byte(traceConfig), nil, 200}, // the same version again: ignored, still 200
		{cfg, []byte(`{"version": 2, "trace": {"pipelines": 3}}`), nil, 400},
		{v1, zstdErr, nil, 415}, // v1: raw payloads only, so Datakit falls back
		{v1, pbtest.Trace("", "t-4", "error"), []string{headerCompression, "zstd"}, 415},
		{v2, zstdErr, []string{headerCompression, "zstd"}, 200},
		{v1, pbtest.Trace("", "t-5", "ok"), nil, 200},
		{v1, []byte("garbage"), nil, 400},
		{v1, pbtest.Trace("tkn_other", "t-6", "ok"), nil, 403},
		{v1, pbtest.Packet{DataType: "tracing", RawGroupID: "t-big", Points: big}.Encode(), nil, 413},
		{v1, pbtest.Trace("", "t-7", "ok"), []string{"Content-Encoding", "gzip"}, 415},
		{h.url + apiV1, pbtest.Trace("", "t-8", "ok"), nil, 401},
	} {
		if code, body := post(t, c.url, c.body, c.header...); code != c.want {
			t.Errorf("request %d: %d %s, want %d", i, code, body, c.want)
		}
	}
	if code, _ := get(t, h.url+apiV1); code != http.StatusMethodNotAllowed {
		t.Errorf("GET: %d", code)
	}
	if code, body := get(t, h.url+"/healthz"); code != 200 || body != "ok\n" {
		t.Errorf("healthz: %d %q", code, body)
	}
	_, metrics := get(t, h.url+"/metrics")
	for _, want := range []string{
		`dataway_http_requests_total{api="/v1/tail_sampling",code="412"} 2`,
		`dataway_http_requests_total{api="/v1/tail_sampling_v2",code="503"} 1`,
		`dataway_http_requests_total{api="/v1/tail_sampling_config",code="400"} 1`,
		`tailsampling_accepted_packets_total{token="tkn_a"} 4`,
		`tailsampling_refused_busy_packets_total{token="tkn_a"} 1`,
		`tailsampling_buffered_groups{token="tkn_a"} 4`,
		`tailsampling_configs_total{token="tkn_a",result="ignored"} 1`,
		"# TYPE tailsampling_buffered_bytes gauge",
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}

	h.stop(t) // flush and deliver
	ws := up.ok()
	kept := points(t, ws, "/v1/write/tracing")["tkn_a"]
	var ids []string
	for _, p := range kept {
		ids = append(ids, p.Tag("trace_id"))
	}
	if slices.Sort(ids); !slices.Equal(ids, []string{"t-1", "t-zstd"}) {
		t.Errorf("kept traces %v, want t-1 and t-zstd", ids)
	}
	metricsByToken := points(t, ws, "/v1/write/metric")
	if len(metricsByToken["tkn_a"]) == 0 || metricsByToken["tkn_a"][0].Name != "tail_sampling" ||
		len(metricsByToken["tkn_dw"]) == 0 || metricsByToken["tkn_dw"][0].Name != "dataway_aggregate" ||
		len(metricsByToken) != 2 {
		t.Errorf("metric writes %v", metricsByToken)
	}
}

// The poll loop delivers without a shutdown; failed writes are retried (5xx) or not (4xx), and
// counted.
func TestPollLoopAndRetries(t *testing.T) {
	up := newUpstream(t)
	failures := map[string]int{"tkn_flaky": 2}
	up.fail = func(r *http.Request) int {
		tok := r.URL.Query().Get("token")
		if tok == "tkn_refused" {
			return http.StatusForbidden
		}
		if failures[tok] > 0 {
			failures[tok]--
			return http.StatusBadGateway
		}
		return 0
	}
	h := startHost(t, "--upstream", up.URL, "--poll-interval", "20ms", "--retries", "3")
	ttlConfig := strings.Replace(traceConfig, `"trace": {`, `"trace": {"data_ttl": "1s", `, 1)
	for _, tok := range []string{"tkn_flaky", "tkn_refused"} {
		if code, body := post(t, h.url+apiConfig+"?token="+tok, []byte(ttlConfig)); code != 200 {
			t.Fatal(code, body)
		}
		if code, body := post(t, h.url+apiV2+"?token="+tok, pbtest.Trace("", "t-"+tok, "error")); code != 200 {
			t.Fatal(code, body)
		}
	}
	eventually(t, "the deliveries", func() bool {
		_, m := get(t, h.url+"/metrics")
		return strings.Contains(m, `dataway_deliveries_total{data_type="tracing",result="success"} 1`) &&
			strings.Contains(m, `dataway_deliveries_total{data_type="tracing",result="failure"} 1`)
	})
	attempts := map[string]int{}
	up.mu.Lock()
	for _, w := range up.writes {
		attempts[w.token]++
	}
	up.mu.Unlock()
	if attempts["tkn_flaky"] != 3 || attempts["tkn_refused"] != 1 {
		t.Errorf("attempts %v: want 3 for the flaky upstream (2 failures), 1 for the refusing one", attempts)
	}
}

// --out-dir writes the bodies to files, one per delivery.
func TestOutDir(t *testing.T) {
	dir := t.TempDir()
	h := startHost(t, "--out-dir", dir)
	post(t, h.url+apiConfig+"?token=tkn_a", []byte(traceConfig))
	if code, _ := post(t, h.url+apiV1+"?token=tkn_a", pbtest.Trace("", "t-1", "error")); code != 200 {
		t.Fatal(code)
	}
	h.stop(t)
	for _, sub := range []string{"tracing", "metric"} {
		files, err := filepath.Glob(dir + "/tkn_a/" + sub + "/*.pb")
		if err != nil || len(files) != 1 {
			t.Fatalf("%s: %v %v", sub, files, err)
		}
	}
	if fileName("..") != "%2E%2E" || fileName("") != "%" || fileName("tkn_A-1/x") != "tkn_A-1%2Fx" {
		t.Error("fileName does not escape")
	}
}

func TestFlags(t *testing.T) {
	env := map[string]string{"DW_MODE": "proxy", "DW_BACKENDS": "http://a:1, http://b:2/", "DW_WORKERS": "9"}
	c, err := parseFlags([]string{"--workers", "2"}, func(k string) string { return env[k] }, io.Discard)
	if err != nil || c.mode != "proxy" || len(c.backends) != 2 || c.backends[1] != "http://b:2" || c.workers != 2 {
		t.Fatalf("%+v %v", c, err)
	}
	for _, args := range [][]string{
		{},                                    // standalone without a destination
		{"--upstream", "x", "--out-dir", "d"}, // both
		{"--upstream", "ftp://x"},
		{"--mode", "proxy"},
		{"--mode", "proxy", "--backends", "http://a", "--upstream", "http://u"},
		{"--mode", "mirror"},
		{"--upstream", "http://u", "--workers", "0"},
		{"--upstream", "http://u", "extra"},
	} {
		if _, err := parseFlags(args, func(string) string { return "" }, io.Discard); err == nil {
			t.Errorf("%q: no error", args)
		}
	}
	if _, err := parseFlags(nil, func(k string) string { return map[string]string{"DW_WORKERS": "x"}[k] }, io.Discard); err == nil || !strings.Contains(err.Error(), "DW_WORKERS") {
		t.Errorf("bad env: %v", err)
	}
	var help bytes.Buffer
	if _, err := parseFlags([]string{"-h"}, func(string) string { return "" }, &help); !errors.Is(err, flag.ErrHelp) {
		t.Fatal(err)
	}
	for _, want := range []string{"[$DW_UPSTREAM]", "[$DW_PENDING_MAX_PACKETS]", "-backends", "412"} {
		if !strings.Contains(help.String(), want) {
			t.Errorf("help lacks %q", want)
		}
	}
}

// A dead upstream cannot hold the shutdown past --shutdown-timeout: the attempt in flight is
// cancelled (failure), the rest is dropped without an attempt.
func TestShutdownDeadline(t *testing.T) {
	up := newUpstream(t)
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	attempts := 0
	up.fail = func(*http.Request) int { // called under up.mu
		attempts++
		up.mu.Unlock()
		<-release
		up.mu.Lock()
		return http.StatusServiceUnavailable
	}
	h := startHost(t, "--upstream", up.URL, "--workers", "1", "--queue", "0", "--shutdown-timeout", "300ms")
	for i := range 3 {
		tok := fmt.Sprintf("tkn_%d", i)
		post(t, h.url+apiConfig+"?token="+tok, []byte(traceConfig))
		if code, _ := post(t, h.url+apiV1+"?token="+tok, pbtest.Trace("", "t", "error")); code != 200 {
			t.Fatal(code)
		}
	}
	h.stop(t) // returns although the upstream never answers
	up.mu.Lock()
	defer up.mu.Unlock()
	if attempts != 1 {
		t.Errorf("%d attempts, want 1: the one in flight at the deadline", attempts)
	}
}
