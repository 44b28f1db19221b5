package conformance

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/GuanceCloud/cliutils/aggregate"
	"github.com/GuanceCloud/cliutils/point"
	tailsampling "github.com/tailsampling/tailsampling-go"
)

// shards is both engines' shard count.
const shards = 4

// prepared is a scenario's traffic, marshalled once: the same events (and bytes) are given to
// the reference and to both runs of ours.
type prepared struct {
	sc      *scenario
	events  map[int][]event // per tick: the configs, then the packets
	endTick int             // the last tick polled; everything is decided by then
	index   map[string]map[string]bool
	points  map[string]string // pid -> canonical encoding, for the diffs
	zstd    int
	packets int
}

type event struct {
	cfg *push
	pkt *packet
	// pts describe the packet's points (for the diffs).
	pts []string
}

func prepare(sc *scenario) *prepared {
	p := &prepared{sc: sc, events: map[int][]event{}, index: map[string]map[string]bool{}, points: map[string]string{}}
	last := 0
	maxTTL := defaultTTL
	info := map[string]configInfo{}
	ticks := map[int]bool{}
	for i := range sc.configs {
		ticks[sc.configs[i].tick] = true
	}
	for _, s := range sc.traffic {
		ticks[s.tick] = true
	}
	order := make([]int, 0, len(ticks))
	for t := range ticks {
		order = append(order, t)
	}
	sort.Ints(order)
	seq := 0
	for _, tick := range order {
		last = max(last, tick)
		for i := range sc.configs {
			c := &sc.configs[i]
			if c.tick != tick {
				continue
			}
			ci := readConfig(c.js)
			maxTTL = max(maxTTL, ci.maxTTL)
			info[c.token] = ci
			p.events[tick] = append(p.events[tick], event{cfg: c})
		}
		for _, s := range sc.traffic {
			if s.tick != tick {
				continue
			}
			ci := info[s.token]
			dims := s.dims
			if len(dims) == 0 {
				dims = ci.dims[s.dt]
			}
			var descs []string
			for _, x := range s.pts {
				c := x.describe(tick)
				if p.index[x.id] == nil {
					p.index[x.id] = map[string]bool{}
				}
				p.index[x.id][c] = true
				p.points[x.id] = c
				descs = append(descs, c)
			}
			for _, pk := range pack(sc, s, ci.version, dims, &seq) {
				pk := pk
				p.packets++
				if pk.zstd {
					p.zstd++
				}
				p.events[tick] = append(p.events[tick], event{pkt: &pk, pts: descs})
			}
		}
	}
	ttl := int((maxTTL + time.Second - 1) / time.Second)
	p.endTick = last + min(ttl, 3599) + 2 + sc.extraTicks
	return p
}

// engine is one side of the comparison, driven tick by tick by run.
type engine interface {
	config(tick int, token, js string, r *recorder)
	ingest(pk *packet, r *recorder)
	advance(tick int, r *recorder)
	finish(tick int, r *recorder)
}

// run drives e through the scenario on manual 1-second ticks: per tick, first advance and
// decide (and poll the metrics), then apply the tick's configs and ingest its packets.
func run(p *prepared, e engine) *recorder {
	r := newRecorder(p)
	for tick := 0; tick <= p.endTick; tick++ {
		if tick > 0 {
			e.advance(tick, r)
		}
		for _, ev := range p.events[tick] {
			if ev.cfg != nil {
				e.config(tick, ev.cfg.token, ev.cfg.js, r)
			} else {
				e.ingest(ev.pkt, r)
			}
		}
	}
	e.finish(p.endTick+1, r)
	return r
}

// recorder collects one run's observable outcome as comparable lines "TOKEN SECTION ...: VALUE"
// (sections: config, ingest, kept, decided, metric) and display-only notes.
type recorder struct {
	p       *prepared
	lines   []string
	kept    map[string][]string // "TOKEN kept @TICK DT" -> pids
	decided map[string][2]int   // "TOKEN decided @TICK DT" -> kept, dropped groups
	metrics map[string]float64  // "TOKEN metric NAME{TAGS}@+END" -> sum
	notes   []string
}

func newRecorder(p *prepared) *recorder {
	return &recorder{p: p, kept: map[string][]string{}, decided: map[string][2]int{}, metrics: map[string]float64{}}
}

func (r *recorder) note(format string, args ...any) {
	r.notes = append(r.notes, fmt.Sprintf(format, args...))
}

// keptPayload records the points of a raw PBPoints payload kept at tick.
func (r *recorder) keptPayload(tick int, token, dt string, payload []byte) {
	key := fmt.Sprintf("%s kept @%03d %s", token, tick, dt)
	err := point.WalkPBPointsPayload(payload, func(raw []byte) bool {
		pb := new(point.PBPoint)
		if err := pb.Unmarshal(raw); err != nil {
			r.kept[key] = append(r.kept[key], "<undecodable>")
			return true
		}
		id := pidOf(pb)
		if c := canonical(pb); !r.p.index[id][c] {
			r.note("kept point %s differs from the point sent: %s", id, c)
			id += "!altered"
		}
		r.kept[key] = append(r.kept[key], id)
		return true
	})
	if err != nil {
		r.kept[key] = append(r.kept[key], "<bad payload: "+err.Error()+">")
	}
}

func (r *recorder) decision(tick int, token, dt string, kept bool) {
	key := fmt.Sprintf("%s decided @%03d %s", token, tick, dt)
	c := r.decided[key]
	if kept {
		c[0]++
	} else {
		c[1]++
	}
	r.decided[key] = c
}

// metric adds one metric point (a window's value) to the sums.
func (r *recorder) metric(token string, pb *point.PBPoint) {
	var tags []string
	var field string
	var val float64
	for _, f := range pb.Fields {
		if f.IsTag {
			tags = append(tags, f.Key+"="+f.GetS())
			continue
		}
		field = f.Key
		switch x := f.GetVal().(type) {
		case *point.Field_F:
			val = x.F
		case *point.Field_I:
			val = float64(x.I)
		case *point.Field_U:
			val = float64(x.U)
		}
	}
	sort.Strings(tags)
	end := (pb.Time - t0.UnixNano()) / int64(time.Second)
	key := fmt.Sprintf("%s metric %s:%s{%s}@%+d", token, pb.Name, field, strings.Join(tags, ","), end)
	r.metrics[key] += val
}

// result returns the sorted lines.
func (r *recorder) result() []string {
	out := append([]string(nil), r.lines...)
	for k, ids := range r.kept {
		sort.Strings(ids)
		out = append(out, k+": "+strings.Join(ids, " "))
	}
	for k, c := range r.decided {
		out = append(out, fmt.Sprintf("%s: kept=%d dropped=%d", k, c[0], c[1]))
	}
	for k, v := range r.metrics {
		out = append(out, fmt.Sprintf("%s: %g", k, v))
	}
	sort.Strings(out)
	return out
}

// ---- the reference engine ----

type refEngine struct {
	p        *aggregate.TailSamplingProcessor
	versions map[string]int64
}

func newRef() *refEngine {
	return &refEngine{p: aggregate.NewDefaultTailSamplingProcessor(shards, defaultTTL), versions: map[string]int64{}}
}

// refConfig decodes a config document the way a host of the reference must: its
// TailSamplingConfigs take data_ttl as integer nanoseconds, so a duration string ("5s", "")
// is converted first.
func refConfig(js string) (*aggregate.TailSamplingConfigs, error) {
	dec := json.NewDecoder(strings.NewReader(js))
	dec.UseNumber()
	var doc map[string]any
	if err := dec.Decode(&doc); err != nil {
		return nil, err
	}
	for _, sec := range []string{"trace", "logging", "rum"} {
		s, ok := doc[sec].(map[string]any)
		if !ok {
			continue
		}
		if str, ok := s["data_ttl"].(string); ok {
			if str == "" {
				delete(s, "data_ttl")
				continue
			}
			d, err := time.ParseDuration(str)
			if err != nil {
				return nil, fmt.Errorf("%s.data_ttl: %w", sec, err)
			}
			s["data_ttl"] = int64(d)
		}
	}
	norm, err := json.Marshal(doc)
	if err != nil {
		return nil, err
	}
	cfg := new(aggregate.TailSamplingConfigs)
	if err := json.Unmarshal(norm, cfg); err != nil {
		return nil, err
	}
	return cfg, nil
}

func (e *refEngine) config(tick int, token, js string, r *recorder) {
	outcome := "accepted"
	cfg, err := refConfig(js)
	if err == nil {
		prev, had := e.versions[token]
		err = e.p.UpdateConfig(token, cfg)
		if err == nil && had && prev == cfg.Version {
			outcome = "ignored"
		}
		if err == nil {
			e.versions[token] = cfg.Version
		}
	}
	if err != nil {
		outcome = "refused"
		r.note("@%03d %s config refused by the reference: %v", tick, token, err)
	}
	r.lines = append(r.lines, fmt.Sprintf("%s config @%03d v=%d: %s", token, tick, readConfig(js).version, outcome))
}

func (e *refEngine) ingest(pk *packet, r *recorder) {
	dp := new(aggregate.DataPacket)
	if err := dp.Unmarshal(pk.body); err != nil {
		r.lines = append(r.lines, fmt.Sprintf("%s ingest @%03d %s %s: decode error", pk.token, pk.tick, pk.dt, pk.group))
		return
	}
	e.p.IngestPacket(dp)
}

func (e *refEngine) advance(tick int, r *recorder) {
	outcomes := e.p.TailSamplingOutcomes(e.p.AdvanceTime())
	keys := make([]uint64, 0, len(outcomes))
	for k := range outcomes {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
	for _, k := range keys {
		o := outcomes[k]
		src := o.SourcePacket
		if src == nil {
			continue
		}
		kept := o.Decision == aggregate.DerivedMetricDecisionKept
		r.decision(tick, src.Token, src.DataType, kept)
		gk := src.GroupKey
		if gk == "" {
			gk = "trace_id"
		}
		r.note("@%03d %s %s %s=%s: reference %s", tick, src.Token, src.DataType, gk, src.RawGroupId, o.Decision)
		if o.Packet != nil {
			payload, err := aggregate.DecompressPointsPayload(o.Packet.PointsPayload, o.Packet.PayloadCompression)
			if err != nil {
				r.note("reference kept payload: %v", err)
				continue
			}
			r.keptPayload(tick, src.Token, src.DataType, payload)
		}
	}
	e.flushMetrics(t0.Add(time.Duration(tick)*time.Second), r)
}

func (e *refEngine) flushMetrics(now time.Time, r *recorder) {
	for _, dm := range e.p.FlushDerivedMetrics(now) {
		for _, x := range dm.PTS {
			if pb := pbOf(x); pb != nil {
				r.metric(dm.Token, pb)
			}
		}
	}
}

func (e *refEngine) finish(_ int, r *recorder) {
	e.flushMetrics(t0.Add(48*time.Hour), r)
}

// ---- our engine ----

type ourEngine struct {
	p    *tailsampling.Processor
	mode tailsampling.Compat
	// seen holds the per-token, per-data-type decisions counted so far (Stats).
	seen map[string][2]uint64
	// missingPipeline counts kept/dropped points without a pipeline tag (default mode);
	// pipelineTags the points with one (reference mode).
	missingPipeline map[string]int
	pipelineTags    map[string]int
}

func newOurs(mode tailsampling.Compat) (*ourEngine, error) {
	p, err := tailsampling.New(tailsampling.Options{
		Clock:      tailsampling.ClockManual,
		Shards:     shards,
		Compat:     mode,
		DefaultTTL: defaultTTL,
	})
	if err != nil {
		return nil, err
	}
	if err := p.SetTime(t0); err != nil {
		return nil, err
	}
	return &ourEngine{p: p, mode: mode, seen: map[string][2]uint64{}, missingPipeline: map[string]int{}, pipelineTags: map[string]int{}}, nil
}

func (e *ourEngine) config(tick int, token, js string, r *recorder) {
	applied, err := e.p.SetConfig(token, []byte(js))
	outcome := "accepted"
	switch {
	case err != nil:
		outcome = "refused"
		r.note("@%03d %s config refused by ours: %v", tick, token, err)
	case !applied:
		outcome = "ignored"
	}
	r.lines = append(r.lines, fmt.Sprintf("%s config @%03d v=%d: %s", token, tick, readConfig(js).version, outcome))
}

func (e *ourEngine) ingest(pk *packet, r *recorder) {
	st, err := e.p.Ingest(pk.token, pk.body)
	if st != tailsampling.StatusOK {
		r.lines = append(r.lines, fmt.Sprintf("%s ingest @%03d %s %s: %s", pk.token, pk.tick, pk.dt, pk.group, st))
		r.note("@%03d %s ingest %s %s: %s %v", pk.tick, pk.token, pk.dt, pk.group, st, err)
	}
}

func (e *ourEngine) poll(tick int, r *recorder) {
	ds, err := e.p.PollKept()
	if err != nil {
		r.note("PollKept: %v", err)
	}
	for _, d := range ds {
		r.keptPayload(tick, d.Token, d.DataType, d.Body)
	}
	st, err := e.p.Stats()
	if err != nil {
		r.note("Stats: %v", err)
		return
	}
	for token, ts := range st.Tokens {
		for dt, byPipeline := range ts.Decisions {
			var now [2]uint64
			for pipeline, c := range byPipeline {
				if pipeline == "late" {
					continue // late packets under the decision cache: not a group decision
				}
				now[0] += c.Kept
				now[1] += c.Dropped
			}
			k := token + " " + dt
			prev := e.seen[k]
			for i := uint64(0); i < now[0]-prev[0]; i++ {
				r.decision(tick, token, dt, true)
			}
			for i := uint64(0); i < now[1]-prev[1]; i++ {
				r.decision(tick, token, dt, false)
			}
			e.seen[k] = now
		}
	}
	ms, err := e.p.PollMetrics()
	if err != nil {
		r.note("PollMetrics: %v", err)
	}
	for _, d := range ms {
		_ = point.WalkPBPointsPayload(d.Body, func(raw []byte) bool {
			pb := new(point.PBPoint)
			if err := pb.Unmarshal(raw); err != nil {
				r.note("undecodable metric point: %v", err)
				return true
			}
			e.pipelineTag(d.Token, pb)
			r.metric(d.Token, pb)
			return true
		})
	}
}

// pipelineTag handles the `pipeline` tag of the kept/dropped counts. In default mode it is
// deviation 7 (additive): required there, and removed before the sums are compared (a count
// without it is reported). The reference has no such tag: in reference mode it is removed too,
// but counted and reported as one line per token, so that it fails the comparison without
// hiding the other differences.
func (e *ourEngine) pipelineTag(token string, pb *point.PBPoint) {
	var field string
	for _, f := range pb.Fields {
		if !f.IsTag {
			field = f.Key
		}
	}
	counts := strings.HasSuffix(field, "_kept_count") || strings.HasSuffix(field, "_dropped_count")
	for i, f := range pb.Fields {
		if f.IsTag && f.Key == "pipeline" && (counts || e.mode == tailsampling.CompatReference) {
			pb.Fields = append(pb.Fields[:i], pb.Fields[i+1:]...)
			if e.mode == tailsampling.CompatReference {
				e.pipelineTags[token]++
			}
			return
		}
	}
	if counts && e.mode == tailsampling.CompatDefault {
		e.missingPipeline[token]++
	}
}

func (e *ourEngine) advance(tick int, r *recorder) {
	if err := e.p.SetTime(t0.Add(time.Duration(tick) * time.Second)); err != nil {
		r.note("SetTime: %v", err)
	}
	e.poll(tick, r)
}

func (e *ourEngine) finish(tick int, r *recorder) {
	if st, err := e.p.Stats(); err == nil && st.Total.Buffered.Groups > 0 {
		r.note("ours still buffers %d groups after the last tick (decided by Flush at @%03d)", st.Total.Buffered.Groups, tick)
	}
	if err := e.p.Flush(); err != nil {
		r.note("Flush: %v", err)
	}
	e.poll(tick, r)
	for token, n := range e.missingPipeline {
		r.lines = append(r.lines, fmt.Sprintf("%s metric pipeline-tag: missing on %d kept/dropped count points (deviation 7)", token, n))
	}
	for token, n := range e.pipelineTags {
		r.lines = append(r.lines, fmt.Sprintf("%s metric pipeline-tag: on %d points (the reference has no pipeline tag)", token, n))
	}
	if st, err := e.p.Stats(); err == nil {
		if js, err := json.Marshal(st.Total); err == nil {
			r.note("ours' total counters at the end: %s", js)
		}
	}
	e.p.Close()
}
