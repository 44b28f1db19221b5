package conformance

import (
	"encoding/json"
	"fmt"
	"sort"
	"time"
)

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// scenario is one table entry: configs per token and traffic per tick.
type scenario struct {
	name    string
	doc     string
	configs []push
	traffic []send
	// keepHints leaves the span-predicate hints in the packets (only where no pipeline
	// compiles to predicates, so the reference's fast path stays off).
	keepHints bool
	// perToken compares (and names subtests) token by token.
	perToken bool
	// deviations are the documented default-mode deviations the scenario exercises;
	// defaultWant holds the expected default-mode lines that differ from the reference's
	// ("KEY: VALUE" replaces the line with that key, "KEY: -" removes it).
	deviations  []string
	defaultWant []string
	extraTicks  int
	// referenceOnly runs only our compat "reference" mode.
	referenceOnly bool
}

type push struct {
	tick  int
	token string
	js    string
}

// ---- config documents ----

type doc struct {
	Version int64 `json:"version"`
	Trace   *sec  `json:"trace,omitempty"`
	Logging *sec  `json:"logging,omitempty"`
	RUM     *sec  `json:"rum,omitempty"`
}

type sec struct {
	Version         int64   `json:"version,omitempty"`
	DataTTL         any     `json:"data_ttl,omitempty"`
	Pipelines       []pl    `json:"pipelines,omitempty"`
	GroupDimensions []dim   `json:"group_dimensions,omitempty"`
	BuiltinMetrics  []bm    `json:"builtin_metrics,omitempty"`
	GroupKey        string  `json:"group_key,omitempty"`
	DerivedMetrics  []dmCfg `json:"derived_metrics,omitempty"`
}

type dim struct {
	GroupKey  string `json:"group_key"`
	Pipelines []pl   `json:"pipelines"`
}

type pl struct {
	Name      string  `json:"name"`
	Type      string  `json:"type"`
	Condition string  `json:"condition,omitempty"`
	Action    string  `json:"action,omitempty"`
	Rate      float64 `json:"rate,omitempty"`
}

type bm struct {
	Name    string `json:"name"`
	Enabled bool   `json:"enabled"`
}

type dmCfg struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

func keep(name, cond string) pl {
	return pl{Name: name, Type: "condition", Condition: cond, Action: "keep"}
}
func drop(name, cond string) pl {
	return pl{Name: name, Type: "condition", Condition: cond, Action: "drop"}
}
func sample(name string, rate float64, cond string) pl {
	return pl{Name: name, Type: "probabilistic", Rate: rate, Condition: cond}
}

func (d doc) js() string {
	b, err := json.Marshal(d)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// traceDoc is a config with a trace section only.
func traceDoc(version int64, ttl any, pipelines ...pl) string {
	return doc{Version: version, Trace: &sec{DataTTL: ttl, Pipelines: pipelines}}.js()
}

// noDuration turns the trace_duration histogram off (its 13 points per window would
// otherwise dominate the expected lines of the deviations).
var noDuration = []bm{{Name: "trace_duration", Enabled: false}}

// ---- traffic corpora ----

// condCorpus is the traffic of the condition scenarios: five traces, one packet each at
// tick 1, covering every value type, a missing key, nil candidates and odd names.
func condCorpus(tick int, token string) []send {
	return []send{traces(tick, token,
		span("tr-a", "s1", fl("parent_id", "0"), tg("status", "error"), tg("resource", "/api/a"),
			tg("http_status_code", "500"), fl("count", int64(10)), fl("ucount", uint64(10)),
			fl("ratio", 0.5), fl("flag", true), fl("msg", "hello world"), fl("duration", int64(2000000))),
		span("tr-a", "s2", fl("parent_id", "s1"), tg("status", "ok"), tg("resource", "/health"),
			fl("count", int64(3)), fl("duration", int64(500))),
		span("tr-b", "s1", fl("parent_id", "0"), tg("status", "ok"), tg("resource", "/api/b"),
			tg("http_status_code", "200"), fl("count", int64(100)), fl("ucount", uint64(7)),
			fl("ratio", 1.5), fl("flag", false), fl("msg", "bye"), fl("trace_keep", true)),
		span("tr-c", "s1", fl("parent_id", "0"), tg("status", "ERROR"), tg("resource", "/health"),
			fl("count", int64(-5)), fl("ratio", -0.25), fl("msg", ""), tg("env", "prod"),
			tg("a.b", "1"), fl("duration", int64(3000))),
		span("tr-d", "s1", fl("parent_id", "0"), tg("status", "warn"), tg("my-key", "v"), without("duration")),
		span("tr-e", "s1", fl("parent_id", "0"), tg("status", "ok"), tg("resource", "/api/e"),
			fl("count", int64(31)), fl("ucount", uint64(31)), fl("ratio", 0.25), fl("msg", "HELLO"),
			fl("body_code", "500"), tg("http_status_code", "404")),
	)}
}

// condScenario gives every condition its own token (one keep pipeline, data_ttl 2s) and sends
// the corpus to each: a token's kept traces are the traces its condition matches.
func condScenario(name, docText string, conds [][2]string) *scenario {
	sc := &scenario{name: name, doc: docText, perToken: true}
	for _, c := range conds {
		sc.configs = append(sc.configs, push{0, c[0], traceDoc(1, "2s", keep("p", c[1]))})
		sc.traffic = append(sc.traffic, condCorpus(1, c[0])...)
	}
	return sc
}

func scenarios() []*scenario {
	return append([]*scenario{
		tracesMultiTenant(),
		loggingTwoDimensions(),
		rumSessions(),
		lateData(),
		condScenario("conditions", "every construct of the condition language on the five-trace corpus", [][2]string{
			{"c-eq-tag", `{ status = "error" }`},
			{"c-neq-tag", `{ status != "error" }`},
			{"c-eq-int", `{ count = 10 }`},
			{"c-neq-int", `{ count != 10 }`},
			{"c-gt-int", `{ count > 10 }`},
			{"c-gte-int", `{ count >= 10 }`},
			{"c-lt-int", `{ count < 0 }`},
			{"c-lte-int", `{ count <= 3 }`},
			{"c-eq-uint", `{ ucount = 7 }`},
			{"c-gt-uint", `{ ucount > 5 }`},
			{"c-eq-float", `{ ratio = 0.5 }`},
			{"c-gt-float", `{ ratio > 1.0 }`},
			{"c-lt-float-int", `{ ratio < 0 }`},
			{"c-lte-float", `{ ratio <= 0.5 }`},
			{"c-eq-bool", `{ flag = true }`},
			{"c-eq-bool-false", `{ flag = false }`},
			{"c-neq-bool", `{ flag != true }`},
			{"c-gt-bool", `{ flag > false }`},
			{"c-eq-str", `{ msg = "bye" }`},
			{"c-eq-empty", `{ msg = "" }`},
			{"c-gt-str", `{ msg > "c" }`},
			{"c-lte-str", `{ resource <= "/api/b" }`},
			{"c-eq-tag-int", `{ http_status_code = 500 }`},
			{"c-in", `{ resource IN ["/health", "/api/b"] }`},
			{"c-in-lower", `{ resource in ["/api/e"] }`},
			{"c-notin", `{ resource NOTIN ["/health", "/api/a"] }`},
			{"c-not_in", `{ resource not_in ["/health"] }`},
			{"c-notin-mixed-case", `{ resource NotIn ["/api/b"] }`},
			{"c-in-int", `{ count IN [10, 100] }`},
			{"c-in-float", `{ ratio in [0.5, 0.25] }`},
			{"c-match", `{ msg MATCH ["^hel", "^by"] }`},
			{"c-match-lower", `{ resource match ["^/api/[ab]$"] }`},
			{"c-notmatch", `{ resource NOTMATCH ["^/api"] }`},
			{"c-notmatch-lower", `{ msg notmatch ["o"] }`},
			{"c-eq-re", `{ resource = re("^/api/") }`},
			{"c-eq-re-int", `{ count = re("1") }`},
			{"c-eq-re-backquote", "{ msg = re(`^h.*d$`) }"},
			{"c-eq-nil", `{ http_status_code = nil }`},
			{"c-neq-nil", `{ http_status_code != nil }`},
			{"c-eq-null", `{ msg = null }`},
			{"c-eq-NULL", `{ nokey = NULL }`},
			{"c-missing-eq", `{ nokey = "x" }`},
			{"c-missing-neq", `{ nokey != "x" }`},
			{"c-missing-gt", `{ nokey > 1 }`},
			{"c-missing-notin", `{ nokey NOTIN ["x"] }`},
			{"c-missing-match", `{ nokey MATCH ["x"] }`},
			{"c-missing-notmatch", `{ nokey NOTMATCH ["x"] }`},
			{"c-and", `{ status = "error" AND count > 5 }`},
			{"c-and-lower", `{ status = "error" and count > 50 }`},
			{"c-andand", `{ status = "ok" && count >= 100 }`},
			{"c-or", `{ status = "error" OR flag = false }`},
			{"c-or-mixed-case", `{ status = "warn" Or msg = "" }`},
			{"c-oror", `{ msg = "bye" || resource = "/health" }`},
			{"c-and-paren", `{ (status = "error" OR status = "ERROR") AND count < 100 }`},
			{"c-nested", `{ status = "ok" AND (resource = "/api/b" OR (count = 31 AND msg = "HELLO")) }`},
			{"c-precedence", `{ status = "warn" OR status = "ok" AND count = 31 }`},
			{"c-comment", "# keep the errors\n{ status = \"error\" } # and nothing else"},
			{"c-blocks", `{ status = "error" }; { msg = "bye" }`},
			{"c-blocks-trailing", `{ msg = "HELLO" };`},
			{"c-comma", `{ status = "ok", count > 50 }`},
			{"c-comma-trailing", `{ status = "ok", }`},
			{"c-backquote", "{ `my-key` = \"v\" }"},
			{"c-backquote-dotted", "{ `a.b` = \"1\" }"},
			{"c-hex", `{ count = 0x1f }`},
			{"c-float-exp", `{ ratio = 2.5e-1 }`},
			{"c-neg", `{ count = -5 }`},
			{"c-single-quote", `{ resource = '/api/e' }`},
			{"c-one-eq-one", `{ 1 = 1 }`},
			{"c-trace-keep", `{ trace_keep = true }`},
			{"c-true-upper", `{ trace_keep = TRUE }`},
			{"c-http-match", `{ http_status_code MATCH ["^[45][0-9][0-9]$"] }`},
			{"c-body-code", `{ body_code NOTIN ["0", "200", nil] }`},
			{"c-root-duration", `{ parent_id = "0" AND duration > 1500 }`},
			{"c-nonroot", `{ parent_id != "0" }`},
			{"c-empty-block", `{ }`},
		}),
		condScenario("conditions-types", "type mixes, odd literals and operators on values of the wrong type", [][2]string{
			{"x-int-eq-float", `{ count = 10.0 }`},
			{"x-int-in-float", `{ count IN [10.0, 3] }`},
			{"x-float-gt-int", `{ ratio > 1 }`},
			{"x-uint-in", `{ ucount IN [7, 10] }`},
			{"x-uint-neq", `{ ucount != 7 }`},
			{"x-bool-eq-str", `{ flag = "true" }`},
			{"x-bool-in", `{ flag IN [false] }`},
			{"x-str-eq-int", `{ msg = 1 }`},
			{"x-str-gt-int", `{ resource > 1 }`},
			{"x-match-int", `{ count MATCH ["1"] }`},
			{"x-notmatch-int", `{ count NOTMATCH ["1"] }`},
			{"x-notin-int-str", `{ count NOTIN ["10"] }`},
			{"x-missing-neq-nil", `{ nokey != nil }`},
			{"x-present-eq-nil", `{ status = nil }`},
			{"x-present-neq-nil", `{ status != nil }`},
			{"x-in-nil-present", `{ msg IN [nil] }`},
			{"x-notin-nil-present", `{ msg NOTIN [nil] }`},
			{"x-neg-gt", `{ count > -10 }`},
			{"x-plus", `{ count = +10 }`},
			{"x-exp-int-field", `{ count = 1e2 }`},
			{"x-escape", `{ msg = "hello\x20world" }`},
			{"x-unicode-escape", `{ msg = "hello\u0020world" }`},
			{"x-re-flags", `{ msg = re("(?i)^hello$") }`},
			{"x-match-flags", `{ msg MATCH ["(?i)^HELLO WORLD$"] }`},
			{"x-double-paren", `{ ((status = "ok")) AND count > 0 }`},
			{"x-lit-lhs", `{ "abc" = re("b") }`},
			{"x-nil-lhs", `{ nil = nil }`},
			{"x-empty-then-block", `{ }; { status = "error" }`},
			{"x-keyword-case", `{ STATUS = "error" }`},
			{"x-only-comment", "# nothing here"},
		}),
		dropThenKeep(),
		condScenario("quirks", "the reference's quirks that both modes reproduce", [][2]string{
			{"q-bool-in-list", `{ trace_keep IN [true] }`},
			{"q-bool-notin-list", `{ flag NOTIN [false] }`},
			{"q-bad-regex-in-list", `{ resource MATCH ["(", "^/a"] }`},
			{"q-ident-in-list", `{ resource IN ["/health", status] }`},
			{"q-ident-notin-list", `{ resource NOTIN [status, "/health"] }`},
			{"q-bare-ident", `{ status = error }`},
			{"q-bare-ident-neq", `{ status != ok }`},
			{"q-gt-re", `{ resource > re("^/") }`},
			{"q-in-nil-first", `{ nokey IN [nil, "x"] }`},
			{"q-notin-nil", `{ nokey NOTIN ["x", nil] }`},
			{"q-dotted", `{ a.b = "1" }`},
			{"q-dotted-or", `{ a.b = "1" OR status = "warn" }`},
			{"q-backquote-rhs", "{ status = `error` }"},
			{"q-in-backquote", "{ status IN [`error`, \"warn\"] }"},
			{"q-arith-lhs", `{ duration + 1 > 100 }`},
			{"q-arith-rhs", `{ duration > 10 * 10 OR status = "warn" }`},
			{"q-arith-term", `{ duration * 2 }`},
			{"q-chained-cmp", `{ status = "error" = true }`},
			{"q-paren-operand", `{ (status) = "error" }; { status = ("warn") }`},
			{"q-call", `{ len(resource) > 1 OR status = "warn" }`},
			{"q-call-args", `{ f(1, [a, "b"], g(), x = 2) = 1 OR status = "error" }`},
			{"q-star", `{ * = 1 OR status = "warn" }`},
			{"q-re-lhs", `{ re("x") = status OR status = "warn" }`},
			{"q-and-leaf", `{ status = "error" AND trace_keep }`},
			{"q-or-leaf-first", `{ status OR status = "error" }`},
			{"q-or-leaf-mid", `{ status = "warn" OR resource OR status = "error" }`},
			{"q-or-leaf-paren", `{ status = "error" OR (resource) }`},
			{"q-identifier-fn", `{ identifier("status") = "error" }`},
			{"q-cascade-call", `{ f(status).g(1, [x]) = 1 OR status = "error" }`},
			{"q-dotted-call", `{ a.b(status) > 2 OR status = "warn" }`},
			{"q-identifier-fn-in", `{ identifier('resource') IN ["/api/b", identifier("x")] }`},
		}),
		{
			name: "in-missing-key", doc: "IN [x, nil] on a missing key (deviation 4); IN [nil, x] is the same in both modes",
			perToken: true, deviations: []string{"in-missing-key"},
			configs: []push{
				{0, "d-in-x-nil", traceDoc(1, "2s", keep("p", `{ nokey IN ["x", nil] }`))},
				{0, "d-in-nil-x", traceDoc(1, "2s", keep("p", `{ nokey IN [nil, "x"] }`))},
				{0, "d-in-str-nil", traceDoc(1, "2s", keep("p", `{ resource IN ["/health", nil] }`))},
			},
			traffic: append(append(condCorpus(1, "d-in-x-nil"), condCorpus(1, "d-in-nil-x")...), condCorpus(1, "d-in-str-nil")...),
			// Every trace lacks nokey: default keeps all five, the reference none. resource:
			// tr-a and tr-c have /health (kept by both), tr-d has none (kept by default only).
			defaultWant: []string{
				"d-in-x-nil decided @003 tracing: kept=5 dropped=0",
				"d-in-x-nil kept @003 tracing: tr-a/s1 tr-a/s2 tr-b/s1 tr-c/s1 tr-d/s1 tr-e/s1",
				"d-in-x-nil metric tail_sampling:trace_kept_count{data_type=tracing,decision=kept,source=ddtrace,stage=decision}@+30: 5",
				"d-in-x-nil metric tail_sampling:trace_dropped_count{data_type=tracing,decision=dropped,source=ddtrace,stage=decision}@+30: -",
				"d-in-str-nil decided @003 tracing: kept=3 dropped=2",
				"d-in-str-nil kept @003 tracing: tr-a/s1 tr-a/s2 tr-c/s1 tr-d/s1",
				"d-in-str-nil metric tail_sampling:trace_kept_count{data_type=tracing,decision=kept,source=ddtrace,stage=decision}@+30: 3",
				"d-in-str-nil metric tail_sampling:trace_dropped_count{data_type=tracing,decision=dropped,source=ddtrace,stage=decision}@+30: 2",
			},
		},
		{
			name: "neq-regex", doc: "!= re(r) (deviation 5): default is true when the string does not match; the reference for every string and a missing key",
			perToken: true, deviations: []string{"neq-regex"},
			configs: []push{
				{0, "d-neq-re", traceDoc(1, "2s", keep("p", `{ resource != re("^/api") }`))},
			},
			traffic: condCorpus(1, "d-neq-re"),
			// resource: tr-a /api/a and /health, tr-b /api/b, tr-c /health, tr-d missing,
			// tr-e /api/e. Default: tr-a (its /health span), tr-c, tr-d; the reference: all.
			defaultWant: []string{
				"d-neq-re decided @003 tracing: kept=3 dropped=2",
				"d-neq-re kept @003 tracing: tr-a/s1 tr-a/s2 tr-c/s1 tr-d/s1",
				"d-neq-re metric tail_sampling:trace_kept_count{data_type=tracing,decision=kept,source=ddtrace,stage=decision}@+30: 3",
				"d-neq-re metric tail_sampling:trace_dropped_count{data_type=tracing,decision=dropped,source=ddtrace,stage=decision}@+30: 2",
			},
		},
		{
			name: "paren-term", doc: "a block with a parenthesised term, alone or among comma terms (deviation 2)",
			perToken: true, deviations: []string{"paren-term"},
			configs: []push{
				{0, "d-paren-only", traceDoc(1, "2s", keep("p", `{ (status = "error" OR duration > 2500) }`))},
				{0, "d-paren-comma", traceDoc(1, "2s", keep("p", `{ parent_id = "0", (status = "error" OR duration > 1000000) }`))},
				{0, "d-paren-and", traceDoc(1, "2s", keep("p", `{ (status = "error" OR duration > 2500) AND parent_id = "0" }`))},
			},
			traffic: append(append(condCorpus(1, "d-paren-only"), condCorpus(1, "d-paren-comma")...), condCorpus(1, "d-paren-and")...),
			// The parenthesised term matches tr-a (error, 2 s) and tr-c (3000 µs).
			defaultWant: []string{
				"d-paren-only decided @003 tracing: kept=2 dropped=3",
				"d-paren-only kept @003 tracing: tr-a/s1 tr-a/s2 tr-c/s1",
				"d-paren-only metric tail_sampling:trace_kept_count{data_type=tracing,decision=kept,source=ddtrace,stage=decision}@+30: 2",
				"d-paren-only metric tail_sampling:trace_dropped_count{data_type=tracing,decision=dropped,source=ddtrace,stage=decision}@+30: 3",
				"d-paren-comma decided @003 tracing: kept=1 dropped=4",
				"d-paren-comma kept @003 tracing: tr-a/s1 tr-a/s2",
				"d-paren-comma metric tail_sampling:trace_kept_count{data_type=tracing,decision=kept,source=ddtrace,stage=decision}@+30: 1",
				"d-paren-comma metric tail_sampling:trace_dropped_count{data_type=tracing,decision=dropped,source=ddtrace,stage=decision}@+30: 4",
			},
		},
		{
			name: "leading-empty-statement", doc: "; { status = \"error\" } (deviation 3): default skips the empty statement, the reference never matches",
			perToken: true, deviations: []string{"leading-empty-statement"},
			configs: []push{
				{0, "d-leading-semicolon", traceDoc(1, "2s", keep("p", `; { status = "error" }`))},
				{0, "d-inner-semicolons", traceDoc(1, "2s", keep("p", `{ msg = "bye" };; { status = "error" }`))},
			},
			traffic: append(condCorpus(1, "d-leading-semicolon"), condCorpus(1, "d-inner-semicolons")...),
			defaultWant: []string{
				"d-leading-semicolon decided @003 tracing: kept=1 dropped=4",
				"d-leading-semicolon kept @003 tracing: tr-a/s1 tr-a/s2",
				"d-leading-semicolon metric tail_sampling:trace_kept_count{data_type=tracing,decision=kept,source=ddtrace,stage=decision}@+30: 1",
				"d-leading-semicolon metric tail_sampling:trace_dropped_count{data_type=tracing,decision=dropped,source=ddtrace,stage=decision}@+30: 4",
			},
		},
		ttlForms(),
		builtinMetricSubsets(),
		configChanges(),
		configValidation(),
		probabilistic(),
		windowBoundary(),
		hintsKept(),
		bigTraces(),
		ttlClamp(),
	}, grammarFuzz()...)
}

// tracesMultiTenant: three tenants, traces split over several packets and ticks.
func tracesMultiTenant() *scenario {
	sc := &scenario{
		name: "traces-multi-tenant",
		doc:  "three tenants with different pipelines and TTL forms; traces split over several packets and ticks, about 30% zstd",
		configs: []push{
			{0, "T1", traceDoc(1, "5s",
				keep("errors", `{ status = "error" }`),
				drop("health", `{ resource = "/health" }`),
				sample("rest", 0.5, ""))},
			{0, "T2", traceDoc(7, int64(3*time.Second),
				keep("slow", `{ duration > 500000 }`),
				keep("vip", `{ user IN ["alice", "bob"] }`))},
			{0, "T3", traceDoc(3, "")},
			{1, "T3", traceDoc(4, 0, sample("all", 1, ""))},
		},
	}
	for i := 0; i < 12; i++ {
		id := fmt.Sprintf("tr-%02d", i)
		status, resource := "ok", "/api"
		switch i % 4 {
		case 1:
			status = "error"
		case 2:
			resource = "/health"
		}
		first := 1 + i/2
		for _, tok := range []string{"T1", "T2", "T3"} {
			sc.traffic = append(sc.traffic,
				traces(first, tok,
					span(id, "root", fl("parent_id", "0"), tg("status", "ok"), tg("resource", resource),
						fl("duration", int64(100000*(i+1))), fl("user", []string{"alice", "carol", "bob"}[i%3]))),
				traces(first, tok,
					span(id, "db", fl("parent_id", "root"), tg("status", status), tg("resource", "/db"))),
				traces(first+2, tok,
					span(id, "cache", fl("parent_id", "root"), tg("status", "ok"), tg("resource", "/cache")),
					span(id, "mq", fl("parent_id", "root"), tg("status", "ok"), tg("resource", "/mq"))),
			)
		}
	}
	return sc
}

// loggingTwoDimensions: logging grouped by two keys at once.
func loggingTwoDimensions() *scenario {
	cfg := doc{Version: 1, Logging: &sec{DataTTL: "3s", GroupDimensions: []dim{
		{GroupKey: "user_id", Pipelines: []pl{keep("user-errors", `{ status = "error" }`)}},
		{GroupKey: "order_id", Pipelines: []pl{
			drop("cheap", `{ amount < 10 }`),
			keep("big", `{ amount >= 100 }`),
		}},
	}}}
	sc := &scenario{
		name: "logging-two-dimensions",
		doc:  "logging grouped by user_id and by order_id; points with both keys, one, or none (passed through, not sent)",
		configs: []push{
			{0, "L1", cfg.js()},
			{0, "L2", doc{Version: 2, Logging: &sec{GroupDimensions: []dim{
				{GroupKey: "host", Pipelines: []pl{sample("half", 0.5, "")}},
			}}}.js()},
		},
	}
	// Group key values of other types, and one value shared by both dimensions (two groups).
	sc.traffic = append(sc.traffic, logs(1, "L1",
		logp("log-float", tg("status", "error"), fl("user_id", 12.5), fl("order_id", 12.5), fl("amount", int64(500))),
		logp("log-bool", tg("status", "error"), fl("user_id", true)),
		logp("log-empty", tg("status", "error"), tg("user_id", ""), fl("order_id", "")),
		logp("log-same", tg("status", "info"), tg("user_id", "x"), tg("order_id", "x"), fl("amount", int64(150)))))
	for i := 0; i < 10; i++ {
		tick := 1 + i%2 // within the TTL of every group: no late data
		status := "info"
		if i%3 == 0 {
			status = "error"
		}
		var kvs []kv
		kvs = append(kvs, tg("status", status), fl("amount", int64(i*25)))
		if i%5 != 4 {
			kvs = append(kvs, tg("user_id", fmt.Sprintf("u%d", i%3)))
		}
		if i%2 == 0 {
			kvs = append(kvs, fl("order_id", int64(1000+i%4)))
		}
		sc.traffic = append(sc.traffic, logs(tick, "L1", logp(fmt.Sprintf("log-%02d", i), kvs...)))
		sc.traffic = append(sc.traffic, logs(tick, "L2",
			logp(fmt.Sprintf("h-%02d", i), tg("host", fmt.Sprintf("host-%d", i%6)), tg("status", status))))
	}
	return sc
}

// rumSessions: RUM grouped by session, with a drop before a keep.
func rumSessions() *scenario {
	sc := &scenario{
		name: "rum",
		doc:  "RUM grouped by session_id: keep sessions with an error, drop bot sessions, sample the rest",
		configs: []push{
			{0, "R1", doc{Version: 1, RUM: &sec{DataTTL: "3s", GroupDimensions: []dim{
				{GroupKey: "session_id", Pipelines: []pl{
					drop("bots", `{ ua MATCH ["(?i)bot"] }`),
					keep("errors", `{ error_count > 0 }`),
					sample("rest", 0.3, ""),
				}},
			}}}.js()},
		},
	}
	for i := 0; i < 12; i++ {
		sess := fmt.Sprintf("sess-%d", i%6)
		ua := "Mozilla"
		if i%6 == 5 {
			ua = "GoogleBot"
		}
		sc.traffic = append(sc.traffic, rums(1+i%3, "R1",
			rump(fmt.Sprintf("v-%02d", i), tg("session_id", sess), tg("ua", ua), fl("error_count", int64(i%4/3)))))
	}
	return sc
}

// lateData: packets of groups already decided (deviation 1).
func lateData() *scenario {
	return &scenario{
		name:       "late-data",
		doc:        "late packets of a kept and of a dropped group, traces and logging (deviation 1): the reference starts new groups; default follows the earlier decision",
		deviations: []string{"late-data"},
		configs: []push{
			{0, "T1", traceDoc(1, "2s", keep("errors", `{ status = "error" }`))},
			{0, "L1", doc{Version: 1, Logging: &sec{DataTTL: "2s", GroupDimensions: []dim{
				{GroupKey: "user_id", Pipelines: []pl{keep("errors", `{ status = "error" }`)}},
			}}}.js()},
		},
		traffic: []send{
			logs(1, "L1", logp("uk-1", tg("user_id", "uk"), tg("status", "error")), logp("ud-1", tg("user_id", "ud"))),
			logs(5, "L1", logp("uk-late", tg("user_id", "uk")), logp("ud-late", tg("user_id", "ud"), tg("status", "error"))),
			traces(1, "T1",
				span("tr-k", "s1", tg("status", "error")),
				span("tr-d", "s1", tg("status", "ok"))),
			// Both decided at tick 3; these arrive at tick 5.
			traces(5, "T1",
				span("tr-k", "late", tg("status", "ok")),
				span("tr-d", "late", tg("status", "error"))),
		},
		// The reference decides the late packets as new groups at tick 7 (tr-k/late dropped,
		// tr-d/late kept); default delivers tr-k/late at the next poll (tick 6) and drops
		// tr-d/late at once (no group decision). The metric sums are the same.
		defaultWant: []string{
			"T1 kept @006 tracing: tr-k/late",
			"T1 kept @007 tracing: -",
			"T1 decided @007 tracing: -",
			"L1 kept @006 logging: uk-late",
			"L1 kept @007 logging: -",
			"L1 decided @007 logging: -",
		},
	}
}

// dropThenKeep: the first matching pipeline decides, whatever its action.
func dropThenKeep() *scenario {
	sc := &scenario{name: "pipeline-order", doc: "pipelines in order: the first matching one decides (drop before keep, keep before drop, probabilistic first)", perToken: true}
	pipelines := map[string][]pl{
		"o-drop-keep":   {drop("health", `{ resource = "/health" }`), keep("all", `{ 1 = 1 }`)},
		"o-keep-drop":   {keep("err", `{ status = "error" }`), drop("all", `{ 1 = 1 }`)},
		"o-sample-keep": {sample("s", 0.0001, `{ parent_id = "0" }`), keep("all", `{ 1 = 1 }`)},
		"o-no-match":    {keep("never", `{ status = "nope" }`)},
		"o-none":        nil,
	}
	for _, tok := range sortedKeys(pipelines) {
		pls := pipelines[tok]
		sc.configs = append(sc.configs, push{0, tok, traceDoc(1, "2s", pls...)})
		sc.traffic = append(sc.traffic, condCorpus(1, tok)...)
	}
	return sc
}

// ttlForms: data_ttl as integer nanoseconds, strings, fractions, negative, 0 and "".
func ttlForms() *scenario {
	sc := &scenario{
		name:       "ttl-forms",
		doc:        "data_ttl forms: integer ns, \"5s\", \"1500ms\", \"500ms\", negative, 0 and \"\" (deviation 6 for the fractional and negative ones)",
		perToken:   true,
		deviations: []string{"fractional-ttl", "negative-ttl"},
	}
	for _, c := range []struct {
		tok string
		ttl any
	}{
		{"t-int-ns", int64(3 * time.Second)},
		{"t-5s", "5s"},
		{"t-1500ms", "1500ms"},
		{"t-500ms", "500ms"},
		{"t-negative", int64(-2 * time.Second)},
		{"t-zero", 0},
		{"t-empty", ""},
		{"t-2m", "2m"},
	} {
		sc.configs = append(sc.configs, push{0, c.tok,
			doc{Version: 1, Trace: &sec{DataTTL: c.ttl, BuiltinMetrics: noDuration, Pipelines: []pl{keep("err", `{ status = "error" }`)}}}.js()})
		sc.traffic = append(sc.traffic, traces(1, c.tok,
			span("tr-1", "s1", tg("status", "error")),
			span("tr-2", "s1", tg("status", "ok"))))
		sc.traffic = append(sc.traffic, traces(1, c.tok, span("tr-1", "s2", tg("status", "ok"))))
	}
	kept := "tail_sampling:trace_kept_count{data_type=tracing,decision=kept,source=ddtrace,stage=decision}@+30"
	dropped := "tail_sampling:trace_dropped_count{data_type=tracing,decision=dropped,source=ddtrace,stage=decision}@+30"
	sc.defaultWant = []string{
		// 1500ms: the reference truncates to 1 s (decided at tick 2); default rounds up to
		// 2 s (tick 3).
		"t-1500ms decided @002 tracing: -",
		"t-1500ms decided @003 tracing: kept=1 dropped=1",
		"t-1500ms kept @002 tracing: -",
		"t-1500ms kept @003 tracing: tr-1/s1 tr-1/s2",
		// 500ms: the reference truncates to 0 and refuses every packet at ingest (counted in
		// the ingest metrics only); default rounds up to 1 s.
		"t-500ms decided @002 tracing: kept=1 dropped=1",
		"t-500ms kept @002 tracing: tr-1/s1 tr-1/s2",
		"t-500ms metric " + kept + ": 1",
		"t-500ms metric " + dropped + ": 1",
		// negative: the reference refuses every packet at ingest; default waits the default
		// TTL (10 s).
		"t-negative decided @011 tracing: kept=1 dropped=1",
		"t-negative kept @011 tracing: tr-1/s1 tr-1/s2",
		"t-negative metric " + kept + ": 1",
		"t-negative metric " + dropped + ": 1",
	}
	return sc
}

// builtinMetricSubsets: builtin_metrics lists enabling and disabling metrics.
func builtinMetricSubsets() *scenario {
	sc := &scenario{
		name:     "builtin-metric-subsets",
		doc:      "builtin_metrics lists: some disabled, some explicitly enabled, all disabled; trace, logging and RUM",
		perToken: true,
		configs: []push{
			{0, "m-trace-some", doc{Version: 1, Trace: &sec{DataTTL: "2s", Pipelines: []pl{keep("err", `{ status = "error" }`)},
				BuiltinMetrics: []bm{{"trace_total_count", false}, {"span_total_count", false}, {"trace_kept_count", true}}}}.js()},
			{0, "m-trace-none", doc{Version: 1, Trace: &sec{DataTTL: "2s", Pipelines: []pl{keep("err", `{ status = "error" }`)},
				BuiltinMetrics: []bm{{"trace_total_count", false}, {"trace_kept_count", false}, {"trace_dropped_count", false},
					{"trace_error_count", false}, {"span_total_count", false}, {"trace_duration", false}}}}.js()},
			{0, "m-logging", doc{Version: 1, Logging: &sec{DataTTL: "2s",
				BuiltinMetrics:  []bm{{"logging_error_count", false}, {"logging_dropped_count", false}},
				GroupDimensions: []dim{{GroupKey: "user_id", Pipelines: []pl{keep("err", `{ status = "error" }`)}}}}}.js()},
			{0, "m-rum", doc{Version: 1, RUM: &sec{DataTTL: "2s",
				BuiltinMetrics:  []bm{{"rum_total_count", false}},
				GroupDimensions: []dim{{GroupKey: "session_id", Pipelines: []pl{sample("all", 1, "")}}}}}.js()},
			{0, "m-all-on", doc{Version: 1, Trace: &sec{DataTTL: "2s", Pipelines: []pl{keep("err", `{ status = "error" }`)}},
				Logging: &sec{DataTTL: "2s", GroupDimensions: []dim{{GroupKey: "user_id", Pipelines: []pl{keep("err", `{ status = "error" }`)}}}}}.js()},
		},
	}
	for _, tok := range []string{"m-trace-some", "m-trace-none", "m-all-on"} {
		sc.traffic = append(sc.traffic, condCorpus(1, tok)...)
	}
	for _, tok := range []string{"m-logging", "m-all-on"} {
		sc.traffic = append(sc.traffic, logs(1, tok,
			logp(tok+"-l1", tg("user_id", "u1"), tg("status", "error")),
			logp(tok+"-l2", tg("user_id", "u2"), tg("status", "info")),
			logp(tok+"-l3", tg("user_id", "u1"), tg("status", "info"))))
	}
	sc.traffic = append(sc.traffic, rums(1, "m-rum", rump("m-rum-v1", tg("session_id", "s1")), rump("m-rum-v2", tg("session_id", "s2"))))
	return sc
}

// configChanges: new versions mid-stream, a shortened TTL on open groups, same-version
// re-sends with invalid content, a refused new version.
func configChanges() *scenario {
	return &scenario{
		name: "config-changes",
		doc:  "mid-stream config changes: a new version shortening data_ttl while groups are open, the same version re-sent with invalid content (ignored), a refused new version (the previous stays), new pipelines",
		configs: []push{
			{0, "T1", traceDoc(1, "30s", keep("errors", `{ status = "error" }`))},
			// New version, TTL 30 s -> 3 s: open groups follow it on their next packet.
			{4, "T1", traceDoc(2, "3s", keep("errors", `{ status = "error" }`))},
			// Same version, invalid content: ignored by both, v2 stays in force.
			{5, "T1", traceDoc(2, "3s", keep("broken", `{ status = `))},
			{5, "T1", `{"version": 2, "trace": {"pipelines": [{"name": "x", "type": "bogus"}]}}`},
			// A new version that is invalid: refused, v2 stays in force.
			{6, "T1", traceDoc(3, "3s", keep("broken", `{ status = `))},
			{6, "T1", traceDoc(4, "3s", pl{Name: "bad-action", Type: "condition", Condition: `{ 1 = 1 }`, Action: "maybe"})},
			// New pipelines from tick 12: keep everything.
			{12, "T1", traceDoc(5, "3s", keep("all", `{ 1 = 1 }`))},
		},
		traffic: []send{
			traces(1, "T1", span("tr-open", "s1", tg("status", "error")), span("tr-idle", "s1", tg("status", "error")),
				span("tr-ok", "s1", tg("status", "ok"))),
			// tr-open gets a packet after v2: re-slotted to 7+3; tr-idle keeps its 31.
			traces(7, "T1", span("tr-open", "s2", tg("status", "ok"))),
			traces(8, "T1", span("tr-new", "s1", tg("status", "error")), span("tr-new-ok", "s1", tg("status", "ok"))),
			// Ingested under v2, decided under v5 (the config in force at the decision).
			traces(11, "T1", span("tr-switch", "s1", tg("status", "ok"))),
			traces(13, "T1", span("tr-v5", "s1", tg("status", "ok"))),
		},
	}
}

// configValidation: configs each engine must accept or refuse the same way (no traffic: a
// token without a config holds its packets in our engine, the reference drops them).
func configValidation() *scenario {
	sc := &scenario{name: "config-validation", doc: "config outcomes: accepted or refused, one token per document", perToken: true}
	docs := map[string]string{
		"v-ok-all-sections":     doc{Version: 1, Trace: &sec{}, Logging: &sec{}, RUM: &sec{}}.js(),
		"v-bad-action":          traceDoc(1, "", pl{Name: "x", Type: "condition", Condition: `{ 1 = 1 }`, Action: "maybe"}),
		"v-no-action":           traceDoc(1, "", pl{Name: "x", Type: "condition", Condition: `{ 1 = 1 }`}),
		"v-bad-type":            traceDoc(1, "", pl{Name: "x", Type: "bogus"}),
		"v-bad-condition":       traceDoc(1, "", keep("x", `{ status = `)),
		"v-bad-regex":           traceDoc(1, "", keep("x", `{ status = re("(") }`)),
		"v-match-re-list":       traceDoc(1, "", keep("x", `{ resource MATCH [re("^/h")] }`)),
		"v-rate-over-one":       traceDoc(1, "", sample("x", 1.5, "")),
		"v-rate-negative":       traceDoc(1, "", sample("x", -0.5, "")),
		"v-rate-zero":           traceDoc(1, "", sample("x", 0, `{ 1 = 1 }`)),
		"v-trace-group-key":     doc{Version: 1, Trace: &sec{GroupKey: "span_id"}}.js(),
		"v-trace-group-key-ok":  doc{Version: 1, Trace: &sec{GroupKey: "trace_id"}}.js(),
		"v-derived-metrics":     doc{Version: 1, Trace: &sec{DerivedMetrics: []dmCfg{{Name: "m", Type: "count"}}}}.js(),
		"v-dim-no-group-key":    doc{Version: 1, Logging: &sec{GroupDimensions: []dim{{GroupKey: "", Pipelines: []pl{sample("x", 1, "")}}}}}.js(),
		"v-ttl-bad-string":      traceDoc(1, "five seconds"),
		"v-empty-condition":     traceDoc(1, "", keep("x", "")),
		"v-unknown-key":         `{"version": 1, "trace": {"pipelines": [], "colour": "blue"}, "extra": true}`,
		"v-not-json":            `{"version": 1, "trace": `,
		"v-empty-doc":           `{}`,
		"v-null-sections":       `{"version": 3, "trace": null, "logging": null, "rum": null}`,
		"v-version-string":      `{"version": "1", "trace": {}}`,
		"v-ttl-bool":            `{"version": 1, "trace": {"data_ttl": true}}`,
		"v-pipelines-not-array": `{"version": 1, "trace": {"pipelines": {}}}`,
		// Conditions both engines refuse.
		"v-cond-eqeq":           traceDoc(1, "", keep("x", `{ status == "error" }`)),
		"v-cond-dot-number":     traceDoc(1, "", keep("x", `{ ratio = .5 }`)),
		"v-cond-div-zero":       traceDoc(1, "", keep("x", `{ count / 0 = 1 }`)),
		"v-cond-lit-in":         traceDoc(1, "", keep("x", `{ 1 IN [1] }`)),
		"v-cond-match-name":     traceDoc(1, "", keep("x", `{ resource MATCH [status] }`)),
		"v-cond-match-bq":       traceDoc(1, "", keep("x", "{ resource MATCH [`^/a`] }")),
		"v-cond-match-int":      traceDoc(1, "", keep("x", `{ resource MATCH [1] }`)),
		"v-cond-duration":       traceDoc(1, "", keep("x", `{ duration > 5m }`)),
		"v-cond-bare-term":      traceDoc(1, "", keep("x", `{ status }`)),
		"v-cond-no-braces":      traceDoc(1, "", keep("x", `status = "error"`)),
		"v-cond-no-semicolon":   traceDoc(1, "", keep("x", `{ a = 1 } { b = 2 }`)),
		"v-cond-in-no-list":     traceDoc(1, "", keep("x", `{ status IN "error" }`)),
		"v-cond-reserved":       traceDoc(1, "", keep("x", `{ limit = 1 }`)),
		"v-cond-neg-name":       traceDoc(1, "", keep("x", `{ count = -count }`)),
		"v-cond-ident-fn-name":  traceDoc(1, "", keep("x", `{ identifier(status) = 1 }`)),
		"v-cond-call":           traceDoc(1, "", keep("x", `{ f(a, [1, b], c = 2) }`)),
		"v-cond-dot-after-call": traceDoc(1, "", keep("x", `{ f(). = 1 }`)),
		"v-cond-cascade-name":   traceDoc(1, "", keep("x", `{ f().g = 1 }`)),
		"v-cond-paren-dot":      traceDoc(1, "", keep("x", `{ (a).b = 1 }`)),
		// Conditions both engines accept (and never match).
		"v-cond-arith":      traceDoc(1, "", keep("x", `{ count * 2 > 1 }`)),
		"v-cond-and-leaf":   traceDoc(1, "", keep("x", `{ a AND b }`)),
		"v-cond-paren-leaf": traceDoc(1, "", keep("x", `{ (a) }`)),
	}
	for _, tok := range sortedKeys(docs) {
		sc.configs = append(sc.configs, push{0, tok, docs[tok]})
	}
	return sc
}

// probabilistic: sampling rates over many traces.
func probabilistic() *scenario {
	sc := &scenario{
		name:     "probabilistic",
		doc:      "probabilistic pipelines: rates 0.1, 0.5, 0.999 and 1 over 40 traces, with and without a condition",
		perToken: true,
		configs: []push{
			{0, "p-10", traceDoc(1, "2s", sample("s", 0.1, ""))},
			{0, "p-50", traceDoc(1, "2s", sample("s", 0.5, ""))},
			{0, "p-999", traceDoc(1, "2s", sample("s", 0.999, ""))},
			{0, "p-100", traceDoc(1, "2s", sample("s", 1, ""))},
			{0, "p-cond", traceDoc(1, "2s", sample("s", 0.5, `{ status = "error" }`), keep("k", `{ 1 = 1 }`))},
		},
	}
	for _, tok := range []string{"p-10", "p-50", "p-999", "p-100", "p-cond"} {
		var pts []pt
		for i := 0; i < 40; i++ {
			status := "ok"
			if i%2 == 0 {
				status = "error"
			}
			pts = append(pts, span(fmt.Sprintf("%x-%d", i*7919, i), "s1", tg("status", status)))
		}
		sc.traffic = append(sc.traffic, traces(1, tok, pts...))
	}
	return sc
}

// windowBoundary: metric records exactly on and around a 30 s window boundary.
func windowBoundary() *scenario {
	return &scenario{
		name:    "window-boundary",
		doc:     "metric records exactly on a window boundary (+30 s, +60 s) and just around it; decisions after the window was flushed",
		configs: []push{{0, "T1", traceDoc(1, "5s", keep("errors", `{ status = "error" }`))}},
		traffic: []send{
			traces(27, "T1", span("tr-on", "s1", tg("status", "error")).atTime(30*time.Second)),
			traces(27, "T1", span("tr-before", "s1").atTime(30*time.Second-time.Millisecond)),
			traces(28, "T1", span("tr-after", "s1").atTime(30*time.Second+time.Millisecond)),
			traces(29, "T1", span("tr-60", "s1", tg("status", "error")).atTime(60*time.Second)),
			traces(31, "T1", span("tr-old", "s1").atTime(29*time.Second)),
			traces(40, "T1", span("tr-late-point", "s1", tg("status", "error")).atTime(3*time.Second)),
		},
	}
}

// hintsKept: packets that keep their span-predicate hints; no pipeline compiles to
// predicates, so the reference reads the points, as ours always does.
func hintsKept() *scenario {
	return &scenario{
		name:      "hints-kept",
		doc:       "packets carrying span-predicate hints, with pipelines the reference cannot compile to predicates (its fast path stays off)",
		keepHints: true,
		configs: []push{{0, "T1", traceDoc(1, "2s",
			keep("api-errors", `{ resource = "/api" AND status = "error" }`),
			keep("slow", `{ duration > 1500 }`))}},
		traffic: []send{
			traces(1, "T1",
				span("tr-1", "s1", fl("parent_id", "0"), tg("status", "error"), tg("resource", "/api")),
				span("tr-2", "s1", fl("parent_id", "0"), tg("status", "error"), tg("resource", "/other")),
				span("tr-3", "s1", fl("parent_id", "0"), tg("status", "ok"), fl("duration", int64(2000))),
				span("tr-4", "s1", fl("parent_id", "0"), fl("trace_keep", true), tg("http_status_code", "503"))),
		},
	}
}

// bigTraces: traces of many spans, over several packets, most of them zstd.
func bigTraces() *scenario {
	sc := &scenario{
		name: "big-traces",
		doc:  "three traces of 150-300 spans in packets of 50, an error deep inside one",
		configs: []push{{0, "T1", traceDoc(1, "4s",
			keep("errors", `{ status = "error" }`),
			keep("slow-root", `{ parent_id = "0" AND duration > 200000 }`))}},
	}
	for n, spans := range []int{150, 300, 200} {
		trace := fmt.Sprintf("big-%d", n)
		for start := 0; start < spans; start += 50 {
			var pts []pt
			for i := start; i < start+50 && i < spans; i++ {
				status := "ok"
				if n == 1 && i == 277 {
					status = "error"
				}
				parent := "s0"
				if i == 0 {
					parent = "0"
				}
				pts = append(pts, span(trace, fmt.Sprintf("s%d", i), fl("parent_id", parent), tg("status", status),
					tg("resource", fmt.Sprintf("/op/%d", i%17)), fl("duration", int64(1000*(n+1)*(i%7+1)))))
			}
			sc.traffic = append(sc.traffic, traces(1+start/100, "T1", pts...))
		}
	}
	return sc
}

// ttlClamp: a data_ttl over the reference's 3599 s wheel.
func ttlClamp() *scenario {
	return &scenario{
		name: "ttl-clamp",
		doc:  "data_ttl of 2h: clamped to 3599 s by both",
		configs: []push{
			{0, "T1", traceDoc(1, "2h", keep("errors", `{ status = "error" }`))},
			{0, "T2", traceDoc(1, int64(3599*time.Second), keep("errors", `{ status = "error" }`))},
		},
		traffic: []send{
			traces(1, "T1", span("tr-1", "s1", tg("status", "error")), span("tr-2", "s1")),
			traces(1, "T2", span("tr-1", "s1", tg("status", "error")), span("tr-2", "s1")),
		},
	}
}
