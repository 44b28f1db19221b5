package main

// The one workload every engine gets: the capture's packets in order, each with the simulated
// second at which it is ingested, and the sampling config.

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	"os"
	"slices"
	"strconv"
	"strings"
)

const nsPerSec = int64(1_000_000_000)

// packet is one capture record with its header and its ingest time.
type packet struct {
	token string
	body  []byte
	h     header
	// sec is the simulated second the packet arrives in: captures carry no arrival time, so,
	// as `tailsampling replay` does, a packet arrives at its latest point time, and the clock
	// never goes back.
	sec int64
}

// workload is the packets and their totals.
type workload struct {
	packets             []packet
	tracing, logging    int
	spans, logLines     int64
	bytes, zstd, tokens int64
	tokenList           []string
}

func loadWorkload(path string) (*workload, error) {
	recs, err := readCapture(path)
	if err != nil {
		return nil, err
	}
	w := &workload{packets: make([]packet, 0, len(recs))}
	var clock int64
	for i, r := range recs {
		h, err := decodeHeader(r.packet)
		if err != nil {
			return nil, fmt.Errorf("%s: record %d: %w", path, i, err)
		}
		clock = max(clock, h.maxPointTime, h.traceEnd)
		token := r.token
		if token == "" {
			token = h.token
		}
		w.packets = append(w.packets, packet{token: token, body: r.packet, h: h, sec: clock / nsPerSec})
	}
	return w.tally(), nil
}

// tally fills the totals from the packets.
func (w *workload) tally() *workload {
	w.tracing, w.logging, w.spans, w.logLines, w.bytes, w.zstd = 0, 0, 0, 0, 0, 0
	tokens := map[string]bool{}
	for i := range w.packets {
		p := &w.packets[i]
		switch p.h.dataType {
		case "tracing":
			w.tracing++
			w.spans += p.h.pointCount
		case "logging":
			w.logging++
			w.logLines += p.h.pointCount
		}
		w.bytes += int64(len(p.body))
		if p.h.compression == 1 {
			w.zstd++
		}
		tokens[p.token] = true
	}
	w.tokenList = w.tokenList[:0]
	for t := range tokens {
		w.tokenList = append(w.tokenList, t)
	}
	slices.Sort(w.tokenList)
	w.tokens = int64(len(w.tokenList))
	return w
}

// tracesOnly is the tracing packets, with the arrival times of the full workload.
func (w *workload) tracesOnly() *workload {
	t := &workload{}
	for _, p := range w.packets {
		if p.h.dataType == "tracing" {
			t.packets = append(t.packets, p)
		}
	}
	return t.tally()
}

func (w *workload) points() int64 { return w.spans + w.logLines }

// epoch is the packets arriving in one simulated second, split between workers by group.
type epoch struct {
	sec   int64
	parts [][]*packet
}

// epochs groups the packets by arrival second; packets of one group always go to the same
// worker, in capture order.
func (w *workload) epochs(workers int) []epoch {
	var out []epoch
	for i := range w.packets {
		p := &w.packets[i]
		if len(out) == 0 || out[len(out)-1].sec != p.sec {
			out = append(out, epoch{sec: p.sec, parts: make([][]*packet, workers)})
		}
		k := worker(p, workers)
		e := &out[len(out)-1]
		e.parts[k] = append(e.parts[k], p)
	}
	return out
}

// worker is the worker of a packet's group.
func worker(p *packet, workers int) int {
	return int(p.h.groupIDHash % uint64(workers))
}

// samplingConfig is the part of the config (docs/protocol.md, "Configuration") the harness reads:
// the wait per data type and the pipelines, which must be conditions with action keep followed by
// one probabilistic pipeline (the shape the model reproduces; OpenTelemetry's policies take only
// the shape [keep { status = "error" }, probabilistic]).
type samplingConfig struct {
	path  string
	raw   []byte
	ttl   map[string]int64 // seconds, per data type
	rate  map[string]float64
	keeps map[string][]*condition
	group map[string]string // the group key of logging
}

func loadConfig(path string) (*samplingConfig, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	type pipeline struct {
		Type, Condition, Action string
		Rate                    float64
	}
	var c struct {
		Trace *struct {
			DataTTL   json.RawMessage `json:"data_ttl"`
			Pipelines []pipeline
		}
		Logging *struct {
			DataTTL         json.RawMessage `json:"data_ttl"`
			GroupDimensions []struct {
				GroupKey  string `json:"group_key"`
				Pipelines []pipeline
			} `json:"group_dimensions"`
		}
	}
	if err := json.Unmarshal(raw, &c); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	sc := &samplingConfig{path: path, raw: raw, ttl: map[string]int64{}, rate: map[string]float64{},
		keeps: map[string][]*condition{}, group: map[string]string{}}
	shape := func(what string, ttl json.RawMessage, ps []pipeline) error {
		ns, err := strconv.ParseInt(string(ttl), 10, 64)
		if err != nil || ns <= 0 || ns%nsPerSec != 0 {
			return fmt.Errorf("%s: %s.data_ttl must be whole seconds in integer nanoseconds (as Datakit sends it)", path, what)
		}
		n := len(ps)
		if n == 0 || ps[n-1].Type != "probabilistic" || ps[n-1].Condition != "" {
			return fmt.Errorf("%s: %s: the last pipeline must be probabilistic without a condition", path, what)
		}
		for _, p := range ps[:n-1] {
			if p.Type != "condition" || p.Action != "keep" {
				return fmt.Errorf("%s: %s: the pipelines before the last must be conditions with action keep", path, what)
			}
			cond, err := parseCondition(p.Condition)
			if err != nil {
				return fmt.Errorf("%s: %s: %w", path, what, err)
			}
			sc.keeps[what] = append(sc.keeps[what], cond)
		}
		sc.ttl[what] = ns / nsPerSec
		sc.rate[what] = ps[n-1].Rate
		return nil
	}
	if c.Trace == nil || c.Logging == nil || len(c.Logging.GroupDimensions) != 1 {
		return nil, fmt.Errorf("%s: needs a trace section and a logging section with one group dimension", path)
	}
	if err := shape("tracing", c.Trace.DataTTL, c.Trace.Pipelines); err != nil {
		return nil, err
	}
	dim := c.Logging.GroupDimensions[0]
	if err := shape("logging", c.Logging.DataTTL, dim.Pipelines); err != nil {
		return nil, err
	}
	sc.group["logging"] = dim.GroupKey
	return sc, nil
}

// errorsOnly reports whether every data type keeps exactly { status = "error" } before its
// probabilistic pipeline: what the OpenTelemetry policies reproduce.
func (c *samplingConfig) errorsOnly() bool {
	for _, dt := range []string{"tracing", "logging"} {
		ks := c.keeps[dt]
		if len(ks) != 1 || ks[0].text != `{ status = "error" }` {
			return false
		}
	}
	return true
}

// describe is the config in one line: per data type, the keep conditions, the rate and the wait.
func (c *samplingConfig) describe() string {
	var parts []string
	for _, dt := range []string{"tracing", "logging"} {
		var ks []string
		for _, k := range c.keeps[dt] {
			ks = append(ks, k.text)
		}
		what := dt
		if g := c.group[dt]; g != "" {
			what += " by " + g
		}
		parts = append(parts, fmt.Sprintf("%s: keep %s, else probabilistic %g; ttl %ds", what,
			strings.Join(ks, " | "), c.rate[dt], c.ttl[dt]))
	}
	return strings.Join(parts, "; ")
}

// keep reports whether a point matches one of the keep conditions of its data type.
func (c *samplingConfig) keep(dataType string, p *point) bool {
	for _, k := range c.keeps[dataType] {
		if k.matches(p) {
			return true
		}
	}
	return false
}

// maxTTL is the longest wait, in seconds.
func (c *samplingConfig) maxTTL() int64 {
	return max(c.ttl["tracing"], c.ttl["logging"])
}

// sampled is the probabilistic decision of the reference: group_id_hash % 10000 < floor(rate*10000).
func (c *samplingConfig) sampled(dataType string, groupIDHash uint64) bool {
	return groupIDHash%10000 < uint64(c.rate[dataType]*10000)
}

// pointKey names one point across engines: a span by trace_id/span_id, a log line by its
// service, time and message.
func pointKey(dataType string, p *point) uint64 {
	if dataType == "tracing" {
		return spanKey(p.str("trace_id"), p.str("span_id"))
	}
	h := fnv.New64a()
	h.Write([]byte(dataType))
	h.Write([]byte{0})
	h.Write([]byte(p.Name))
	h.Write([]byte{0})
	h.Write(strconv.AppendInt(nil, p.Time, 10))
	h.Write([]byte{0})
	h.Write([]byte(p.str("message")))
	return h.Sum64()
}

func spanKey(traceID, spanID string) uint64 {
	h := fnv.New64a()
	h.Write([]byte("tracing\x00"))
	h.Write([]byte(traceID))
	h.Write([]byte{0})
	h.Write([]byte(spanID))
	return h.Sum64()
}
