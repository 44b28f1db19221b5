package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	ts "github.com/tailsampling/tailsampling-go"
)

// standalone embeds the engine: requests go to Ingest and SetConfig, a poll loop takes the
// kept data and the metrics every --poll-interval and --metrics-interval, and a pool of
// workers delivers them to the sink with bounded retries.
type standalone struct {
	cfg   *config
	proc  *ts.Processor
	sink  sink
	log   *slog.Logger
	queue chan ts.Delivery

	stopPoll context.CancelFunc
	pollDone chan struct{}
	workers  sync.WaitGroup
	// abort is cancelled when the shutdown deadline passes: attempts stop, the rest is dropped.
	abort      context.Context
	abortNow   context.CancelFunc
	poisoned   atomic.Bool
	mu         sync.Mutex
	deliveries map[[2]string]uint64 // {data type, result} → deliveries
}

func newStandalone(cfg *config, log *slog.Logger) (*standalone, error) {
	var sk sink
	if cfg.outDir != "" {
		d, err := newDirSink(cfg.outDir)
		if err != nil {
			return nil, err
		}
		sk = d
	} else {
		sk = newHTTPSink(cfg.upstream, cfg.sendTimeout)
	}
	proc, err := ts.New(cfg.engine)
	if err != nil {
		return nil, err
	}
	s := &standalone{cfg: cfg, proc: proc, sink: sk, log: log,
		queue: make(chan ts.Delivery, cfg.queue), pollDone: make(chan struct{}),
		deliveries: map[[2]string]uint64{}}
	s.abort, s.abortNow = context.WithCancel(context.Background())
	for range cfg.workers {
		s.workers.Add(1)
		go s.worker()
	}
	var pollCtx context.Context
	pollCtx, s.stopPoll = context.WithCancel(context.Background())
	go s.pollLoop(pollCtx)
	return s, nil
}

func (s *standalone) ingest(_ context.Context, r *tsRequest) reply {
	if r.api == apiV1 {
		// The header check (server.serve) covers Datakits that announce zstd; this one the
		// packets themselves. A packet that does not decode is the engine's to report.
		if info, err := ts.PeekPacket(r.token, r.body); err == nil && info.Zstd() {
			return errorReply(http.StatusUnsupportedMediaType, ts.StatusUnsupported.String(),
				apiV1+" takes raw payloads: send zstd payloads to "+apiV2)
		}
	}
	st, err := s.proc.Ingest(r.token, r.body)
	switch {
	case err != nil:
		s.failed("ingest", err)
		return errorReply(st.StatusHTTP(), st.String(), err.Error())
	case st == ts.StatusPending:
		return errorReply(st.StatusHTTP(), st.String(),
			"no config yet for this token and data type: POST it to "+apiConfig)
	}
	return reply{code: http.StatusOK}
}

func (s *standalone) setConfig(_ context.Context, r *tsRequest) reply {
	applied, err := s.proc.SetConfig(r.token, r.body)
	if err != nil {
		s.failed("set config", err)
		return engineErrorReply(err)
	}
	s.log.Info("config", "token", r.token, "applied", applied)
	return reply{code: http.StatusOK}
}

// failed notes an engine error: a poisoned engine makes /healthz fail, so that a supervisor
// restarts the host.
func (s *standalone) failed(op string, err error) {
	if errors.Is(err, ts.ErrPanic) || errors.Is(err, ts.ErrPoisoned) {
		if !s.poisoned.Swap(true) {
			s.log.Error("the engine is poisoned: restart this host", "op", op, "err", err)
		}
	}
}

func (s *standalone) health() error {
	if s.poisoned.Load() {
		return errors.New("the engine is poisoned: restart this host")
	}
	return nil
}

func (s *standalone) pollLoop(ctx context.Context) {
	defer close(s.pollDone)
	tick := time.NewTicker(s.cfg.pollInterval)
	defer tick.Stop()
	lastMetrics := time.Now()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-tick.C:
			s.poll(s.proc.PollKept)
			if now.Sub(lastMetrics) >= s.cfg.metricsInterval {
				s.poll(s.proc.PollMetrics)
				lastMetrics = now
			}
		}
	}
}

// poll queues the deliveries of one poll, waiting for room: a slow upstream slows polling, the
// engine's memory fills and ingest answers 503, so clients write directly and nothing is lost.
func (s *standalone) poll(f func() ([]ts.Delivery, error)) {
	ds, err := f()
	if err != nil {
		s.failed("poll", err)
		s.log.Error("poll", "err", err)
		return
	}
	for _, d := range ds {
		s.queue <- d
	}
}

func (s *standalone) worker() {
	defer s.workers.Done()
	for d := range s.queue {
		result := s.deliver(d)
		s.mu.Lock()
		s.deliveries[[2]string{d.DataType, resultName(result)}]++
		s.mu.Unlock()
		if result == ts.SendSuccess {
			// Written upstream: the engine need never hand it out again.
			if err := s.proc.Ack(d.ID); err != nil {
				s.log.Error("ack", "err", err)
			}
		}
		// The runtime counters describe the tail-sampling data, not the metrics themselves.
		if d.DataType != "metric" {
			if err := s.proc.RecordSend(d.Token, d.DataType, result, 1); err != nil {
				s.log.Error("record send", "err", err)
			}
		}
	}
}

// deliver writes d to the sink, retrying transient failures --retries times with exponential
// backoff. SendDrop: abandoned at the shutdown deadline without an attempt.
func (s *standalone) deliver(d ts.Delivery) ts.SendResult {
	backoff := s.cfg.retryBackoff
	for attempt := 0; ; attempt++ {
		if s.abort.Err() != nil {
			if attempt == 0 {
				return ts.SendDrop
			}
			return ts.SendFailure
		}
		err := s.sink.write(s.abort, d)
		if err == nil {
			return ts.SendSuccess
		}
		var perm *permanentError
		if errors.As(err, &perm) || attempt == s.cfg.retries {
			s.log.Warn("delivery failed", "path", d.Path, "token", d.Token, "bytes", len(d.Body),
				"attempts", attempt+1, "err", err)
			return ts.SendFailure
		}
		select {
		case <-time.After(backoff):
		case <-s.abort.Done():
		}
		backoff = min(2*backoff, time.Minute)
	}
}

func resultName(r ts.SendResult) string {
	switch r {
	case ts.SendSuccess:
		return "success"
	case ts.SendFailure:
		return "failure"
	}
	return "drop"
}

// shutdown drains the engine once the server stopped taking requests: no more polls, Flush
// (every buffered group is decided), the last kept data and metrics are queued, the workers
// deliver them until ctx ends (what is left then is dropped and counted), and the engine is
// closed. Pending packets (tokens that never sent a config) are lost.
func (s *standalone) shutdown(ctx context.Context) error {
	// Armed first: a poll blocked on a full queue behind a dead upstream must not outlive ctx.
	stop := context.AfterFunc(ctx, s.abortNow)
	defer stop()
	s.stopPoll()
	<-s.pollDone
	err := s.proc.Flush()
	if err == nil {
		s.poll(s.proc.PollKept)
		s.poll(s.proc.PollMetrics)
	}
	close(s.queue)
	s.workers.Wait()
	s.abortNow()
	s.proc.Close()
	if err != nil {
		return fmt.Errorf("flush: %w", err)
	}
	return nil
}

func (s *standalone) writeMetrics(p *promWriter) {
	s.mu.Lock()
	p.family("dataway_deliveries_total", "counter", "Deliveries upstream by data type and result (success, failure, drop).")
	for _, k := range sortedPairs(s.deliveries) {
		p.sample("dataway_deliveries_total", s.deliveries[k], "data_type", k[0], "result", k[1])
	}
	s.mu.Unlock()
	p.family("dataway_delivery_queue_length", "gauge", "Deliveries waiting for a worker.")
	p.sample("dataway_delivery_queue_length", uint64(len(s.queue)))

	st, err := s.proc.Stats()
	if err != nil {
		s.failed("stats", err)
		return
	}
	p.family("tailsampling_memory_held_bytes", "gauge", "Payload bytes buffered and pending.")
	p.sample("tailsampling_memory_held_bytes", st.Memory.HeldBytes)
	p.family("tailsampling_memory_limit_bytes", "gauge", "The engine's memory limit.")
	p.sample("tailsampling_memory_limit_bytes", st.Memory.LimitBytes)
	tokens := slices.Sorted(maps.Keys(st.Tokens))
	type series struct {
		name, typ, help string
		value           func(*ts.TokenStats) uint64
	}
	for _, m := range []series{
		{"tailsampling_accepted_packets_total", "counter", "Packets accepted (200 or 412).",
			func(t *ts.TokenStats) uint64 { return t.Accepted }},
		{"tailsampling_refused_busy_packets_total", "counter", "Packets refused as busy (503).",
			func(t *ts.TokenStats) uint64 { return t.RefusedBusy }},
		{"tailsampling_pending_packets", "gauge", "Packets waiting for their token's config.",
			func(t *ts.TokenStats) uint64 { return t.Pending.Packets }},
		{"tailsampling_buffered_groups", "gauge", "Groups waiting for a decision.",
			func(t *ts.TokenStats) uint64 { return t.Buffered.Groups }},
		{"tailsampling_buffered_packets", "gauge", "Packets waiting for a decision.",
			func(t *ts.TokenStats) uint64 { return t.Buffered.Packets }},
		{"tailsampling_buffered_bytes", "gauge", "Payload bytes waiting for a decision.",
			func(t *ts.TokenStats) uint64 { return t.Buffered.Bytes }},
		{"tailsampling_kept_groups_total", "counter", "Groups kept.",
			func(t *ts.TokenStats) uint64 { return t.Kept.Groups }},
		{"tailsampling_kept_packets_total", "counter", "Packets kept.",
			func(t *ts.TokenStats) uint64 { return t.Kept.Packets }},
		{"tailsampling_dropped_groups_total", "counter", "Groups dropped.",
			func(t *ts.TokenStats) uint64 { return t.Dropped.Groups }},
		{"tailsampling_early_decisions_total", "counter", "Groups decided early to stay within memory.",
			func(t *ts.TokenStats) uint64 { return t.EarlyDecisions }},
	} {
		p.family(m.name, m.typ, m.help)
		for _, tok := range tokens {
			t := st.Tokens[tok]
			p.sample(m.name, m.value(&t), "token", tok)
		}
	}
	p.family("tailsampling_dropped_packets_total", "counter", "Packets dropped, by reason.")
	for _, tok := range tokens {
		t := st.Tokens[tok]
		for _, r := range slices.Sorted(maps.Keys(t.Dropped.ByReason)) {
			p.sample("tailsampling_dropped_packets_total", t.Dropped.ByReason[r], "token", tok, "reason", r)
		}
	}
	p.family("tailsampling_late_packets_total", "counter", "Packets after their group's decision, by that decision.")
	for _, tok := range tokens {
		t := st.Tokens[tok]
		p.sample("tailsampling_late_packets_total", t.Late.Kept, "token", tok, "decision", "kept")
		p.sample("tailsampling_late_packets_total", t.Late.Dropped, "token", tok, "decision", "dropped")
	}
	p.family("tailsampling_configs_total", "counter", "Configs received, by result (applied, ignored: same version, rejected).")
	for _, tok := range tokens {
		t := st.Tokens[tok]
		p.sample("tailsampling_configs_total", t.Configs.Applied, "token", tok, "result", "applied")
		p.sample("tailsampling_configs_total", t.Configs.Ignored, "token", tok, "result", "ignored")
		p.sample("tailsampling_configs_total", t.Configs.Rejected, "token", tok, "result", "rejected")
	}
}
