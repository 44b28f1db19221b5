package main

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"

	ts "github.com/tailsampling/tailsampling-go"
	"github.com/tailsampling/tailsampling-go/internal/pbtest"
)

// Datakit-shaped traffic through a proxy to two standalone backends writing to one upstream:
// one DataPacket per body, v1 and v2 (zstd payloads on v2), with and without Guance-Pick-Key,
// traces and service log groups; 412 → config push → drain, and 503 under a tiny pending
// limit. After the SIGTERM-style shutdown, the upstream holds exactly the kept groups, each
// once and from the backend its pick key names, and the metric writes carry the right tokens.
func TestEndToEnd(t *testing.T) {
	up := newUpstream(t)
	const dwToken = "tkn_dataway"
	var backends []*host
	var urls []string
	for i := range 2 {
		b := startHost(t, "--upstream", fmt.Sprintf("%s/b%d", up.URL, i), "--token", dwToken,
			"--pending-max-packets", "3", "--poll-interval", "50ms")
		backends = append(backends, b)
		urls = append(urls, b.url)
	}
	px := startHost(t, "--mode", "proxy", "--backends", strings.Join(urls, ","))

	type group struct {
		token, dataType, id string
		pick                uint64
		keep                bool
		accepted            int // points accepted (200 or 412)
	}
	groups := map[string]*group{}
	configured := map[string]bool{}
	codes := map[int]int{}
	seq := 0
	send := func(g *group, spans int) {
		seq++
		pk := pbtest.Packet{DataType: g.dataType, RawGroupID: g.id}
		status := map[bool]string{true: "error", false: "ok"}[g.keep]
		for range spans {
			if g.dataType == "tracing" {
				pk.Points = append(pk.Points, pbtest.Span(g.id, status))
			} else {
				pk.GroupKey = "service"
				pk.Points = append(pk.Points, pbtest.Point{Name: "nginx", Time: pbtest.T0,
					Tags: []pbtest.Tag{{Key: "service", Value: g.id}, {Key: "status", Value: status}}})
			}
		}
		api, header := apiV1, []string{}
		if seq%2 == 0 {
			api = apiV2
			header = append(header, headerCompression, "zstd")
			if seq%4 == 0 {
				pk.Compression = 1
			}
		}
		if seq%3 != 0 { // else the proxy computes it from the packet
			header = append(header, headerPickKey, strconv.FormatUint(g.pick, 10))
		}
		code, body := post(t, px.url+api+"?token="+g.token, pk.Encode(), header...)
		codes[code]++
		switch code {
		case http.StatusOK, http.StatusPreconditionFailed:
			g.accepted += spans
		case http.StatusServiceUnavailable:
		default:
			t.Fatalf("%s %s: %d %s", api, g.id, code, body)
		}
		// Datakit pushes its config on a 412 (here: not for tkn_b's opening burst).
		if code == http.StatusPreconditionFailed && !configured[g.token] && (g.token != "tkn_b" || seq > 40) {
			if code, body := post(t, px.url+apiConfig+"?token="+g.token, []byte(traceConfig)); code != 200 {
				t.Fatalf("config: %d %s", code, body)
			}
			configured[g.token] = true
		}
	}
	newGroup := func(token, dataType string, i int) *group {
		g := &group{token: token, dataType: dataType, id: fmt.Sprintf("%s-%s-%d", token, dataType, i), keep: i%4 == 0}
		pk := pbtest.Packet{Token: token, DataType: dataType, RawGroupID: g.id}
		if dataType == "logging" {
			pk.GroupKey = "service"
		}
		info, err := ts.PeekPacket(token, pk.Encode())
		if err != nil {
			t.Fatal(err)
		}
		g.pick = info.PickKey
		groups[token+"/"+g.id] = g
		return g
	}

	// tkn_b's opening burst arrives before its config: 3 pending per backend, then 503.
	for i := range 20 {
		send(newGroup("tkn_b", "tracing", i), 1)
	}
	for round := range 3 {
		for _, tok := range []string{"tkn_a", "tkn_b"} {
			for i := range 24 {
				dt := "tracing"
				if i%3 == 2 {
					dt = "logging"
				}
				g := groups[tok+"/"+fmt.Sprintf("%s-%s-%d", tok, dt, 100+i)]
				if g == nil {
					g = newGroup(tok, dt, 100+i)
				}
				send(g, 1+(i+round)%2)
			}
		}
	}
	// A zstd payload on v1 is refused (415), so that Datakit falls back to writing directly.
	zg := newGroup("tkn_a", "tracing", 999)
	zpk := pbtest.Packet{DataType: "tracing", RawGroupID: zg.id, Compression: 1,
		Points: []pbtest.Point{pbtest.Span(zg.id, "error")}}
	if code, _ := post(t, px.url+apiV1+"?token=tkn_a", zpk.Encode()); code != http.StatusUnsupportedMediaType {
		t.Errorf("zstd on v1: %d, want 415", code)
	}
	if codes[200] == 0 || codes[412] == 0 || codes[503] == 0 {
		t.Fatalf("answers %v: want some 200, 412 and 503", codes)
	}

	_, pm := get(t, px.url+"/metrics")
	for i, u := range urls {
		if !strings.Contains(pm, fmt.Sprintf(`dataway_proxy_forwards_total{backend=%q,code="200"}`, u)) {
			t.Errorf("backend %d got no traffic:\n%s", i, pm)
		}
		_, bm := get(t, u+"/metrics")
		for _, tok := range []string{"tkn_a", "tkn_b"} {
			if !strings.Contains(bm, fmt.Sprintf(`tailsampling_configs_total{token=%q,result="applied"} 1`, tok)) {
				t.Errorf("backend %d: no config applied for %s (broadcast)", i, tok)
			}
		}
	}

	// SIGTERM-style shutdown: the proxy, then the backends (flush, deliver).
	px.stop(t)
	if _, err := http.Get(px.url + "/healthz"); err == nil {
		t.Error("the proxy still accepts connections")
	}
	for _, b := range backends {
		b.stop(t)
	}

	// The upstream holds exactly the kept groups, each point once, from the right backend.
	got := map[string]int{}     // token/group → points
	from := map[string]string{} // token/group → backend prefix
	var metricTokens []string
	for _, w := range up.ok() {
		prefix, path, _ := strings.Cut(strings.TrimPrefix(w.path, "/"), "/")
		pts, err := pbtest.DecodePoints(w.body)
		if err != nil {
			t.Fatal(err)
		}
		switch "/" + path {
		case "/v1/write/tracing", "/v1/write/logging":
			for _, p := range pts {
				id := p.Tag("trace_id")
				if id == "" {
					id = p.Tag("service")
				}
				key := w.token + "/" + id
				got[key]++
				if from[key] != "" && from[key] != prefix {
					t.Errorf("%s delivered by both backends", key)
				}
				from[key] = prefix
			}
		case "/v1/write/metric":
			metricTokens = append(metricTokens, w.token)
			want := "tail_sampling"
			if w.token == dwToken {
				want = "dataway_aggregate"
			}
			for _, p := range pts {
				if p.Name != want {
					t.Errorf("metric write for %s carries a %s point", w.token, p.Name)
				}
			}
		default:
			t.Errorf("unexpected write to %s", w.path)
		}
	}
	kept := 0
	for key, g := range groups {
		want := 0
		if g.keep {
			want = g.accepted
		}
		if got[key] != want {
			t.Errorf("%s: %d points delivered, want %d (keep=%v, accepted %d)", key, got[key], want, g.keep, g.accepted)
		}
		if want > 0 {
			kept++
			if wantFrom := fmt.Sprintf("b%d", g.pick%2); from[key] != wantFrom {
				t.Errorf("%s delivered by %s, its pick key routes to %s", key, from[key], wantFrom)
			}
		}
		delete(got, key)
	}
	for key := range got {
		t.Errorf("%s delivered but never sent", key)
	}
	t.Logf("answers %v, %d kept groups of %d", codes, kept, len(groups))
	if kept < 10 {
		t.Errorf("only %d kept groups", kept)
	}
	seen := map[string]bool{}
	for _, tok := range metricTokens {
		seen[tok] = true
	}
	if !seen["tkn_a"] || !seen["tkn_b"] || !seen[dwToken] || len(seen) != 3 {
		t.Errorf("metric writes for %v, want tkn_a, tkn_b and %s", seen, dwToken)
	}
}
