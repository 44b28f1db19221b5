package conformance

// Conditions generated at random from the reference's expression grammar (and damaged at
// random, so that some do not parse), run through both engines like the hand-written
// condition scenarios: every condition the reference accepts gets a token and the five-trace
// corpus, every one it refuses a token without traffic, so config outcomes, decisions and
// metrics are compared for all of them.
//
// Scenario "grammar-fuzz" compares compat "reference" only: the random conditions hit the
// documented deviations of the default mode (a parenthesised term, a leading `;`,
// `IN [.., nil]`, `!= re()`) without declaring them. Scenario "grammar-fuzz-default" holds
// the conditions without a deviation (none of their config warnings says the two engines
// differ, per ValidateConfig's findings) and compares both modes.
//
// The generator is deterministic; CONFORMANCE_GRAMMAR_SEED and CONFORMANCE_GRAMMAR_N choose
// another seed and count (for longer runs by hand).

import (
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"

	tailsampling "github.com/tailsampling/tailsampling-go"
)

// grammarGen writes random conditions.
type grammarGen struct {
	r     *rand.Rand
	depth int
}

var (
	grammarKeys = []string{"status", "resource", "count", "ucount", "ratio", "flag", "msg",
		"http_status_code", "parent_id", "duration", "trace_keep", "body_code", "nokey", "a.b",
		"`a.b`", "`my-key`", "STATUS", "identifier(\"status\")"}
	grammarValues = []string{`"error"`, `"ok"`, `'ERROR'`, `"/health"`, `"/api/b"`, `""`,
		`"hello world"`, `"0"`, `"500"`, "10", "3", "-5", "0x1f", "100", "31", "0.5", "1.5",
		"-0.25", "1e2", "true", "false", "TRUE", "nil", "null", "`error`", "7"}
	grammarRegexes = []string{`"^/api"`, `"^h"`, `"o"`, `"^[45][0-9][0-9]$"`, `"(?i)^error$"`,
		`""`, `"ERROR|warn"`}
	// Invalid regexes go into MATCH lists only: in `= re(...)` the reference keeps a nil
	// regex and crashes on the first point whose key holds a string (not replicated).
	grammarBadRegexes = []string{`"("`, `"[z-a]"`}
	grammarCmp        = []string{"=", "!=", "<", "<=", ">", ">="}
	grammarList       = []string{"IN", "NOTIN", "not_in", "MATCH", "NOTMATCH", "in", "match"}
	grammarArith      = []string{"+", "-", "*", "/", "%", "^"}
	grammarJoin       = []string{" AND ", " OR ", " and ", " || ", " && "}
	// Damage: tokens inserted at random.
	grammarNoise = []string{"{", "}", "(", ")", "[", "]", ",", ";", "=", "==", "!", "AND", "IN",
		"re(", "\"", "`", ".", "1", "a", "#", "\n", "0/0"}
)

func (g *grammarGen) pick(xs []string) string { return xs[g.r.IntN(len(xs))] }

// operand: a key, a value, re(), a call, `*`, parentheses, arithmetic.
func (g *grammarGen) operand() string {
	switch n := g.r.IntN(20); {
	case n < 8:
		return g.pick(grammarKeys)
	case n < 15:
		return g.pick(grammarValues)
	case n == 15:
		return "re(" + g.pick(grammarRegexes) + ")"
	case n == 16 && g.depth < 3:
		g.depth++
		defer func() { g.depth-- }()
		call := "f(" + g.operand() + ", [" + g.pick(grammarValues) + "])"
		if g.r.IntN(3) == 0 {
			call += ".g(" + g.operand() + ")"
		}
		return call
	case n == 17:
		return "*"
	case n == 18 && g.depth < 3:
		g.depth++
		defer func() { g.depth-- }()
		return "(" + g.operand() + ")"
	default:
		return g.pick(grammarKeys) + " " + g.pick(grammarArith) + " " + g.pick(grammarValues)
	}
}

func (g *grammarGen) list(match bool) string {
	var items []string
	for range g.r.IntN(4) {
		switch {
		case match && g.r.IntN(10) == 0:
			items = append(items, g.pick(grammarBadRegexes))
		case match && g.r.IntN(8) > 0:
			items = append(items, g.pick(grammarRegexes))
		case g.r.IntN(6) == 0:
			items = append(items, g.pick(grammarKeys))
		default:
			items = append(items, g.pick(grammarValues))
		}
	}
	return "[" + strings.Join(items, ", ") + "]"
}

// expr: comparisons, list tests and regex equalities joined by AND/OR, with parentheses.
func (g *grammarGen) expr() string {
	n := g.r.IntN(12)
	switch {
	case n < 5:
		return g.operand() + " " + g.pick(grammarCmp) + " " + g.operand()
	case n < 8:
		op := g.pick(grammarList)
		match := strings.Contains(strings.ToLower(op), "match")
		return g.pick(grammarKeys) + " " + op + " " + g.list(match)
	case n < 10 && g.depth < 4:
		g.depth++
		defer func() { g.depth-- }()
		return g.expr() + g.pick(grammarJoin) + g.expr()
	case n < 11 && g.depth < 4:
		g.depth++
		defer func() { g.depth-- }()
		return "(" + g.expr() + ")"
	default:
		return g.operand()
	}
}

func (g *grammarGen) condition() string {
	var blocks []string
	for range 1 + g.r.IntN(3) {
		var terms []string
		for range g.r.IntN(4) {
			terms = append(terms, g.expr())
		}
		blocks = append(blocks, "{ "+strings.Join(terms, ", ")+" }")
	}
	src := strings.Join(blocks, "; ")
	if g.r.IntN(10) == 0 {
		src = ";" + src
	}
	if g.r.IntN(4) == 0 { // damage it
		words := strings.Fields(src)
		at := g.r.IntN(len(words) + 1)
		words = append(words[:at], append([]string{g.pick(grammarNoise)}, words[at:]...)...)
		src = strings.Join(words, " ")
	}
	return src
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil {
		return v
	}
	return def
}

// grammarFuzz returns the scenarios of generated conditions: all of them (compat "reference"
// only), and those without a documented deviation (both modes).
func grammarFuzz() []*scenario {
	seed := uint64(envInt("CONFORMANCE_GRAMMAR_SEED", 1))
	n := envInt("CONFORMANCE_GRAMMAR_N", 300)
	g := &grammarGen{r: rand.New(rand.NewPCG(seed, 0x7a11))}
	all := &scenario{
		name: "grammar-fuzz", perToken: true, referenceOnly: true,
		doc: fmt.Sprintf("%d conditions generated from the reference's grammar (seed %d), some damaged", n, seed),
	}
	plain := &scenario{
		name: "grammar-fuzz-default", perToken: true,
		doc: fmt.Sprintf("the conditions of grammar-fuzz (seed %d) without a documented deviation", seed),
	}
	for i := range n {
		token := fmt.Sprintf("g%04d", i)
		js := traceDoc(1, "2s", keep("p", g.condition()))
		deviates := deviation(js)
		for _, sc := range []*scenario{all, plain} {
			if sc == plain && deviates {
				continue
			}
			sc.configs = append(sc.configs, push{0, token, js})
			// Traffic only where the reference has a config: ours would hold the packets of
			// a token without one as pending (412), the reference drops them.
			if cfg, err := refConfig(js); err == nil && newRef().p.UpdateConfig(token, cfg) == nil {
				sc.traffic = append(sc.traffic, condCorpus(1, token)...)
			}
		}
	}
	return []*scenario{all, plain}
}

// deviation reports whether our engine, in its default mode, evaluates something in config
// js differently from the reference: a finding of ValidateConfig that says what each does
// and where the two differ. A config that does not validate has none.
func deviation(js string) bool {
	report, err := tailsampling.ValidateConfig([]byte(js), nil)
	if err != nil {
		return false
	}
	for _, f := range report.Findings {
		if f.Reference != "" && f.Reference != f.Ours {
			return true
		}
	}
	return false
}
