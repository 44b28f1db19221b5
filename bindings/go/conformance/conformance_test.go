// Package conformance is the differential conformance suite: it runs the Guance reference
// engine (github.com/GuanceCloud/cliutils, package aggregate) and this engine (the Go package
// over the C library) side by side on identical traffic and compares what they do.
//
// # Traffic
//
// Every scenario is a table entry: configs per token (possibly changing mid-stream) and
// points per tick. The points are packed by the reference's own client-side packers
// (aggregate.PickTrace, LoggingGroupDimension.PickLogging, RUMGroupDimension.PickRUM: what
// Datakit runs), about 30% of the packets with a zstd payload (payload_compression=1). Each
// packet is marshalled once and the same bytes go to both engines: unmarshalled into an
// aggregate.DataPacket for the reference, Processor.Ingest for ours. The reference decides
// some packets from the span-predicate hints (fields 15-21) without reading the points, a fast
// path this engine does not replicate; the hints are cleared in the packets unless a scenario
// says otherwise (then no pipeline of it compiles to predicates, so the fast path is off).
//
// # Alignment
//
// Both engines run on manual 1-second ticks from the same instant t0, with the same shard
// count and the same default TTL (the reference's sampler wait time, our
// Options.DefaultTTL). Per tick, first each advances and decides (reference: AdvanceTime and
// TailSamplingOutcomes, then FlushDerivedMetrics(now); ours: SetTime(t0 + tick), PollKept,
// Stats, PollMetrics), then the tick's configs are applied and its packets ingested. A group
// ingested at tick k with a TTL of s seconds is decided at tick k+s by both. The run goes on
// until every group is decided; at the end the reference flushes every metric window and ours
// Flushes and polls.
//
// # What is compared
//
// Lines "TOKEN SECTION ...: VALUE", identical sets required:
//
//   - config: each config push accepted, ignored (same version) or refused;
//   - ingest: ingest statuses other than OK (ours; the reference has none);
//   - kept: per tick, token and data type, the multiset of kept points, each named by its
//     "pid" field and checked against the point sent (a changed point shows as "!altered");
//   - decided: per tick, token and data type, the number of groups kept and dropped (the
//     reference's outcomes; our Stats' decisions, late packets excluded);
//   - metric: the built-in metrics (measurement tail_sampling), summed per token, metric,
//     tags and window end.
//
// Every scenario runs twice. With compat "reference" our engine must be identical to the
// reference. With compat "default" it must be identical except for the documented deviations
// a scenario declares; for those, the scenario states the expected default lines explicitly
// (replacing the reference's lines with the same key), and the test checks both that ours
// matches them and that they differ from the reference, so every deviation has a test
// showing both behaviours. The deviations of the default mode:
//
//  1. late-data: late packets of a kept group are delivered with the earlier decision (a
//     decision cache) and late packets of a dropped group are dropped; the reference starts
//     a new group.
//  2. paren-term: a block with a parenthesised term (alone or among comma terms) is
//     evaluated normally; the reference's block is false.
//  3. leading-empty-statement: a leading empty statement `; {…}` is skipped; the reference
//     never matches.
//  4. in-missing-key: `IN [..]` on a missing key is true if any element is nil; the
//     reference looks at the first element only.
//  5. neq-regex: `!= re(r)` is true when the string does not match r (and for a missing
//     key); the reference's is true for every string and a missing key.
//  6. fractional-ttl / negative-ttl: a fractional data_ttl is rounded up to whole seconds
//     (the reference truncates, and below 1 s refuses every packet at ingest); a negative
//     one means the default TTL (the reference refuses every packet at ingest).
//  7. pipeline-tag: the kept/dropped counts carry an additive `pipeline` tag. It applies to
//     every scenario: in default mode the tag is required on those counts and removed
//     before the comparison. In reference mode any pipeline tag is a difference, reported as
//     one line per token (the tags are removed so the sums still compare).
//
// When a scenario differs, the failure prints the configs, the points involved, both sides'
// lines (decisions per tick, kept points, metric sums side by side) and the reference's
// per-group decisions.
//
// Run it with `make conformance` at the top of the repository (part of `make test`): it stages
// the dev C library and runs go vet and go test here with the reference engine's module
// (the Makefile's `ref_modfile`).
package conformance

import (
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/GuanceCloud/cliutils/aggregate"
	"github.com/GuanceCloud/cliutils/filter"
	"github.com/GuanceCloud/cliutils/logger"
	tailsampling "github.com/tailsampling/tailsampling-go"
)

func TestMain(m *testing.M) {
	// The reference logs every refused packet and type conflict: keep its loggers quiet.
	if err := logger.InitRoot(&logger.Option{Level: logger.PANIC, Flags: logger.OPT_STDOUT}); err != nil {
		fmt.Fprintln(os.Stderr, "logger:", err)
		os.Exit(2)
	}
	filter.Init()
	aggregate.SetLogging(logger.SLogger("aggregate"))
	os.Exit(m.Run())
}

// deviations are the names a scenario may declare (see the package doc).
var deviations = map[string]bool{
	"late-data":               true,
	"paren-term":              true,
	"leading-empty-statement": true,
	"in-missing-key":          true,
	"neq-regex":               true,
	"fractional-ttl":          true,
	"negative-ttl":            true,
}

func TestConformance(t *testing.T) {
	for _, sc := range scenarios() {
		t.Run(sc.name, func(t *testing.T) {
			t.Parallel()
			for _, d := range sc.deviations {
				if !deviations[d] {
					t.Fatalf("unknown deviation %q", d)
				}
			}
			if len(sc.deviations) > 0 && len(sc.defaultWant) == 0 {
				t.Fatalf("declares deviations %v without the expected default lines", sc.deviations)
			}
			p := prepare(sc)
			t.Logf("%d packets, %d with a zstd payload; ticks 0-%d", p.packets, p.zstd, p.endTick)
			refRec := run(p, newRef())
			ref := refRec.result()
			modes := []tailsampling.Compat{tailsampling.CompatReference, tailsampling.CompatDefault}
			if sc.referenceOnly {
				modes = modes[:1]
			}
			for _, mode := range modes {
				t.Run(string(mode), func(t *testing.T) {
					e, err := newOurs(mode)
					if err != nil {
						t.Fatal(err)
					}
					oursRec := run(p, e)
					ours := oursRec.result()
					want, wantLabel := ref, "reference"
					if mode == tailsampling.CompatDefault && len(sc.defaultWant) > 0 {
						want, wantLabel = override(ref, sc.defaultWant), "expected (default)"
						if same(want, ref) {
							t.Errorf("the declared deviations %v change nothing: the expected default lines equal the reference's", sc.deviations)
						}
					}
					compare(t, p, mode, wantLabel, want, ours, refRec, oursRec)
				})
			}
		})
	}
}

// TestTrafficMix checks the traffic itself: about 30% of all packets carry a zstd payload.
func TestTrafficMix(t *testing.T) {
	var packets, zstd int
	for _, sc := range scenarios() {
		p := prepare(sc)
		packets += p.packets
		zstd += p.zstd
	}
	share := float64(zstd) / float64(packets)
	t.Logf("%d packets, %d (%.0f%%) with a zstd payload", packets, zstd, 100*share)
	if share < 0.2 || share > 0.4 {
		t.Errorf("zstd share %.2f, want about 0.3", share)
	}
}

func same(a, b []string) bool {
	return strings.Join(a, "\n") == strings.Join(b, "\n")
}

// split returns a line's key and value ("KEY: VALUE").
func split(line string) (string, string) {
	i := strings.LastIndex(line, ": ")
	if i < 0 {
		return line, ""
	}
	return line[:i], line[i+2:]
}

// override applies expected default lines to the reference's: a line replaces the line with
// the same key, or is added; "KEY: -" removes it.
func override(ref, want []string) []string {
	m := map[string]string{}
	for _, l := range ref {
		k, v := split(l)
		m[k] = v
	}
	for _, l := range want {
		k, v := split(l)
		if v == "-" {
			delete(m, k)
		} else {
			m[k] = v
		}
	}
	out := make([]string, 0, len(m))
	for k, v := range m {
		out = append(out, k+": "+v)
	}
	sort.Strings(out)
	return out
}

func tokenOf(line string) string {
	tok, _, _ := strings.Cut(line, " ")
	return tok
}

func byToken(lines []string) map[string][]string {
	m := map[string][]string{}
	for _, l := range lines {
		m[tokenOf(l)] = append(m[tokenOf(l)], l)
	}
	return m
}

// compare checks ours against want; a scenario with perToken gets one subtest per token.
func compare(t *testing.T, p *prepared, mode tailsampling.Compat, wantLabel string, want, ours []string, refRec, oursRec *recorder) {
	if !p.sc.perToken {
		if !same(want, ours) {
			t.Error(diff(p, mode, "", wantLabel, want, ours, refRec, oursRec))
		}
		return
	}
	w, o := byToken(want), byToken(ours)
	tokens := map[string]bool{}
	for k := range w {
		tokens[k] = true
	}
	for k := range o {
		tokens[k] = true
	}
	names := make([]string, 0, len(tokens))
	for k := range tokens {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, tok := range names {
		t.Run(tok, func(t *testing.T) {
			if !same(w[tok], o[tok]) {
				t.Error(diff(p, mode, tok, wantLabel, w[tok], o[tok], refRec, oursRec))
			}
		})
	}
}

// diff renders a readable report of one difference.
func diff(p *prepared, mode tailsampling.Compat, token, wantLabel string, want, ours []string, refRec, oursRec *recorder) string {
	var b strings.Builder
	fmt.Fprintf(&b, "scenario %s, our compat %q", p.sc.name, mode)
	if token != "" {
		fmt.Fprintf(&b, ", token %s", token)
	}
	fmt.Fprintf(&b, ": differs from the %s\n  %s\n", wantLabel, p.sc.doc)
	if len(p.sc.deviations) > 0 {
		fmt.Fprintf(&b, "  declared deviations: %v\n", p.sc.deviations)
	}
	inToken := func(tok string) bool { return token == "" || tok == token }
	b.WriteString("configs:\n")
	for _, c := range p.sc.configs {
		if inToken(c.token) {
			fmt.Fprintf(&b, "  @%03d %s %s\n", c.tick, c.token, c.js)
		}
	}
	b.WriteString("traffic:\n")
	n := 0
	for tick := 0; tick <= p.endTick; tick++ {
		for _, ev := range p.events[tick] {
			if ev.pkt == nil || !inToken(ev.pkt.token) {
				continue
			}
			n++
			if n > 40 {
				continue
			}
			z := ""
			if ev.pkt.zstd {
				z = " (zstd)"
			}
			fmt.Fprintf(&b, "  @%03d %s %s %s%s\n", tick, ev.pkt.token, ev.pkt.dt, ev.pkt.group, z)
		}
	}
	if n > 40 {
		fmt.Fprintf(&b, "  ... %d packets in all\n", n)
	}
	var pids []string
	seen := map[string]bool{}
	for _, l := range append(append([]string{}, want...), ours...) {
		k, v := split(l)
		if strings.Contains(k, " kept ") {
			for _, id := range strings.Fields(v) {
				id = strings.TrimSuffix(id, "!altered")
				if !seen[id] {
					seen[id] = true
					pids = append(pids, id)
				}
			}
		}
	}
	sort.Strings(pids)
	if len(pids) > 0 {
		b.WriteString("kept points:\n")
		for i, id := range pids {
			if i == 30 {
				fmt.Fprintf(&b, "  ... %d in all\n", len(pids))
				break
			}
			fmt.Fprintf(&b, "  %s: %s\n", id, p.points[id])
		}
	}
	wm, om := map[string]string{}, map[string]string{}
	var keys []string
	for _, l := range want {
		k, v := split(l)
		wm[k] = v
		keys = append(keys, k)
	}
	for _, l := range ours {
		k, v := split(l)
		if _, ok := wm[k]; !ok {
			keys = append(keys, k)
		}
		om[k] = v
	}
	sort.Strings(keys)
	// The differing lines, the histogram's last (its 13 series per window repeat the story).
	var differing, hist []string
	for _, k := range keys {
		wv, wok := wm[k]
		ov, ook := om[k]
		if wok && ook && wv == ov {
			continue
		}
		if strings.Contains(k, ":trace_duration_") {
			hist = append(hist, k)
		} else {
			differing = append(differing, k)
		}
	}
	fmt.Fprintf(&b, "differences (%s | ours):\n", wantLabel)
	for i, k := range append(differing, hist...) {
		if i == 40 {
			fmt.Fprintf(&b, "  ... %d differing lines in all (%d of the trace_duration histogram)\n", len(differing)+len(hist), len(hist))
			break
		}
		wv, wok := wm[k]
		ov, ook := om[k]
		if !wok {
			wv = "(none)"
		}
		if !ook {
			ov = "(none)"
		}
		fmt.Fprintf(&b, "  %s\n      %-30s | %s\n", k, wv, ov)
	}
	b.WriteString("same on both sides (decisions and kept):\n")
	for _, k := range keys {
		if wv, ok := wm[k]; ok && om[k] == wv && (strings.Contains(k, " decided ") || strings.Contains(k, " kept ")) {
			fmt.Fprintf(&b, "  %s: %s\n", k, wv)
		}
	}
	notes := func(label string, r *recorder) {
		var sel []string
		for _, n := range r.notes {
			if token == "" || strings.Contains(n, " "+token+" ") || !strings.HasPrefix(n, "@") {
				sel = append(sel, n)
			}
		}
		if len(sel) == 0 {
			return
		}
		fmt.Fprintf(&b, "%s notes:\n", label)
		for i, n := range sel {
			if i == 60 {
				fmt.Fprintf(&b, "  ... %d in all\n", len(sel))
				break
			}
			fmt.Fprintf(&b, "  %s\n", n)
		}
	}
	notes("reference", refRec)
	notes("ours", oursRec)
	return b.String()
}
