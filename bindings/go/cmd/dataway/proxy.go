package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"sync"

	ts "github.com/tailsampling/tailsampling-go"
)

// proxy routes tail-sampling requests to standalone Dataways: a packet to
// backends[Guance-Pick-Key % len(backends)], so every packet of a group meets on one backend,
// and a config to every backend. It holds no state.
type proxy struct {
	backends []string
	client   *http.Client
	log      *slog.Logger

	mu       sync.Mutex
	forwards map[[2]string]uint64 // {backend, code or "error"} → requests
}

func newProxy(cfg *config, log *slog.Logger) *proxy {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 64
	return &proxy{backends: cfg.backends, log: log, forwards: map[[2]string]uint64{},
		client: &http.Client{Transport: tr, Timeout: cfg.sendTimeout}}
}

func (p *proxy) ingest(ctx context.Context, r *tsRequest) reply {
	key, err := strconv.ParseUint(r.header.Get(headerPickKey), 10, 64)
	if err != nil {
		info, err := ts.PeekPacket(r.token, r.body)
		if err != nil {
			return engineErrorReply(err)
		}
		key = info.PickKey
	}
	return p.forward(ctx, p.backends[key%uint64(len(p.backends))], r, key)
}

// setConfig broadcasts the config: 200 when every backend took it, otherwise the first
// backend's refusal (502 for one that could not be reached). Datakit re-sends its config
// every minute, which heals a backend that missed one.
func (p *proxy) setConfig(ctx context.Context, r *tsRequest) reply {
	replies := make([]reply, len(p.backends))
	var wg sync.WaitGroup
	for i, b := range p.backends {
		wg.Add(1)
		go func() {
			defer wg.Done()
			replies[i] = p.forward(ctx, b, r, 0)
		}()
	}
	wg.Wait()
	for _, rep := range replies {
		if rep.code != http.StatusOK {
			return rep
		}
	}
	return replies[0]
}

// forward sends r to backend and relays the answer; a backend that cannot be reached is 503
// for ingest (the client writes the data directly) and 502 for a config. key is the pick key
// to send along (ingest only).
func (p *proxy) forward(ctx context.Context, backend string, r *tsRequest, key uint64) reply {
	body := &trackedBody{Reader: bytes.NewReader(r.body), closed: make(chan struct{})}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, backend+r.api+"?"+r.rawQuery, body)
	if err != nil {
		return errorReply(http.StatusInternalServerError, "internal", err.Error())
	}
	req.ContentLength = int64(len(r.body))
	for _, h := range []string{"Content-Type", headerCompression} {
		if v := r.header.Get(h); v != "" {
			req.Header.Set(h, v)
		}
	}
	if r.api != apiConfig {
		req.Header.Set(headerPickKey, strconv.FormatUint(key, 10))
	}
	resp, err := p.client.Do(req)
	var rep reply
	if err == nil {
		var b []byte
		b, err = io.ReadAll(io.LimitReader(resp.Body, 1<<16))
		resp.Body.Close()
		rep = reply{code: resp.StatusCode, contentType: resp.Header.Get("Content-Type"), body: b}
	}
	// The request body aliases a reused buffer: wait until the transport is done with it.
	<-body.closed
	p.count(backend, rep.code, err)
	if err != nil {
		p.log.Warn("backend unreachable", "backend", backend, "api", r.api, "err", err)
		code := http.StatusServiceUnavailable
		if r.api == apiConfig {
			code = http.StatusBadGateway
		}
		if errors.Is(err, context.Canceled) {
			code = 499 // the client went away
		}
		return errorReply(code, "backend", "backend "+backend+": "+err.Error())
	}
	return rep
}

// trackedBody is a request body that reports when the transport has closed it.
type trackedBody struct {
	*bytes.Reader
	once   sync.Once
	closed chan struct{}
}

func (b *trackedBody) Close() error {
	b.once.Do(func() { close(b.closed) })
	return nil
}

func (p *proxy) count(backend string, code int, err error) {
	c := strconv.Itoa(code)
	if err != nil {
		c = "error"
	}
	p.mu.Lock()
	p.forwards[[2]string{backend, c}]++
	p.mu.Unlock()
}

func (p *proxy) writeMetrics(w *promWriter) {
	p.mu.Lock()
	defer p.mu.Unlock()
	w.family("dataway_proxy_forwards_total", "counter", "Requests forwarded, by backend and its HTTP status (error: unreachable).")
	for _, k := range sortedPairs(p.forwards) {
		w.sample("dataway_proxy_forwards_total", p.forwards[k], "backend", k[0], "code", k[1])
	}
}

func (p *proxy) health() error { return nil }
