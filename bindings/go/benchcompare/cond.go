package main

// The harness's own reading of the keep conditions of a config, for the model (model.go): the
// small part of the condition language the benchmark configs use, evaluated on one point at a
// time as the reference's filter does. A condition is one `{ ... }` of comparisons joined by
// AND:
//
//	key = "text"               the first field or tag named key is a string equal to text
//	key = re("regexp")         ... a string the regexp matches (Go syntax, unanchored)
//	key MATCH ["re1", "re2"]   ... a string one of the regexps matches
//	key > 123 (>=, <, <=)      ... an integer field in that relation
//
// A point without the key, or with a value of another type, does not match (a float field
// does not compare with an integer literal). Anything else is refused: the model would not
// know what it means.

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// cmpOp is the operator of one comparison.
type cmpOp int

const (
	opEq cmpOp = iota
	opGT
	opGE
	opLT
	opLE
)

// comparison is `key op value`.
type comparison struct {
	key  string
	op   cmpOp
	str  string           // opEq with a string literal
	res  []*regexp.Regexp // opEq with re(...), or MATCH
	num  int64            // the ordering operators
	isRe bool
}

// condition is the AND of its comparisons.
type condition struct {
	text  string
	parts []comparison
}

// matches reports whether one point satisfies every comparison.
func (c *condition) matches(p *point) bool {
	for i := range c.parts {
		if !c.parts[i].matches(p) {
			return false
		}
	}
	return true
}

func (c *comparison) matches(p *point) bool {
	f, ok := p.get(c.key)
	if !ok {
		return false
	}
	if c.op != opEq {
		if f.Kind != kindInt {
			return false
		}
		switch c.op {
		case opGT:
			return f.I > c.num
		case opGE:
			return f.I >= c.num
		case opLT:
			return f.I < c.num
		default:
			return f.I <= c.num
		}
	}
	if f.Kind != kindString {
		return false
	}
	if !c.isRe {
		return f.S == c.str
	}
	for _, re := range c.res {
		if re.MatchString(f.S) {
			return true
		}
	}
	return false
}

// condLexer splits a condition into tokens: punctuation, quoted strings (unquoted) and words.
type condLexer struct {
	s   string
	pos int
}

type condToken struct {
	kind byte // 'w' word, 's' string, or the punctuation character; 0 at the end
	text string
}

func (l *condLexer) next() (condToken, error) {
	for l.pos < len(l.s) && (l.s[l.pos] == ' ' || l.s[l.pos] == '\t' || l.s[l.pos] == '\n') {
		l.pos++
	}
	if l.pos == len(l.s) {
		return condToken{}, nil
	}
	c := l.s[l.pos]
	switch {
	case c == '"':
		end := l.pos + 1
		for end < len(l.s) && l.s[end] != '"' {
			if l.s[end] == '\\' {
				end++
			}
			end++
		}
		if end >= len(l.s) {
			return condToken{}, fmt.Errorf("unterminated string at %d", l.pos)
		}
		text, err := strconv.Unquote(l.s[l.pos : end+1])
		if err != nil {
			return condToken{}, fmt.Errorf("string at %d: %w", l.pos, err)
		}
		l.pos = end + 1
		return condToken{'s', text}, nil
	case c == '>' || c == '<':
		l.pos++
		if l.pos < len(l.s) && l.s[l.pos] == '=' {
			l.pos++
			return condToken{c, string(c) + "="}, nil
		}
		return condToken{c, string(c)}, nil
	case strings.IndexByte("{}[](),=", c) >= 0:
		l.pos++
		return condToken{c, string(c)}, nil
	}
	start := l.pos
	for l.pos < len(l.s) && strings.IndexByte(" \t\n{}[](),=<>\"", l.s[l.pos]) < 0 {
		l.pos++
	}
	if start == l.pos {
		return condToken{}, fmt.Errorf("unexpected %q at %d", c, start)
	}
	return condToken{'w', l.s[start:l.pos]}, nil
}

// parseCondition reads one condition of the subset above.
func parseCondition(text string) (*condition, error) {
	l := &condLexer{s: text}
	var toks []condToken
	for {
		t, err := l.next()
		if err != nil {
			return nil, fmt.Errorf("condition %s: %w", text, err)
		}
		if t.kind == 0 {
			break
		}
		toks = append(toks, t)
	}
	bad := func(why string) (*condition, error) {
		return nil, fmt.Errorf("condition %s: %s (the harness's model reads only { key = \"s\" | key = re(\"r\") | "+
			"key MATCH [\"r\", ...] | key > 1 ... AND ... })", text, why)
	}
	if len(toks) < 2 || toks[0].kind != '{' || toks[len(toks)-1].kind != '}' {
		return bad("not one { ... }")
	}
	toks = toks[1 : len(toks)-1]
	c := &condition{text: text}
	for i := 0; ; {
		if i+2 >= len(toks) || toks[i].kind != 'w' {
			return bad("expected key, operator, value")
		}
		cmp := comparison{key: toks[i].text}
		op := toks[i+1]
		i += 2
		switch {
		case op.kind == '=':
			switch {
			case toks[i].kind == 's':
				cmp.str = toks[i].text
				i++
			case toks[i].kind == 'w' && toks[i].text == "re" && i+3 < len(toks) &&
				toks[i+1].kind == '(' && toks[i+2].kind == 's' && toks[i+3].kind == ')':
				re, err := regexp.Compile(toks[i+2].text)
				if err != nil {
					return bad(err.Error())
				}
				cmp.isRe, cmp.res = true, []*regexp.Regexp{re}
				i += 4
			default:
				return bad("= takes a string or re(\"...\")")
			}
		case op.kind == 'w' && strings.EqualFold(op.text, "MATCH"):
			if toks[i].kind != '[' {
				return bad("MATCH takes a list")
			}
			cmp.isRe = true
			for i++; ; i++ {
				if i+1 >= len(toks) || toks[i].kind != 's' {
					return bad("MATCH takes a list of strings")
				}
				re, err := regexp.Compile(toks[i].text)
				if err != nil {
					return bad(err.Error())
				}
				cmp.res = append(cmp.res, re)
				i++
				if toks[i].kind == ']' {
					i++
					break
				}
				if toks[i].kind != ',' {
					return bad("MATCH takes a list of strings")
				}
			}
		case op.kind == '>' || op.kind == '<':
			n, err := strconv.ParseInt(toks[i].text, 10, 64)
			if toks[i].kind != 'w' || err != nil {
				return bad(op.text + " takes an integer")
			}
			cmp.num = n
			cmp.op = map[string]cmpOp{">": opGT, ">=": opGE, "<": opLT, "<=": opLE}[op.text]
			i++
		default:
			return bad("unsupported operator " + op.text)
		}
		c.parts = append(c.parts, cmp)
		if i == len(toks) {
			return c, nil
		}
		if toks[i].kind != 'w' || !strings.EqualFold(toks[i].text, "AND") {
			return bad("comparisons are joined by AND only")
		}
		i++
	}
}
