package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"

	ts "github.com/tailsampling/tailsampling-go"
)

// The Dataway tail-sampling APIs and headers (docs/protocol.md, "HTTP").
const (
	apiV1             = "/v1/tail_sampling"
	apiV2             = "/v1/tail_sampling_v2"
	apiConfig         = "/v1/tail_sampling_config"
	headerPickKey     = "Guance-Pick-Key"
	headerCompression = "Guance-Tail-Sampling-Payload-Compression"
)

// backend is what a mode (standalone, proxy) does with the requests the server has checked
// and read.
type backend interface {
	ingest(ctx context.Context, r *tsRequest) reply
	setConfig(ctx context.Context, r *tsRequest) reply
	writeMetrics(p *promWriter)
	health() error
}

// tsRequest is a tail-sampling request: its API path, ?token=, raw query, headers and body
// (valid during the call only: the buffer is reused).
type tsRequest struct {
	api      string
	token    string
	rawQuery string
	header   http.Header
	body     []byte
}

// reply is an HTTP answer.
type reply struct {
	code        int
	contentType string
	body        []byte
}

// errorReply is a JSON error answer: {"error_code": "...", "message": "..."}.
func errorReply(code int, errorCode, msg string) reply {
	b, _ := json.Marshal(struct {
		ErrorCode string `json:"error_code"`
		Message   string `json:"message"`
	}{errorCode, msg})
	return reply{code: code, contentType: "application/json", body: b}
}

// engineErrorReply answers an engine error with its status's HTTP code and name.
func engineErrorReply(err error) reply {
	var e *ts.Error
	if errors.As(err, &e) {
		return errorReply(e.Code.StatusHTTP(), e.Code.String(), err.Error())
	}
	return errorReply(http.StatusInternalServerError, "internal", err.Error())
}

// server is the HTTP front of both modes: request checks, body limits, /metrics, /healthz,
// and the HTTP counters.
type server struct {
	backend backend
	maxBody int64
	log     *slog.Logger
	bufs    sync.Pool // *bytes.Buffer for request bodies

	mu        sync.Mutex
	requests  map[[2]string]uint64 // {api, code} → requests
	bodyBytes map[string]uint64    // api → body bytes read
}

// maxPooledBuffer bounds the request buffers kept for reuse.
const maxPooledBuffer = 4 << 20

func newServer(b backend, maxBody int64, log *slog.Logger) http.Handler {
	s := &server{backend: b, maxBody: maxBody, log: log,
		requests: map[[2]string]uint64{}, bodyBytes: map[string]uint64{}}
	s.bufs.New = func() any { return new(bytes.Buffer) }
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+apiV1, s.handle(apiV1, b.ingest))
	mux.HandleFunc("POST "+apiV2, s.handle(apiV2, b.ingest))
	mux.HandleFunc("POST "+apiConfig, s.handle(apiConfig, b.setConfig))
	mux.HandleFunc("GET /metrics", s.metrics)
	mux.HandleFunc("GET /healthz", s.healthz)
	return mux
}

func (s *server) handle(api string, do func(context.Context, *tsRequest) reply) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		buf := s.bufs.Get().(*bytes.Buffer)
		buf.Reset()
		rep := s.serve(api, r, buf, do)
		s.count(api, rep.code, buf.Len())
		if buf.Cap() <= maxPooledBuffer {
			s.bufs.Put(buf)
		}
		if rep.contentType != "" {
			w.Header().Set("Content-Type", rep.contentType)
		}
		w.WriteHeader(rep.code)
		if _, err := w.Write(rep.body); err != nil {
			s.log.Debug("writing a response", "api", api, "err", err)
		}
	}
}

// serve checks the request, reads its body into buf and hands it to the backend.
func (s *server) serve(api string, r *http.Request, buf *bytes.Buffer,
	do func(context.Context, *tsRequest) reply) reply {
	token := r.URL.Query().Get("token")
	if token == "" {
		return errorReply(http.StatusUnauthorized, "token.missing", "no ?token= in the URL")
	}
	if ce := r.Header.Get("Content-Encoding"); ce != "" && !strings.EqualFold(ce, "identity") {
		return errorReply(http.StatusUnsupportedMediaType, "unsupported",
			"Content-Encoding "+strconv.Quote(ce)+": send the body uncompressed")
	}
	if api == apiV1 && strings.EqualFold(r.Header.Get(headerCompression), "zstd") {
		return errorReply(http.StatusUnsupportedMediaType, "unsupported",
			apiV1+" takes raw payloads: send zstd payloads to "+apiV2)
	}
	if r.ContentLength > s.maxBody {
		return errorReply(http.StatusRequestEntityTooLarge, "too_large",
			"body over --max-body-bytes ("+strconv.FormatInt(s.maxBody, 10)+")")
	}
	if _, err := buf.ReadFrom(io.LimitReader(r.Body, s.maxBody+1)); err != nil {
		return errorReply(http.StatusBadRequest, "body", "reading the body: "+err.Error())
	}
	if int64(buf.Len()) > s.maxBody {
		return errorReply(http.StatusRequestEntityTooLarge, "too_large",
			"body over --max-body-bytes ("+strconv.FormatInt(s.maxBody, 10)+")")
	}
	return do(r.Context(), &tsRequest{api: api, token: token, rawQuery: r.URL.RawQuery,
		header: r.Header, body: buf.Bytes()})
}

func (s *server) count(api string, code, bodyBytes int) {
	s.mu.Lock()
	s.requests[[2]string{api, strconv.Itoa(code)}]++
	s.bodyBytes[api] += uint64(bodyBytes)
	s.mu.Unlock()
}

func (s *server) metrics(w http.ResponseWriter, _ *http.Request) {
	p := newPromWriter()
	s.mu.Lock()
	p.family("dataway_http_requests_total", "counter", "Tail-sampling API requests by API and HTTP status.")
	for _, k := range sortedPairs(s.requests) {
		p.sample("dataway_http_requests_total", s.requests[k], "api", k[0], "code", k[1])
	}
	p.family("dataway_http_request_body_bytes_total", "counter", "Request body bytes read by API.")
	for _, api := range []string{apiV1, apiV2, apiConfig} {
		p.sample("dataway_http_request_body_bytes_total", s.bodyBytes[api], "api", api)
	}
	s.mu.Unlock()
	s.backend.writeMetrics(p)
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	if _, err := w.Write(p.buf.Bytes()); err != nil {
		s.log.Debug("writing /metrics", "err", err)
	}
}

func (s *server) healthz(w http.ResponseWriter, _ *http.Request) {
	if err := s.backend.health(); err != nil {
		http.Error(w, err.Error(), http.StatusServiceUnavailable)
		return
	}
	_, _ = io.WriteString(w, "ok\n")
}

// promWriter renders the Prometheus text exposition format.
type promWriter struct{ buf bytes.Buffer }

func newPromWriter() *promWriter { return &promWriter{} }

// family starts a metric family: its HELP and TYPE lines.
func (p *promWriter) family(name, typ, help string) {
	p.buf.WriteString("# HELP " + name + " " + help + "\n# TYPE " + name + " " + typ + "\n")
}

// sample writes one sample; labels are name, value pairs.
func (p *promWriter) sample(name string, v uint64, labels ...string) {
	p.buf.WriteString(name)
	for i := 0; i+1 < len(labels); i += 2 {
		if i == 0 {
			p.buf.WriteByte('{')
		} else {
			p.buf.WriteByte(',')
		}
		p.buf.WriteString(labels[i] + `="` + labelEscaper.Replace(labels[i+1]) + `"`)
	}
	if len(labels) > 0 {
		p.buf.WriteByte('}')
	}
	p.buf.WriteString(" " + strconv.FormatUint(v, 10) + "\n")
}

var labelEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)

// sortedPairs returns the keys of m in order, for a stable /metrics.
func sortedPairs(m map[[2]string]uint64) [][2]string {
	return slices.SortedFunc(maps.Keys(m), func(a, b [2]string) int { return slices.Compare(a[:], b[:]) })
}
