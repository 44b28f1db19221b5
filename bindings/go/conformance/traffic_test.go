package conformance

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	"sort"
	"strings"
	"time"

	"github.com/GuanceCloud/cliutils/aggregate"
	"github.com/GuanceCloud/cliutils/point"
	"github.com/klauspost/compress/zstd"
)

// t0 is tick 0 of every scenario: both engines' clocks start here. It is a multiple of the
// 30 s metric window, so window ends read as +30, +60, ... in the diffs.
var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// defaultTTL is both engines' wait for sections without a data_ttl (the reference's sampler
// wait time, our Options.DefaultTTL).
const defaultTTL = 10 * time.Second

// kv is one key of a point: a tag (string) or a typed field; del removes a default key.
type kv struct {
	k   string
	v   any
	tag bool
	del bool
}

func tg(k, v string) kv     { return kv{k: k, v: v, tag: true} }
func fl(k string, v any) kv { return kv{k: k, v: v} }
func without(k string) kv   { return kv{k: k, del: true} }

// pt is one point of the traffic. id is unique in its scenario and written into the point as
// the string field "pid", so a kept point is recognised whatever engine delivers it.
type pt struct {
	id   string
	name string
	kvs  []kv
	// at, when set, is the point's time as an offset from t0 (else its tick + 100ms).
	at    time.Duration
	hasAt bool
}

// at sets a point's time (offset from t0).
func (p pt) atTime(d time.Duration) pt { p.at, p.hasAt = d, true; return p }

// with adds or replaces keys.
func (p pt) with(kvs ...kv) pt {
	p.kvs = append(append([]kv(nil), p.kvs...), kvs...)
	return p
}

// span is a trace point: fields trace_id, span_id, start_time (µs, the point time), duration
// 1000 µs, tag service; kvs add to or replace (without: remove) these.
func span(trace, spanID string, kvs ...kv) pt {
	base := []kv{fl("trace_id", trace), fl("span_id", spanID), tg("service", "svc"), fl("duration", int64(1000))}
	return pt{id: trace + "/" + spanID, name: "span", kvs: append(base, kvs...)}
}

// logp is a logging point: tag service and field message; kvs add to or replace these.
func logp(id string, kvs ...kv) pt {
	base := []kv{tg("service", "svc"), fl("message", "log line "+id)}
	return pt{id: id, name: "log", kvs: append(base, kvs...)}
}

// rump is a RUM point (measurement view).
func rump(id string, kvs ...kv) pt {
	base := []kv{tg("service", "app"), fl("view_name", "/home")}
	return pt{id: id, name: "view", kvs: append(base, kvs...)}
}

// send is what a Datakit posts at one tick: points of one data type for one token, packed by
// the reference's client-side packers into one DataPacket per group.
type send struct {
	tick   int
	token  string
	dt     string // point.STracing, point.SLogging or point.SRUM
	source string
	pts    []pt
	// dims are the group keys logging or RUM points are picked by; empty: the group keys of
	// the token's latest config.
	dims []string
}

func traces(tick int, token string, pts ...pt) send {
	return send{tick: tick, token: token, dt: point.STracing, source: "ddtrace", pts: pts}
}

func logs(tick int, token string, pts ...pt) send {
	return send{tick: tick, token: token, dt: point.SLogging, source: "nginx", pts: pts}
}

func rums(tick int, token string, pts ...pt) send {
	return send{tick: tick, token: token, dt: point.SRUM, source: "web", pts: pts}
}

// build makes the point at tick (resolving defaults, deletions and its time).
func (p pt) build(tick int) *point.Point {
	ts := time.Duration(tick)*time.Second + 100*time.Millisecond
	if p.hasAt {
		ts = p.at
	}
	at := t0.Add(ts)
	all := append([]kv{}, p.kvs...)
	if p.name == "span" {
		all = append([]kv{fl("start_time", at.UnixMicro())}, all...)
	}
	// Last write wins, deletions remove; the order of first appearance is kept.
	var order []string
	last := map[string]kv{}
	for _, x := range all {
		if _, seen := last[x.k]; !seen {
			order = append(order, x.k)
		}
		last[x.k] = x
	}
	kvs := point.KVs{}
	for _, k := range order {
		x := last[k]
		switch {
		case x.del:
		case x.tag:
			kvs = kvs.AddTag(k, x.v.(string))
		default:
			kvs = kvs.Add(k, x.v)
		}
	}
	kvs = kvs.Add("pid", p.id)
	return point.NewPoint(p.name, kvs, point.WithTime(at))
}

// describe renders a point's keys for the diffs.
func (p pt) describe(tick int) string {
	return canonical(pbOf(p.build(tick)))
}

func pbOf(x *point.Point) *point.PBPoint {
	var out *point.PBPoint
	payload := point.AppendPointToPBPointsPayload(nil, x)
	_ = point.WalkPBPointsPayload(payload, func(raw []byte) bool {
		out = new(point.PBPoint)
		if err := out.Unmarshal(raw); err != nil {
			out = nil
		}
		return false
	})
	return out
}

// canonical is a point's identity for the comparison: name, time and every key with its
// type, sorted by key.
func canonical(pb *point.PBPoint) string {
	if pb == nil {
		return "<undecodable>"
	}
	keys := make([]string, 0, len(pb.Fields))
	for _, f := range pb.Fields {
		var v string
		switch x := f.GetVal().(type) {
		case *point.Field_I:
			v = fmt.Sprintf("i:%d", x.I)
		case *point.Field_U:
			v = fmt.Sprintf("u:%d", x.U)
		case *point.Field_F:
			v = fmt.Sprintf("f:%g", x.F)
		case *point.Field_B:
			v = fmt.Sprintf("b:%t", x.B)
		case *point.Field_D:
			v = fmt.Sprintf("d:%q", x.D)
		case *point.Field_S:
			v = fmt.Sprintf("s:%q", x.S)
		default:
			v = fmt.Sprintf("?:%v", x)
		}
		if f.IsTag {
			v = "tag:" + v
		}
		keys = append(keys, f.Key+"="+v)
	}
	sort.Strings(keys)
	return fmt.Sprintf("%s %s @%+.3fs", pb.Name, strings.Join(keys, " "), float64(pb.Time-t0.UnixNano())/1e9)
}

// pidOf returns a point's "pid" field.
func pidOf(pb *point.PBPoint) string {
	for _, f := range pb.Fields {
		if f.Key == "pid" {
			if s, ok := f.GetVal().(*point.Field_S); ok {
				return s.S
			}
		}
	}
	return "?"
}

// packet is one marshalled DataPacket: the same bytes go to both engines.
type packet struct {
	tick  int
	token string
	dt    string
	group string // group_key=raw group id, for the diffs
	zstd  bool
	body  []byte
}

var zstdEncoder, _ = zstd.NewWriter(nil)

// pack turns a send into marshalled DataPackets with the reference's client-side packers
// (what Datakit runs), in a deterministic order. About 30% of the packets carry a zstd
// payload (payload_compression=1, as the packers write it), the rest a raw PBPoints payload.
// The span-predicate hints (fields 15-21) are cleared unless keepHints: the reference decides
// from them on a fast path this engine does not replicate.
func pack(sc *scenario, s send, version int64, dims []string, seq *int) []packet {
	pts := make([]*point.Point, len(s.pts))
	for i, p := range s.pts {
		pts[i] = p.build(s.tick)
	}
	var dps []*aggregate.DataPacket
	collect := func(m map[uint64]*aggregate.DataPacket) {
		keys := make([]*aggregate.DataPacket, 0, len(m))
		for _, dp := range m {
			keys = append(keys, dp)
		}
		sort.Slice(keys, func(i, j int) bool { return keys[i].RawGroupId < keys[j].RawGroupId })
		dps = append(dps, keys...)
	}
	switch s.dt {
	case point.STracing:
		collect(aggregate.PickTrace(s.source, pts, version))
	case point.SLogging:
		for _, d := range dims {
			m, _ := (&aggregate.LoggingGroupDimension{GroupKey: d}).PickLogging(s.source, pts)
			collect(m)
		}
	case point.SRUM:
		for _, d := range dims {
			m, _ := (&aggregate.RUMGroupDimension{GroupKey: d}).PickRUM(s.source, pts)
			collect(m)
		}
	}
	var out []packet
	for _, dp := range dps {
		*seq++
		dp.Token = s.token
		if !sc.keepHints {
			dp.PredError, dp.PredHttpError, dp.PredBizError, dp.PredTraceKeep = false, false, false, false
			dp.MaxSpanDurationUs, dp.RootDurationUs, dp.MaxNonrootDurationUs = 0, 0, 0
		}
		h := fnv.New32a()
		fmt.Fprintf(h, "%s#%d", sc.name, *seq)
		useZstd := h.Sum32()%10 < 3
		raw, err := aggregate.DecompressPointsPayload(dp.PointsPayload, dp.PayloadCompression)
		if err != nil {
			panic(err)
		}
		if useZstd {
			dp.PointsPayload, dp.PayloadCompression = zstdEncoder.EncodeAll(raw, nil), aggregate.PayloadCompressionZstd
		} else {
			dp.PointsPayload, dp.PayloadCompression = raw, aggregate.PayloadCompressionNone
		}
		body, err := dp.Marshal()
		if err != nil {
			panic(err)
		}
		group := dp.GroupKey
		if group == "" {
			group = "trace_id"
		}
		out = append(out, packet{
			tick: s.tick, token: s.token, dt: s.dt, group: group + "=" + dp.RawGroupId,
			zstd: useZstd, body: body,
		})
	}
	return out
}

// configInfo is what the traffic side reads from a config: its version, the logging and RUM
// group keys (Datakit picks by them) and its longest data_ttl.
type configInfo struct {
	version int64
	dims    map[string][]string
	maxTTL  time.Duration
}

func readConfig(js string) configInfo {
	info := configInfo{dims: map[string][]string{}}
	var doc map[string]any
	if json.Unmarshal([]byte(js), &doc) != nil {
		return info
	}
	if v, ok := doc["version"].(float64); ok {
		info.version = int64(v)
	}
	for sec, dt := range map[string]string{"trace": point.STracing, "logging": point.SLogging, "rum": point.SRUM} {
		s, ok := doc[sec].(map[string]any)
		if !ok {
			continue
		}
		switch ttl := s["data_ttl"].(type) {
		case float64:
			info.maxTTL = max(info.maxTTL, time.Duration(ttl))
		case string:
			if d, err := time.ParseDuration(ttl); err == nil {
				info.maxTTL = max(info.maxTTL, d)
			}
		}
		gds, _ := s["group_dimensions"].([]any)
		for _, g := range gds {
			if gm, ok := g.(map[string]any); ok {
				if k, ok := gm["group_key"].(string); ok && k != "" {
					info.dims[dt] = append(info.dims[dt], k)
				}
			}
		}
	}
	return info
}
